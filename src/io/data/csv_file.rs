//! CSV files: reading them, refusing what is not data (no header, another
//! separator, bytes that are not text, more than a size limit), and picking
//! columns by name.

use super::Dataset;
use crate::error::{Error, Result};
use crate::io::files::io_reason;
use nalgebra::DMatrix;
use std::io::Read;
use std::path::Path;

// ---------------------------------------------------------------------------
// Columns by name
// ---------------------------------------------------------------------------

impl Dataset {
    /// The columns named `features` and `targets`, in that order, picked by
    /// name from all of this data's columns (features and targets alike):
    /// how a model that records its column names reads a file whose columns
    /// are in any order, or that has more columns than it needs.
    ///
    /// ```
    /// use dualpath::io::data::{read_csv_from, TargetChoice};
    /// let text = "duration,temperature,good\n13.5,200,1\n";
    /// let all = read_csv_from(text.as_bytes(), "roasts.csv", &TargetChoice::None)?;
    /// let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    /// let d = all.select(&names(&["temperature", "duration"]), &names(&["good"]))?;
    /// assert_eq!((d.x[(0, 0)], d.x[(0, 1)], d.y[(0, 0)]), (200.0, 13.5, 1.0));
    ///
    /// let missing = all.select(&names(&["temp"]), &[]).unwrap_err();
    /// assert_eq!(
    ///     missing.to_string(),
    ///     r#"roasts.csv: there is no column named "temp", one of the features asked for; the columns are "duration", "temperature", "good""#
    /// );
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Data`] naming the first name that is not a column (and
    /// listing the columns there are), or a name asked for twice.
    pub fn select(&self, features: &[String], targets: &[String]) -> Result<Dataset> {
        let mut index =
            std::collections::HashMap::with_capacity(self.n_features() + self.n_targets());
        for (j, name) in self.feature_names.iter().enumerate() {
            index.entry(name.as_str()).or_insert((false, j));
        }
        for (j, name) in self.target_names.iter().enumerate() {
            index.entry(name.as_str()).or_insert((true, j));
        }
        let mut taken = std::collections::HashSet::with_capacity(features.len() + targets.len());
        let mut pick = |names: &[String], role: &str| -> Result<Vec<(bool, usize)>> {
            names
                .iter()
                .map(|name| {
                    if !taken.insert(name.clone()) {
                        return Err(Error::Data {
                            path: self.source.clone(),
                            line: None,
                            column: Some(name.clone()),
                            detail: "is asked for twice (as a feature and as a target?); \
                                     each column can be used once"
                                .into(),
                        });
                    }
                    index.get(name.as_str()).copied().ok_or_else(|| {
                        let all: Vec<String> = self
                            .feature_names
                            .iter()
                            .chain(&self.target_names)
                            .cloned()
                            .collect();
                        Error::Data {
                            path: self.source.clone(),
                            line: None,
                            column: None,
                            detail: format!(
                                "there is no column named {:?}, {role}; the columns are {}",
                                shorten(name),
                                quoted_list(&all)
                            ),
                        }
                    })
                })
                .collect()
        };
        let x_cols = pick(features, "one of the features asked for")?;
        let y_cols = pick(targets, "one of the targets asked for")?;
        let column = |(is_target, j): (bool, usize)| {
            if is_target {
                self.y.column(j)
            } else {
                self.x.column(j)
            }
        };
        let build = |cols: &[(bool, usize)]| {
            let mut m = DMatrix::zeros(self.len(), cols.len());
            for (k, &c) in cols.iter().enumerate() {
                m.set_column(k, &column(c));
            }
            m
        };
        Ok(Dataset {
            x: build(&x_cols),
            y: build(&y_cols),
            feature_names: features.to_vec(),
            target_names: targets.to_vec(),
            source: self.source.clone(),
            lines: self.lines.clone(),
        })
    }

    /// Every column as a feature, targets after the features: data whose
    /// columns are to be chosen by name with [`Dataset::select`].
    pub fn all_columns(mut self) -> Dataset {
        if self.y.ncols() == 0 {
            return self;
        }
        let (m, nx, ny) = (self.len(), self.n_features(), self.n_targets());
        let x = DMatrix::from_fn(m, nx + ny, |i, j| {
            if j < nx {
                self.x[(i, j)]
            } else {
                self.y[(i, j - nx)]
            }
        });
        self.feature_names.append(&mut self.target_names);
        self.x = x;
        self.y = DMatrix::zeros(m, 0);
        self
    }
}

// ---------------------------------------------------------------------------
// CSV files
// ---------------------------------------------------------------------------

/// Which columns of a CSV file are targets; every other column is a feature,
/// in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TargetChoice {
    /// The last column is the only target (the default).
    #[default]
    Last,
    /// These columns are the targets, and `y`'s columns follow this order.
    Named(Vec<String>),
    /// No targets: every column is a feature (data to make predictions for).
    None,
}

impl TargetChoice {
    /// The choice a command line's repeatable `--target` flag describes: each
    /// entry may itself be a comma-separated list (`--target a,b --target c`
    /// names `a`, `b` and `c`); names are trimmed and empty pieces dropped.
    /// **No entries at all means the last column** ([`TargetChoice::Last`]).
    ///
    /// ```
    /// use dualpath::io::data::TargetChoice;
    /// assert_eq!(TargetChoice::from_names(&[]), TargetChoice::Last);
    /// let flags = ["a, b".to_string(), "c".to_string()];
    /// assert_eq!(
    ///     TargetChoice::from_names(&flags),
    ///     TargetChoice::Named(vec!["a".into(), "b".into(), "c".into()])
    /// );
    /// ```
    pub fn from_names(names: &[String]) -> Self {
        if names.is_empty() {
            return TargetChoice::Last;
        }
        TargetChoice::Named(
            names
                .iter()
                .flat_map(|entry| entry.split(','))
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(String::from)
                .collect(),
        )
    }
}

