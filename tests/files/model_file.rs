//! Model files: saving and loading change no bit of any weight; every
//! mistake a hand-edited file can hold comes back as an error naming the
//! file and the place (line and column) or the layer and field; saving is all
//! or nothing; and no input makes the reader panic.

use dualpath::io::data::{Normalization, coffee};
use dualpath::io::model::Model;
use dualpath::train::optim::Sgd;
use dualpath::{Activation, Dense, DenseGradients, Error, Gradients, Loss, Network};
use nalgebra::{DMatrix, DVector, dmatrix, dvector};
use proptest::prelude::*;
use std::path::Path;

/// The notes' 2-25-15-1 network with a normalisation adapted to the coffee data.
fn notes_model() -> Model {
    use Activation::*;
    let network = Network::<f64>::new(2, &[(25, Sigmoid), (15, Relu), (1, Tanh)], 7).unwrap();
    let norm = Normalization::adapt(&coffee().x).unwrap();
    Model::new(network, Some(norm)).unwrap()
}

/// Every weight and normalisation value of a model, as bits.
fn bits(model: &Model) -> Vec<u64> {
    let mut out = Vec::new();
    for layer in model.network.layers() {
        out.extend(layer.w().iter().map(|v| v.to_bits()));
        out.extend(layer.b().iter().map(|v| v.to_bits()));
    }
    if let Some(norm) = &model.normalization {
        out.extend(norm.mean.iter().chain(&norm.std).map(|v| v.to_bits()));
    }
    out
}

fn assert_same_bits(a: &Model, b: &Model) {
    let (x, y) = (bits(a), bits(b));
    assert_eq!(x.len(), y.len());
    let differing = x.iter().zip(&y).filter(|(p, q)| p != q).count();
    assert_eq!(differing, 0, "{differing} of {} values changed", x.len());
    assert_eq!(a, b);
}

/// A one-layer model whose kernel is `values` (one row) and whose bias is 0.
fn one_row_model(values: &[f64]) -> Model {
    let w = DMatrix::from_row_slice(1, values.len(), values);
    let layer = Dense::new(w, DVector::zeros(values.len()), Activation::Linear).unwrap();
    Model::new(Network::from_layers(vec![layer]).unwrap(), None).unwrap()
}

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

#[test]
fn saved_model_loads_back_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    let model = notes_model();
    model.save(&path).unwrap();
    let loaded = Model::load(&path).unwrap();
    assert_same_bits(&model, &loaded);
    assert_eq!(loaded.network.widths(), [2, 25, 15, 1]);
    let activations: Vec<_> = loaded
        .network
        .layers()
        .iter()
        .map(|l| l.activation())
        .collect();
    use Activation::*;
    assert_eq!(activations, [Sigmoid, Relu, Tanh]);
}

#[test]
fn numbers_that_need_all_17_digits_round_trip() {
    // Values chosen to be hard: 17 significant digits (a correctly rounded
    // reader is needed; a fast approximate one gets some of these one unit in
    // the last place wrong), subnormals, the extremes, and negative zero.
    let values = [
        0.38839528149081604,
        -0.45323833485035203,
        0.1 + 0.2,
        1.0 / 3.0,
        5e-324,
        2.2250738585072014e-308,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        -0.0,
        1e-7,
        123456789012345680.0,
    ];
    let model = one_row_model(&values);
    let text = model.to_json_string().unwrap();
    let loaded = Model::from_json_str(&text, "model.json").unwrap();
    assert_same_bits(&model, &loaded);
    assert!(loaded.network.layers()[0].w()[(0, 9)].is_sign_negative());
}

#[test]
fn hand_written_numbers_are_read_with_correct_rounding() {
    let cases = [
        "0.38839528149081604",
        "3.141592653589793238462643383279",
        "1E2",
        "-2.5e-3",
        "9007199254740993",
        "0.1",
        "2.2250738585072011e-308",
        "1e23",
        "123456789012345678901234567890",
        "-0",
        "0.30000000000000004440892098500626161694526672363281250001",
    ];
    for case in cases {
        let text = format!(
            r#"{{"layers": [{{"units": 1, "activation": "linear", "kernel": [[{case}]], "bias": [0]}}]}}"#
        );
        let model = Model::from_json_str(&text, "model.json").unwrap();
        let read = model.network.layers()[0].w()[(0, 0)];
        assert_eq!(
            read.to_bits(),
            case.parse::<f64>().unwrap().to_bits(),
            "{case}"
        );
    }
}

