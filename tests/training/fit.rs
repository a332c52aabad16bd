//! What `fit` does with the data: each epoch's loss is the
//! batch-size-weighted mean of the losses its batches had *before* their
//! updates, as Keras reports it; shuffling is reproducible with a seed and
//! rows stay in order without it; and the loss goes down.

use crate::helpers::{
    compare, five_examples, in_order, max_param_diff, notes_network, separable_data,
};
use dualpath::Activation::{Linear, Sigmoid};
use dualpath::train::optim::Sgd;
use dualpath::train::{
    FitSettings, History, Optimizer, Progress, evaluate, fit, fit_with_progress,
};
use dualpath::{Loss, Network, Path};
use nalgebra::DMatrix;

// ---------------------------------------------------------------------------
// The history
// ---------------------------------------------------------------------------

/// What `fit` should do with rows in order and plain gradient descent,
/// written out with the crate's single-pass pieces: for each batch of
/// `batch_size` consecutive rows (the last one shorter), its loss and
/// accuracy from [`evaluate`] *before* the step, then a step
/// [`optim::Sgd::step`] with gradients from [`Path::loss_and_gradients`];
/// each epoch's loss the mean of the batch losses weighted by batch size.
///
/// Returns the history and the trained network.
fn fit_by_hand(
    start: &Network<f64>,
    x: &DMatrix<f64>,
    y: &DMatrix<f64>,
    settings: &FitSettings,
) -> (History, Network<f64>) {
    let (loss, path, bs) = (settings.loss, settings.path, settings.batch_size);
    let lr = settings.optimizer.learning_rate();
    assert!(!settings.shuffle && settings.optimizer == Optimizer::sgd(lr));
    let m = x.nrows();
    let mut net = start.clone();
    let mut history = History::default();
    for _epoch in 0..settings.epochs {
        let (mut loss_sum, mut correct) = (0.0, 0usize);
        for first in (0..m).step_by(bs) {
            let rows = bs.min(m - first);
            let xb = x.rows(first, rows).into_owned();
            let yb = y.rows(first, rows).into_owned();
            let (j, accuracy) = evaluate(&net, &xb, &yb, loss, path).unwrap();
            loss_sum += j * rows as f64;
            if let Some(accuracy) = accuracy {
                // Accuracy at threshold 0.5, counted here from the same predictions.
                let a = path.forward(&net, &xb).unwrap().output().clone();
                let right = a
                    .iter()
                    .zip(yb.iter())
                    .filter(|&(&a, &y)| (a > 0.5) == (y == 1.0))
                    .count();
                assert_eq!(
                    accuracy,
                    right as f64 / yb.len() as f64,
                    "evaluate's accuracy"
                );
                correct += right;
            }
            let (_, grads) = path.loss_and_gradients(&net, &xb, &yb, loss).unwrap();
            Sgd { learning_rate: lr }.step(&mut net, &grads);
        }
        history.loss.push(loss_sum / m as f64);
        if loss == Loss::BINARY_CROSSENTROPY {
            history
                .accuracy
                .push(correct as f64 / (m * y.ncols()) as f64);
        }
    }
    (history, net)
}

/// Asserts two histories equal bit for bit.
fn assert_same_history(what: &str, got: &History, want: &History) {
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert!(
        bits(&got.loss) == bits(&want.loss) && bits(&got.accuracy) == bits(&want.accuracy),
        "{what}: fit's history {got:?}, by hand {want:?}"
    );
}

