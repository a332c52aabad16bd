//! A kernel handed buffers that do not fit panics, and its message names
//! the shapes on both sides of the mismatch: a broken contract is a bug in
//! the caller, and the message is where its author starts looking.
//!
//! Each case runs on both paths' kernels (`dualpath::paths::contract::check_forward`
//! and `check_backward` are the one place the checks live).

use crate::common::kernels::{Loops, Matrices, OnPath};
use dualpath::{Activation, Dense, DenseGradients, InputGradient, LayerCache, LayerState, Scratch};
use nalgebra::{DMatrix, DVector};

/// A layer of `units` units on `n_in` inputs.
fn layer(n_in: usize, units: usize) -> Dense<f64> {
    Dense::new(
        DMatrix::from_element(n_in, units, 0.5),
        DVector::zeros(units),
        Activation::Sigmoid,
    )
    .expect("a valid layer")
}

fn forward<K: OnPath>(out: (usize, usize), a_in: (usize, usize), w: (usize, usize)) {
    let mut out = LayerCache::<f64>::zeros(out.0, out.1);
    let a_in = DMatrix::zeros(a_in.0, a_in.1);
    K::PATH.dense_forward(&mut out, &mut Scratch::default(), &a_in, &layer(w.0, w.1));
}

/// Shapes of one backward call: the upstream gradient, the cache's `Z`, `A_in`,
/// `W`, and the buffers `dZ` (for the `dA` form), `dW`, `dA_in`.
struct Backward {
    upstream: (usize, usize),
    z: (usize, usize),
    a_in: (usize, usize),
    w: (usize, usize),
    dz: (usize, usize),
    dw: (usize, usize),
    da_in: Option<(usize, usize)>,
}

/// The shapes that fit: `m = 2` examples, 3 inputs, 4 units.
const FITS: Backward = Backward {
    upstream: (2, 4),
    z: (2, 4),
    a_in: (2, 3),
    w: (3, 4),
    dz: (2, 4),
    dw: (3, 4),
    da_in: Some((2, 3)),
};

fn backward<K: OnPath>(s: Backward, from_da: bool) {
    let zeros = |(r, c): (usize, usize)| DMatrix::<f64>::zeros(r, c);
    let cache = LayerCache {
        z: zeros(s.z),
        a: zeros(s.z),
    };
    let (a_in, layer, upstream) = (zeros(s.a_in), layer(s.w.0, s.w.1), zeros(s.upstream));
    let at = LayerState {
        a_in: &a_in,
        cache: &cache,
        layer: &layer,
    };
    let mut grads = DenseGradients {
        dw: zeros(s.dw),
        db: DVector::zeros(s.dw.1),
    };
    let mut da_in = s.da_in.map(zeros);
    let into = match da_in.as_mut() {
        Some(d) => InputGradient::Into(d),
        None => InputGradient::Skip,
    };
    let mut scratch = Scratch::default();
    if from_da {
        let mut dz = zeros(s.dz);
        K::PATH.dense_backward(&mut grads, into, &mut scratch, &mut dz, &upstream, at);
    } else {
        K::PATH.dense_backward_dz(&mut grads, into, &mut scratch, &upstream, at);
    }
}

/// The fitting shapes pass on both paths (so the cases below fail for their
/// one mismatch, not for another).
#[test]
fn shapes_that_fit_pass_the_checks() {
    for from_da in [true, false] {
        backward::<Loops>(FITS, from_da);
        backward::<Matrices>(FITS, from_da);
    }
    forward::<Loops>((2, 4), (2, 3), (3, 4));
    forward::<Matrices>((2, 4), (2, 3), (3, 4));
}

#[test]
#[should_panic(expected = "sequential::dense_forward: A_in is (2, 3) and W is (4, 2)")]
fn loop_forward_names_a_in_and_w_that_do_not_chain() {
    forward::<Loops>((2, 2), (2, 3), (4, 2));
}

#[test]
#[should_panic(expected = "matrix::dense_forward: A_in is (2, 3) and W is (4, 2)")]
fn matrix_forward_names_a_in_and_w_that_do_not_chain() {
    forward::<Matrices>((2, 2), (2, 3), (4, 2));
}

#[test]
#[should_panic(expected = "so Z and A must be (2, 4), but out.z is (3, 4) and out.a is (3, 4)")]
fn loop_forward_names_an_output_buffer_of_the_wrong_shape() {
    forward::<Loops>((3, 4), (2, 3), (3, 4));
}

