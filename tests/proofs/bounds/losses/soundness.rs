//! The element-wise steps with the loop path's input at each end of its
//! deviation interval, and each evaluation against a more precise one.

use super::*;

// ---------------------------------------------------------------------------
// 2. Soundness: the loop path's input at each end of its deviation interval.

/// The adversarial points of output `g`: every `z` of the definitions plus
/// the clip's edges approached from each side, steep and saturated sigmoids
/// (`σ` rounds to 1 at `z ≈ 17` in `f32`, `37` in `f64`) and large residuals.
fn soundness_points<T: Real>(g: Activation) -> Vec<T> {
    let (eps, hi) = clip_edges::<T>();
    let mut v = z_values::<T>(g);
    let extra: Vec<f64> = match g {
        Activation::Relu => vec![eps * 1.0001, eps * 0.9999, hi * 0.9999999, 1e-6, 0.5],
        Activation::Tanh => vec![-1e-7, 1e-7 * 1.0001, 8.3, 0.55],
        Activation::Sigmoid => vec![17.0, 37.0, -17.0, -37.0, 745.0, -745.0],
        _ => vec![-745.0, 745.0, 1e-30, -0.01],
    };
    v.extend(extra.into_iter().map(T::of_f64));
    v
}

/// One `(loss, g)` at every point, with the loop path's `z` at `z ± δ` for
/// each `δ`: below `f32`'s spacing (the same bits), small, and large enough
/// to cross relu's jump and the clip. The crate's `dZ` and `J` at both
/// points differ by no more than their bounds.
fn two_point_soundness_for<T: Real>(worst: &mut Worst, loss: Loss, g: Activation) {
    let zs = soundness_points::<T>(g);
    let n = zs.len();
    for &y_val in &[0.0, 1.0, 0.3, 40.0, -1e3] {
        if form(loss, g) != Form::Squared && !(0.0..=1.0).contains(&y_val) {
            continue; // binary labels lie in [0, 1]
        }
        let y = DMatrix::from_element(1, n, T::of_f64(y_val));
        for delta in [1e-12, 1e-7, 1e-4, 0.01, 0.3] {
            for sign in [1.0, -1.0] {
                let z_m = DMatrix::from_fn(1, n, |_, j| zs[j]);
                let z_s = z_m.map(|z| z + T::of_f64(sign * delta * (1.0 + abs_f64(z))));
                let dev_z = z_m.zip_map(&z_s, distance);
                let a_m = z_m.map(|z| g.g(z));
                let a_s = z_s.map(|z| g.g(z));
                let dev_a = a_definition(g, &dev_z, &a_m);
                let mut dz_m = DMatrix::zeros(1, n);
                let mut dz_s = DMatrix::zeros(1, n);
                loss.output_dz(&mut dz_m, g, &z_m, &a_m, &y);
                loss.output_dz(&mut dz_s, g, &z_s, &a_s, &y);
                let bound = output_dz_bound(loss, g, &z_m, &dev_z, &a_m, &dev_a, &y);
                let agree = Agreement::of(&dz_s, &dz_m, &bound);
                let at = format!(
                    "{} {} {g:?} y {y_val} δ {sign}·{delta}",
                    T::NAME,
                    loss.keras_name()
                );
                assert!(
                    agree.holds(),
                    "output dZ {at}: {agree:?}\n{dz_s}{dz_m}{bound}"
                );
                worst.see(
                    format!("output dZ {} {g:?} {}", loss.keras_name(), T::NAME),
                    agree.worst_ratio,
                );
                // The mean over the row, and each element alone (no mean to dilute it).
                let j_m = loss.value(g, &z_m, &a_m, &y);
                let j_s = loss.value(g, &z_s, &a_s, &y);
                let b = loss_bound(loss, g, &z_m, &dev_z, &a_m, &dev_a, &y);
                let agree = Agreement::of_scalar(j_s, j_m, b);
                assert!(agree.holds(), "J {at}: {agree:?}");
                for k in 0..n {
                    let one = |m: &DMatrix<T>| DMatrix::from_element(1, 1, m[k]);
                    let onef = |m: &DMatrix<f64>| DMatrix::from_element(1, 1, m[k]);
                    let (zm, zsk, am, ask, yk) =
                        (one(&z_m), one(&z_s), one(&a_m), one(&a_s), one(&y));
                    let b = loss_bound(loss, g, &zm, &onef(&dev_z), &am, &onef(&dev_a), &yk);
                    let agree = Agreement::of_scalar(
                        loss.value(g, &zsk, &ask, &yk),
                        loss.value(g, &zm, &am, &yk),
                        b,
                    );
                    assert!(agree.holds(), "ℓ {at} at z = {}: {agree:?}", z_m[k]);
                    worst.see(
                        format!("ℓ {} {g:?} {}", loss.keras_name(), T::NAME),
                        agree.worst_ratio,
                    );
                }
            }
        }
    }
}

