//! The data module: the coffee data against the course lab's numbers,
//! normalisation against hand-computed values, and CSV reading, including
//! every kind of bad file, which must come back as an error that names the
//! file and the line or column, never as a panic.

use dualpath::Error;
use dualpath::io::data::{
    Normalization, TargetChoice, coffee, read_csv, read_csv_features, read_csv_from, read_csv_with,
};
use nalgebra::dmatrix;
use proptest::prelude::*;
use std::path::Path;

// ---------------------------------------------------------------------------
// Coffee
// ---------------------------------------------------------------------------

// The reference values below come from running the course lab's
// `load_coffee_data()` (NumPy's `default_rng(2)`) and printing `X.shape`,
// `Y.sum()`, `X[0]` and `Y[0]`.

#[test]
fn coffee_has_the_labs_shape_and_positive_count() {
    let data = coffee();
    assert_eq!(data.x.shape(), (200, 2));
    assert_eq!(data.y.shape(), (200, 1));
    assert_eq!(data.y.iter().filter(|&&v| v == 1.0).count(), 43);
    assert!(data.y.iter().all(|&v| v == 0.0 || v == 1.0));
    assert_eq!(data.feature_names, ["temperature", "duration"]);
    assert_eq!(data.target_names, ["good_roast"]);
}

#[test]
fn coffee_first_row_is_the_labs_bit_for_bit() {
    let data = coffee();
    assert_eq!(data.x[(0, 0)].to_bits(), 185.31763812365773_f64.to_bits());
    assert_eq!(data.x[(0, 1)].to_bits(), 12.693964573656494_f64.to_bits());
    assert_eq!(data.y[(0, 0)], 1.0);
}

#[test]
fn coffee_features_lie_in_the_labs_ranges() {
    let data = coffee();
    for i in 0..data.len() {
        let (t, d) = (data.x[(i, 0)], data.x[(i, 1)]);
        assert!((150.0..285.0).contains(&t), "row {i}: temperature {t}");
        assert!((11.5..15.5).contains(&d), "row {i}: duration {d}");
    }
}

#[test]
fn coffee_is_the_same_on_every_call() {
    assert_eq!(coffee(), coffee());
}

// ---------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------

#[test]
fn normalization_adapt_uses_population_std() {
    // Column 0: 1, 2, 3, 6 → mean 3, squared deviations 4 + 1 + 0 + 9 = 14,
    // variance 14/4 = 3.5 (dividing by m, not m - 1).
    // Column 1: 10, 10, 10, 10 → mean 10, std 0.
    let x = dmatrix![1.0, 10.0; 2.0, 10.0; 3.0, 10.0; 6.0, 10.0];
    let norm = Normalization::adapt(&x).unwrap();
    assert_eq!(norm.mean, [3.0, 10.0]);
    assert_eq!(norm.std, [3.5_f64.sqrt(), 0.0]);
}

#[test]
fn normalization_apply_matches_hand_computed_values() {
    let norm = Normalization::new(vec![3.0, 10.0], vec![2.0, 0.0]).unwrap();
    let x = dmatrix![1.0, 10.0; 7.0, 10.5];
    // (1 - 3)/2 = -1, (7 - 3)/2 = 2; a zero std divides by ε = 1e-7 instead:
    // (10 - 10)/1e-7 = 0 and (10.5 - 10)/1e-7 = 5e6.
    let xn = norm.apply(&x);
    assert_eq!(xn[(0, 0)], -1.0);
    assert_eq!(xn[(1, 0)], 2.0);
    assert_eq!(xn[(0, 1)], 0.0);
    assert_eq!(xn[(1, 1)], 0.5 / 1e-7);
}

#[test]
fn normalized_coffee_has_zero_mean_and_unit_std() {
    let data = coffee();
    let norm = Normalization::adapt(&data.x).unwrap();
    let xn = norm.apply(&data.x);
    let again = Normalization::adapt(&xn).unwrap();
    for j in 0..2 {
        assert!(again.mean[j].abs() < 1e-12, "mean {}", again.mean[j]);
        assert!((again.std[j] - 1.0).abs() < 1e-12, "std {}", again.std[j]);
    }
}

