//! Week 3's L2 regularisation on both paths: the penalty's gradient is the
//! derivative of the penalty (finite differences), and both paths still
//! agree within the rounding bound once it is added.

use dualpath::proof::bounds::{Agreement, network_bound};
use dualpath::proof::gradcheck::{max_relative_error, numerical_gradients};
use dualpath::{Activation, Loss, Network, Path};
use nalgebra::DMatrix;
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Case {
    widths: Vec<usize>,
    l2: Vec<f64>,
    seed: u64,
    m: usize,
    x: Vec<f64>,
    y: Vec<f64>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(1..=6usize, 2..=4),
        any::<u64>(),
        1..=6usize,
    )
        .prop_flat_map(|(widths, seed, m)| {
            let depth = widths.len() - 1;
            let (n_in, n_out) = (widths[0], widths[depth]);
            (
                Just(widths),
                prop::collection::vec(prop_oneof![Just(0.0), 0.0..0.5f64], depth),
                Just(seed),
                Just(m),
                prop::collection::vec(-2.0..2.0f64, m * n_in),
                prop::collection::vec(0.0..=1.0f64, m * n_out),
            )
        })
        .prop_map(|(widths, l2, seed, m, x, y)| Case {
            widths,
            l2,
            seed,
            m,
            x,
            y,
        })
}

impl Case {
    /// Tanh hidden layers (smooth, for the difference quotients), a sigmoid output.
    fn network(&self) -> Network<f64> {
        let depth = self.widths.len() - 1;
        let spec: Vec<(usize, Activation)> = (1..=depth)
            .map(|l| {
                (
                    self.widths[l],
                    if l == depth {
                        Activation::Sigmoid
                    } else {
                        Activation::Tanh
                    },
                )
            })
            .collect();
        let mut net = Network::new(self.widths[0], &spec, self.seed).unwrap();
        for (l, &l2) in self.l2.iter().enumerate() {
            net = net.with_l2(l, l2).unwrap();
        }
        net
    }

    fn data(&self) -> (DMatrix<f64>, DMatrix<f64>) {
        let n_out = *self.widths.last().unwrap();
        (
            DMatrix::from_row_slice(self.m, self.widths[0], &self.x),
            DMatrix::from_row_slice(self.m, n_out, &self.y),
        )
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Same tolerance as `tests/proofs/gradient_check.rs` (1e-6 mixed), derived there for h = 1e-5.
    #[test]
    fn l2_gradients_match_finite_differences_on_both_paths(c in case()) {
        let net = c.network();
        let (x, y) = c.data();
        for loss in [Loss::BINARY_CROSSENTROPY, Loss::MEAN_SQUARED_ERROR] {
            let numeric = numerical_gradients(&net, &x, &y, loss, 1e-5).unwrap();
            for path in Path::BOTH {
                let (j, g) = path.loss_and_gradients(&net, &x, &y, loss).unwrap();
                let err = max_relative_error(&g, &numeric, 1e-3 * j.max(1.0));
                prop_assert!(err <= 1e-6, "{path} {loss:?}: {err:e} for {c:?}");
            }
        }
    }

    #[test]
    fn l2_network_paths_agree_within_propagated_bound(c in case()) {
        let net = c.network();
        let (x, y) = c.data();
        let loss = Loss::BINARY_CROSSENTROPY;
        let (fs, fm) = (Path::Sequential.forward(&net, &x).unwrap(), Path::Matrix.forward(&net, &x).unwrap());
        let gs = Path::Sequential.backward(&net, &fs, &y, loss).unwrap();
        let gm = Path::Matrix.backward(&net, &fm, &y, loss).unwrap();
        let bound = network_bound(&net, &x, &y, loss).unwrap();
        for (l, b) in bound.layers.iter().enumerate() {
            let agr = Agreement::of(&gs.layers[l].dw, &gm.layers[l].dw, &b.dw);
            prop_assert!(agr.holds(), "layer {} dW: {agr:?} for {c:?}", l + 1);
        }
        let js = dualpath::paths::walk::total_loss(&net, loss, fs.output_z(), fs.output(), &y);
        let jm = dualpath::paths::walk::total_loss(&net, loss, fm.output_z(), fm.output(), &y);
        let agr = Agreement::of_scalar(js, jm, bound.loss);
        prop_assert!(agr.holds(), "J: {agr:?} for {c:?}");
    }
}

/// The penalty is `l2·ΣW²` over kernels only, and biases are never
/// regularised: moving a bias changes no penalty.
#[test]
fn the_penalty_counts_kernels_and_never_biases() {
    let net = Network::<f64>::new(2, &[(3, Activation::Relu), (1, Activation::Sigmoid)], 4)
        .unwrap()
        .with_l2(0, 0.5)
        .unwrap();
    let w = net.layers()[0].w();
    let want = f64::from(0.5_f32) * w.iter().map(|v| v * v).sum::<f64>();
    assert!(
        (net.penalty() - want).abs() <= 4.0 * f64::EPSILON * want,
        "{} vs {want}",
        net.penalty()
    );
    let mut moved = net.clone();
    moved.parameters_mut().nth(1).unwrap()[0] += 3.0; // layer 1's bias
    assert_eq!(moved.penalty(), net.penalty());
    assert!(
        Network::<f64>::new(2, &[(1, Activation::Relu)], 0)
            .unwrap()
            .with_l2(0, -1.0)
            .is_err()
    );
    assert!(
        Network::<f64>::new(2, &[(1, Activation::Relu)], 0)
            .unwrap()
            .with_l2(0, f64::NAN)
            .is_err()
    );
}
