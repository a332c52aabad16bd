//! The data module: the coffee data against the course lab's numbers,
//! normalisation against hand-computed values, the built-in data sets of
//! week 2, the course's error measures and week 3's split. CSV reading is
//! tested in `tests/files/csv.rs`.

use dualpath::Error;
use dualpath::io::data::{Normalization, coffee};
use nalgebra::dmatrix;

// ---------------------------------------------------------------------------
// Coffee
// ---------------------------------------------------------------------------

// The reference values below come from running the course lab's
// `load_coffee_data()` (NumPy's `default_rng(2)`) and printing `X.shape`,
// `Y.sum()`, `X[0]` and `Y[0]`.

#[test]
fn coffee_has_the_labs_shape_and_positive_count() {
    let data = coffee();
    assert_eq!(data.x.shape(), (200, 2));
    assert_eq!(data.y.shape(), (200, 1));
    assert_eq!(data.y.iter().filter(|&&v| v == 1.0).count(), 43);
    assert!(data.y.iter().all(|&v| v == 0.0 || v == 1.0));
    assert_eq!(data.feature_names, ["temperature", "duration"]);
    assert_eq!(data.target_names, ["good_roast"]);
}

#[test]
fn coffee_first_row_is_the_labs_bit_for_bit() {
    let data = coffee();
    assert_eq!(data.x[(0, 0)].to_bits(), 185.31763812365773_f64.to_bits());
    assert_eq!(data.x[(0, 1)].to_bits(), 12.693964573656494_f64.to_bits());
    assert_eq!(data.y[(0, 0)], 1.0);
}

#[test]
fn coffee_features_lie_in_the_labs_ranges() {
    let data = coffee();
    for i in 0..data.len() {
        let (t, d) = (data.x[(i, 0)], data.x[(i, 1)]);
        assert!((150.0..285.0).contains(&t), "row {i}: temperature {t}");
        assert!((11.5..15.5).contains(&d), "row {i}: duration {d}");
    }
}

#[test]
fn coffee_is_the_same_on_every_call() {
    assert_eq!(coffee(), coffee());
}

// ---------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------

#[test]
fn normalization_adapt_uses_population_std() {
    // Column 0: 1, 2, 3, 6 → mean 3, squared deviations 4 + 1 + 0 + 9 = 14,
    // variance 14/4 = 3.5 (dividing by m, not m - 1).
    // Column 1: 10, 10, 10, 10 → mean 10, std 0.
    let x = dmatrix![1.0, 10.0; 2.0, 10.0; 3.0, 10.0; 6.0, 10.0];
    let norm = Normalization::adapt(&x).unwrap();
    assert_eq!(norm.mean, [3.0, 10.0]);
    assert_eq!(norm.std, [3.5_f64.sqrt(), 0.0]);
}

#[test]
fn normalization_apply_matches_hand_computed_values() {
    let norm = Normalization::new(vec![3.0, 10.0], vec![2.0, 0.0]).unwrap();
    let x = dmatrix![1.0, 10.0; 7.0, 10.5];
    // (1 - 3)/2 = -1, (7 - 3)/2 = 2; a zero std divides by ε = 1e-7 instead:
    // (10 - 10)/1e-7 = 0 and (10.5 - 10)/1e-7 = 5e6.
    let xn = norm.apply(&x);
    assert_eq!(xn[(0, 0)], -1.0);
    assert_eq!(xn[(1, 0)], 2.0);
    assert_eq!(xn[(0, 1)], 0.0);
    assert_eq!(xn[(1, 1)], 0.5 / 1e-7);
}

#[test]
fn normalized_coffee_has_zero_mean_and_unit_std() {
    let data = coffee();
    let norm = Normalization::adapt(&data.x).unwrap();
    let xn = norm.apply(&data.x);
    let again = Normalization::adapt(&xn).unwrap();
    for j in 0..2 {
        assert!(again.mean[j].abs() < 1e-12, "mean {}", again.mean[j]);
        assert!((again.std[j] - 1.0).abs() < 1e-12, "std {}", again.std[j]);
    }
}

#[test]
fn normalization_rejects_what_cannot_be_applied() {
    assert!(matches!(
        Normalization::new(vec![1.0, 2.0], vec![1.0]),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        Normalization::new(vec![1.0], vec![-1.0]),
        Err(Error::InvalidSetting { .. })
    ));
    assert!(matches!(
        Normalization::new(vec![f64::NAN], vec![1.0]),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        Normalization::new(vec![], vec![]),
        Err(Error::Empty(_))
    ));
    assert!(matches!(
        Normalization::adapt(&nalgebra::DMatrix::zeros(0, 2)),
        Err(Error::Empty(_))
    ));
    assert!(matches!(
        Normalization::adapt(&dmatrix![1.0, f64::INFINITY]),
        Err(Error::NonFinite { .. })
    ));
    let norm = Normalization::new(vec![0.0, 0.0], vec![1.0, 1.0]).unwrap();
    assert!(norm.check_features(2).is_ok());
    assert!(matches!(norm.check_features(3), Err(Error::Shape { .. })));
}

#[test]
#[should_panic(expected = "x has 3 columns")]
fn normalization_apply_panics_on_the_wrong_width() {
    let norm = Normalization::new(vec![0.0, 0.0], vec![1.0, 1.0]).unwrap();
    norm.apply(&dmatrix![1.0, 2.0, 3.0]);
}

