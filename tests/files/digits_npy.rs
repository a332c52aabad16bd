//! The `digits` example's `.npy` reader, on small files written here.
//!
//! The files are built byte by byte from the format NumPy documents
//! (`numpy.lib.format`, version 1.0): the magic string `\x93NUMPY`, the
//! version `1 0`, a little-endian `u16` header length, a Python dict literal
//! with `descr`, `fortran_order` and `shape`, padded with spaces and a newline
//! so the data starts at a multiple of 64 bytes, then the raw values. One
//! file NumPy itself wrote is kept as bytes, and the builder must reproduce it
//! exactly, so the builder is checked against NumPy and not only against the
//! reader.

#[path = "../../examples/digits/npy.rs"]
mod npy;

use nalgebra::{DMatrix, dmatrix};

/// `np.save(f, np.array([1, 0, 1], dtype=np.uint8))`, as NumPy 2 writes it.
fn numpy_u8_vector() -> Vec<u8> {
    let mut bytes = b"\x93NUMPY\x01\x00\x76\x00".to_vec();
    bytes.extend_from_slice(b"{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }");
    bytes.extend_from_slice(&[b' '; 60]);
    bytes.push(b'\n');
    bytes.extend_from_slice(&[1, 0, 1]);
    bytes
}

/// A version 1.0 `.npy` file: header for `descr`, `fortran_order` and
/// `shape`, then `data` as given.
fn npy_file(descr: &str, fortran_order: bool, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let shape = match shape {
        [n] => format!("({n},)"),
        dims => format!(
            "({})",
            dims.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let fortran = if fortran_order { "True" } else { "False" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}");
    // magic (6) + version (2) + length (2) + header + '\n' ≡ 0 (mod 64)
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    bytes
}

fn f64_le(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn the_builder_writes_what_numpy_writes() {
    assert_eq!(npy_file("|u1", false, &[3], &[1, 0, 1]), numpy_u8_vector());
}

#[test]
fn a_numpy_label_vector_reads_as_one_column() {
    let y = npy::parse_matrix(&numpy_u8_vector(), "y.npy").unwrap();
    assert_eq!(y, dmatrix![1.0; 0.0; 1.0]);
}

#[test]
fn a_c_order_matrix_reads_row_by_row() {
    // np.array([[1.5, -2.0, 0.25], [3.0, 4.0, -0.5]]): stored row after row.
    let data = f64_le(&[1.5, -2.0, 0.25, 3.0, 4.0, -0.5]);
    let x = npy::parse_matrix(&npy_file("<f8", false, &[2, 3], &data), "X.npy").unwrap();
    assert_eq!(x, dmatrix![1.5, -2.0, 0.25; 3.0, 4.0, -0.5]);
}

#[test]
fn a_fortran_order_matrix_reads_column_by_column() {
    // The same matrix, stored column after column (np.asfortranarray).
    let data = f64_le(&[1.5, 3.0, -2.0, 4.0, 0.25, -0.5]);
    let x = npy::parse_matrix(&npy_file("<f8", true, &[2, 3], &data), "X.npy").unwrap();
    assert_eq!(x, dmatrix![1.5, -2.0, 0.25; 3.0, 4.0, -0.5]);
}

#[test]
fn other_numeric_types_and_byte_orders_read_as_f64() {
    let f32s: Vec<u8> = [0.5f32, -1.25]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let i64s: Vec<u8> = [7i64, -3].iter().flat_map(|v| v.to_le_bytes()).collect();
    let big: Vec<u8> = [2.5f64, -8.0]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let cases: [(&str, Vec<u8>, DMatrix<f64>); 4] = [
        ("<f4", f32s, dmatrix![0.5; -1.25]),
        ("<i8", i64s, dmatrix![7.0; -3.0]),
        (">f8", big, dmatrix![2.5; -8.0]),
        ("|b1", vec![1, 0], dmatrix![1.0; 0.0]),
    ];
    for (descr, data, want) in cases {
        let got = npy::parse_matrix(&npy_file(descr, false, &[2], &data), "y.npy")
            .unwrap_or_else(|e| panic!("{descr}: {e}"));
        assert_eq!(got, want, "{descr}");
    }
}

#[test]
fn unreadable_files_are_errors_that_name_the_file_and_the_problem() {
    let nan = f64_le(&[1.0, f64::NAN]);
    let cases: [(Vec<u8>, &str); 5] = [
        (b"not a numpy file at all".to_vec(), "not a NumPy .npy file"),
        (
            npy_file("<f8", false, &[1, 1, 2], &f64_le(&[1.0, 2.0])),
            "expected (m, n) or (m,)",
        ),
        (npy_file("<U3", false, &[1], &[0; 12]), "expected numbers"),
        (
            npy_file("<f8", false, &[2, 2], &f64_le(&[1.0, 2.0, 3.0])),
            "ends early",
        ),
        (
            npy_file("<f8", false, &[1, 2], &nan),
            "row 0, column 1 is NaN",
        ),
    ];
    for (bytes, expected) in cases {
        let err = npy::parse_matrix(&bytes, "X.npy").expect_err(expected);
        assert!(
            err.starts_with("X.npy: ") && err.contains(expected),
            "expected a message naming X.npy and containing {expected:?}, got {err:?}"
        );
    }
}

#[test]
fn a_file_on_disk_reads_and_a_missing_one_says_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("y.npy");
    std::fs::write(&path, numpy_u8_vector()).unwrap();
    assert_eq!(npy::read_matrix(&path).unwrap(), dmatrix![1.0; 0.0; 1.0]);
    let err = npy::read_matrix(&dir.path().join("X.npy")).unwrap_err();
    assert!(
        err.ends_with("X.npy: cannot read the file: not found"),
        "{err}"
    );
}
