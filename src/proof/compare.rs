//! Running both paths and measuring how far apart they are, beside the
//! rounding bound: the one comparison the program's `compare`, the tour, the
//! quick sweep and the benchmarks all use.

use crate::error::Result;
use crate::nn::loss::Loss;
use crate::nn::network::Network;
use crate::paths::Path;
use crate::paths::walk::total_loss;
use crate::proof::bounds::{Agreement, network_bound};
use crate::real::{Real, ulps_between};
use nalgebra::DMatrix;
use std::fmt::Write as _;

/// The quantities a comparison reports, in the order it reports them.
pub const QUANTITIES: [&str; 5] = ["Z", "A", "dW", "db", "J"];

/// One line of a comparison: a quantity of one layer (or the loss `J`).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The layer, counted from 1 (`None` for the loss).
    pub layer: Option<usize>,
    /// `Z`, `A`, `dW`, `db` or `J`.
    pub name: &'static str,
    /// The largest difference, the largest bound, and the worst ratio.
    pub agreement: Agreement,
    /// The largest difference in units in the last place.
    pub ulps: u64,
}

/// Runs both paths forward and backward on `(x, y)` with `loss` and
/// measures, per layer and quantity, how far apart they are beside the
/// rounding bound of [`network_bound`]: one row per layer for each of `Z`,
/// `A`, `dW`, `db`, then one for the loss `J`.
///
/// ```
/// use dualpath::{proof::compare, Activation::Sigmoid, Loss, Network};
/// use nalgebra::dmatrix;
/// let net = Network::<f64>::new(2, &[(3, Sigmoid), (1, Sigmoid)], 0)?;
/// let rows = compare::rows(&net, &dmatrix![0.5, 1.0; -2.0, 0.25], &dmatrix![1.0; 0.0], Loss::BINARY_CROSSENTROPY)?;
/// assert_eq!(rows.len(), 2 * 4 + 1);
/// assert!(compare::worst(&rows).holds());
/// # Ok::<(), dualpath::Error>(())
/// ```
///
/// # Errors
/// If `x` or `y` does not fit the network or the loss.
pub fn rows<T: Real>(
    net: &Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    loss: Loss,
) -> Result<Vec<Row>> {
    rows_on(net, x, y, loss, 1)
}

/// [`rows`] with both paths on `threads` threads ([`Path::forward_on`]):
/// the same rows, sooner.
///
/// # Errors
/// As [`rows`], and for a thread count [`Path::forward_on`] refuses.
pub fn rows_on<T: Real>(
    net: &Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    loss: Loss,
    threads: usize,
) -> Result<Vec<Row>> {
    let (seq, mat) = (Path::Sequential, Path::Matrix);
    let (fs, fm) = (
        seq.forward_on(net, x, threads)?,
        mat.forward_on(net, x, threads)?,
    );
    let (gs, gm) = (
        seq.backward_on(net, &fs, y, loss, threads)?,
        mat.backward_on(net, &fm, y, loss, threads)?,
    );
    let bound = network_bound(net, x, y, loss)?;
    let ulps = |p: &[T], q: &[T]| {
        p.iter()
            .zip(q)
            .map(|(&p, &q)| ulps_between(p, q))
            .max()
            .unwrap_or(0)
    };
    let mut rows = Vec::with_capacity(4 * bound.layers.len() + 1);
    for (l, b) in bound.layers.iter().enumerate() {
        let (cs, cm) = (&fs.layers()[l], &fm.layers()[l]);
        let (ds, dm) = (&gs.layers[l], &gm.layers[l]);
        let mut push = |name, agreement, ulps| {
            rows.push(Row {
                layer: Some(l + 1),
                name,
                agreement,
                ulps,
            })
        };
        push(
            "Z",
            Agreement::of(&cs.z, &cm.z, &b.z),
            ulps(cs.z.as_slice(), cm.z.as_slice()),
        );
        push(
            "A",
            Agreement::of(&cs.a, &cm.a, &b.a),
            ulps(cs.a.as_slice(), cm.a.as_slice()),
        );
        push(
            "dW",
            Agreement::of(&ds.dw, &dm.dw, &b.dw),
            ulps(ds.dw.as_slice(), dm.dw.as_slice()),
        );
        push(
            "db",
            Agreement::of(&ds.db, &dm.db, &b.db),
            ulps(ds.db.as_slice(), dm.db.as_slice()),
        );
    }
    let js = total_loss(net, loss, fs.output_z(), fs.output(), y);
    let jm = total_loss(net, loss, fm.output_z(), fm.output(), y);
    rows.push(Row {
        layer: None,
        name: "J",
        agreement: Agreement::of_scalar(js, jm, bound.loss),
        ulps: ulps_between(js, jm),
    });
    Ok(rows)
}

/// The agreement of the first row with the worst ratio of difference to
/// bound (the default [`Agreement`] for no rows).
pub fn worst(rows: &[Row]) -> Agreement {
    rows.iter()
        .map(|r| r.agreement)
        .reduce(|worst, a| {
            if a.worst_ratio > worst.worst_ratio {
                a
            } else {
                worst
            }
        })
        .unwrap_or_default()
}

/// The rows whose quantity is in `names`, as a table with a header, each
/// line starting with `indent`. A row over its bound is marked
/// `EXCEEDS THE BOUND`.
pub fn table(rows: &[Row], names: &[&str], indent: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{indent}{:<6} {:<3} {:>12} {:>6} {:>12} {:>10}",
        "layer", "", "largest diff", "ulps", "bound", "diff/bound"
    );
    for r in rows.iter().filter(|r| names.contains(&r.name)) {
        let a = &r.agreement;
        let layer = r.layer.map(|l| l.to_string()).unwrap_or_default();
        let _ = writeln!(
            out,
            "{indent}{:<6} {:<3} {:>12.3e} {:>6} {:>12.3e} {:>10.4}{}",
            layer,
            r.name,
            a.max_diff,
            r.ulps,
            a.max_bound,
            a.worst_ratio,
            if a.holds() { "" } else { "  EXCEEDS THE BOUND" }
        );
    }
    out
}
