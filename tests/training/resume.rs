//! Continuing training: `fit_resumed` for 4 epochs and 4 more equals 8
//! epochs in one run, bit for bit (`f64::to_bits`), on both paths, with and
//! without shuffling, with Adam and gradient descent, in `f64` and `f32`;
//! the state survives a model file; a run without the state starts afresh.

use dualpath::Activation::{Relu, Sigmoid};
use dualpath::io::model::{Model, Training};
use dualpath::train::{FitSettings, Optimizer, Resume, fit, fit_resumed};
use dualpath::{Loss, Network, Path, Real};
use nalgebra::DMatrix;

/// 37 rows: batches of 8 leave a short last batch, and shuffling matters.
fn data<T: Real>() -> (DMatrix<T>, DMatrix<T>) {
    let x = DMatrix::from_fn(37, 3, |i, j| {
        T::of_f64(((i * 7 + j * 13) % 17) as f64 / 8.0 - 1.0)
    });
    let y = DMatrix::from_fn(37, 1, |i, _| T::of_f64(f64::from(u8::from(i % 3 == 0))));
    (x, y)
}

fn settings(epochs: usize, shuffle: bool, optimizer: Optimizer, path: Path) -> FitSettings {
    FitSettings {
        loss: Loss::BINARY_CROSSENTROPY,
        optimizer,
        epochs,
        batch_size: 8,
        shuffle,
        seed: 5,
        path,
        threads: 1,
    }
}

fn bits<T: Real>(net: &Network<T>) -> Vec<u64> {
    net.parameters()
        .flat_map(|p| p.iter().map(|v| v.as_f64().to_bits()).collect::<Vec<_>>())
        .collect()
}

fn check<T: Real>(optimizer: Optimizer) {
    let (x, y) = data::<T>();
    for path in [Path::Sequential, Path::Matrix] {
        for shuffle in [true, false] {
            let start = Network::<T>::new(3, &[(4, Relu), (1, Sigmoid)], 11).unwrap();
            let mut once = start.clone();
            let full = fit(&mut once, &x, &y, &settings(8, shuffle, optimizer, path)).unwrap();
            let mut twice = start.clone();
            let mut resume = Resume::default();
            let half = settings(4, shuffle, optimizer, path);
            let first = fit_resumed(&mut twice, &x, &y, None, &half, &mut resume, |_| {}).unwrap();
            assert_eq!(resume.epochs_done, 4);
            let second = fit_resumed(&mut twice, &x, &y, None, &half, &mut resume, |_| {}).unwrap();
            let what = format!("{} {path} shuffle={shuffle} {}", optimizer.name(), T::NAME);
            assert_eq!(bits(&twice), bits(&once), "{what}: weights");
            let losses: Vec<f64> = first.loss.iter().chain(&second.loss).copied().collect();
            assert_eq!(losses, full.loss, "{what}: the epochs' losses");
            assert_eq!(resume.epochs_done, 8);
            assert_eq!(resume.optimizer.as_ref().unwrap().iterations, 8 * 5);
        }
    }
}

#[test]
fn four_and_four_epochs_are_eight_bit_for_bit() {
    check::<f64>(Optimizer::adam(0.01));
    check::<f64>(Optimizer::sgd(0.5));
    check::<f32>(Optimizer::adam(0.01));
}

#[test]
fn the_state_survives_a_model_file() {
    let (x, y) = data::<f64>();
    let path = Path::Matrix;
    let start = Network::<f64>::new(3, &[(4, Relu), (1, Sigmoid)], 11).unwrap();
    let mut once = start.clone();
    fit(
        &mut once,
        &x,
        &y,
        &settings(8, true, Optimizer::adam(0.01), path),
    )
    .unwrap();

    let mut net = start;
    let mut resume = Resume::default();
    let half = settings(4, true, Optimizer::adam(0.01), path);
    fit_resumed(&mut net, &x, &y, None, &half, &mut resume, |_| {}).unwrap();
    let mut model = Model::new(net, None).unwrap();
    model.training = Some(Training { resume, seed: 5 });
    let text = model.to_json_string().unwrap();
    let read = Model::from_json_str(&text, "m.json").unwrap();
    assert_eq!(read, model, "the state reads back as written");
    let mut net = read.network;
    let mut resume = read.training.unwrap().resume;
    fit_resumed(&mut net, &x, &y, None, &half, &mut resume, |_| {}).unwrap();
    assert_eq!(bits(&net), bits(&once));
}

#[test]
fn without_the_state_adam_starts_afresh() {
    let (x, y) = data::<f64>();
    let start = Network::<f64>::new(3, &[(4, Relu), (1, Sigmoid)], 11).unwrap();
    let half = settings(4, false, Optimizer::adam(0.01), Path::Matrix);
    let mut a = start.clone();
    fit(&mut a, &x, &y, &half).unwrap();
    let mut with_state = a.clone();
    let mut fresh = a;
    let mut resume = Resume::default();
    let mut b = start;
    fit_resumed(&mut b, &x, &y, None, &half, &mut resume, |_| {}).unwrap();
    fit_resumed(&mut with_state, &x, &y, None, &half, &mut resume, |_| {}).unwrap();
    fit(&mut fresh, &x, &y, &half).unwrap();
    // Fresh moments take a different (bias-corrected, larger) first step.
    assert_ne!(bits(&with_state), bits(&fresh));
}