/// `σ(z)` in `f64` for the references, in the form that never overflows.
fn sigmoid64(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        z.exp() / (1.0 + z.exp())
    }
}

/// Each `f32` evaluation against the same formula in `f64` on the same
/// `f32` inputs (whose own error, a few `f64` ulps, is the `slack`), within
/// the path's share: half the rounding part of the two-path bound.
/// - output `dZ`: from `z`, `γ₂·s·r` (plus `6u·s·σ(z)` on logits, the
///   sigmoid's own error, half of the `12u` in its `δA`); squared
///   `γ₃·2s·r·|g'|`; clipped `γ₆·s·|h|·|g'|`, with `r`, `|h|` and `|g'|` at
///   this path's own inputs;
/// - `ℓ`: from `z`, `8u·(2|z| + 1)`; squared `γ₃·r²`; clipped `16u·17`.
fn evaluation_f32(worst: &mut Worst, loss: Loss, g: Activation) {
    let u = unit_roundoff::<f32>();
    let (eps, hi) = clip_edges::<f32>();
    for &z in &soundness_points::<f32>(g) {
        for y in [0.0_f32, 1.0, 0.3, 40.0] {
            if form(loss, g) != Form::Squared && y > 1.0 {
                continue;
            }
            let a = if loss.from_logits() { z } else { g.g(z) };
            let (zf, af, yf) = (f64::from(z), f64::from(a), f64::from(y));
            let s = 1.0 / 3.0_f32; // as for a batch of three outputs
            let sf = f64::from(s);
            let gp = g_prime_value(g, z, a);
            let gpf = f64::from(gp).abs();
            let dz = loss.output_dz_element(g, z, a, y, s);
            let (want, share) = match form(loss, g) {
                Form::FromZ if loss.from_logits() => {
                    let p = sigmoid64(zf);
                    let r = (f64::from(sigmoid(z)) - yf).abs();
                    (
                        (p - yf) * sf,
                        gamma_of::<f32>(2) * sf * r + 6.0 * u * sf * p,
                    )
                }
                Form::FromZ => ((af - yf) * sf, gamma_of::<f32>(2) * sf * (af - yf).abs()),
                Form::Squared => (
                    2.0 * (af - yf) * sf * f64::from(gp),
                    gamma_of::<f32>(3) * 2.0 * sf * (af - yf).abs() * gpf,
                ),
                Form::Clipped if af < eps || af > hi => (0.0, 0.0),
                Form::Clipped => {
                    let h = (af - yf) / (af * (1.0 - af));
                    (
                        h * sf * f64::from(gp),
                        gamma_of::<f32>(6) * sf * h.abs() * gpf,
                    )
                }
            };
            let diff = (f64::from(dz) - want).abs();
            let slack = 16.0 * unit_roundoff::<f64>() * want.abs();
            let at = format!("{} {g:?} z {z} y {y}", loss.keras_name());
            assert!(
                diff <= share + slack,
                "f32 output dZ {at}: {dz} against {want}, share {share:e}"
            );
            if diff > slack {
                worst.see(
                    format!("eval dZ {} {g:?} f32", loss.keras_name()),
                    diff / share,
                );
            }
            let l = loss.element(g, z, a, y);
            let (want, share) = match form(loss, g) {
                Form::FromZ => (
                    zf.max(0.0) - zf * yf + (-zf.abs()).exp().ln_1p(),
                    8.0 * u * (2.0 * zf.abs() + 1.0),
                ),
                Form::Squared => (
                    (af - yf) * (af - yf),
                    gamma_of::<f32>(3) * (af - yf).powi(2),
                ),
                Form::Clipped => {
                    let p = f64::from(a.clamp(eps as f32, hi as f32));
                    (
                        -(yf * p.ln() + (1.0 - yf) * (1.0 - p).ln()),
                        16.0 * u * 17.0,
                    )
                }
            };
            let diff = (f64::from(l) - want).abs();
            let slack = 16.0 * unit_roundoff::<f64>() * (want.abs() + zf.abs());
            assert!(
                diff <= share + slack,
                "f32 ℓ {at}: {l} against {want}, share {share:e}"
            );
            if diff > slack {
                worst.see(
                    format!("eval ℓ {} {g:?} f32", loss.keras_name()),
                    diff / share,
                );
            }
        }
    }
}

