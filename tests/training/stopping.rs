//! Stopping `fit` early: a progress callback that answers
//! `ControlFlow::Break(())` ends training after the step (or epoch) it was
//! told of, with the weights of exactly the steps taken, the history of the
//! epochs completed, and `History::stopped` saying where.

use crate::helpers::{compare, five_examples, in_order};
use dualpath::Activation::Sigmoid;
use dualpath::train::{FitSettings, Optimizer, Progress, Stopped, fit, fit_with_progress};
use dualpath::{Loss, Network, Path};
use std::ops::ControlFlow;

/// Stops at the first report for which `when` holds; returns the history
/// and every report seen.
fn stop_when(
    net: &mut Network<f64>,
    settings: &FitSettings,
    when: impl Fn(&Progress) -> bool,
) -> (dualpath::train::History, Vec<Progress>) {
    let (x, y) = five_examples(true);
    let mut seen = Vec::new();
    let history = fit_with_progress(net, &x, &y, settings, |p| {
        seen.push(p);
        if when(&p) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .expect("training");
    (history, seen)
}

#[test]
fn stopping_part_way_through_an_epoch_keeps_the_steps_taken_and_the_epochs_completed() {
    for path in Path::BOTH {
        let start = Network::new(2, &[(3, Sigmoid), (1, Sigmoid)], 3).unwrap();
        // Five rows in batches of 2: three steps an epoch, rows in order, and
        // plain gradient descent, which keeps no state between steps.
        let settings = in_order(Loss::BINARY_CROSSENTROPY, Optimizer::sgd(1.0), 6, 2, path);
        let mut stopped = start.clone();
        let (history, seen) = stop_when(&mut stopped, &settings, |p| {
            matches!(
                p,
                Progress::Batch {
                    epoch: 3,
                    done: 2,
                    ..
                }
            )
        });
        assert_eq!(
            history.stopped,
            Some(Stopped {
                epoch: 3,
                step: 2,
                steps: 3
            })
        );
        assert_eq!(history.loss.len(), 2, "the two epochs completed");
        assert_eq!(history.accuracy.len(), 2);
        assert!(
            matches!(
                seen.last(),
                Some(Progress::Batch {
                    epoch: 3,
                    done: 2,
                    ..
                })
            ),
            "no report after the stop: {:?}",
            seen.last()
        );
        // The same steps taken another way: two whole epochs, then the
        // first two batches (rows 0 to 3) of the third.
        let (x, y) = five_examples(true);
        let mut by_parts = start.clone();
        let whole = fit(
            &mut by_parts,
            &x,
            &y,
            &FitSettings {
                epochs: 2,
                ..settings
            },
        )
        .unwrap();
        let (x4, y4) = (x.rows(0, 4).into_owned(), y.rows(0, 4).into_owned());
        fit(
            &mut by_parts,
            &x4,
            &y4,
            &FitSettings {
                epochs: 1,
                ..settings
            },
        )
        .unwrap();
        let diff = compare(&stopped, &by_parts);
        assert!(diff.bit_identical(), "{path}: {diff}");
        assert_eq!(history.loss, whole.loss, "{path}");
        assert_eq!(whole.stopped, None);
    }
}

#[test]
fn stopping_on_an_epochs_last_step_or_its_report_completes_that_epoch() {
    let start = Network::new(2, &[(3, Sigmoid), (1, Sigmoid)], 3).unwrap();
    // Shuffled: the run stopped after epoch 2 must match a two-epoch run.
    let settings = FitSettings {
        epochs: 5,
        batch_size: 2,
        optimizer: Optimizer::adam(0.1),
        ..FitSettings::default()
    };
    let (x, y) = five_examples(true);
    let mut two = start.clone();
    let want = fit(
        &mut two,
        &x,
        &y,
        &FitSettings {
            epochs: 2,
            ..settings
        },
    )
    .unwrap();
    let last_step = |p: &Progress| {
        matches!(
            p,
            Progress::Batch {
                epoch: 2,
                done: 3,
                ..
            }
        )
    };
    let report = |p: &Progress| matches!(p, Progress::Epoch { epoch: 2, .. });
    for when in [&last_step as &dyn Fn(&Progress) -> bool, &report] {
        let mut net = start.clone();
        let (history, seen) = stop_when(&mut net, &settings, when);
        assert_eq!(
            history.stopped,
            Some(Stopped {
                epoch: 2,
                step: 3,
                steps: 3
            })
        );
        assert_eq!(
            (&history.loss, &history.accuracy),
            (&want.loss, &want.accuracy)
        );
        assert!(compare(&net, &two).bit_identical());
        assert!(
            matches!(seen.last(), Some(Progress::Epoch { epoch: 2, .. })),
            "the completed epoch is reported, and nothing after it"
        );
    }
    // Asked to stop after the last step of the last epoch: nothing was cut short.
    let mut net = start.clone();
    let (history, _) = stop_when(&mut net, &settings, |p| {
        matches!(
            p,
            Progress::Batch {
                epoch: 5,
                done: 3,
                ..
            }
        )
    });
    assert_eq!((history.stopped, history.loss.len()), (None, 5));
}
