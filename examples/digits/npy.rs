//! Reading a NumPy `.npy` file into a matrix, with the `npyz` crate.
//!
//! The course's assignment keeps its data as `np.save` files: `X.npy`
//! (one 20×20 image per row, 400 values) and `y.npy` (one label per row).
//! [`read_matrix`] reads either into an `(m, n)` matrix of `f64`, one example
//! per row as everywhere in this crate:
//!
//! | file holds | becomes |
//! | --- | --- |
//! | shape `(m, n)` | `(m, n)` |
//! | shape `(m,)` | `(m, 1)`: one column |
//! | `float64`, `float32`, any integer type, `bool` | `f64` (`True` → 1) |
//! | C order (NumPy's default: row after row) | read with `DMatrix::from_row_slice` |
//! | Fortran order (column after column) | read with `DMatrix::from_column_slice` |
//!
//! Anything else (another number of dimensions, strings, objects, a NaN)
//! is an error naming the file and what was expected.

use nalgebra::DMatrix;
use npyz::{DType, Deserialize, NpyFile, Order, TypeChar};
use std::path::Path;

/// Reads `path` as an `(m, n)` matrix. See the module documentation.
pub fn read_matrix(path: &Path) -> Result<DMatrix<f64>, String> {
    let bytes = std::fs::read(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "not found".to_string(),
            _ => e.to_string(),
        };
        format!("{}: cannot read the file: {why}", path.display())
    })?;
    parse_matrix(&bytes, &path.display().to_string())
}

/// Parses the bytes of a `.npy` file; `name` names it in error messages.
pub fn parse_matrix(bytes: &[u8], name: &str) -> Result<DMatrix<f64>, String> {
    let npy = NpyFile::new(bytes).map_err(|e| format!("{name}: not a NumPy .npy file: {e}"))?;
    let shape = npy.shape().to_vec();
    let (rows, cols) = match shape[..] {
        [m] => (m, 1),
        [m, n] => (m, n),
        _ => {
            return Err(format!(
                "{name}: has shape {shape:?}; expected (m, n) or (m,): one example per row"
            ));
        }
    };
    let (rows, cols) = (to_usize(rows, name)?, to_usize(cols, name)?);
    let order = npy.order();
    let values = read_values(npy, name)?;
    if values.len() != rows * cols {
        return Err(format!(
            "{name}: holds {} values but its shape {shape:?} needs {}",
            values.len(),
            rows * cols
        ));
    }
    if let Some(k) = values.iter().position(|v| !v.is_finite()) {
        let (i, j) = match order {
            Order::C => (k / cols.max(1), k % cols.max(1)),
            Order::Fortran => (k % rows.max(1), k / rows.max(1)),
        };
        return Err(format!(
            "{name}: the value at row {i}, column {j} is {}; expected finite numbers",
            values[k]
        ));
    }
    Ok(match order {
        Order::C => DMatrix::from_row_slice(rows, cols, &values),
        Order::Fortran => DMatrix::from_column_slice(rows, cols, &values),
    })
}

fn to_usize(n: u64, name: &str) -> Result<usize, String> {
    usize::try_from(n).map_err(|_| format!("{name}: a dimension of {n} is too large"))
}

/// Every element as `f64`, whatever numeric type the file stores.
fn read_values(npy: NpyFile<&[u8]>, name: &str) -> Result<Vec<f64>, String> {
    let dtype = npy.dtype();
    let unsupported = || {
        format!(
            "{name}: holds values of type {:?}; expected numbers (a float, integer or bool dtype)",
            dtype.descr()
        )
    };
    let DType::Plain(ty) = &dtype else {
        return Err(unsupported()); // a structured array: named fields, not numbers
    };
    // Integers (labels, pixel counts) far below 2⁵³ convert to f64 exactly.
    match (ty.type_char(), ty.size_field()) {
        (TypeChar::Float, 8) => read_as::<f64>(npy, name, |v| v),
        (TypeChar::Float, 4) => read_as::<f32>(npy, name, f64::from),
        (TypeChar::Int, 8) => read_as::<i64>(npy, name, |v| v as f64),
        (TypeChar::Int, 4) => read_as::<i32>(npy, name, f64::from),
        (TypeChar::Int, 2) => read_as::<i16>(npy, name, f64::from),
        (TypeChar::Int, 1) => read_as::<i8>(npy, name, f64::from),
        (TypeChar::Uint, 8) => read_as::<u64>(npy, name, |v| v as f64),
        (TypeChar::Uint, 4) => read_as::<u32>(npy, name, f64::from),
        (TypeChar::Uint, 2) => read_as::<u16>(npy, name, f64::from),
        (TypeChar::Uint, 1) => read_as::<u8>(npy, name, f64::from),
        (TypeChar::Bool, 1) => read_as::<bool>(npy, name, |v| if v { 1.0 } else { 0.0 }),
        _ => Err(unsupported()),
    }
}

/// The file's values read as `T` (the file's own type), converted to `f64`.
fn read_as<T: Deserialize>(
    npy: NpyFile<&[u8]>,
    name: &str,
    to_f64: impl Fn(T) -> f64,
) -> Result<Vec<f64>, String> {
    let reader = npy
        .data::<T>()
        .map_err(|e| format!("{name}: cannot read its values: {e}"))?;
    reader
        .map(|v| v.map(&to_f64))
        .collect::<std::io::Result<Vec<f64>>>()
        .map_err(|e| format!("{name}: the data ends early or cannot be read: {e}"))
}