#[test]
fn written_file_is_pretty_with_one_kernel_row_per_line() {
    let layer = Dense::new(
        dmatrix![0.5, -1.0, 2.0; 0.25, 0.0, 1e-7],
        dvector![0.0, 1.0, -1.0],
        Activation::Sigmoid,
    )
    .unwrap();
    let norm = Normalization::new(vec![1.0, 2.0], vec![0.5, 3.0]).unwrap();
    let model = Model::new(Network::from_layers(vec![layer]).unwrap(), Some(norm)).unwrap();
    let expected = r#"{
  "layers": [
    {
      "units": 3,
      "activation": "sigmoid",
      "kernel": [
        [0.5, -1.0, 2.0],
        [0.25, 0.0, 1e-7]
      ],
      "bias": [0.0, 1.0, -1.0]
    }
  ],
  "normalization": {
    "mean": [1.0, 2.0],
    "std": [0.5, 3.0]
  }
}
"#;
    assert_eq!(model.to_json_string().unwrap(), expected);
}

#[test]
fn file_without_normalization_omits_it_and_null_means_none() {
    let model = one_row_model(&[1.0, 2.0]);
    let text = model.to_json_string().unwrap();
    assert!(!text.contains("normalization"), "{text}");
    let with_null =
        text.trim_end().trim_end_matches('}').to_string() + ", \"normalization\": null}";
    let loaded = Model::from_json_str(&with_null, "model.json").unwrap();
    assert_eq!(loaded.normalization, None);
}

#[test]
fn keys_may_come_in_any_order_and_activation_names_ignore_case() {
    let text = r#"{"normalization": {"std": [2], "mean": [1]},
                   "layers": [{"bias": [0.5], "kernel": [[3]], "activation": "ReLU", "units": 1}]}"#;
    let model = Model::from_json_str(text, "model.json").unwrap();
    assert_eq!(model.network.layers()[0].activation(), Activation::Relu);
    assert_eq!(model.normalization.unwrap().std, [2.0]);
}

#[test]
fn a_hundred_thousand_random_weights_round_trip_bit_for_bit() {
    // Random bit patterns cover every exponent, so most values need 16 or 17
    // significant digits; each must read back as the very same `f64`.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let values: Vec<f64> = std::iter::repeat_with(|| f64::from_bits(next()))
        .filter(|v| v.is_finite())
        .take(100_000)
        .collect();
    let model = one_row_model(&values);
    let text = model.to_json_string().unwrap();
    let loaded = Model::from_json_str(&text, "model.json").unwrap();
    assert_same_bits(&model, &loaded);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_finite_weights_round_trip_bit_for_bit(
        values in proptest::collection::vec(
            any::<f64>().prop_filter("finite", |v| v.is_finite()), 1..20)
    ) {
        let model = one_row_model(&values);
        let text = model.to_json_string().unwrap();
        let loaded = Model::from_json_str(&text, "model.json").unwrap();
        prop_assert_eq!(bits(&model), bits(&loaded));
    }
}

// ---------------------------------------------------------------------------
// Using a model
// ---------------------------------------------------------------------------

#[test]
fn network_input_normalises_when_the_model_says_so() {
    let model = notes_model();
    let x = coffee().x;
    let norm = model.normalization.as_ref().unwrap();
    assert_eq!(model.network_input(&x).unwrap(), norm.apply(&x));
    let plain = Model::new(model.network.clone(), None).unwrap();
    assert_eq!(plain.network_input(&x).unwrap(), x);
    assert_eq!(plain.n_in(), 2);
}

#[test]
fn network_input_rejects_data_of_the_wrong_width() {
    let model = notes_model();
    let err = model.network_input(&dmatrix![1.0, 2.0, 3.0]).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err:?}");
}

#[test]
fn model_new_rejects_a_normalization_of_the_wrong_width() {
    let network = Network::<f64>::new(2, &[(1, Activation::Linear)], 0).unwrap();
    let norm = Normalization::new(vec![0.0; 3], vec![1.0; 3]).unwrap();
    assert!(matches!(
        Model::new(network, Some(norm)),
        Err(Error::Shape { .. })
    ));
}

