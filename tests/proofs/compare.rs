//! `dualpath::proof::compare`, the comparison `dualpath compare`, the tour
//! and the benchmarks print: its rows against the paths and the bound
//! computed here, the worst of them, and the table.

use dualpath::proof::bounds::{Agreement, network_bound};
use dualpath::proof::compare::{self, QUANTITIES, Row};
use dualpath::real::ulps_between;
use dualpath::{Activation, Loss, Network, Path, Real};
use nalgebra::DMatrix;

/// A network of three layers and a batch of five, in `T`: `f32` so that the
/// paths differ somewhere (their sums round differently), `f64` too.
fn case<T: Real>() -> (Network<T>, DMatrix<T>, DMatrix<T>) {
    let net = Network::<f64>::new(
        4,
        &[
            (6, Activation::Tanh),
            (3, Activation::Relu),
            (1, Activation::Sigmoid),
        ],
        7,
    )
    .unwrap();
    let net = net.cast::<T>();
    let x = DMatrix::from_fn(5, 4, |i, j| {
        T::of_f64(((i * 4 + j) as f64 * 0.77).sin() * 3.0)
    });
    let y = DMatrix::from_fn(5, 1, |i, _| T::of_f64((i % 2) as f64));
    (net, x, y)
}

/// Each row is the agreement of one quantity of one layer, as the paths and
/// [`network_bound`] give it: `Z`, `A`, `dW`, `db` for layer 1, 2, …, then `J`.
fn rows_are_the_paths_quantities_against_the_bound<T: Real>() {
    let (net, x, y) = case::<T>();
    let loss = Loss::BINARY_CROSSENTROPY;
    let rows = compare::rows(&net, &x, &y, loss).unwrap();

    let (seq, mat) = (Path::Sequential, Path::Matrix);
    let (fs, fm) = (
        seq.forward(&net, &x).unwrap(),
        mat.forward(&net, &x).unwrap(),
    );
    let gs = seq.backward(&net, &fs, &y, loss).unwrap();
    let gm = mat.backward(&net, &fm, &y, loss).unwrap();
    let bound = network_bound(&net, &x, &y, loss).unwrap();
    let ulps = |p: &[T], q: &[T]| {
        p.iter()
            .zip(q)
            .map(|(&p, &q)| ulps_between(p, q))
            .max()
            .unwrap()
    };
    let mut want = Vec::new();
    for l in 0..3 {
        let (cs, cm, b) = (&fs.layers()[l], &fm.layers()[l], &bound.layers[l]);
        let (ds, dm) = (&gs.layers[l], &gm.layers[l]);
        let row = |name, agreement, ulps| Row {
            layer: Some(l + 1),
            name,
            agreement,
            ulps,
        };
        want.push(row(
            "Z",
            Agreement::of(&cs.z, &cm.z, &b.z),
            ulps(cs.z.as_slice(), cm.z.as_slice()),
        ));
        want.push(row(
            "A",
            Agreement::of(&cs.a, &cm.a, &b.a),
            ulps(cs.a.as_slice(), cm.a.as_slice()),
        ));
        want.push(row(
            "dW",
            Agreement::of(&ds.dw, &dm.dw, &b.dw),
            ulps(ds.dw.as_slice(), dm.dw.as_slice()),
        ));
        want.push(row(
            "db",
            Agreement::of(&ds.db, &dm.db, &b.db),
            ulps(ds.db.as_slice(), dm.db.as_slice()),
        ));
    }
    let j = |f: &dualpath::Forward<'_, T>| {
        loss.value(Activation::Sigmoid, f.output_z(), f.output(), &y)
    };
    let (js, jm) = (j(&fs), j(&fm));
    want.push(Row {
        layer: None,
        name: "J",
        agreement: Agreement::of_scalar(js, jm, bound.loss),
        ulps: ulps_between(js, jm),
    });
    assert_eq!(rows, want, "{}", T::NAME);
    assert!(compare::worst(&rows).holds(), "{}", T::NAME);
    // Data that does not fit the network is an error, not a comparison.
    let wide = DMatrix::<T>::zeros(5, 3);
    assert!(compare::rows(&net, &wide, &y, loss).is_err());
}

#[test]
fn rows_are_the_paths_quantities_against_the_bound_f64() {
    rows_are_the_paths_quantities_against_the_bound::<f64>();
}

#[test]
fn rows_are_the_paths_quantities_against_the_bound_f32() {
    rows_are_the_paths_quantities_against_the_bound::<f32>();
}

/// A row of `name` at `layer` with the given largest difference and bound.
fn row(layer: Option<usize>, name: &'static str, diff: f64, bound: f64, ulps: u64) -> Row {
    Row {
        layer,
        name,
        agreement: Agreement::of_scalar(0.0, diff, bound),
        ulps,
    }
}

#[test]
fn worst_is_the_first_row_with_the_largest_ratio() {
    assert_eq!(compare::worst(&[]), Agreement::default());
    let rows = [
        row(Some(1), "Z", 1e-16, 1e-15, 1),
        row(Some(1), "A", 7e-16, 1e-15, 3),
        row(None, "J", 3e-16, 1e-15, 2),
    ];
    assert_eq!(compare::worst(&rows), rows[1].agreement);
    // Over its bound: it no longer holds.
    let over = [rows[0].clone(), row(Some(2), "dW", 3e-15, 1e-15, 9)];
    assert_eq!(compare::worst(&over), over[1].agreement);
    assert!(!compare::worst(&over).holds());
    // Ties: the first of them, including when every row agrees exactly.
    let ties = [
        row(Some(1), "Z", 1e-16, 2e-16, 1),
        row(Some(1), "A", 2e-16, 4e-16, 1),
    ];
    assert_eq!(compare::worst(&ties), ties[0].agreement);
    let exact = [
        row(Some(1), "Z", 0.0, 1e-16, 0),
        row(Some(1), "A", 0.0, 5e-16, 0),
    ];
    assert_eq!(compare::worst(&exact), exact[0].agreement);
}

#[test]
fn the_table_prints_the_chosen_rows_and_marks_the_one_over_its_bound() {
    let rows = [
        row(Some(1), "Z", 1e-16, 1e-15, 1),
        row(Some(1), "dW", 3e-15, 1e-15, 9),
        row(None, "J", 2.5e-16, 1e-15, 2),
    ];
    let text = compare::table(&rows, &["Z", "J", "dW"], "  ");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines.iter().all(|l| l.starts_with("  ")), "{text}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["layer", "largest", "diff", "ulps", "bound", "diff/bound"]
    );
    // layer, name, largest diff, ulps, bound, diff/bound, in the rows' order.
    let fields = |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(
        fields(lines[1]),
        ["1", "Z", "1.000e-16", "1", "1.000e-15", "0.1000"]
    );
    assert_eq!(
        fields(lines[2]),
        [
            "1",
            "dW",
            "3.000e-15",
            "9",
            "1.000e-15",
            "3.0000",
            "EXCEEDS",
            "THE",
            "BOUND"
        ]
    );
    // The loss has no layer: its first column is blank.
    assert_eq!(
        fields(lines[3]),
        ["J", "2.500e-16", "2", "1.000e-15", "0.2500"]
    );
    // Only the quantities asked for: none of these rows is an A.
    assert_eq!(
        compare::table(&rows, &["A"], "").lines().count(),
        1,
        "the header alone"
    );
    assert_eq!(QUANTITIES, ["Z", "A", "dW", "db", "J"]);
}
