//! CSV reading (`dualpath::io::data::read_csv` and its kin), including every
//! kind of bad file, which must come back as an error that names the file
//! and the line or column, never as a panic.

use dualpath::Error;
use dualpath::io::data::{
    DEFAULT_MAX_FILE_SIZE, TargetChoice, byte_size, read_csv, read_csv_features, read_csv_from,
    read_csv_from_limited, read_csv_limited, read_csv_with,
};
use nalgebra::dmatrix;
use proptest::prelude::*;
use std::path::Path;

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

// ---------------------------------------------------------------------------
// CSV: files that would otherwise be misread, or read without end
// ---------------------------------------------------------------------------

#[test]
fn csv_first_line_of_numbers_is_refused_as_a_missing_header() {
    let (line, _, message) = data_error("200,13.5,1\n150,11.5,0\n", &TargetChoice::Last);
    assert_eq!(line, Some(1));
    assert!(
        message.contains("is numbers, not column names")
            && message.contains("add a first line naming the columns, e.g. x1,x2,y"),
        "{message}"
    );
    // A header that only has some numeric names is a header.
    let data = parse("1,b,y\n1,2,3\n", &TargetChoice::Last).unwrap();
    assert_eq!(data.feature_names, ["1", "b"]);
}

#[test]
fn csv_with_another_separator_is_named() {
    for (text, shown) in [
        ("a;b;y\n1;2;0\n", "';'"),
        ("a\tb\ty\n1\t2\t0\n", "tabs"),
        ("a|b|y\n1|2|0\n", "'|'"),
    ] {
        for choice in [TargetChoice::Last, TargetChoice::None] {
            let (line, _, message) = data_error(text, &choice);
            assert_eq!(line, Some(1));
            assert!(
                message.contains(&format!("looks separated by {shown}"))
                    && message.contains("reads comma-separated files"),
                "{message}"
            );
        }
    }
}

#[test]
fn csv_reader_refuses_endless_binary_input_from_its_first_bytes() {
    // An endless stream of NUL bytes, as /dev/zero: refused, not read.
    let err = read_csv_from(std::io::repeat(0), "zeros", &TargetChoice::Last).unwrap_err();
    assert_eq!(
        err.to_string(),
        "zeros, line 1: this is not a text file (byte 0 is a NUL byte); expected CSV text: \
         a header line naming the columns, then one line of numbers per example, saved as UTF-8"
    );
    let err = read_csv_from(std::io::repeat(0xff), "noise", &TargetChoice::Last).unwrap_err();
    assert!(err.to_string().contains("not valid UTF-8"), "{err}");
}

#[test]
fn csv_reader_stops_at_its_size_limit() {
    // Endless text: read up to the limit, then refused.
    let err = read_csv_from_limited(std::io::repeat(b'1'), "ones", &TargetChoice::Last, 10_000)
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("ones: the file is larger than the 10000 bytes limit for a data file"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roasts.csv");
    std::fs::write(&path, ROASTS).unwrap();
    let err = read_csv_limited(&path, &TargetChoice::Last, 1 << 4).unwrap_err();
    assert!(
        err.to_string().contains("larger than the 16 bytes limit"),
        "{err}"
    );
    assert!(read_csv_limited(&path, &TargetChoice::Last, 1 << 10).is_ok());
    assert_eq!(byte_size(DEFAULT_MAX_FILE_SIZE), "1 GiB");
}

#[test]
fn csv_columns_are_chosen_by_name_in_any_order() {
    let all = parse(ROASTS, &TargetChoice::None).unwrap();
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let d = all
        .select(&names(&["duration", "score"]), &names(&["good"]))
        .unwrap();
    assert_eq!(d.x, dmatrix![13.5, 0.9; 11.5, 0.1; 14.0, 0.7]);
    assert_eq!(d.y, dmatrix![1.0; 0.0; 1.0]);
    assert_eq!(d.lines, [2, 3, 4]);
    let missing = all.select(&names(&["time"]), &[]).unwrap_err().to_string();
    assert_eq!(
        missing,
        "data.csv: there is no column named \"time\", one of the features asked for; \
         the columns are \"temperature\", \"duration\", \"good\", \"score\""
    );
    let twice = all
        .select(&names(&["good"]), &names(&["good"]))
        .unwrap_err()
        .to_string();
    assert!(
        twice.contains("column \"good\": is asked for twice"),
        "{twice}"
    );
}

/// 200 000 columns and two rows. The duplicate-name check once compared
/// every name with every earlier one, which took 15 s for 100 000 columns;
/// it is a hash map now, and the whole read takes about a second in a test
/// build. The time is not asserted (speed is measured in benchmarks, not
/// tests); what is checked is that such a file is read whole and right.
#[test]
fn csv_with_200_000_columns_is_read_in_linear_time() {
    let n = 200_000;
    let header: Vec<String> = (0..n).map(|j| format!("c{j}")).collect();
    let row = vec!["1"; n].join(",");
    let text = format!("{}\n{row}\n{row}\n", header.join(","));
    let data = parse(&text, &TargetChoice::Last).unwrap();
    assert_eq!(
        (data.len(), data.n_features(), data.n_targets()),
        (2, n - 1, 1)
    );
    // A message about such a header stays one short line.
    let ragged = format!("{}\n1,2\n", header.join(","));
    let (_, _, message) = data_error(&ragged, &TargetChoice::Last);
    assert!(
        message.len() < 300 && message.contains("(199992 more)"),
        "{message}"
    );
}
