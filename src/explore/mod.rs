//! The page `dualpath explore` writes: one self-contained HTML file to look
//! at and play with.
//!
//! The page shows training replayed ([`record`]), every unit's output over
//! the input plane, and for any unit the arithmetic of one example on both
//! paths, with the rounding bound between them. Its HTML, JavaScript and
//! CSS are the files beside this one (`page.html`, `page.js`, `page.css`),
//! included when the crate is built; [`page`] fills the template with them
//! and with the data, so the file needs nothing from the network.
//!
//! The numbers the page shows for the two paths are computed here, by the
//! two Rust paths, when the page is written. The page's own forward pass in
//! JavaScript is a third path: it checks itself against these numbers at
//! every snapshot, within the bound of [`network_bound`].

mod record;

pub use record::{Recording, Rows, Snapshot, record};

use crate::error::Result;
use crate::io::data::Normalization;
use crate::nn::loss::{Loss, LossKind};
use crate::nn::network::Network;
use crate::paths::Path;
use crate::paths::buffers::Workspace;
use crate::proof::bounds::network_bound;
use nalgebra::DMatrix;
use serde_json::{Value, json};

/// The page's template, with `{{title}}`, `{{style}}`, `{{script}}` and `{{data}}` to fill.
pub const TEMPLATE: &str = include_str!("page.html");
/// The page's styles.
pub const STYLE: &str = include_str!("page.css");
/// The page's program.
pub const SCRIPT: &str = include_str!("page.js");

/// The version of the data the page reads.
pub const FORMAT: &str = "dualpath-explore 1";

/// Everything a page shows besides the recording.
#[derive(Clone, Debug)]
pub struct PageData<'a> {
    /// The page's title.
    pub title: String,
    /// The command line that wrote it.
    pub command: String,
    /// Where the data came from.
    pub source: String,
    /// The features' names, in the network's input order.
    pub features: &'a [String],
    /// The targets' names.
    pub targets: &'a [String],
    /// The loss trained with.
    pub loss: Loss,
    /// The normalisation in front of the network, if any.
    pub normalization: Option<&'a Normalization>,
    /// `Some((width, height))` when the features are an image's pixels, row by row.
    pub image: Option<(usize, usize)>,
    /// Every row as read: the training rows, then the validation rows.
    pub x: &'a DMatrix<f64>,
    /// Their targets.
    pub y: &'a DMatrix<f64>,
    /// How many of the rows, from the first, were trained on.
    pub train_rows: usize,
    /// How many times the training rows were repeated in each epoch.
    pub repeat: usize,
    /// The rows whose activations both paths compute at every snapshot.
    pub check_rows: Vec<usize>,
    /// The rows whose unit-by-unit arithmetic is recorded at every snapshot.
    pub trace_rows: Vec<usize>,
}

/// What kind of task the loss makes of the data, as the page draws it.
fn kind(loss: Loss) -> &'static str {
    match loss.kind() {
        LossKind::BinaryCrossentropy => "binary",
        LossKind::MeanSquaredError => "regression",
        _ => "multiclass",
    }
}

/// The whole page: the template filled with the styles, the program and the data.
///
/// # Errors
/// If a row does not fit the network or the loss.
pub fn page(data: &PageData<'_>, run: &Recording, lead: Path) -> Result<String> {
    let json = page_json(data, run, lead)?;
    // Inside <script>, a `<` could close the tag: JSON may spell it \u003c.
    let text = json.to_string().replace('<', "\\u003c");
    Ok(fill(
        TEMPLATE,
        &[
            ("{{title}}", &escape_html(&data.title)),
            ("{{style}}", STYLE),
            ("{{script}}", SCRIPT),
            ("{{data}}", &text),
        ],
    ))
}