// ---------------------------------------------------------------------------
// Saving and loading files
// ---------------------------------------------------------------------------

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn save_replaces_an_existing_file_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    std::fs::write(&path, "old contents").unwrap();
    let model = notes_model();
    model.save(&path).unwrap();
    model.save(&path).unwrap();
    assert_eq!(files_in(dir.path()), ["model.json"]);
    assert_eq!(Model::load(&path).unwrap(), model);
}

#[test]
fn save_into_a_missing_folder_errors_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("model.json");
    let err = notes_model().save(&path).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
    assert!(message.contains("does not exist"), "{message}");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn save_onto_a_folder_errors_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("taken");
    std::fs::create_dir(&target).unwrap();
    let err = notes_model().save(&target).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("taken"), "{err}");
    assert_eq!(files_in(dir.path()), ["taken"]);
}

#[test]
fn save_refuses_a_network_with_non_finite_weights() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    let mut model = one_row_model(&[1.0]);
    let grads = Gradients {
        layers: vec![DenseGradients {
            dw: dmatrix![f64::MAX],
            db: dvector![0.0],
        }],
    };
    Sgd {
        learning_rate: f64::MAX,
    }
    .step(&mut model.network, &grads); // 1 - MAX·MAX = -∞
    let err = model.save(&path).unwrap_err();
    assert!(matches!(err, Error::NonFinite { .. }), "{err:?}");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn load_missing_file_is_an_io_error_naming_the_path() {
    let err = Model::load(Path::new("no/such/model.json")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().starts_with("no/such/model.json: "), "{err}");
}

#[test]
fn load_of_non_utf8_bytes_is_a_model_error_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    std::fs::write(&path, b"{\n  \"layers\xff\": []}").unwrap();
    let err = Model::load(&path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Model {
                at: Some((2, 10)),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("not UTF-8"), "{err}");
}

// ---------------------------------------------------------------------------
// Every mistake, with its message
// ---------------------------------------------------------------------------

/// A valid two-layer file (2 → 3 → 1), to break one piece at a time.
const GOOD: &str = r#"{
  "layers": [
    {
      "units": 3,
      "activation": "sigmoid",
      "kernel": [
        [1, 2, 3],
        [4, 5, 6]
      ],
      "bias": [0, 0, 0]
    },
    {
      "units": 1,
      "activation": "linear",
      "kernel": [[1], [2], [3]],
      "bias": [0.5]
    }
  ],
  "normalization": {"mean": [0, 0], "std": [1, 1]}
}
"#;

/// The message of the error from reading `text` as `model.json`.
fn message(text: &str) -> String {
    match Model::from_json_str(text, "model.json") {
        Err(e @ Error::Model { .. }) => {
            let m = e.to_string();
            assert!(m.starts_with("model.json"), "{m}");
            m
        }
        other => panic!("expected a model error, got {other:?}"),
    }
}

/// `GOOD` with `from` replaced by `to` (which must occur exactly once).
fn broken(from: &str, to: &str) -> String {
    assert_eq!(GOOD.matches(from).count(), 1, "{from}");
    GOOD.replace(from, to)
}

#[test]
fn the_good_file_is_read() {
    let model = Model::from_json_str(GOOD, "model.json").unwrap();
    assert_eq!(model.network.widths(), [2, 3, 1]);
    assert_eq!(model.network.layers()[0].w()[(1, 2)], 6.0);
}

#[test]
fn kernels_that_do_not_chain_name_both_layers() {
    let text = broken("[[1], [2], [3]]", "[[1], [2], [3], [4]]");
    assert_eq!(
        message(&text),
        r#"model.json: layer 2 "kernel" has 4 rows but layer 1 has 3 units"#
    );
}

#[test]
fn kernel_row_of_the_wrong_length_is_named() {
    let text = broken("[4, 5, 6]", "[4, 5]");
    assert_eq!(
        message(&text),
        r#"model.json: layer 1 "kernel" row 2 has 2 values but "units" is 3"#
    );
}

