//! Keras' `model.summary()` for a model: each layer's name, output shape and
//! parameter count, then the totals.
//!
//! The layers are named as a fresh Keras session names them: `dense`,
//! `dense_1`, `dense_2`, …; the output shape is `(None, units)`, `None`
//! standing for the batch size. A `Dense` layer has `n_in·units + units`
//! parameters (the kernel and the bias), all trainable.
//!
//! [`table`] draws the table as Keras 3 draws it at `line_length=80`
//! (`tests/reference/keras/evaluate.py` records Keras' own text, and the
//! tests compare the two line by line). Two things differ: the first line
//! names the model file rather than Keras' model name (`"sequential"`), and
//! a model that carries a normalisation gets one line about it after the
//! totals: the course's labs apply `Normalization` before the model, so
//! Keras' table of the same network does not show it.

use crate::io::model::Model;
use std::fmt::Write as _;

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerRow {
    /// Keras' name: `dense`, `dense_1`, …
    pub name: String,
    /// `(None, units)`.
    pub output_shape: String,
    /// Weights and biases.
    pub params: usize,
}

/// The rows of `model.summary()`, input side first.
///
/// ```
/// use dualpath::io::model::Model;
/// use dualpath::io::summary::rows;
/// use dualpath::{Activation::Sigmoid, Network};
/// let net = Network::<f64>::new(400, &[(25, Sigmoid), (15, Sigmoid), (1, Sigmoid)], 0)?;
/// let r = rows(&Model::new(net, None)?);
/// assert_eq!((r[0].name.as_str(), r[0].output_shape.as_str(), r[0].params), ("dense", "(None, 25)", 10_025));
/// assert_eq!((r[2].name.as_str(), r[2].params), ("dense_2", 16));
/// # Ok::<(), dualpath::Error>(())
/// ```
pub fn rows(model: &Model) -> Vec<LayerRow> {
    model
        .network
        .layers()
        .iter()
        .enumerate()
        .map(|(l, d)| LayerRow {
            name: if l == 0 {
                "dense".into()
            } else {
                format!("dense_{l}")
            },
            output_shape: format!("(None, {})", d.units()),
            params: d.w().len() + d.b().len(),
        })
        .collect()
}

/// `10431` as Keras writes it: `10,431`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A number of bytes as Keras' `readable_memory_size` writes it: `81.49 KB`
/// (powers of 1024, two decimals).
pub fn readable_size(bytes: usize) -> String {
    let mut size = bytes as f64;
    for unit in ["B", "KB", "MB", "GB", "TB"] {
        if size / 1024.0 < 1.0 {
            return format!("{size:.2} {unit}");
        }
        size /= 1024.0;
    }
    format!("{size:.2} PB")
}

/// Column widths inside the borders, as Keras draws them at `line_length=80`.
const WIDTHS: [usize; 3] = [33, 24, 13];

/// The whole table, as Keras 3 prints it at `line_length=80`, for a model
/// called `name` whose parameters take `bytes_per_param` bytes each (8 for
/// f64, 4 for f32: Keras' sizes follow the weights' dtype).
pub fn table(model: &Model, name: &str, bytes_per_param: usize) -> String {
    let [a, b, c] = WIDTHS;
    let line = |l: &str, m: &str, r: &str, fill: &str| {
        format!(
            "{l}{}{m}{}{m}{}{r}\n",
            fill.repeat(a + 2),
            fill.repeat(b + 2),
            fill.repeat(c + 2)
        )
    };
    let cells = |bar: &str, x: &str, y: &str, z: &str| {
        // Names and shapes to the left, counts to the right; a value wider
        // than its column widens the row rather than being cut.
        format!("{bar} {x:<a$} {bar} {y:<b$} {bar} {z:>c$} {bar}\n")
    };
    let rows = rows(model);
    let mut out = format!("Model: \"{name}\"\n");
    out.push_str(&line("┏", "┳", "┓", "━"));
    out.push_str(&cells("┃", "Layer (type)", "Output Shape", "Param #"));
    out.push_str(&line("┡", "╇", "┩", "━"));
    for (k, r) in rows.iter().enumerate() {
        let layer = format!("{} (Dense)", r.name);
        out.push_str(&cells("│", &layer, &r.output_shape, &thousands(r.params)));
        if k + 1 < rows.len() {
            out.push_str(&line("├", "┼", "┤", "─"));
        }
    }
    out.push_str(&line("└", "┴", "┘", "─"));
    let total: usize = rows.iter().map(|r| r.params).sum();
    let size = readable_size(total * bytes_per_param);
    let _ = writeln!(out, " Total params: {} ({size})", thousands(total));
    let _ = writeln!(out, " Trainable params: {} ({size})", thousands(total));
    let _ = writeln!(out, " Non-trainable params: 0 ({})", readable_size(0));
    if let Some(norm) = &model.normalization {
        let _ = writeln!(
            out,
            " Normalization: the {} inputs are standardised before the first layer \
             (a mean and a std each, kept in the model file, not counted above)",
            norm.mean.len()
        );
    }
    out
}

/// The table in one line, for the start of `train`:
/// `dense (None, 25) 75 · dense_1 (None, 15) 390 · dense_2 (None, 1) 16 · total 481 params`.
pub fn brief(model: &Model) -> String {
    let rows = rows(model);
    let total: usize = rows.iter().map(|r| r.params).sum();
    let mut parts: Vec<String> = rows
        .iter()
        .map(|r| format!("{} {} {}", r.name, r.output_shape, thousands(r.params)))
        .collect();
    parts.push(format!("total {} params", thousands(total)));
    parts.join(" · ")
}