// ---------------------------------------------------------------------------
// Week 2's data sets, the course's error measures, week 3's split
// ---------------------------------------------------------------------------
/// The embedded UCI digits: the counts of each digit that scikit-learn's
/// `load_digits()` has (`np.bincount(load_digits().target)`), and every pixel
/// in 0..=16.
#[test]
fn the_built_in_digits_are_the_uci_set() {
    let d = dualpath::io::data::digits8x8();
    assert_eq!((d.len(), d.n_features()), (1797, 64));
    let mut counts = [0usize; 10];
    for &c in d.y.iter() {
        counts[c as usize] += 1;
    }
    assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    assert!(
        d.x.iter()
            .all(|&p| (0.0..=16.0).contains(&p) && p.fract() == 0.0)
    );
    // The last image is an 8 (the CSV's last line ends in 8).
    assert_eq!(d.y[(1796, 0)], 8.0);
}

/// The Softmax lab's clusters: 500 points around each centre, their means
/// within a few standard errors (1/√500 ≈ 0.045) of the centres.
#[test]
fn the_softmax_labs_blobs_sit_around_their_centres() {
    let d = dualpath::io::data::softmax_lab_blobs(7);
    for (c, centre) in dualpath::io::data::SOFTMAX_LAB_CENTERS.iter().enumerate() {
        let rows: Vec<usize> = (0..d.len()).filter(|&i| d.y[(i, 0)] == c as f64).collect();
        assert_eq!(rows.len(), 500);
        for (j, &want) in centre.iter().enumerate() {
            let mean = rows.iter().map(|&i| d.x[(i, j)]).sum::<f64>() / 500.0;
            assert!(
                (mean - want).abs() < 0.2,
                "cluster {c}, coordinate {j}: mean {mean}"
            );
        }
    }
    assert_eq!(
        d,
        dualpath::io::data::softmax_lab_blobs(7),
        "the same seed gives the same data"
    );
    assert_ne!(d.x, dualpath::io::data::softmax_lab_blobs(8).x);
}

/// The week 3 assignment's two error measures, on both paths, on the
/// assignment's own public tests (`C2_W3_Assignment`, `public_tests.py`,
/// `test_eval_mse` and `test_eval_cat_err`), with its vectors, in the order
/// it passes them (`target(y_hat, y_tmp)`; both measures are symmetric), and
/// the values it expects: 0.005, 0.0, 4.5 and 0.5 for `eval_mse`; 1, 1/3 and
/// 0.5 for `eval_cat_err`, then the notebook's own cell, which prints
/// `categorization error 0.333, expected:0.333` and `… 0.250, expected:0.250`.
/// The assignment allows `1e-6`; these are held to `1e-15`.
#[test]
fn the_course_error_measures_pass_the_assignments_tests_on_both_paths() {
    use dualpath::{matrix, sequential};
    let cases: [(&[f64], &[f64], f64); 4] = [
        (&[2.4, 4.2], &[2.3, 4.1], 0.005),
        (&[3.0; 10], &[3.0; 10], 0.0),
        (&[3.0], &[0.0], 4.5),
        (&[3.0; 5], &[2.0; 5], 0.5),
    ];
    for (y_hat, y_tmp, want) in cases {
        for (name, got) in [
            ("loop", sequential::eval_mse(y_hat, y_tmp)),
            ("vector", matrix::eval_mse(y_hat, y_tmp)),
        ] {
            assert!(
                (got - want).abs() <= 1e-15,
                "{name} eval_mse({y_hat:?}, {y_tmp:?}) = {got}, the assignment expects {want}"
            );
        }
    }
    let cats: [(&[usize], &[usize], f64, &str); 4] = [
        (&[1, 0, 1, 1, 1, 0], &[0, 1, 0, 0, 0, 1], 1.0, "1.000"),
        (&[1, 2, 0], &[1, 2, 3], 1.0 / 3.0, "0.333"),
        (&[1, 0, 1, 1, 1, 0], &[1, 1, 1, 0, 0, 0], 0.5, "0.500"),
        (&[1, 2, 0, 3], &[1, 2, 1, 3], 0.25, "0.250"),
    ];
    for (y_hat, y_tmp, want, printed) in cats {
        for (name, got) in [
            ("loop", sequential::eval_cat_err(y_hat, y_tmp)),
            ("vector", matrix::eval_cat_err(y_hat, y_tmp)),
        ] {
            assert!(
                (got - want).abs() <= 1e-15,
                "{name} eval_cat_err({y_hat:?}, {y_tmp:?}) = {got}, the assignment expects {want}"
            );
            assert_eq!(format!("{got:.3}"), printed, "as the notebook prints it");
        }
    }
}

#[test]
fn the_week_three_split_is_sixty_twenty_twenty_and_loses_no_row() {
    let d = dualpath::io::data::softmax_lab_blobs(3);
    let [train, cv, test] = dualpath::io::data::train_cv_test(&d, 1).unwrap();
    assert_eq!((train.len(), cv.len(), test.len()), (1200, 400, 400));
    let mut all: Vec<(u64, u64)> = [&train, &cv, &test]
        .iter()
        .flat_map(|p| {
            (0..p.len())
                .map(|i| (p.x[(i, 0)].to_bits(), p.x[(i, 1)].to_bits()))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut want: Vec<(u64, u64)> = (0..d.len())
        .map(|i| (d.x[(i, 0)].to_bits(), d.x[(i, 1)].to_bits()))
        .collect();
    all.sort_unstable();
    want.sort_unstable();
    assert_eq!(all, want, "every row in exactly one part");
    assert!(dualpath::io::data::split(&d, &[10, 10], 0).is_err());
}