#[test]
fn normalization_rejects_what_cannot_be_applied() {
    assert!(matches!(
        Normalization::new(vec![1.0, 2.0], vec![1.0]),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        Normalization::new(vec![1.0], vec![-1.0]),
        Err(Error::InvalidSetting { .. })
    ));
    assert!(matches!(
        Normalization::new(vec![f64::NAN], vec![1.0]),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        Normalization::new(vec![], vec![]),
        Err(Error::Empty(_))
    ));
    assert!(matches!(
        Normalization::adapt(&nalgebra::DMatrix::zeros(0, 2)),
        Err(Error::Empty(_))
    ));
    assert!(matches!(
        Normalization::adapt(&dmatrix![1.0, f64::INFINITY]),
        Err(Error::NonFinite { .. })
    ));
    let norm = Normalization::new(vec![0.0, 0.0], vec![1.0, 1.0]).unwrap();
    assert!(norm.check_features(2).is_ok());
    assert!(matches!(norm.check_features(3), Err(Error::Shape { .. })));
}

#[test]
#[should_panic(expected = "x has 3 columns")]
fn normalization_apply_panics_on_the_wrong_width() {
    let norm = Normalization::new(vec![0.0, 0.0], vec![1.0, 1.0]).unwrap();
    norm.apply(&dmatrix![1.0, 2.0, 3.0]);
}

// ---------------------------------------------------------------------------
// CSV: reading and target choice
// ---------------------------------------------------------------------------

const ROASTS: &str = "temperature,duration,good,score\n\
                      200,13.5,1,0.9\n\
                      150,11.5,0,0.1\n\
                      240,14.0,1,0.7\n";

fn parse(text: &str, targets: &TargetChoice) -> dualpath::Result<dualpath::io::data::Dataset> {
    read_csv_from(text.as_bytes(), "data.csv", targets)
}

fn named(names: &[&str]) -> TargetChoice {
    TargetChoice::Named(names.iter().map(|s| s.to_string()).collect())
}

#[test]
fn csv_default_target_is_the_last_column() {
    let data = parse(ROASTS, &TargetChoice::Last).unwrap();
    assert_eq!(data.feature_names, ["temperature", "duration", "good"]);
    assert_eq!(data.target_names, ["score"]);
    assert_eq!(
        data.x,
        dmatrix![200.0, 13.5, 1.0; 150.0, 11.5, 0.0; 240.0, 14.0, 1.0]
    );
    assert_eq!(data.y, dmatrix![0.9; 0.1; 0.7]);
    assert_eq!(data.source, "data.csv");
    assert_eq!((data.len(), data.n_features(), data.n_targets()), (3, 3, 1));
}

#[test]
fn csv_empty_target_list_means_the_last_column() {
    assert_eq!(TargetChoice::from_names(&[]), TargetChoice::Last);
    assert_eq!(TargetChoice::default(), TargetChoice::Last);
}

#[test]
fn csv_target_chosen_by_name_leaves_the_rest_as_features_in_file_order() {
    let data = parse(ROASTS, &named(&["good"])).unwrap();
    assert_eq!(data.feature_names, ["temperature", "duration", "score"]);
    assert_eq!(data.target_names, ["good"]);
    assert_eq!(
        data.x.column(2).iter().copied().collect::<Vec<_>>(),
        [0.9, 0.1, 0.7]
    );
    assert_eq!(data.y, dmatrix![1.0; 0.0; 1.0]);
}

#[test]
fn csv_several_targets_keep_the_order_they_were_named_in() {
    let data = parse(ROASTS, &named(&["score", "temperature"])).unwrap();
    assert_eq!(data.feature_names, ["duration", "good"]);
    assert_eq!(data.target_names, ["score", "temperature"]);
    assert_eq!(
        data.y.row(0).iter().copied().collect::<Vec<_>>(),
        [0.9, 200.0]
    );
}

