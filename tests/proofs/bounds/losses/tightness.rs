//! Deviations where each element-wise function is steepest reach a stated
//! fraction of its bound.

use super::*;

// ---------------------------------------------------------------------------
// 3. Tightness: deviations where each function is steepest.

/// `|dZ_s - dZ_m| / bound` for one output element, the loop path at
/// `(z_s, a_s)`, the matrix path at `(z_m, a_m)`, `count` outputs in all.
#[allow(clippy::too_many_arguments)]
fn dz_fraction<T: Real>(
    loss: Loss,
    g: Activation,
    (z_m, a_m): (T, T),
    (z_s, a_s): (T, T),
    dev_z: f64,
    dev_a: f64,
    y: T,
    count: usize,
) -> f64 {
    let s = T::one() / T::of_f64(count as f64);
    let m = loss.output_dz_element(g, z_m, a_m, y, s);
    let l = loss.output_dz_element(g, z_s, a_s, y, s);
    let one = |v: T| DMatrix::from_element(1, 1, v);
    // `count` enters the bound through the matrix's size: a row of `count` copies.
    let row = |v: T| DMatrix::from_element(1, count, v);
    let rowf = |v: f64| DMatrix::from_element(1, count, v);
    let bound = output_dz_bound(
        loss,
        g,
        &row(z_m),
        &rowf(dev_z),
        &row(a_m),
        &rowf(dev_a),
        &row(y),
    );
    let agree = Agreement::of(&one(l), &one(m), &bound.columns(0, 1));
    assert!(agree.holds(), "{loss:?} {g:?}: {agree:?}");
    agree.worst_ratio
}

/// The loss bound's fraction for one element (`m = n = 1`: the mean is exact).
fn loss_fraction<T: Real>(
    loss: Loss,
    g: Activation,
    (z_m, a_m): (T, T),
    (z_s, a_s): (T, T),
    dev_z: f64,
    dev_a: f64,
    y: T,
) -> f64 {
    let one = |v: T| DMatrix::from_element(1, 1, v);
    let onef = |v: f64| DMatrix::from_element(1, 1, v);
    let b = loss_bound(
        loss,
        g,
        &one(z_m),
        &onef(dev_z),
        &one(a_m),
        &onef(dev_a),
        &one(y),
    );
    let agree = Agreement::of_scalar(
        loss.value(g, &one(z_s), &one(a_s), &one(y)),
        loss.value(g, &one(z_m), &one(a_m), &one(y)),
        b,
    );
    assert!(agree.holds(), "{loss:?} {g:?}: {agree:?}");
    agree.worst_ratio
}

fn check(worst: &mut Worst, what: &str, f: f64, at_least: f64) {
    println!("{what:<58} {f:.4} (asserted ≥ {at_least})");
    assert!(f >= at_least, "{what} reaches only {f}");
    worst.see(what.to_string(), f);
}