#[test]
fn units_that_disagree_with_the_kernel_are_named() {
    let text = broken(r#""units": 3"#, r#""units": 4"#);
    assert_eq!(
        message(&text),
        r#"model.json: layer 1 "kernel" row 1 has 3 values but "units" is 4"#
    );
}

#[test]
fn bias_of_the_wrong_length_is_named() {
    let text = broken("[0, 0, 0]", "[0, 0]");
    assert_eq!(
        message(&text),
        r#"model.json: layer 1 "bias" has 2 values but "units" is 3"#
    );
}

#[test]
fn empty_kernel_is_named() {
    let text = broken("[\n        [1, 2, 3],\n        [4, 5, 6]\n      ]", "[]");
    assert_eq!(
        message(&text),
        r#"model.json: layer 1 "kernel" has no rows; it needs one row per input"#
    );
}

#[test]
fn units_must_be_a_positive_whole_number() {
    let text = broken(r#""units": 1"#, r#""units": 0"#);
    assert_eq!(
        message(&text),
        r#"model.json: layer 2 "units" is 0; a layer needs at least 1 unit"#
    );
    let cases = [
        (
            "2.5",
            "column 18: invalid type: floating point `2.5`, expected usize",
        ),
        (
            "-1",
            "column 17: invalid value: integer `-1`, expected usize",
        ),
        (
            "\"3\"",
            "column 18: invalid type: string \"3\", expected usize",
        ),
        (
            "true",
            "column 19: invalid type: boolean `true`, expected usize",
        ),
        (
            "1e1",
            "column 18: invalid type: floating point `10.0`, expected usize",
        ),
    ];
    for (bad, expected) in cases {
        let text = broken(r#""units": 1"#, &format!(r#""units": {bad}"#));
        assert_eq!(
            message(&text),
            format!("model.json, line 13, {expected}"),
            "{bad}"
        );
    }
}

#[test]
fn unknown_activation_lists_the_known_ones() {
    let text = broken(r#""sigmoid""#, r#""sigmod""#);
    assert_eq!(
        message(&text),
        r#"model.json: layer 1 "activation" is "sigmod", which is not one of linear, relu, sigmoid, tanh"#
    );
}

#[test]
fn a_kernel_value_that_is_not_a_number_is_named() {
    let text = broken("[4, 5, 6]", r#"[4, "5", 6]"#);
    assert_eq!(
        message(&text),
        r#"model.json, line 8, column 15: invalid type: string "5", expected f64"#
    );
    let text = broken("[1], [2]", "[1], 2");
    assert_eq!(
        message(&text),
        "model.json, line 15, column 23: invalid type: integer `2`, expected a sequence"
    );
    let text = broken(r#""bias": [0.5]"#, r#""bias": 0.5"#);
    assert_eq!(
        message(&text),
        "model.json, line 16, column 17: invalid type: floating point `0.5`, expected a sequence"
    );
}

#[test]
fn a_number_too_large_for_f64_is_named() {
    let text = broken("[0.5]", "[1e400]");
    assert_eq!(
        message(&text),
        "model.json, line 16, column 20: number out of range: every number must be finite and fit in a 64-bit float (magnitude below about 1.8e308)"
    );
    let text = broken("[0.5]", "[-1e400]");
    assert_eq!(
        message(&text),
        "model.json, line 16, column 21: number out of range: every number must be finite and fit in a 64-bit float (magnitude below about 1.8e308)"
    );
    let text = broken("[0.5]", &format!("[1{}]", "0".repeat(400)));
    assert!(message(&text).contains(": number out of range: every number must be finite"));
}

#[test]
fn missing_and_unknown_keys_are_named() {
    let text = broken(r#""bias": [0.5]"#, r#""bais": [0.5]"#);
    assert_eq!(
        message(&text),
        "model.json, line 16, column 12: unknown field `bais`, expected one of `units`, `activation`, `kernel`, `bias`, `l2`"
    );
    let text = broken(",\n      \"bias\": [0.5]", "");
    assert_eq!(
        message(&text),
        "model.json, line 16, column 5: missing field `bias`"
    );
    let text = broken(r#""normalization""#, r#""normalisation""#);
    assert_eq!(
        message(&text),
        "model.json, line 19, column 17: unknown field `normalisation`, expected one of `layers`, `normalization`, `features`, `targets`, `loss`, `from_logits`, `training`"
    );
    let text = broken(r#", "std": [1, 1]"#, "");
    assert_eq!(
        message(&text),
        "model.json, line 19, column 35: missing field `std`"
    );
    assert_eq!(
        message("{}"),
        "model.json, line 1, column 2: missing field `layers`"
    );
}

#[test]
fn a_key_given_twice_is_an_error() {
    let text = broken(r#""bias": [0.5]"#, r#""bias": [0.5], "bias": [1]"#);
    assert_eq!(
        message(&text),
        "model.json, line 16, column 27: duplicate field `bias`"
    );
}

#[test]
fn layers_must_be_a_non_empty_list_of_objects() {
    assert!(
        message(r#"{"layers": []}"#)
            .ends_with(r#""layers" is empty; a model needs at least one layer"#)
    );
    assert_eq!(
        message(r#"{"layers": {}}"#),
        "model.json, line 1, column 11: invalid type: map, expected a sequence"
    );
    assert_eq!(
        message(r#"{"layers": [7]}"#),
        r#"model.json, line 1, column 13: invalid type: integer `7`, expected a layer, an object {"units": ..., "activation": ..., "kernel": [...], "bias": [...]}"#
    );
    assert_eq!(
        message("[1, 2]"),
        r#"model.json, line 1, column 1: invalid type: sequence, expected a model, an object {"layers": [...]}"#
    );
}

#[test]
fn objects_must_name_their_fields_not_list_them_in_order() {
    let m = message(r#"{"layers": [[1, "linear", [[1]], [0]]]}"#);
    assert!(
        m.starts_with("model.json, line 1, column 12: invalid type: sequence, expected a layer"),
        "{m}"
    );
    let text = broken(r#"{"mean": [0, 0], "std": [1, 1]}"#, "[[0, 0], [1, 1]]");
    let m = message(&text);
    assert!(
        m.starts_with(
            "model.json, line 19, column 19: invalid type: sequence, expected a normalization"
        ),
        "{m}"
    );
}

#[test]
fn normalization_of_the_wrong_length_is_named() {
    let text = broken(r#""mean": [0, 0]"#, r#""mean": [0, 0, 0]"#);
    assert_eq!(
        message(&text),
        r#"model.json: "normalization.mean" has 3 values but the network takes 2 inputs (layer 1 "kernel" has 2 rows)"#
    );
}

#[test]
fn normalization_std_must_not_be_negative() {
    let text = broken(r#""std": [1, 1]"#, r#""std": [1, -2]"#);
    assert_eq!(
        message(&text),
        r#"model.json: "normalization.std" value 2 is -2; a standard deviation must be finite and not negative"#
    );
}

#[test]
fn json_syntax_errors_give_line_and_column() {
    let cases = [
        (
            "",
            "model.json, line 1, column 1: EOF while parsing a value",
        ),
        (
            "\n\n  ",
            "model.json, line 3, column 2: EOF while parsing a value",
        ),
        (
            "{\"layers\": [],}",
            "model.json, line 1, column 15: trailing comma",
        ),
        (
            "{\n  \"layers\": [\n",
            "model.json, line 3, column 1: EOF while parsing a list",
        ),
        (
            "{\"layers\": []} x",
            "model.json, line 1, column 16: trailing characters",
        ),
        (
            "{\"layers\": [NaN]}",
            "model.json, line 1, column 13: expected value: NaN and infinities are not numbers in JSON; every weight must be a finite number",
        ),
        (
            "{\"layers\": [01]}",
            "model.json, line 1, column 14: invalid number",
        ),
        (
            "{\"layers: []}",
            "model.json, line 1, column 13: EOF while parsing a string",
        ),
        (
            "{layers: []}",
            "model.json, line 1, column 2: key must be a string",
        ),
        (
            "{\"layers\" []}",
            "model.json, line 1, column 11: expected `:`",
        ),
        (
            "{\"l\\x\": 1}",
            "model.json, line 1, column 5: invalid escape",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(message(text), expected, "{text:?}");
    }
}

#[test]
fn json_columns_count_characters_not_bytes() {
    // "é" is two bytes in UTF-8 but one column in an editor.
    let m = message("{\"é\": 1}");
    assert!(
        m.starts_with("model.json, line 1, column 4: unknown field `é`"),
        "{m}"
    );
    let m = message("{\"layers\": [\"ééé\"]}");
    assert!(
        m.starts_with("model.json, line 1, column 17: invalid type: string"),
        "{m}"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for open in [
        "[",
        "{\"a\":",
        "{\"layers\": [{\"kernel\": [",
        "{\"layers\": ",
    ] {
        let text = open.repeat(100_000);
        let m = message(&text);
        assert!(m.starts_with("model.json, line 1, column "), "{m}");
    }
}

// ---------------------------------------------------------------------------
// No input makes the reader panic
// ---------------------------------------------------------------------------

/// Text made of JSON's pieces, so that the parser goes deep into files that
/// are almost right.
fn json_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(":".to_string()),
        Just(",".to_string()),
        Just("\"layers\"".to_string()),
        Just("\"units\"".to_string()),
        Just("\"kernel\"".to_string()),
        Just("\"bias\"".to_string()),
        Just("\"activation\"".to_string()),
        Just("\"relu\"".to_string()),
        Just("\"normalization\"".to_string()),
        Just("\"mean\"".to_string()),
        Just("\"std\"".to_string()),
        Just("\\u".to_string()),
        Just("\"".to_string()),
        Just("null".to_string()),
        Just("-".to_string()),
        Just("1e999".to_string()),
        Just("\n".to_string()),
        "-?[0-9]{1,3}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?".prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..80).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn model_reader_never_panics_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..300)
    ) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Model::from_json_str(&text, "model.json");
    }

    #[test]
    fn model_reader_never_panics_on_arbitrary_strings(text in any::<String>()) {
        let _ = Model::from_json_str(&text, "model.json");
    }

    #[test]
    fn model_reader_never_panics_on_json_like_text(text in json_like()) {
        if let Err(e) = Model::from_json_str(&text, "model.json") {
            prop_assert!(e.to_string().starts_with("model.json"), "{}", e);
        }
    }

    #[test]
    fn model_reader_never_panics_on_a_damaged_good_file(
        cut in 0..GOOD.len(),
        len in 0..8usize,
        insert in "[\\[\\]{},:\"0-9a-z.\\-]{0,3}",
    ) {
        let bytes = GOOD.as_bytes();
        let end = (cut + len).min(bytes.len());
        let mut damaged = bytes[..cut].to_vec();
        damaged.extend_from_slice(insert.as_bytes());
        damaged.extend_from_slice(&bytes[end..]);
        let text = String::from_utf8_lossy(&damaged);
        match Model::from_json_str(&text, "model.json") {
            Ok(model) => prop_assert!(model.network.n_in() >= 1),
            Err(e) => prop_assert!(e.to_string().starts_with("model.json"), "{}", e),
        }
    }
}

// ---- Week 2: softmax outputs and the recorded loss ----

const SOFTMAX_LAYER: &str =
    r#"{"units": 3, "activation": "softmax", "kernel": [[1, 0, -1]], "bias": [0, 0, 0]}"#;
const LINEAR_LAYER: &str =
    r#"{"units": 3, "activation": "linear", "kernel": [[1, 0, -1]], "bias": [0, 0, 0]}"#;

#[test]
fn a_softmax_output_and_its_loss_read_back_as_written() {
    for (layer, extra, want) in [
        (
            SOFTMAX_LAYER,
            r#", "loss": "scce""#,
            Some(Loss::SPARSE_CATEGORICAL_CROSSENTROPY),
        ),
        (
            LINEAR_LAYER,
            r#", "loss": "cce", "from_logits": true"#,
            Some(Loss::CATEGORICAL_CROSSENTROPY.with_logits()),
        ),
        (SOFTMAX_LAYER, "", None),
    ] {
        let text = format!(r#"{{"layers": [{layer}]{extra}}}"#);
        let model = Model::from_json_str(&text, "model.json").unwrap();
        assert_eq!(model.loss, want, "{text}");
        let again = Model::from_json_str(&model.to_json_string().unwrap(), "again.json").unwrap();
        assert_eq!(again, model);
    }
}

#[test]
fn a_loss_the_output_cannot_take_is_named_with_its_field() {
    let cases = [
        (
            format!(r#"{{"layers": [{LINEAR_LAYER}], "loss": "scce"}}"#),
            "\"loss\"",
            "--from-logits",
        ),
        (
            format!(r#"{{"layers": [{SOFTMAX_LAYER}], "loss": "scce", "from_logits": true}}"#),
            "\"loss\"",
            "linear last layer",
        ),
        (
            format!(r#"{{"layers": [{SOFTMAX_LAYER}], "from_logits": true}}"#),
            "\"from_logits\"",
            "without",
        ),
        (
            format!(r#"{{"layers": [{SOFTMAX_LAYER}], "loss": "hinge"}}"#),
            "\"loss\"",
            "not a loss",
        ),
        (
            format!(
                r#"{{"layers": [{SOFTMAX_LAYER}, {{"units": 1, "activation": "sigmoid", "kernel": [[1], [1], [1]], "bias": [0]}}]}}"#
            ),
            "softmax",
            "output layer only",
        ),
    ];
    for (text, field, why) in cases {
        let e = Model::from_json_str(&text, "model.json")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("model.json") && e.contains(field) && e.contains(why),
            "{text}: {e}"
        );
    }
}

#[test]
fn an_l2_factor_reads_back_and_a_bad_one_is_named() {
    let text = r#"{"layers": [{"units": 1, "activation": "sigmoid", "kernel": [[1], [2]], "bias": [0], "l2": 0.25}]}"#;
    let model = Model::from_json_str(text, "model.json").unwrap();
    assert_eq!(model.network.layers()[0].l2(), 0.25);
    let again = Model::from_json_str(&model.to_json_string().unwrap(), "again.json").unwrap();
    assert_eq!(again, model);
    for bad in ["-0.5", "1e400"] {
        let text = text.replace("0.25", bad);
        let e = Model::from_json_str(&text, "model.json")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("model.json"), "{e}");
        if bad == "-0.5" {
            assert!(
                e.contains("layer 1") && e.contains("\"l2\"") && e.contains("≥ 0"),
                "{e}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Column names
// ---------------------------------------------------------------------------

/// A model file as written before column names were recorded: two inputs,
/// one sigmoid unit, trained with binary cross-entropy.
const WITHOUT_NAMES: &str = r#"{
  "layers": [
    {"units": 1, "activation": "sigmoid", "kernel": [[0.5], [-1.0]], "bias": [0.25]}
  ],
  "loss": "bce"
}"#;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn column_names_round_trip() {
    let model = notes_model()
        .with_names(names(&["temperature", "duration"]), names(&["good_roast"]))
        .unwrap();
    let text = model.to_json_string().unwrap();
    assert!(
        text.contains(
            "\"features\": [\"temperature\", \"duration\"],\n  \"targets\": [\"good_roast\"]"
        ),
        "{text}"
    );
    let back = Model::from_json_str(&text, "model.json").unwrap();
    assert_eq!(back, model);
    assert_eq!(back.target_names, Some(names(&["good_roast"])));
}

#[test]
fn a_file_from_before_names_were_recorded_still_loads() {
    let model = Model::from_json_str(WITHOUT_NAMES, "old.json").unwrap();
    assert_eq!((model.feature_names, model.target_names), (None, None));
    assert_eq!(model.loss, Some(Loss::BINARY_CROSSENTROPY));
    assert_eq!(model.network.layers()[0].w()[(1, 0)], -1.0);
}

#[test]
fn wrong_column_names_are_named() {
    let with = |extra: &str| WITHOUT_NAMES.replace("\"loss\"", &format!("{extra}, \"loss\""));
    for (extra, expected) in [
        (
            r#""features": ["a"]"#,
            r#"old.json: "features" has 1 name but the network takes 2 inputs"#,
        ),
        (
            r#""features": ["a", "a"]"#,
            r#"old.json: "features" name 2 ("a") is used twice"#,
        ),
        (
            r#""features": ["a", " "]"#,
            r#"old.json: "features" name 2 is empty"#,
        ),
        (
            r#""features": ["a", "b"], "targets": ["b"]"#,
            r#"old.json: "targets" name 1 ("b") is used twice"#,
        ),
        (
            r#""targets": ["y"]"#,
            r#"old.json: "targets" is given without "features""#,
        ),
        (
            r#""features": ["a", "b"], "targets": ["y", "z"]"#,
            r#"old.json: "targets" has 2 names but bce on 1 output needs 1"#,
        ),
        (
            r#""features": ["a", 2]"#,
            "old.json, line 5, column 21: invalid type: integer `2`, expected a string",
        ),
    ] {
        let text = with(extra);
        let message = Model::from_json_str(&text, "old.json")
            .unwrap_err()
            .to_string();
        assert!(message.starts_with(expected), "{extra}: {message}");
    }
    let err = notes_model()
        .with_names(names(&["t"]), Vec::new())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("has 1 name but the network takes 2 inputs"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_device_given_as_a_model_file_is_refused_at_once() {
    // Refused from its first bytes: an unbounded read would never end.
    let err = Model::load(Path::new("/dev/zero")).unwrap_err();
    assert!(err.to_string().contains("not a text file"), "{err}");
}