#[test]
fn csv_comma_separated_target_flags_are_split() {
    let flags = vec!["score, good".to_string(), "duration".to_string()];
    let choice = TargetChoice::from_names(&flags);
    assert_eq!(choice, named(&["score", "good", "duration"]));
    let data = parse(ROASTS, &choice).unwrap();
    assert_eq!(data.feature_names, ["temperature"]);
    assert_eq!(data.target_names, ["score", "good", "duration"]);
}

#[test]
fn csv_features_only_has_no_target_columns() {
    let data = parse(ROASTS, &TargetChoice::None).unwrap();
    assert_eq!(data.n_features(), 4);
    assert_eq!(data.y.shape(), (3, 0));
    assert!(!data.has_targets());
    assert!(data.target_names.is_empty());
}

#[test]
fn csv_trims_spaces_skips_blank_lines_and_accepts_a_bom_and_crlf() {
    let text = "\u{feff} a , b \r\n\r\n 1 ,\t2\r\n\n3,4\r\n";
    let data = parse(text, &TargetChoice::Last).unwrap();
    assert_eq!(data.feature_names, ["a"]);
    assert_eq!(data.target_names, ["b"]);
    assert_eq!(data.x, dmatrix![1.0; 3.0]);
    assert_eq!(data.y, dmatrix![2.0; 4.0]);
}

#[test]
fn csv_reads_numbers_in_every_usual_form() {
    let data = parse("a,b\n-1.5e3,+2\n.5,7.\n", &TargetChoice::None).unwrap();
    assert_eq!(data.x, dmatrix![-1500.0, 2.0; 0.5, 7.0]);
}

#[test]
fn csv_files_are_read_from_disk_through_every_entry_point() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roasts.csv");
    std::fs::write(&path, ROASTS).unwrap();
    let last = read_csv(&path, &[]).unwrap();
    assert_eq!(last.target_names, ["score"]);
    assert_eq!(last.source, path.display().to_string());
    let two = read_csv(&path, &["good,score".to_string()]).unwrap();
    assert_eq!(two.target_names, ["good", "score"]);
    let features = read_csv_features(&path).unwrap();
    assert_eq!(features.n_features(), 4);
    let with = read_csv_with(&path, &named(&["duration"])).unwrap();
    assert_eq!(with.target_names, ["duration"]);
}

// ---------------------------------------------------------------------------
// CSV: every kind of bad input
// ---------------------------------------------------------------------------

/// The error's message, checked to be an `Error::Data` naming `data.csv`.
fn data_error(text: &str, targets: &TargetChoice) -> (Option<usize>, Option<String>, String) {
    match parse(text, targets) {
        Err(e @ Error::Data { .. }) => {
            let message = e.to_string();
            assert!(message.starts_with("data.csv"), "{message}");
            let Error::Data { line, column, .. } = e else {
                unreachable!()
            };
            (line, column, message)
        }
        other => panic!("expected a data error, got {other:?}"),
    }
}

#[test]
fn csv_missing_file_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.csv");
    let err = read_csv(&path, &[]).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(message.contains("nope.csv"), "{message}");
    assert!(message.contains("not found"), "{message}");
}

#[test]
fn csv_a_directory_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = read_csv_features(dir.path()).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with(&dir.path().display().to_string()),
        "{err}"
    );
}

#[test]
fn csv_empty_file_is_an_error() {
    for text in ["", "\n\n", "\u{feff}"] {
        let (line, _, message) = data_error(text, &TargetChoice::Last);
        assert_eq!(line, None);
        assert!(message.contains("the file is empty"), "{message}");
        assert!(message.contains("header"), "{message}");
    }
}

#[test]
fn csv_header_without_rows_is_an_error() {
    let (_, _, message) = data_error("a,b\n", &TargetChoice::Last);
    assert_eq!(
        message,
        "data.csv: the header (line 1) is followed by no data; expected one line per example"
    );
}