/// `g'` from the cached `a` against its exact value, within `err′·u`
/// (`bounds.rs`: 1u for `a(1 - a)`, 2u for `1 - a²`). The exact value by
/// error-free transformations: `1 - a` split by TwoSum into `h + l`, each
/// product split by a fused multiply-add, so `a(1 - a) = a·h + a·l` and
/// `1 - a² = 1 - (p + e)` are formed from exact pieces and rounded once in
/// `f64` (for `f32` they are exact in `f64` outright).
fn g_prime_evaluation_for<T: Real>(worst: &mut Worst) {
    let u = unit_roundoff::<T>();
    let mut rng = Rng(33);
    for g in [Activation::Sigmoid, Activation::Tanh] {
        let (_, err) = lip_err_prime(g);
        let mut zs: Vec<f64> = (0..400).map(|_| rng.uniform(-20.0, 20.0)).collect();
        zs.extend([0.0, 1e-8, -1e-8, 0.5, -0.5, 3.0, 17.0, 40.0, -40.0]);
        for z in zs {
            let a = g.g(T::of_f64(z));
            let got = g_prime_value(g, T::of_f64(z), a).as_f64();
            let x = a.as_f64();
            let exact = if g == Activation::Sigmoid {
                let (h, l) = two_sum(1.0, -x);
                let p = x * h;
                let e = x.mul_add(h, -p);
                p + (e + x * l)
            } else {
                let p = x * x;
                let e = x.mul_add(x, -p);
                let (s, t) = two_sum(1.0, -p);
                s + (t - e)
            };
            let share = err * u;
            let diff = (got - exact).abs();
            assert!(
                diff <= share + 4.0 * unit_roundoff::<f64>(),
                "{} {g:?}' at a = {x}: {got} against {exact}",
                T::NAME
            );
            worst.see(format!("eval g' {g:?} {}", T::NAME), diff / share);
        }
    }
}

#[test]
fn the_element_wise_steps_stay_within_their_bounds_at_each_end() {
    let mut worst = Worst::default();
    for (loss, g) in loss_outputs() {
        two_point_soundness_for::<f64>(&mut worst, loss, g);
        two_point_soundness_for::<f32>(&mut worst, loss, g);
        evaluation_f32(&mut worst, loss, g);
    }
    g_prime_evaluation_for::<f64>(&mut worst);
    g_prime_evaluation_for::<f32>(&mut worst);
    activation_backward_soundness_for::<f64>(&mut worst);
    activation_backward_soundness_for::<f32>(&mut worst);
    worst.print("element-wise steps: difference ÷ two-path bound, or evaluation error ÷ share");
}

/// `dZ = dA ⊙ g'(z, a)` as both paths compute it, at the matrix path's
/// `(dA, z)` and at the loop path's `(dA ± δdA, z ± δZ)`, every sign
/// combination, with `δA` the forward bound; `z` at relu's jump (0, ±δZ/2)
/// and over the sigmoid's and tanh's steep and flat parts.
fn activation_backward_soundness_for<T: Real>(worst: &mut Worst) {
    let mut rng = Rng(34);
    for g in [
        Activation::Linear,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Tanh,
    ] {
        for delta in [0.0, 1e-9, 1e-4, 0.05] {
            let mut zv: Vec<f64> = (0..24).map(|_| rng.uniform(-6.0, 6.0)).collect();
            zv.extend([
                0.0,
                delta / 2.0,
                -delta / 2.0,
                delta,
                30.0,
                -30.0,
                0.5,
                -0.5,
            ]);
            let n = zv.len();
            let z_m = DMatrix::from_fn(1, n, |_, j| T::of_f64(zv[j]));
            let da_m = DMatrix::from_fn(1, n, |_, _| T::of_f64(rng.uniform(-3.0, 3.0)));
            for (sz, sd) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
                let z_s = z_m.map(|z| z + T::of_f64(sz * delta));
                let da_s = da_m.map(|d| d + T::of_f64(sd * delta * abs_f64(d)));
                let dev_z = z_m.zip_map(&z_s, distance);
                let dev_da = da_m.zip_map(&da_s, distance);
                let a_m = z_m.map(|z| g.g(z));
                let a_s = z_s.map(|z| g.g(z));
                let dev_a = a_definition(g, &dev_z, &a_m);
                let mut dz_m = DMatrix::zeros(1, n);
                let mut dz_s = DMatrix::zeros(1, n);
                g.backprop(
                    da_m.as_slice(),
                    z_m.as_slice(),
                    a_m.as_slice(),
                    dz_m.as_mut_slice(),
                );
                g.backprop(
                    da_s.as_slice(),
                    z_s.as_slice(),
                    a_s.as_slice(),
                    dz_s.as_mut_slice(),
                );
                let bound =
                    activation_backward_bound(&da_m, &dev_da, &z_m, &dev_z, &a_m, &dev_a, g);
                let agree = Agreement::of(&dz_s, &dz_m, &bound);
                assert!(
                    agree.holds(),
                    "{} {g:?} dA⊙g' δ {delta}: {agree:?}\n{dz_s}{dz_m}{bound}",
                    T::NAME
                );
                worst.see(format!("dA⊙g' {g:?} {}", T::NAME), agree.worst_ratio);
            }
        }
    }
}
