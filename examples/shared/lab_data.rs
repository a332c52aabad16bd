//! The optional week 3 labs' data files and splits: numbers separated by
//! commas, no header, as `np.loadtxt(…, delimiter=',')` reads them, then
//! 60 % to train, 20 % to cross-validate, 20 % to test by two calls of
//! scikit-learn's `train_test_split`. Shared by the `model_selection` and
//! `bias_variance_diagnosis` examples (each includes this file as a module).

use dualpath::io::data::numpy_random::train_test_split;
use std::path::PathBuf;
use std::process::ExitCode;

/// `np.loadtxt(path, delimiter=',')` for `cols` columns: every non-blank line
/// holds `cols` finite numbers separated by commas.
pub fn read_numbers(path: &std::path::Path, cols: usize) -> Result<Vec<Vec<f64>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != cols {
            return Err(format!(
                "{}, line {}: expected {cols} numbers separated by commas, found {} fields",
                path.display(),
                n + 1,
                fields.len()
            ));
        }
        let mut row = Vec::with_capacity(cols);
        for (j, f) in fields.iter().enumerate() {
            match f.parse::<f64>() {
                Ok(v) if v.is_finite() => row.push(v),
                _ => {
                    return Err(format!(
                        "{}, line {}, field {}: expected a finite number, found {f:?}",
                        path.display(),
                        n + 1,
                        j + 1
                    ));
                }
            }
        }
        rows.push(row);
    }
    if rows.len() < 5 {
        return Err(format!(
            "{}: {} rows; the 60/20/20 split needs at least 5",
            path.display(),
            rows.len()
        ));
    }
    Ok(rows)
}

/// `train_test_split(x, y, test_size=0.40, random_state=seed)` then
/// `train_test_split(x_, y_, test_size=0.50, random_state=seed)` on `n`
/// rows: the (train, cv, test) row indices, in the order the lab holds them.
pub fn splits(n: usize, seed: u32) -> [Vec<usize>; 3] {
    let (train, rest) = train_test_split(n, 0.40, seed);
    let (cv, test) = train_test_split(rest.len(), 0.50, seed);
    let pick = |idx: &[usize]| idx.iter().map(|&i| rest[i]).collect();
    [train, pick(&cv), pick(&test)]
}

/// The example's one optional argument, the lab's data folder: `Ok(None)`
/// without it, `Ok(Some(dir))` with it; after `-h`/`--help` (usage printed)
/// `Err(SUCCESS)`, after more than one argument (the error printed) `Err(2)`.
pub fn data_folder(example: &str, usage: &str) -> Result<Option<PathBuf>, ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(None),
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        [dir] => Ok(Some(PathBuf::from(dir))),
        _ => {
            eprintln!(
                "{example}: expected one folder, got {} arguments\n\n{usage}",
                args.len()
            );
            Err(ExitCode::from(2))
        }
    }
}

/// NumPy's `%.{digits}e` as it prints an array: `3.32e+03`.
pub fn np_e(v: f64, digits: usize) -> String {
    let s = format!("{v:.digits$e}");
    let (mantissa, exp) = s.split_once('e').expect("an exponent");
    let exp: i32 = exp.parse().expect("an integer exponent");
    format!(
        "{mantissa}e{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    )
}
