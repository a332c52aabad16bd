//! The "Neurons and Layers" lab (Course 2, week 1, C2_W1_Lab01): one linear
//! neuron and one logistic neuron, with the weights the lab sets, computed by
//! the crate's network on both paths and checked against the formulas the lab
//! writes in NumPy.
//!
//! ```sh
//! cargo run --release --example neurons_and_layers
//! ```
//!
//! The lab's two neurons. It prints each at the first example only,
//! `X_train[0]`, and plots both rows of the linear one (`plt_linear`) and
//! all six of the logistic one (`plt_logistic`); this example prints the
//! lab's lines, then every row on both paths:
//!
//! ```python
//! X_train = np.array([[1.0], [2.0]], dtype=np.float32)
//! linear_layer = tf.keras.layers.Dense(units=1, activation = 'linear', )
//! set_w = np.array([[200]]); set_b = np.array([100])
//! linear_layer.set_weights([set_w, set_b])
//! a1 = linear_layer(X_train[0].reshape(1,1))   # prints tf.Tensor([[300.]], …)
//! alin = np.dot(set_w,X_train[0].reshape(1,1)) + set_b   # prints [[300.]]
//! prediction_tf = linear_layer(X_train)       # plotted, not printed
//! prediction_np = np.dot( X_train, set_w) + set_b
//!
//! X_train = np.array([0., 1, 2, 3, 4, 5], dtype=np.float32).reshape(-1,1)
//! model = Sequential([tf.keras.layers.Dense(1, input_dim=1, activation = 'sigmoid', name='L1')])
//! set_w = np.array([[2]]); set_b = np.array([-4.5])
//! logistic_layer.set_weights([set_w, set_b])
//! a1 = model.predict(X_train[0].reshape(1,1))  # [[0.01]]
//! alog = sigmoidnp(np.dot(set_w,X_train[0].reshape(1,1)) + set_b)
//! ```

use dualpath::{Activation, Dense, Network, Path};
use nalgebra::{DMatrix, dmatrix, dvector};