/// Each bound's leading term, reached:
/// - output `dZ` from logits at `z = 0`, `δZ = 2⁻¹⁰`: `σ(δ) - σ(0) =
///   δ/4 - O(δ³)` (`σ''(0) = 0`) against the bound's `s·(δ/4 + 12u·…)`:
///   `1 - O(δ²) - O(u/δ)`, asserted 0.99;
/// - squared error, linear output: `2s·δ` exactly against `2s·δ + γ₃·…`: 0.99;
/// - squared error, sigmoid output, `a = 0.01`, `y = 0`, `a_s = a + δ`:
///   `d/da [a·a(1 - a)] = 2a - 3a²` against the bound's `gp + r + δ ≈ 2a - a²`
///   (its `|h'| ≤ 1` is reached as `a → 0`): `(2 - 3a)/(2 - a)` = 0.990, asserted 0.95;
/// - squared error, relu output across its jump (`z = ±δ/2`, `y = 1`): the
///   loop path's `g' = 0` against the matrix path's 1, `2s·r` against
///   `2s·(2δ + r)`: `1 - 2δ/r`, asserted 0.99;
/// - clipped cross-entropy, relu output, `a = 10⁻³`, `y = 1`: `|h'| =
///   (1 - a)²/q² = 1/a²` against the bound's `2/q²`: `(1 - a)²/2` = 0.499,
///   asserted 0.45 (the bound's 2 is twice the largest `|h'|·q²`, which is
///   `(p - y)² + y(1 - y) ≤ 1` for `p`, `y` in `[0, 1]`);
/// - clipped cross-entropy touching the clip: the matrix path at `a = ε`
///   (kept, `y = 1`: `dz = -s/ε·(1 + O(ε))`), the loop path just below `ε`
///   (clipped: 0), against the bound's `2s/q(ε)`: ½, asserted 0.45 (it lets
///   both paths be as large, with opposite signs);
/// - each loss's slope: squared error `a_s = a + δ` in the residual's
///   direction, `δ·(2r + δ)` exactly: 0.99; from logits at `z = 40`, `y = 0`,
///   slope `σ(40) ≈ 1` against the bound's 1: 0.95 (`f32`'s evaluation term
///   `16u·81` is 1% of `δ = 2⁻⁷`); clipped at `a = 10⁻³`, `y = 1`, slope
///   `1/a` against `1/q = 1/(a(1 - a))`: `1 - a`, asserted 0.95.
fn output_and_loss_tightness_for<T: Real>(worst: &mut Worst) {
    use Activation::*;
    let t = T::of_f64;
    let name = T::NAME;
    let bce = Loss::BINARY_CROSSENTROPY;
    let mse = Loss::MEAN_SQUARED_ERROR;
    let d = 2f64.powi(-10);

    let dev_a_sig = |dev_z: f64, a: T| {
        a_definition(
            Sigmoid,
            &DMatrix::from_element(1, 1, dev_z),
            &DMatrix::from_element(1, 1, a),
        )[0]
    };
    let f = dz_fraction(
        bce.with_logits(),
        Linear,
        (t(0.0), t(0.0)),
        (t(d), t(d)),
        d,
        d,
        t(1.0),
        3,
    );
    check(worst, &format!("dZ from logits, σ at 0, {name}"), f, 0.99);
    // The same through a sigmoid output layer: `δA` is the forward bound's.
    let (a0, a1) = (Sigmoid.g(t(0.0)), Sigmoid.g(t(d)));
    let f = dz_fraction(
        bce,
        Sigmoid,
        (t(0.0), a0),
        (t(d), a1),
        d,
        dev_a_sig(d, a0),
        t(1.0),
        3,
    );
    check(
        worst,
        &format!("dZ sigmoid output, σ at 0, {name}"),
        f,
        0.99,
    );

    let f = dz_fraction(
        mse,
        Linear,
        (t(1.0), t(1.0)),
        (t(1.0 + d), t(1.0 + d)),
        d,
        d,
        t(0.0),
        2,
    );
    check(worst, &format!("dZ squared, linear, {name}"), f, 0.99);

    let a = t(0.01);
    let a_s = a + t(d * 0.01);
    let f = dz_fraction(
        mse,
        Sigmoid,
        (t(0.0), a),
        (t(0.0), a_s),
        1.0,
        distance(a_s, a),
        t(0.0),
        2,
    );
    check(
        worst,
        &format!("dZ squared, sigmoid's g' slope at a = 0.01, {name}"),
        f,
        0.95,
    );

    let f = dz_fraction(
        mse,
        Relu,
        (t(d / 2.0), t(d / 2.0)),
        (t(-d / 2.0), t(0.0)),
        d,
        d,
        t(1.0),
        4,
    );
    check(worst, &format!("dZ squared, relu's jump, {name}"), f, 0.99);

    let a = t(1e-3);
    let a_s = a + t(1e-3 * d);
    let f = dz_fraction(
        bce,
        Relu,
        (a, a),
        (a_s, a_s),
        1e-9,
        distance(a_s, a),
        t(1.0),
        1,
    );
    check(
        worst,
        &format!("dZ clipped, h' at a = 1e-3, {name}"),
        f,
        0.45,
    );

    let (eps, _) = clip_edges::<T>();
    let (a, a_s) = (t(eps), t(eps * (1.0 - d)));
    // δZ = δA < ε = |z|: relu's g' is 1 on both paths, and the bound knows it.
    let f = dz_fraction(
        bce,
        Relu,
        (a, a),
        (a_s, a_s),
        distance(a_s, a),
        distance(a_s, a),
        t(1.0),
        1,
    );
    check(
        worst,
        &format!("dZ clipped, one path clips, {name}"),
        f,
        0.45,
    );

    let f = loss_fraction(
        mse,
        Linear,
        (t(1.0), t(1.0)),
        (t(1.0 + d), t(1.0 + d)),
        d,
        d,
        t(0.0),
    );
    check(
        worst,
        &format!("ℓ squared, δ along the residual, {name}"),
        f,
        0.99,
    );
    let dl = 2f64.powi(-7);
    let f = loss_fraction(
        bce.with_logits(),
        Linear,
        (t(40.0), t(40.0)),
        (t(40.0 + dl), t(40.0 + dl)),
        dl,
        dl,
        t(0.0),
    );
    check(
        worst,
        &format!("ℓ from logits, slope 1 at z = 40, {name}"),
        f,
        0.95,
    );
    let a = t(1e-3);
    let a_s = a - t(1e-3 * d);
    let f = loss_fraction(
        bce,
        Relu,
        (a, a),
        (a_s, a_s),
        1e-9,
        distance(a_s, a),
        t(1.0),
    );
    check(
        worst,
        &format!("ℓ clipped, slope 1/a at a = 1e-3, {name}"),
        f,
        0.95,
    );
}