#[test]
fn csv_row_with_the_wrong_number_of_cells_names_its_line() {
    let text = "a,b,c\n1,2,3\n4,5\n";
    let (line, _, message) = data_error(text, &TargetChoice::Last);
    assert_eq!(line, Some(3));
    assert_eq!(
        message,
        r#"data.csv, line 3: 2 cells but the header has 3 columns ("a", "b", "c")"#
    );
    let (line, _, message) = data_error("a,b\n1,2\n\n3,4,5\n", &TargetChoice::Last);
    assert_eq!(line, Some(4), "blank lines still count: {message}");
}

#[test]
fn csv_text_cell_names_line_column_and_text() {
    let text = "temperature,duration\n200,13\n201,14\n202,15\n203,16\n204,17\n205,abc\n";
    let (line, column, message) = data_error(text, &TargetChoice::None);
    assert_eq!((line, column.as_deref()), (Some(7), Some("duration")));
    assert_eq!(
        message,
        r#"data.csv, line 7, column "duration": "abc" is not a number"#
    );
}

#[test]
fn csv_nan_and_infinite_cells_are_errors() {
    for (cell, word) in [
        ("nan", "NaN"),
        ("NaN", "NaN"),
        ("inf", "infinite"),
        ("-infinity", "infinite"),
        ("1e400", "infinite"),
    ] {
        let text = format!("x,y\n1,2\n{cell},3\n");
        let (line, column, message) = data_error(&text, &TargetChoice::Last);
        assert_eq!((line, column.as_deref()), (Some(3), Some("x")), "{message}");
        assert!(message.contains(&format!("{cell:?}")), "{message}");
        assert!(message.contains(word), "{message}");
        assert!(message.contains("finite number"), "{message}");
    }
}

#[test]
fn csv_empty_cell_is_an_error() {
    let (line, column, message) = data_error("x,y\n1,\n", &TargetChoice::Last);
    assert_eq!((line, column.as_deref()), (Some(2), Some("y")));
    assert!(message.contains("empty"), "{message}");
}

#[test]
fn csv_long_cells_are_shortened_in_messages() {
    let long = "z".repeat(500);
    let (_, _, message) = data_error(&format!("x\n{long}\n"), &TargetChoice::None);
    assert!(message.len() < 120, "{message}");
    assert!(message.contains('…'), "{message}");
}

#[test]
fn csv_unknown_target_lists_the_columns() {
    let (line, _, message) = data_error(ROASTS, &named(&["quality"]));
    assert_eq!(line, Some(1));
    assert_eq!(
        message,
        "data.csv, line 1: there is no column named \"quality\" to use as a target; \
         the columns are \"temperature\", \"duration\", \"good\", \"score\""
    );
}

#[test]
fn csv_target_named_twice_is_an_error() {
    let (_, column, message) = data_error(ROASTS, &named(&["good", "good"]));
    assert_eq!(column.as_deref(), Some("good"));
    assert!(message.contains("named twice"), "{message}");
}

#[test]
fn csv_empty_named_target_list_is_an_error() {
    let choice = TargetChoice::from_names(&[" , ".to_string()]);
    assert_eq!(choice, TargetChoice::Named(vec![]));
    let (_, _, message) = data_error(ROASTS, &choice);
    assert!(
        message.contains("list of target columns is empty"),
        "{message}"
    );
}

#[test]
fn csv_every_column_a_target_is_an_error() {
    let (_, _, message) = data_error("a,b\n1,2\n", &named(&["a", "b"]));
    assert!(message.contains("no feature"), "{message}");
    let (_, _, message) = data_error("y\n1\n", &TargetChoice::Last);
    assert!(message.contains("no feature"), "{message}");
}

#[test]
fn csv_duplicate_column_names_are_an_error() {
    let (line, column, message) = data_error("x,y,x\n1,2,3\n", &TargetChoice::Last);
    assert_eq!((line, column.as_deref()), (Some(1), Some("x")));
    assert!(message.contains("columns 1 and 3"), "{message}");
}