/// `1 / (1 + e^{-z})`, the lab's `sigmoidnp`, written out here rather than
/// taken from the crate, so that the crate is checked against the formula.
fn sigmoid_formula(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// One neuron, `units=1`, as a one-layer network: `W` is `(1, 1)`.
fn neuron(w: f64, b: f64, g: Activation) -> Result<Network<f64>, dualpath::Error> {
    Network::from_layers(vec![Dense::new(dmatrix![w], dvector![b], g)?])
}

/// The network's output on both paths, as `[loop, matrix]`.
fn both(net: &Network<f64>, x: &DMatrix<f64>) -> Result<[DMatrix<f64>; 2], dualpath::Error> {
    let [seq, mat] = Path::BOTH;
    Ok([
        seq.forward(net, x)?.output().clone(),
        mat.forward(net, x)?.output().clone(),
    ])
}

fn main() -> Result<(), dualpath::Error> {
    // ---- The linear neuron: f(x) = w·x + b ---------------------------------
    let linear = neuron(200.0, 100.0, Activation::Linear)?;
    let x = dmatrix![1.0; 2.0]; // X_train, (m, n_in) = (2, 1)
    println!("A linear neuron, w = 200, b = 100, on x = 1 and x = 2:");
    let [seq, mat] = both(&linear, &x)?;
    // The lab's cell: a1 = linear_layer(X_train[0].reshape(1,1)), then alin by
    // NumPy; its notebook prints tf.Tensor([[300.]], …) and [[300.]].
    let first = dmatrix![x[(0, 0)]];
    let [a1_loop, a1_matrix] = both(&linear, &first)?;
    println!(
        "  a1 = linear_layer(X_train[0].reshape(1,1)): loop [[{}.]], matrix [[{}.]]",
        a1_loop[(0, 0)],
        a1_matrix[(0, 0)]
    );
    println!(
        "  alin = np.dot(set_w,X_train[0].reshape(1,1)) + set_b: [[{}.]]",
        200.0 * x[(0, 0)] + 100.0
    );
    assert_eq!(
        (a1_loop[(0, 0)], a1_matrix[(0, 0)]),
        (300.0, 300.0),
        "the lab prints [[300.]]"
    );
    println!("  both rows, as the lab plots them (prediction_tf and prediction_np):");
    for (i, &xi) in x.iter().enumerate() {
        // prediction_np = np.dot(X_train, set_w) + set_b
        let formula = 200.0 * xi + 100.0;
        println!(
            "    x = {xi}: loop {}, matrix {}, w·x + b = {formula}",
            seq[(i, 0)],
            mat[(i, 0)]
        );
        // Every number here is a small integer, so every product and sum is
        // exact: both paths and the formula must give the same bits.
        assert_eq!(seq[(i, 0)], formula, "loop path, x = {xi}");
        assert_eq!(mat[(i, 0)], formula, "matrix path, x = {xi}");
    }
    // The two points the lab's plot draws its line through.
    assert_eq!(
        seq.as_slice(),
        [300.0, 500.0],
        "the lab's plotted predictions"
    );

    // ---- The logistic neuron: f(x) = g(w·x + b), g the sigmoid -------------
    let logistic = neuron(2.0, -4.5, Activation::Sigmoid)?;
    let x = dmatrix![0.0; 1.0; 2.0; 3.0; 4.0; 5.0]; // X_train, (6, 1)
    println!();
    println!("A logistic neuron, w = 2, b = -4.5:");
    let [seq, mat] = both(&logistic, &x)?;
    // The lab's cell: a1 = model.predict(X_train[0].reshape(1,1)), then alog
    // by NumPy; its notebook prints [[0.01]] twice (σ(−4.5) = 0.0109869…).
    let a1 = seq[(0, 0)];
    println!(
        "  a1 = model.predict(X_train[0].reshape(1,1)): loop [[{a1:.2}]], matrix [[{:.2}]]",
        mat[(0, 0)]
    );
    println!(
        "  alog = sigmoidnp(np.dot(set_w,X_train[0].reshape(1,1)) + set_b): [[{:.2}]]",
        sigmoid_formula(-4.5)
    );
    println!("  (σ(-4.5) = {a1:.17} in full)");
    assert_eq!(format!("{a1:.2}"), "0.01", "the lab prints [[0.01]]");
    assert_eq!(
        format!("{a1:.3}"),
        "0.011",
        "σ(-4.5) = 0.011 to three decimals"
    );
    println!("  all six rows, as the lab plots them:");
    for (i, &xi) in x.iter().enumerate() {
        // alog = sigmoidnp(np.dot(set_w, x) + set_b)
        let formula = sigmoid_formula(2.0 * xi - 4.5);
        println!(
            "    x = {xi}: loop {:.8}, matrix {:.8}, σ(w·x + b) = {formula:.8}",
            seq[(i, 0)],
            mat[(i, 0)]
        );
        // z = 2·x − 4.5 is exact (small dyadic numbers), so the two paths
        // apply the same sigmoid to the same z and agree bit for bit.
        assert_eq!(seq[(i, 0)], mat[(i, 0)], "the paths at x = {xi}");
        // The crate's sigmoid and the formula may round differently: each
        // rounds an exponential (within an ulp), a sum and a quotient, so
        // they agree within a few units of roundoff relative to the value.
        let relative = (seq[(i, 0)] - formula).abs() / formula;
        assert!(
            relative <= 4.0 * f64::EPSILON,
            "x = {xi}: crate {:e}, formula {formula:e}",
            seq[(i, 0)]
        );
    }
    // The decision boundary the lab shades: σ(z) ≥ 0.5 where z = 2x − 4.5 ≥ 0, x ≥ 2.25.
    let decisions: Vec<u8> = seq.iter().map(|&a| u8::from(a >= 0.5)).collect();
    assert_eq!(decisions, [0, 0, 0, 1, 1, 1], "the lab's Y_train");
    println!("  decisions at 0.5: {decisions:?}, the lab's Y_train");

    println!();
    println!("neurons_and_layers: both neurons, on both paths, as the lab computes them.");
    Ok(())
}