#[test]
#[should_panic(expected = "so Z and A must be (2, 4), but out.z is (3, 4) and out.a is (3, 4)")]
fn matrix_forward_names_an_output_buffer_of_the_wrong_shape() {
    forward::<Matrices>((3, 4), (2, 3), (3, 4));
}

const UPSTREAM_WRONG: Backward = Backward {
    upstream: (2, 5),
    ..FITS
};

#[test]
#[should_panic(expected = "must be (2, 4), but they are (2, 5), (2, 4) and (2, 4)")]
fn loop_backward_names_an_upstream_gradient_of_the_wrong_shape() {
    backward::<Loops>(UPSTREAM_WRONG, true);
}

#[test]
#[should_panic(expected = "must be (2, 4), but they are (2, 5), (2, 4) and (2, 4)")]
fn matrix_backward_names_an_upstream_gradient_of_the_wrong_shape() {
    backward::<Matrices>(UPSTREAM_WRONG, true);
}

#[test]
#[should_panic(
    expected = "sequential::dense_backward_dz: A_in is (2, 3) and W is (3, 4), so the upstream gradient"
)]
fn loop_backward_dz_names_a_dz_of_the_wrong_shape() {
    backward::<Loops>(UPSTREAM_WRONG, false);
}

#[test]
#[should_panic(
    expected = "matrix::dense_backward_dz: A_in is (2, 3) and W is (3, 4), so the upstream gradient"
)]
fn matrix_backward_dz_names_a_dz_of_the_wrong_shape() {
    backward::<Matrices>(UPSTREAM_WRONG, false);
}

const A_IN_WRONG: Backward = Backward {
    a_in: (2, 5),
    ..FITS
};

#[test]
#[should_panic(expected = "A_in is (2, 5) but W is (3, 4)")]
fn loop_backward_names_a_in_and_w_that_do_not_chain() {
    backward::<Loops>(A_IN_WRONG, true);
}

#[test]
#[should_panic(expected = "A_in is (2, 5) but W is (3, 4)")]
fn matrix_backward_dz_names_a_in_and_w_that_do_not_chain() {
    backward::<Matrices>(A_IN_WRONG, false);
}

const Z_WRONG: Backward = Backward { z: (3, 4), ..FITS };

#[test]
#[should_panic(expected = "but they are (2, 4), (3, 4) and (3, 4)")]
fn loop_backward_names_a_cache_from_another_batch() {
    backward::<Loops>(Z_WRONG, true);
}

#[test]
#[should_panic(expected = "but they are (2, 4), (3, 4) and (3, 4)")]
fn matrix_backward_names_a_cache_from_another_batch() {
    backward::<Matrices>(Z_WRONG, true);
}

const DZ_WRONG: Backward = Backward { dz: (4, 2), ..FITS };

#[test]
#[should_panic(expected = "dZ must be (2, 4) like dA, but the buffer is (4, 2)")]
fn loop_backward_names_a_dz_buffer_of_the_wrong_shape() {
    backward::<Loops>(DZ_WRONG, true);
}

#[test]
#[should_panic(expected = "dZ must be (2, 4) like dA, but the buffer is (4, 2)")]
fn matrix_backward_names_a_dz_buffer_of_the_wrong_shape() {
    backward::<Matrices>(DZ_WRONG, true);
}

const DW_WRONG: Backward = Backward { dw: (4, 3), ..FITS };

#[test]
#[should_panic(
    expected = "W is (3, 4) and b has 4 values, but the buffers dW is (4, 3) and db has 3"
)]
fn loop_backward_names_gradient_buffers_of_the_wrong_shape() {
    backward::<Loops>(DW_WRONG, false);
}

#[test]
#[should_panic(
    expected = "W is (3, 4) and b has 4 values, but the buffers dW is (4, 3) and db has 3"
)]
fn matrix_backward_names_gradient_buffers_of_the_wrong_shape() {
    backward::<Matrices>(DW_WRONG, false);
}

const DA_IN_WRONG: Backward = Backward {
    da_in: Some((3, 2)),
    ..FITS
};

#[test]
#[should_panic(expected = "A_in is (2, 3), so dA_in must be too, but the buffer is (3, 2)")]
fn loop_backward_names_a_da_in_buffer_of_the_wrong_shape() {
    backward::<Loops>(DA_IN_WRONG, true);
}

#[test]
#[should_panic(expected = "A_in is (2, 3), so dA_in must be too, but the buffer is (3, 2)")]
fn matrix_backward_names_a_da_in_buffer_of_the_wrong_shape() {
    backward::<Matrices>(DA_IN_WRONG, true);
}