/// Reads a CSV file whose targets are named in `targets`; an **empty list
/// means the last column is the one target**. Entries may be comma-separated
/// lists, as [`TargetChoice::from_names`] describes.
///
/// The file starts with a header line of column names; every following line
/// is one example, one number per column. Spaces around names and numbers are
/// ignored, blank lines are skipped, and a UTF-8 byte-order mark is allowed.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::Data`], naming the file
/// and the line or column, for anything wrong inside it (see
/// [`read_csv_from`]).
pub fn read_csv(path: &Path, targets: &[String]) -> Result<Dataset> {
    read_csv_with(path, &TargetChoice::from_names(targets))
}

/// Reads a CSV file in which every column is a feature (`y` has no columns):
/// data to make predictions for.
///
/// # Errors
/// As [`read_csv`].
pub fn read_csv_features(path: &Path) -> Result<Dataset> {
    read_csv_with(path, &TargetChoice::None)
}

/// Reads a CSV file with the targets chosen by `targets`, up to
/// [`DEFAULT_MAX_FILE_SIZE`].
///
/// # Errors
/// As [`read_csv`].
pub fn read_csv_with(path: &Path, targets: &TargetChoice) -> Result<Dataset> {
    read_csv_limited(path, targets, DEFAULT_MAX_FILE_SIZE)
}

/// The largest data file read unless told otherwise: 1 GiB. The data is
/// held in memory as text and then as numbers (about twice the text for
/// short numbers), so the limit keeps a wrong file (a disk image, a log,
/// `/dev/zero`) from filling the memory; `dualpath --max-file-size` raises it.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 1 << 30;

/// How much of the start of a file is checked for being text before the
/// rest is read: a binary file is refused at once, however large.
const TEXT_PROBE: usize = 8 << 10;

/// Reads a CSV file with the targets chosen by `targets`, refusing a file
/// larger than `max_bytes` (a regular file before reading it; anything else,
/// such as a pipe or a device, once that much has been read).
///
/// # Errors
/// As [`read_csv`], and [`Error::Data`] for a file over `max_bytes`.
pub fn read_csv_limited(path: &Path, targets: &TargetChoice, max_bytes: u64) -> Result<Dataset> {
    let source = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| Error::Io {
        path: source.clone(),
        detail: format!("cannot read the file: {}", io_reason(&e)),
    })?;
    if let Ok(meta) = file.metadata() {
        if meta.is_dir() {
            return Err(Error::Io {
                path: source,
                detail: "cannot read the file: it is a directory; expected a CSV file".into(),
            });
        }
        if meta.is_file() && meta.len() > max_bytes {
            return Err(too_large(&source, max_bytes));
        }
    }
    read_csv_from_limited(file, &source, targets, max_bytes)
}

