//! Finite differences: an independent check of the gradients.
//!
//! The two paths agreeing does not prove either right: both could share a
//! mistake. The central difference `(J(w + h) - J(w - h)) / 2h` needs only
//! the forward pass and the loss, so it checks backward propagation against
//! its definition. Its error is `O(h²)` from truncation plus about
//! `u·|J|/h` from rounding; `h = 10⁻⁵` in `f64` balances the two near `10⁻¹⁰`.

use crate::error::Result;
use crate::nn::loss::Loss;
use crate::nn::network::Network;
use crate::paths::Path;
use crate::paths::buffers::Gradients;
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
    Ok(crate::paths::walk::total_loss(
        net,
        loss,
        fwd.output_z(),
        fwd.output(),
        y,
    ))
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
    crate::paths::contract::check_targets(net, y, x.nrows(), loss)?;
    let mut probe = net.clone();
    let mut slopes = Gradients::zeros_like(net);
    // Walk the parameter view: slice s of the network, element i, and the
    // same place in the gradients (the two views share one order).
    let lens: Vec<usize> = net.parameters().map(<[f64]>::len).collect();
    for (s, &len) in lens.iter().enumerate() {
        for i in 0..len {
            let set = |p: &mut Network<f64>, v: f64| {
                p.parameters_mut().nth(s).expect("a slice of the view")[i] = v;
            };
            let w0 = net.parameters().nth(s).expect("a slice of the view")[i];
            let step = h * w0.abs().max(1.0);
            set(&mut probe, w0 + step);
            let up = cost(&probe, x, y, loss, Path::Matrix)?;
            set(&mut probe, w0 - step);
            let down = cost(&probe, x, y, loss, Path::Matrix)?;
            set(&mut probe, w0);
            slopes.slices_mut().nth(s).expect("a slice of the view")[i] =
                (up - down) / (2.0 * step);
        }
    }
    Ok(slopes)
}

/// The largest relative error between two sets of gradients,
/// `|g - ĝ| / max(|g| + |ĝ|, floor)` over every parameter; `floor` keeps
/// near-zero gradients from dividing by nothing.
pub fn max_relative_error(a: &Gradients<f64>, b: &Gradients<f64>, floor: f64) -> f64 {
    a.slices()
        .zip(b.slices())
        .flat_map(|(p, q)| p.iter().zip(q))
        .map(|(&g, &n)| (g - n).abs() / (g.abs() + n.abs()).max(floor))
        .fold(0.0, f64::max)
}