/// `fit`'s history with `m = 5` rows in batches of 2, 2 and 1 is the one
/// worked out batch by batch, to the bit.
///
/// Bit for bit is the right test here, not a tolerance: `fit_by_hand` gives
/// each pass the same numbers in the same shapes as `fit` (a batch of the
/// same rows, the same network), so every floating-point operation is the
/// same one in the same order, and the loss is summed in the same order
/// (`Σ j·rows`, then `/ m`). Any difference would mean `fit` computes
/// something else: a loss after the update, an unweighted mean, a lost row.
#[test]
fn history_loss_is_the_batch_weighted_mean_of_losses_before_each_update() {
    for path in Path::BOTH {
        // Binary cross-entropy, with accuracy.
        let (x, y) = five_examples(true);
        let start = Network::new(2, &[(3, Sigmoid), (1, Sigmoid)], 3).unwrap();
        let settings = in_order(Loss::BINARY_CROSSENTROPY, Optimizer::sgd(1.0), 6, 2, path);
        let mut net = start.clone();
        let mut epochs_seen = Vec::new();
        let mut batches_seen = Vec::new();
        let history = fit_with_progress(&mut net, &x, &y, &settings, |p| match p {
            Progress::Batch { done, of, .. } => batches_seen.push((done, of)),
            Progress::Epoch {
                epoch,
                loss,
                accuracy,
                ..
            } => epochs_seen.push((epoch, loss, accuracy)),
        })
        .unwrap();
        let (want, net_by_hand) = fit_by_hand(&start, &x, &y, &settings);
        assert_same_history(&format!("{path}, bce"), &history, &want);
        let diff = compare(&net, &net_by_hand);
        assert!(diff.bit_identical(), "{path}, bce: trained network: {diff}");
        // The accuracy moves as the network learns (so it is not a constant that
        // any formula would reproduce).
        assert!(
            want.accuracy.iter().any(|&a| a != want.accuracy[0]),
            "accuracy {:?}",
            want.accuracy
        );
        // Progress reports 3 batches per epoch and each epoch's figures as in the history.
        assert_eq!(batches_seen, [(1, 3), (2, 3), (3, 3)].repeat(6));
        for (k, &(epoch, loss, accuracy)) in epochs_seen.iter().enumerate() {
            assert_eq!(
                (epoch, loss, accuracy),
                (k + 1, history.loss[k], Some(history.accuracy[k]))
            );
        }

        // Mean squared error on a linear output: no accuracy.
        let (x, y) = five_examples(false);
        let start = Network::new(2, &[(3, Sigmoid), (1, Linear)], 3).unwrap();
        let settings = in_order(Loss::MEAN_SQUARED_ERROR, Optimizer::sgd(0.1), 4, 2, path);
        let mut net = start.clone();
        let history = fit(&mut net, &x, &y, &settings).unwrap();
        let (want, net_by_hand) = fit_by_hand(&start, &x, &y, &settings);
        assert!(
            history.accuracy.is_empty(),
            "{path}, mse: accuracy {:?}",
            history.accuracy
        );
        assert_same_history(&format!("{path}, mse"), &history, &want);
        let diff = compare(&net, &net_by_hand);
        assert!(diff.bit_identical(), "{path}, mse: trained network: {diff}");
    }
}

// ---------------------------------------------------------------------------
// Shuffling: reproducible with a seed, row order without it
// ---------------------------------------------------------------------------

#[test]
fn same_seed_trains_identically_and_another_seed_shuffles_differently() {
    let (x, y) = separable_data(24, 2);
    let start = Network::new(2, &[(4, Sigmoid), (1, Sigmoid)], 5).unwrap();
    let run = |seed: u64, shuffle: bool| {
        let mut net = start.clone();
        let settings = FitSettings {
            optimizer: Optimizer::adam(0.05),
            epochs: 3,
            batch_size: 5,
            shuffle,
            seed,
            ..FitSettings::default()
        };
        let history = fit(&mut net, &x, &y, &settings).unwrap();
        (history, net)
    };
    let (history, net) = run(7, true);
    let (again, net_again) = run(7, true);
    assert_same_history("the same seed, run twice", &again, &history);
    let diff = compare(&net_again, &net);
    assert!(diff.bit_identical(), "the same seed, run twice: {diff}");
    // Another seed, another order of the rows: other batches, other losses.
    let (other, _) = run(8, true);
    assert_ne!(
        other.loss, history.loss,
        "seeds 7 and 8 gave the same history"
    );
    // And shuffling does something: rows in order give yet another history.
    let (unshuffled, _) = run(7, false);
    assert_ne!(
        unshuffled.loss, history.loss,
        "shuffled and in order gave the same history"
    );
}

/// With one batch per epoch, shuffling would only reorder the sums over the
/// batch, so `fit` keeps the rows in order: shuffled or not, any seed, the
/// same bits, on both paths (and equal to full-batch steps by hand).
#[test]
fn one_batch_per_epoch_trains_the_same_shuffled_or_not() {
    let (x, y) = separable_data(24, 2);
    let start = Network::new(2, &[(4, Sigmoid), (1, Sigmoid)], 5).unwrap();
    for path in Path::BOTH {
        let run = |seed: u64, shuffle: bool, batch_size: usize| {
            let mut net = start.clone();
            let settings = FitSettings {
                optimizer: Optimizer::sgd(0.5),
                epochs: 4,
                batch_size,
                shuffle,
                seed,
                path,
                ..FitSettings::default()
            };
            let history = fit(&mut net, &x, &y, &settings).unwrap();
            (history, net)
        };
        let (in_order, net) = run(0, false, 24);
        for (seed, batch) in [(1, 24), (2, 24), (3, 100)] {
            let (shuffled, net_shuffled) = run(seed, true, batch);
            assert_same_history("shuffled, one batch", &shuffled, &in_order);
            assert!(compare(&net_shuffled, &net).bit_identical(), "{path}");
        }
        // By hand: four full-batch gradient steps.
        let mut by_hand = start.clone();
        for _ in 0..4 {
            let (_, grads) = path
                .loss_and_gradients(&by_hand, &x, &y, Loss::BINARY_CROSSENTROPY)
                .unwrap();
            dualpath::train::optim::Sgd { learning_rate: 0.5 }.step(&mut by_hand, &grads);
        }
        assert!(
            compare(&by_hand, &net).bit_identical(),
            "{path}: fit and steps by hand"
        );
    }
}