fn too_large(source: &str, max_bytes: u64) -> Error {
    Error::Data {
        path: source.into(),
        line: None,
        column: None,
        detail: format!(
            "the file is larger than the {} limit for a data file; if it really is data, \
             raise the limit (the program's --max-file-size)",
            byte_size(max_bytes)
        ),
    }
}

/// `1 GiB`, `512 MiB`, `1000 bytes`: a size as it was most likely given.
pub fn byte_size(n: u64) -> String {
    for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{} {unit}", n >> shift);
        }
    }
    format!("{n} bytes")
}

/// All of `reader`, refused at once if its first bytes are not text (a NUL
/// byte, or bytes that are not UTF-8), and refused once more than
/// `max_bytes` have been read.
fn read_text(mut reader: impl Read, source: &str, max_bytes: u64) -> Result<Vec<u8>> {
    let io = |e: std::io::Error| Error::Io {
        path: source.into(),
        detail: format!("cannot read the file: {}", io_reason(&e)),
    };
    let mut bytes = Vec::new();
    let probe = (TEXT_PROBE as u64).min(max_bytes.saturating_add(1));
    (&mut reader)
        .take(probe)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    check_text(&bytes, source)?;
    if bytes.len() as u64 == probe {
        let rest = max_bytes.saturating_add(1) - probe;
        reader.take(rest).read_to_end(&mut bytes).map_err(io)?;
    }
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(source, max_bytes));
    }
    Ok(bytes)
}

/// Refuses the start of a file that is not text: a NUL byte (no CSV holds
/// one; UTF-16 text and binary files do), or bytes that are not UTF-8 (a
/// character cut off at the end of the probe is allowed).
fn check_text(head: &[u8], source: &str) -> Result<()> {
    let refuse = |line: Option<usize>, why: String| Error::Data {
        path: source.into(),
        line,
        column: None,
        detail: format!(
            "this is not a text file ({why}); expected CSV text: a header line naming the columns, \
             then one line of numbers per example, saved as UTF-8"
        ),
    };
    let line_of = |at: usize| Some(1 + head[..at].iter().filter(|&&b| b == b'\n').count());
    let not_utf8 = match std::str::from_utf8(head) {
        Err(e) if e.error_len().is_some() => Some(e.valid_up_to()),
        _ => None,
    };
    if let Some(at) = head.iter().position(|&b| b == 0)
        && not_utf8.is_none_or(|bad| at <= bad)
    {
        return Err(refuse(line_of(at), format!("byte {at} is a NUL byte")));
    }
    if let Some(at) = not_utf8 {
        return Err(Error::Data {
            path: source.into(),
            line: line_of(at),
            column: None,
            detail: format!(
                "the text is not valid UTF-8 (byte {at} is not): a file that is not text, or text \
                 in another encoding; save the file as UTF-8 CSV"
            ),
        });
    }
    Ok(())
}

/// Reads CSV text from `reader`; `source` names it in error messages (use the
/// file name) and in [`Dataset::source`].
///
/// ```
/// use dualpath::io::data::{read_csv_from, TargetChoice};
/// let text = "temperature, duration, good\n200, 13.5, 1\n150, 11.5, 0\n";
/// let data = read_csv_from(text.as_bytes(), "roasts.csv", &TargetChoice::Last)?;
/// assert_eq!(data.feature_names, ["temperature", "duration"]);
/// assert_eq!((data.x[(1, 0)], data.y[(0, 0)]), (150.0, 1.0));
///
/// let bad = read_csv_from("t,d\n200,abc\n".as_bytes(), "roasts.csv", &TargetChoice::None);
/// assert_eq!(
///     bad.unwrap_err().to_string(),
///     r#"roasts.csv, line 2, column "d": "abc" is not a number"#
/// );
/// # Ok::<(), dualpath::Error>(())
/// ```
///
/// # Errors
/// [`Error::Io`] if reading fails; [`Error::Data`] for an empty file, a header
/// without data rows, an empty or repeated column name, a row with the wrong
/// number of cells, a cell that is not a finite number (empty, text, NaN or
/// infinite), text that is not UTF-8, a target column that does not exist or
/// is named twice, and a choice that leaves no feature column.
pub fn read_csv_from<R: Read>(reader: R, source: &str, targets: &TargetChoice) -> Result<Dataset> {
    read_csv_from_limited(reader, source, targets, DEFAULT_MAX_FILE_SIZE)
}