/// The data the page embeds, as JSON (the format `FORMAT` names; the page's
/// program reads it).
///
/// # Errors
/// If a row does not fit the network or the loss.
pub fn page_json(data: &PageData<'_>, run: &Recording, lead: Path) -> Result<Value> {
    let net = &run.network;
    let inputs = |rows: &[usize]| -> (DMatrix<f64>, DMatrix<f64>) {
        let x = data.x.select_rows(rows);
        let x = match data.normalization {
            Some(n) => n.apply(&x),
            None => x,
        };
        (x, data.y.select_rows(rows))
    };
    let (check_x, check_y) = inputs(&data.check_rows);
    let traced: Vec<(DMatrix<f64>, DMatrix<f64>)> =
        data.trace_rows.iter().map(|&r| inputs(&[r])).collect();
    let mut snapshots = Vec::with_capacity(run.snapshots.len());
    for s in &run.snapshots {
        let trace = traced
            .iter()
            .map(|(x, y)| trace(&s.network, x, y, data.loss))
            .collect::<Result<Vec<_>>>()?;
        snapshots.push(json!({
            "label": s.label,
            "at": s.at,
            "epoch": s.epoch,
            "params": params(&s.network),
            "gap": s.gap,
            "check": check(&s.network, &check_x, &check_y, data.loss)?,
            "trace": trace,
        }));
    }
    let h = &run.history;
    let or_null = |v: &Vec<f64>| if v.is_empty() { Value::Null } else { json!(v) };
    let classes: Value = match data.loss.kind() {
        LossKind::BinaryCrossentropy | LossKind::MeanSquaredError => Value::Null,
        _ => json!((0..net.n_out()).map(|c| c.to_string()).collect::<Vec<_>>()),
    };
    Ok(json!({
        "format": FORMAT,
        "title": data.title,
        "command": data.command,
        "source": data.source,
        "features": data.features,
        "targets": data.targets,
        "kind": kind(data.loss),
        "classes": classes,
        "loss": {
            "name": data.loss.name(),
            "keras": data.loss.keras_name(),
            "from_logits": data.loss.from_logits(),
        },
        "lead_path": lead.name(),
        "layers": net.layers().iter().map(|d| json!({
            "units": d.units(),
            "activation": d.activation().to_string(),
            "l2": d.l2(),
        })).collect::<Vec<_>>(),
        "n_in": net.n_in(),
        "normalization": data.normalization.map(|n| json!({
            "mean": n.mean,
            // What `Normalization::apply` divides by.
            "std": n.std.iter().map(|s| s.max(Normalization::EPSILON)).collect::<Vec<_>>(),
        })),
        "image": data.image.map(|(w, h)| json!({"width": w, "height": h})),
        "x": rows_of(data.x),
        "y": rows_of(data.y),
        "train_rows": data.train_rows,
        "repeat": data.repeat,
        "epochs": h.loss.len(),
        "thinned": run.thinned.map(|(epochs, kept)| json!({"epochs": epochs, "kept": kept})),
        "history": {
            "loss": h.loss,
            "val_loss": or_null(&h.val_loss),
            "accuracy": or_null(&h.accuracy),
            "val_accuracy": or_null(&h.val_accuracy),
        },
        "check_rows": data.check_rows,
        "trace_rows": data.trace_rows,
        "snapshots": snapshots,
    }))
}

/// Per layer, Keras' kernel as rows (`w[k][j]`) and the bias.
fn params(net: &Network<f64>) -> Vec<Value> {
    net.layers()
        .iter()
        .map(|d| json!({"w": rows_of(d.w()), "b": d.b().as_slice()}))
        .collect()
}

/// A matrix as a list of its rows.
fn rows_of(m: &DMatrix<f64>) -> Vec<Vec<f64>> {
    m.row_iter().map(|r| r.iter().copied().collect()).collect()
}

/// A matrix's elements row by row (element `(i, j)` at `i·ncols + j`).
fn row_major(m: &DMatrix<f64>) -> Vec<f64> {
    m.transpose().as_slice().to_vec()
}

/// A bound written with three significant digits, rounded up so that it
/// stays a bound: at most 1.5% above the exact one.
fn shown_bound(b: f64) -> f64 {
    if b == 0.0 {
        return 0.0;
    }
    let up: f64 = format!("{:.2e}", b * 1.01).parse().unwrap_or(b);
    if up >= b { up } else { b }
}

/// `{"loop": […], "matrix": […], "bound": […]}`.
fn triple(seq: Vec<f64>, mat: Vec<f64>, bound: Vec<f64>) -> Value {
    let bound: Vec<f64> = bound.into_iter().map(shown_bound).collect();
    json!({"loop": seq, "matrix": mat, "bound": bound})
}