/// `dA ⊙ g'`'s terms reached, `dA = 1` on both paths unless said:
/// - sigmoid at `a = 0.01`, the loop path's `a + δ`: `|h'| = 1 - 2a` against
///   the bound's 1: 0.98, asserted 0.95;
/// - tanh at `a = 0.99`: `2a` against 2: 0.99, asserted 0.95;
/// - relu across its jump: 1 against `1 + O(u)`: asserted 0.99;
/// - `δdA` alone on a linear layer: `δdA·1` against `δdA·1 + 2u·…`: 0.99.
fn activation_backward_tightness_for<T: Real>(worst: &mut Worst) {
    use Activation::*;
    let t = T::of_f64;
    let name = T::NAME;
    let d = 2f64.powi(-12);
    let frac = |g: Activation, (z_m, a_m): (T, T), (z_s, a_s): (T, T), da: (T, T), dev_z: f64| {
        let one = |v: T| DMatrix::from_element(1, 1, v);
        let onef = |v: f64| DMatrix::from_element(1, 1, v);
        let dz = |z: T, a: T, da: T| {
            let mut out = [T::zero()];
            g.backprop(&[da], &[z], &[a], &mut out);
            out[0]
        };
        let bound = activation_backward_bound(
            &one(da.0),
            &onef(distance(da.1, da.0)),
            &one(z_m),
            &onef(dev_z),
            &one(a_m),
            &onef(distance(a_s, a_m)),
            g,
        );
        let agree = Agreement::of(&one(dz(z_s, a_s, da.1)), &one(dz(z_m, a_m, da.0)), &bound);
        assert!(agree.holds(), "{name} {g:?}: {agree:?}");
        agree.worst_ratio
    };
    let ones = (t(1.0), t(1.0));
    let f = frac(
        Sigmoid,
        (t(0.0), t(0.01)),
        (t(0.0), t(0.01) + t(d)),
        ones,
        1.0,
    );
    check(
        worst,
        &format!("dA⊙g' sigmoid's g' slope at a = 0.01, {name}"),
        f,
        0.95,
    );
    let f = frac(Tanh, (t(0.0), t(0.99)), (t(0.0), t(0.99) + t(d)), ones, 1.0);
    check(
        worst,
        &format!("dA⊙g' tanh's g' slope at a = 0.99, {name}"),
        f,
        0.95,
    );
    let f = frac(Relu, (t(d), t(d)), (t(-d), t(0.0)), ones, 2.0 * d);
    check(worst, &format!("dA⊙g' relu's jump, {name}"), f, 0.99);
    let f = frac(
        Linear,
        (t(0.5), t(0.5)),
        (t(0.5), t(0.5)),
        (t(1.0), t(1.0 + d)),
        0.0,
    );
    check(worst, &format!("dA⊙g' δdA alone, {name}"), f, 0.99);
}

/// The mean's `γ_{n+m}` term: `n = 1` output and `m = 256` examples whose
/// losses are a chain rounding down by nearly half an ulp at every addition
/// (`rounding_chain` of `tightness.rs`, scaled by 2¹⁰: cross-entropy from
/// logits at `z ≥ 2¹⁰` with `y = 0` is `z` itself, `e^{-|z|}` underflowing
/// to 0). `Loss::value` adds the rows one after another from zero, so its
/// error is the chain's, known exactly; its share of the bound is
/// `γ_{n+m}·Σℓ/m` (the bound's `2γ_{n+m}·Σ(ℓ̂ + d)/(m·n)` is both paths'):
/// 21590/(257·256) = 0.33, asserted 1/4, as for the dense layer's sums.
fn mean_tightness_for<T: Real>(worst: &mut Worst) {
    let m = 256;
    let (chain, _) = crate::bounds::tightness::rounding_chain::<T>(m);
    let scale = T::of_f64(1024.0);
    let z = DMatrix::from_fn(m, 1, |i, _| chain[i] * scale);
    let y = DMatrix::zeros(m, 1);
    let loss = Loss::BINARY_CROSSENTROPY.with_logits();
    let g = Activation::Linear;
    for k in 0..m {
        assert_eq!(
            loss.element(g, z[k], z[k], T::zero()),
            z[k],
            "ℓ = z at {}",
            z[k]
        );
    }
    let j = loss.value(g, &z, &z, &y).as_f64();
    let exact = super::exact::dot2(z.iter().map(|v| (v.as_f64(), 1.0 / m as f64)));
    let size: f64 = z.iter().map(|v| v.as_f64()).sum();
    let share = gamma_of::<T>(1 + m) * size / m as f64;
    let f = super::exact::within_share(&format!("{} mean of a chain", T::NAME), j, exact, share);
    // The bound itself, with no deviation, is two such shares and more.
    let zero = DMatrix::zeros(m, 1);
    let b = loss_bound(loss, g, &z, &zero, &z, &zero, &y);
    assert!(
        b >= 2.0 * share,
        "{} loss bound {b:e} below two shares {share:e}",
        T::NAME
    );
    check(
        worst,
        &format!("J mean of a rounding chain, {}", T::NAME),
        f,
        0.25,
    );
}

#[test]
fn crafted_deviations_reach_a_stated_fraction_of_the_element_wise_bounds() {
    let mut worst = Worst::default();
    output_and_loss_tightness_for::<f64>(&mut worst);
    output_and_loss_tightness_for::<f32>(&mut worst);
    activation_backward_tightness_for::<f64>(&mut worst);
    activation_backward_tightness_for::<f32>(&mut worst);
    mean_tightness_for::<f64>(&mut worst);
    mean_tightness_for::<f32>(&mut worst);
}