/// [`read_csv_from`], refusing text longer than `max_bytes`.
///
/// # Errors
/// As [`read_csv_from`], and [`Error::Data`] once more than `max_bytes`
/// have been read.
pub fn read_csv_from_limited<R: Read>(
    reader: R,
    source: &str,
    targets: &TargetChoice,
    max_bytes: u64,
) -> Result<Dataset> {
    let bytes = read_text(reader, source, max_bytes)?;
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let err = |line: Option<usize>, column: Option<&str>, detail: String| Error::Data {
        path: source.into(),
        line,
        column: column.map(String::from),
        detail,
    };

    let lines = Lines::new(text);
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text);
    let mut records = csv.records();

    // The header: one non-empty, distinct name per column.
    let header = match records.next() {
        None => {
            return Err(err(
                None,
                None,
                "the file is empty; expected a header line naming the columns, then one line per example".into(),
            ));
        }
        Some(record) => record.map_err(|e| csv_error(source, &lines, &e))?,
    };
    let header_line = lines.of(&header).unwrap_or(1);
    let names: Vec<String> = header.iter().map(String::from).collect();
    if let [only] = names.as_slice()
        && let Some((sep, word)) = [(';', "';'"), ('\t', "tabs"), ('|', "'|'")]
            .into_iter()
            .filter(|(c, _)| only.contains(*c))
            .max_by_key(|(c, _)| only.matches(*c).count())
    {
        return Err(err(
            Some(header_line),
            None,
            format!(
                "the header {:?} looks separated by {word}: the program reads comma-separated files; \
                 replace each {} with a comma",
                shorten(only),
                if sep == '\t' {
                    "tab".to_string()
                } else {
                    format!("'{sep}'")
                }
            ),
        ));
    }
    if names
        .iter()
        .all(|n| n.parse::<f64>().is_ok_and(f64::is_finite))
    {
        let n = names.len();
        let example = if n == 1 {
            "y".to_string()
        } else if n <= 4 {
            (1..n).map(|j| format!("x{j},")).collect::<String>() + "y"
        } else {
            format!("x1,x2,…,x{},y", n - 1)
        };
        return Err(err(
            Some(header_line),
            None,
            format!(
                "the first line ({}) is numbers, not column names: the file has no header; \
                 add a first line naming the columns, e.g. {example}",
                quoted_list(&names)
            ),
        ));
    }
    let mut seen = std::collections::HashMap::with_capacity(names.len());
    for (j, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(err(
                Some(header_line),
                None,
                format!(
                    "column {} has no name; the header must name every column",
                    j + 1
                ),
            ));
        }
        if let Some(k) = seen.insert(name.as_str(), j) {
            return Err(err(
                Some(header_line),
                Some(name),
                format!(
                    "the name is used by columns {} and {}; give every column its own name",
                    k + 1,
                    j + 1
                ),
            ));
        }
    }

    // Which columns are targets.
    let target_cols: Vec<usize> = match targets {
        TargetChoice::Last => vec![names.len() - 1],
        TargetChoice::None => Vec::new(),
        TargetChoice::Named(wanted) => {
            if wanted.is_empty() {
                return Err(err(
                    None,
                    None,
                    "the list of target columns is empty; name at least one, or give none to use the last column".into(),
                ));
            }
            let mut cols = Vec::with_capacity(wanted.len());
            for (i, want) in wanted.iter().enumerate() {
                if wanted[..i].contains(want) {
                    return Err(err(
                        None,
                        Some(want),
                        "is named twice as a target; name each target column once".into(),
                    ));
                }
                match names.iter().position(|n| n == want) {
                    Some(j) => cols.push(j),
                    None => {
                        return Err(err(
                            Some(header_line),
                            None,
                            format!(
                                "there is no column named {want:?} to use as a target; the columns are {}",
                                quoted_list(&names)
                            ),
                        ));
                    }
                }
            }
            cols
        }
    };
    let feature_cols: Vec<usize> = (0..names.len())
        .filter(|j| !target_cols.contains(j))
        .collect();
    if feature_cols.is_empty() {
        return Err(err(
            Some(header_line),
            None,
            format!(
                "every column ({}) is a target, which leaves no feature to learn from",
                quoted_list(&names)
            ),
        ));
    }

    // The rows: one finite number per column.
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    let mut row_lines = Vec::new();
    let mut m = 0;
    for record in records {
        let record = record.map_err(|e| csv_error(source, &lines, &e))?;
        let line = lines.of(&record);
        if record.len() != names.len() {
            return Err(err(
                line,
                None,
                format!(
                    "{} {} but the header has {} columns ({})",
                    record.len(),
                    if record.len() == 1 { "cell" } else { "cells" },
                    names.len(),
                    quoted_list(&names)
                ),
            ));
        }
        for (cols, out) in [(&feature_cols, &mut xs), (&target_cols, &mut ys)] {
            for &j in cols {
                out.push(parse_cell(&record[j]).map_err(|d| err(line, Some(&names[j]), d))?);
            }
        }
        row_lines.extend(line);
        m += 1;
    }
    if m == 0 {
        return Err(err(
            None,
            None,
            format!(
                "the header (line {header_line}) is followed by no data; expected one line per example"
            ),
        ));
    }

    Ok(Dataset {
        x: DMatrix::from_row_slice(m, feature_cols.len(), &xs),
        y: DMatrix::from_row_slice(m, target_cols.len(), &ys),
        feature_names: feature_cols.iter().map(|&j| names[j].clone()).collect(),
        target_names: target_cols.iter().map(|&j| names[j].clone()).collect(),
        source: source.into(),
        lines: if row_lines.len() == m {
            row_lines
        } else {
            Vec::new()
        },
    })
}