/// With `shuffle: false` and one row per batch, `fit` steps through rows
/// 0, 1, …, m - 1 in that order, every epoch: bit for bit the network
/// stepped by hand in that order (the same operations, as above).
#[test]
fn shuffle_off_steps_through_the_rows_in_order() {
    let (x, y) = five_examples(true);
    let start = Network::new(2, &[(3, Sigmoid), (1, Sigmoid)], 9).unwrap();
    for path in Path::BOTH {
        let settings = in_order(Loss::BINARY_CROSSENTROPY, Optimizer::sgd(1.0), 2, 1, path);
        let mut net = start.clone();
        let history = fit(&mut net, &x, &y, &settings).unwrap();
        let (want, by_hand) = fit_by_hand(&start, &x, &y, &settings);
        assert_same_history(&format!("{path}"), &history, &want);
        let diff = compare(&net, &by_hand);
        assert!(diff.bit_identical(), "{path}: rows 0..5 in order: {diff}");
        // The order matters, so the check above could tell: rows 4..0 give another network.
        let reversed = DMatrix::from_fn(5, 2, |i, j| x[(4 - i, j)]);
        let reversed_y = DMatrix::from_fn(5, 1, |i, j| y[(4 - i, j)]);
        let (_, backwards) = fit_by_hand(&start, &reversed, &reversed_y, &settings);
        assert!(
            max_param_diff(&net, &backwards) > 0.0,
            "{path}: row order made no difference"
        );
    }
}

// ---------------------------------------------------------------------------
// Learning
// ---------------------------------------------------------------------------

/// The notes' network learns a separable problem: the loss falls far below
/// where it starts, and nearly every point, seen or held out, is classified
/// right. With Adam (the course labs') and plain gradient descent (the notes').
///
/// The thresholds have a wide margin over a run that was watched once: 30
/// epochs of 4 batches took the loss from 0.75 in the first epoch to about
/// 0.026 (Adam) and 0.018 (SGD) in the last, with every training and
/// held-out point right. The test asks for a loss below 0.1, a fifth of the
/// first epoch's, and 95% accuracy.
#[test]
fn training_lowers_the_loss_of_the_notes_network() {
    let (x, y) = separable_data(128, 4);
    let (x_held_out, y_held_out) = separable_data(256, 5);
    let start = notes_network(2);
    let (start_loss, _) =
        evaluate(&start, &x, &y, Loss::BINARY_CROSSENTROPY, Path::Matrix).unwrap();
    for optimizer in [Optimizer::adam(0.01), Optimizer::sgd(1.0)] {
        let settings = FitSettings {
            optimizer,
            epochs: 30,
            seed: 1,
            ..FitSettings::default()
        };
        let mut net = start.clone();
        let history = fit(&mut net, &x, &y, &settings).unwrap();
        let (loss, accuracy) =
            evaluate(&net, &x, &y, Loss::BINARY_CROSSENTROPY, Path::Matrix).unwrap();
        let (_, held_out) = evaluate(
            &net,
            &x_held_out,
            &y_held_out,
            Loss::BINARY_CROSSENTROPY,
            Path::Matrix,
        )
        .unwrap();
        let (accuracy, held_out) = (accuracy.unwrap(), held_out.unwrap());
        let report = format!(
            "{}: loss {start_loss} at the start, {loss} after; per epoch {:?}; accuracy {accuracy}, \
             held out {held_out}",
            optimizer.name(),
            history.loss
        );
        assert!(loss < 0.1 && loss < start_loss, "{report}");
        assert!(history.loss[29] < history.loss[0] / 5.0, "{report}");
        assert!(accuracy >= 0.95 && held_out >= 0.95, "{report}");
    }
}
