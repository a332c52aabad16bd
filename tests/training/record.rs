//! `dualpath::explore::record`, the training the page replays: each
//! snapshot holds the weights `fit` reaches at that point, on the leading
//! path, and the gap to the other path's run is measured, not assumed.

use super::helpers::{max_param_diff, notes_network, params, separable_data};
use dualpath::Path;
use dualpath::explore::record;
use dualpath::train::{FitSettings, Progress, fit, fit_with_progress, split_validation};
use std::ops::ControlFlow;

fn settings(path: Path, epochs: usize) -> FitSettings {
    FitSettings {
        epochs,
        batch_size: 8,
        path,
        ..FitSettings::default()
    }
}

#[test]
fn every_snapshot_is_the_weights_fit_reaches_there() {
    let (x, y) = separable_data(64, 3);
    let (xt, yt, xv, yv) = split_validation(&x, &y, 0.25).unwrap();
    let start = notes_network(1);
    for path in Path::BOTH {
        let run = record(
            &start,
            (&xt, &yt, Some((&xv, &yv))),
            &settings(path, 4),
            &Default::default(),
            10,
            |_| {},
        )
        .unwrap();
        // 48 rows in batches of 8: 6 steps, so steps 2 and 3 (a quarter, a half) inside the first epoch.
        let labels: Vec<&str> = run.snapshots.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "before training",
                "epoch 1, step 2 of 6",
                "epoch 1, step 3 of 6",
                "epoch 1",
                "epoch 2",
                "epoch 3",
                "epoch 4"
            ]
        );
        assert_eq!(params(&run.snapshots[0].network), params(&start));
        for s in &run.snapshots[1..] {
            let mut net = start.clone();
            if s.epoch == 0 {
                let k = s.label.split(' ').nth(3).unwrap().parse::<usize>().unwrap();
                fit_with_progress(&mut net, &xt, &yt, &settings(path, 1), |p| match p {
                    Progress::Batch { done, .. } if done == k => ControlFlow::Break(()),
                    _ => ControlFlow::Continue(()),
                })
                .unwrap();
            } else {
                fit(&mut net, &xt, &yt, &settings(path, s.epoch)).unwrap();
            }
            assert_eq!(
                params(&s.network),
                params(&net),
                "{} on the {} path",
                s.label,
                path.name()
            );
        }
        // The history is the whole run's, validation included.
        let mut net = start.clone();
        let whole = dualpath::train::fit_validated(
            &mut net,
            &xt,
            &yt,
            Some((&xv, &yv)),
            &settings(path, 4),
            |_| {},
        )
        .unwrap();
        assert_eq!(run.history, whole);
        assert_eq!(params(&run.network), params(&net));
    }
}

#[test]
fn the_gap_is_the_distance_between_the_two_paths_runs() {
    let (x, y) = separable_data(40, 5);
    let start = notes_network(2);
    let run = record(
        &start,
        (&x, &y, None),
        &settings(Path::Matrix, 3),
        &Default::default(),
        10,
        |_| {},
    )
    .unwrap();
    let (mut seq, mut mat) = (start.clone(), start.clone());
    fit(&mut seq, &x, &y, &settings(Path::Sequential, 3)).unwrap();
    fit(&mut mat, &x, &y, &settings(Path::Matrix, 3)).unwrap();
    let last = run.snapshots.last().unwrap();
    assert_eq!(last.gap, max_param_diff(&seq, &mat));
    assert!(
        last.gap > 0.0,
        "the two runs differ in the last bits, as the paths do"
    );
}

#[test]
fn long_runs_keep_evenly_spread_epochs_and_say_so() {
    let (x, y) = separable_data(16, 7);
    let run = record(
        &notes_network(0),
        (&x, &y, None),
        &settings(Path::Matrix, 12),
        &Default::default(),
        4,
        |_| {},
    )
    .unwrap();
    let epochs: Vec<usize> = run
        .snapshots
        .iter()
        .filter(|s| s.epoch > 0)
        .map(|s| s.epoch)
        .collect();
    assert_eq!(epochs, [3, 6, 9, 12]);
    assert_eq!(run.thinned, Some((12, 4)));
    assert_eq!(run.history.loss.len(), 12);
}
