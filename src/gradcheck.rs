//! Finite differences: an independent check of the gradients.
//!
//! The two paths agreeing does not prove either right: both could share a
//! mistake. The central difference `(J(w + h) - J(w - h)) / 2h` needs only
//! the forward pass and the loss, so it checks backward propagation against
//! its definition. Its error is `O(h²)` from truncation plus about
//! `u·|J|/h` from rounding; `h = 10⁻⁵` in `f64` balances the two near `10⁻¹⁰`.

use crate::error::Result;
use crate::loss::Loss;
use crate::network::{DenseGradients, Gradients, Network};
use crate::path::Path;
use nalgebra::DMatrix;

/// The mean loss `J` of `net` on `(x, y)`, computed on `path`.
///
/// # Errors
/// If the data does not fit the network.
pub fn cost(
    net: &Network<f64>,
    x: &DMatrix<f64>,
    y: &DMatrix<f64>,
    loss: Loss,
    path: Path,
) -> Result<f64> {
    let fwd = path.forward(net, x)?;
    Ok(loss.value(net.output_activation(), fwd.output_z(), fwd.output(), y))
}

/// Central-difference estimates of every `∂J/∂w` and `∂J/∂b`, with step
/// `h·max(1, |w|)`, in the network's shapes.
///
/// # Errors
/// If the data does not fit the network or the loss.
pub fn numerical_gradients(
    net: &Network<f64>,
    x: &DMatrix<f64>,
    y: &DMatrix<f64>,
    loss: Loss,
    h: f64,
) -> Result<Gradients<f64>> {
    net.check_targets(y, x.nrows())?;
    loss.check_targets(y)?;
    let mut probe = net.clone();
    let mut layers = Vec::with_capacity(net.layers.len());
    for l in 0..net.layers.len() {
        let (n_in, units) = (net.layers[l].n_in(), net.layers[l].units());
        let mut dw = DMatrix::zeros(n_in, units);
        let mut db = nalgebra::DVector::zeros(units);
        for k in 0..n_in * units + units {
            let read = |p: &Network<f64>| {
                if k < n_in * units {
                    p.layers[l].w.as_slice()[k]
                } else {
                    p.layers[l].b[k - n_in * units]
                }
            };
            let write = |p: &mut Network<f64>, v: f64| {
                if k < n_in * units {
                    p.layers_mut()[l].w.as_mut_slice()[k] = v;
                } else {
                    p.layers_mut()[l].b[k - n_in * units] = v;
                }
            };
            let w0 = read(&probe);
            let step = h * w0.abs().max(1.0);
            write(&mut probe, w0 + step);
            let up = cost(&probe, x, y, loss, Path::Matrix)?;
            write(&mut probe, w0 - step);
            let down = cost(&probe, x, y, loss, Path::Matrix)?;
            write(&mut probe, w0);
            let slope = (up - down) / (2.0 * step);
            if k < n_in * units {
                dw.as_mut_slice()[k] = slope;
            } else {
                db[k - n_in * units] = slope;
            }
        }
        layers.push(DenseGradients { dw, db });
    }
    Ok(Gradients { layers })
}

/// The largest relative error between two sets of gradients,
/// `|g - ĝ| / max(|g| + |ĝ|, floor)` over every parameter; `floor` keeps
/// near-zero gradients from dividing by nothing.
pub fn max_relative_error(a: &Gradients<f64>, b: &Gradients<f64>, floor: f64) -> f64 {
    a.layers
        .iter()
        .zip(&b.layers)
        .flat_map(|(p, q)| {
            p.dw.iter()
                .zip(q.dw.iter())
                .chain(p.db.iter().zip(q.db.iter()))
        })
        .map(|(&g, &n)| (g - n).abs() / (g.abs() + n.abs()).max(floor))
        .fold(0.0, f64::max)
}