/// Both paths' activations of every layer for the rows `x`, beside the bound.
fn check(net: &Network<f64>, x: &DMatrix<f64>, y: &DMatrix<f64>, loss: Loss) -> Result<Value> {
    let fs = Path::Sequential.forward(net, x)?;
    let fm = Path::Matrix.forward(net, x)?;
    let bound = network_bound(net, x, y, loss)?;
    Ok(json!(
        (0..net.layers().len())
            .map(|l| triple(
                row_major(&fs.layers()[l].a),
                row_major(&fm.layers()[l].a),
                row_major(&bound.layers[l].a),
            ))
            .collect::<Vec<_>>()
    ))
}

/// One example forward and backward on both paths, unit by unit, as
/// `dualpath trace` computes it, beside the bound. For one example `db`
/// is `dz` itself, so the bound on `db` bounds `dz` too.
fn trace(net: &Network<f64>, x: &DMatrix<f64>, y: &DMatrix<f64>, loss: Loss) -> Result<Value> {
    let mut runs = Vec::with_capacity(2);
    let mut losses = Vec::with_capacity(2);
    for path in [Path::Sequential, Path::Matrix] {
        let mut ws = Workspace::new(net, 1);
        let mut pass = path.forward_into(&mut ws, net, x)?;
        losses.push(pass.loss(y, loss)?);
        pass.backward(y, loss)?;
        runs.push(ws);
    }
    let bound = network_bound(net, x, y, loss)?;
    let (s, m) = (&runs[0], &runs[1]);
    let layers: Vec<Value> = (0..net.layers().len())
        .map(|l| {
            let b = &bound.layers[l];
            let (gs, gm) = (&s.gradients().layers[l], &m.gradients().layers[l]);
            json!({
                "z": triple(row_major(&s.layers()[l].z), row_major(&m.layers()[l].z), row_major(&b.z)),
                "a": triple(row_major(&s.layers()[l].a), row_major(&m.layers()[l].a), row_major(&b.a)),
                "dz": triple(row_major(s.dz(l)), row_major(m.dz(l)), b.db.as_slice().to_vec()),
                "db": triple(gs.db.as_slice().to_vec(), gm.db.as_slice().to_vec(), b.db.as_slice().to_vec()),
                "dw": triple(row_major(&gs.dw), row_major(&gm.dw), row_major(&b.dw)),
            })
        })
        .collect();
    Ok(json!({
        "loss": {"loop": losses[0], "matrix": losses[1], "bound": shown_bound(bound.loss)},
        "layers": layers,
    }))
}

/// `template` with each marker replaced by its text, in one pass: a text put
/// in is never searched for markers itself.
///
/// # Panics
/// If a marker is not in the template exactly once (the template is the
/// crate's own file).
pub fn fill(template: &str, parts: &[(&str, &str)]) -> String {
    let mut places: Vec<(usize, &str, &str)> = parts
        .iter()
        .map(|&(marker, text)| {
            let found: Vec<usize> = template.match_indices(marker).map(|(i, _)| i).collect();
            assert!(
                found.len() == 1,
                "the page's template holds {marker} {} times, not once",
                found.len()
            );
            (found[0], marker, text)
        })
        .collect();
    places.sort_by_key(|p| p.0);
    let mut out =
        String::with_capacity(template.len() + parts.iter().map(|p| p.1.len()).sum::<usize>());
    let mut from = 0;
    for (at, marker, text) in places {
        out.push_str(&template[from..at]);
        out.push_str(text);
        from = at + marker.len();
    }
    out.push_str(&template[from..]);
    out
}

/// Text made safe to put in HTML.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::{fill, shown_bound};

    #[test]
    fn a_filled_text_is_not_searched_for_markers() {
        let out = fill("<{{a}}|{{b}}>", &[("{{b}}", "{{a}}"), ("{{a}}", "x")]);
        assert_eq!(out, "<x|{{a}}>");
    }

    #[test]
    fn a_shown_bound_is_never_below_the_bound() {
        for b in [
            1e-300,
            3.3333e-17,
            9.9951e-3,
            1.0,
            123456.0,
            f64::MIN_POSITIVE,
        ] {
            let s = shown_bound(b);
            assert!(s >= b && s <= b * 1.016, "{b} shown as {s}");
        }
        assert_eq!(shown_bound(0.0), 0.0);
    }
}