#[test]
fn csv_unnamed_column_is_an_error() {
    let (line, _, message) = data_error("x,,y\n1,2,3\n", &TargetChoice::Last);
    assert_eq!(line, Some(1));
    assert!(message.contains("column 2 has no name"), "{message}");
}

#[test]
fn csv_invalid_utf8_is_an_error_naming_the_line() {
    let bytes = b"x,y\n1,2\n3,\xff\n";
    let err = read_csv_from(&bytes[..], "data.csv", &TargetChoice::Last).unwrap_err();
    assert!(matches!(err, Error::Data { line: Some(3), .. }), "{err:?}");
    assert!(err.to_string().contains("UTF-8"), "{err}");
}

// ---------------------------------------------------------------------------
// CSV: no input makes the reader panic
// ---------------------------------------------------------------------------

fn any_choice() -> impl Strategy<Value = TargetChoice> {
    prop_oneof![
        Just(TargetChoice::Last),
        Just(TargetChoice::None),
        proptest::collection::vec("[a-c,]{0,3}", 0..3).prop_map(|v| TargetChoice::from_names(&v)),
    ]
}

/// Text made of the pieces CSV files and their mistakes are made of.
fn csv_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("0".to_string()),
        Just("1.5".to_string()),
        Just("-".to_string()),
        Just(".".to_string()),
        Just("e".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just(",".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\"".to_string()),
        Just(" ".to_string()),
        "[a-c]".prop_map(String::from),
        "[0-9]{1,3}".prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn csv_reader_never_panics_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        choice in any_choice(),
    ) {
        let _ = read_csv_from(&bytes[..], "data.csv", &choice);
    }

    #[test]
    fn csv_reader_never_panics_on_csv_like_text(text in csv_like(), choice in any_choice()) {
        match read_csv_from(text.as_bytes(), "data.csv", &choice) {
            Ok(data) => {
                prop_assert!(!data.is_empty() && data.n_features() > 0);
                prop_assert_eq!(data.x.nrows(), data.y.nrows());
                prop_assert!(data.x.iter().chain(data.y.iter()).all(|v| v.is_finite()));
                prop_assert_eq!(data.feature_names.len(), data.n_features());
                prop_assert_eq!(data.target_names.len(), data.n_targets());
            }
            Err(e) => prop_assert!(e.to_string().starts_with("data.csv"), "{}", e),
        }
    }
}

#[test]
fn csv_paths_are_shown_as_given() {
    let err = read_csv(Path::new("no/such/dir/data.csv"), &[]).unwrap_err();
    assert!(
        err.to_string().starts_with("no/such/dir/data.csv: "),
        "{err}"
    );
}

#[test]
fn csv_line_numbers_count_blank_lines_and_every_line_ending() {
    let text = "\n\na,b\r\n\r\n1,2\r\n\n\n3,x\n";
    let (line, _, message) = data_error(text, &TargetChoice::Last);
    assert_eq!(line, Some(8), "{message}");
    let (line, _, message) = data_error("a,b\r1,2\r\r3\r", &TargetChoice::Last);
    assert_eq!(line, Some(4), "{message}");
    let (line, _, message) = data_error("a\n\"1\n2\"\nx\n", &TargetChoice::None);
    assert_eq!(line, Some(2), "a quoted cell spanning lines: {message}");
    let (line, _, message) = data_error("a\n\"1\n\"\n\"\nx\"\n", &TargetChoice::None);
    assert_eq!(
        line,
        Some(4),
        "after a quoted cell spanning lines: {message}"
    );
    let (line, _, message) = data_error("a,b\n\n\n", &TargetChoice::Last);
    assert_eq!(line, None, "{message}");
    assert!(message.contains("(line 1)"), "{message}");
}

/// The embedded UCI digits: the counts of each digit that scikit-learn's
/// `load_digits()` has (`np.bincount(load_digits().target)`), and every pixel
/// in 0..=16.
#[test]
fn the_built_in_digits_are_the_uci_set() {
    let d = dualpath::io::data::digits8x8();
    assert_eq!((d.len(), d.n_features()), (1797, 64));
    let mut counts = [0usize; 10];
    for &c in d.y.iter() {
        counts[c as usize] += 1;
    }
    assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    assert!(
        d.x.iter()
            .all(|&p| (0.0..=16.0).contains(&p) && p.fract() == 0.0)
    );
    // The last image is an 8 (the CSV's last line ends in 8).
    assert_eq!(d.y[(1796, 0)], 8.0);
}