/// One cell as a finite number, or what is wrong with it.
fn parse_cell(cell: &str) -> std::result::Result<f64, String> {
    if cell.is_empty() {
        return Err("the cell is empty; expected a number".into());
    }
    let shown = shorten(cell);
    match cell.parse::<f64>() {
        Err(_) => Err(format!("{shown:?} is not a number")),
        Ok(v) if v.is_nan() => Err(format!(
            "{shown:?} is NaN (not a number); every cell must be a finite number"
        )),
        Ok(v) if v.is_infinite() => Err(format!(
            "{shown:?} is infinite (or too large for a 64-bit float); every cell must be a finite number"
        )),
        Ok(v) => Ok(v),
    }
}

/// The first 40 characters of a cell, to keep a message on one screen line.
fn shorten(cell: &str) -> String {
    const MAX: usize = 40;
    match cell.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &cell[..cut]),
        None => cell.to_string(),
    }
}

/// `"a", "b", "c"`; past ten names, the first eight and how many more, so
/// that a file of many columns still gives a one-line message.
fn quoted_list(names: &[String]) -> String {
    const SHOWN: usize = 8;
    let listed = names
        .iter()
        .take(if names.len() > 10 { SHOWN } else { names.len() })
        .map(|n| format!("{:?}", shorten(n)))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 10 {
        format!("{listed}, … ({} more)", names.len() - SHOWN)
    } else {
        listed
    }
}

/// Line numbers as an editor shows them. (The csv crate's own line count
/// leaves out blank lines, which it skips, so it is not used.)
struct Lines<'a> {
    text: &'a [u8],
    /// Byte offset just after each line break (`\n`, `\r\n` or a lone `\r`).
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a [u8]) -> Self {
        let starts = (0..text.len())
            .filter(|&i| text[i] == b'\n' || (text[i] == b'\r' && text.get(i + 1) != Some(&b'\n')))
            .map(|i| i + 1)
            .collect();
        Lines { text, starts }
    }

    /// The line (from 1) of byte `offset`, after stepping over the blank
    /// lines the csv crate skipped before a record.
    fn at(&self, mut offset: usize) -> usize {
        while matches!(self.text.get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        1 + self.starts.partition_point(|&start| start <= offset)
    }

    /// The line on which a record starts.
    fn of(&self, record: &csv::StringRecord) -> Option<usize> {
        record.position().map(|p| self.at(p.byte() as usize))
    }
}

/// A csv crate error (bad UTF-8, a failed read) as an [`Error::Data`].
fn csv_error(source: &str, lines: &Lines<'_>, e: &csv::Error) -> Error {
    let line = e.position().map(|p| lines.at(p.byte() as usize));
    let detail = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the text is not valid UTF-8; save the file as UTF-8".into(),
        _ => e.to_string(),
    };
    Error::Data {
        path: source.into(),
        line,
        column: None,
        detail,
    }
}