/// The Softmax lab's clusters: 500 points around each centre, their means
/// within a few standard errors (1/√500 ≈ 0.045) of the centres.
#[test]
fn the_softmax_labs_blobs_sit_around_their_centres() {
    let d = dualpath::io::data::softmax_lab_blobs(7);
    for (c, centre) in dualpath::io::data::SOFTMAX_LAB_CENTERS.iter().enumerate() {
        let rows: Vec<usize> = (0..d.len()).filter(|&i| d.y[(i, 0)] == c as f64).collect();
        assert_eq!(rows.len(), 500);
        for (j, &want) in centre.iter().enumerate() {
            let mean = rows.iter().map(|&i| d.x[(i, j)]).sum::<f64>() / 500.0;
            assert!(
                (mean - want).abs() < 0.2,
                "cluster {c}, coordinate {j}: mean {mean}"
            );
        }
    }
    assert_eq!(
        d,
        dualpath::io::data::softmax_lab_blobs(7),
        "the same seed gives the same data"
    );
    assert_ne!(d.x, dualpath::io::data::softmax_lab_blobs(8).x);
}

/// The week 3 assignment's two error measures, on both paths: the values
/// follow from the course's definitions by hand (½·mean of squares, and the
/// fraction misclassified).
#[test]
fn the_course_error_measures_agree_on_both_paths() {
    use dualpath::{matrix, sequential};
    let cases: [(&[f64], &[f64], f64); 3] = [
        (&[2.3, 4.1], &[2.4, 4.2], 0.005), // (0.1² + 0.1²)/(2·2)
        (&[3.0; 10], &[3.0; 10], 0.0),
        (&[0.0], &[3.0], 4.5), // 3²/2
    ];
    for (y, yhat, want) in cases {
        for (name, got) in [
            ("loop", sequential::eval_mse(y, yhat)),
            ("vector", matrix::eval_mse(y, yhat)),
        ] {
            assert!(
                (got - want).abs() <= 1e-15,
                "{name} eval_mse({y:?}, {yhat:?}) = {got}"
            );
        }
    }
    let cats: [(&[usize], &[usize], f64); 3] = [
        (&[1, 2, 3, 4], &[1, 2, 0, 0], 0.5),
        (&[0, 1, 0, 0, 0, 1], &[1, 0, 1, 1, 1, 0], 1.0),
        (&[5, 5, 5], &[5, 5, 5], 0.0),
    ];
    for (y, yhat, want) in cats {
        assert_eq!(sequential::eval_cat_err(y, yhat), want, "loop");
        assert_eq!(matrix::eval_cat_err(y, yhat), want, "vector");
    }
}

#[test]
fn the_week_three_split_is_sixty_twenty_twenty_and_loses_no_row() {
    let d = dualpath::io::data::softmax_lab_blobs(3);
    let [train, cv, test] = dualpath::io::data::train_cv_test(&d, 1).unwrap();
    assert_eq!((train.len(), cv.len(), test.len()), (1200, 400, 400));
    let mut all: Vec<(u64, u64)> = [&train, &cv, &test]
        .iter()
        .flat_map(|p| {
            (0..p.len())
                .map(|i| (p.x[(i, 0)].to_bits(), p.x[(i, 1)].to_bits()))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut want: Vec<(u64, u64)> = (0..d.len())
        .map(|i| (d.x[(i, 0)].to_bits(), d.x[(i, 1)].to_bits()))
        .collect();
    all.sort_unstable();
    want.sort_unstable();
    assert_eq!(all, want, "every row in exactly one part");
    assert!(dualpath::io::data::split(&d, &[10, 10], 0).is_err());
}
