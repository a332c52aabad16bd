//! Training replayed: `fit` on both paths, with the weights kept after
//! every epoch and at a few steps inside the first, where most of the change
//! happens.
//!
//! Nothing here trains differently from [`fit_resumed`]: the run is made of
//! one-epoch runs that continue each other (the same bits as one long run;
//! `tests/training/resume.rs` holds that), and a step inside the first epoch
//! is reached by a run of the first epoch stopped after that step.

use crate::error::Result;
use crate::nn::network::Network;
use crate::paths::Path;
use crate::train::{FitSettings, History, Progress, Resume, fit_resumed};
use nalgebra::DMatrix;
use std::ops::ControlFlow;

/// The weights at one point of training.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// For the reader: `before training`, `epoch 1, step 24 of 6250`, `epoch 3`.
    pub label: String,
    /// Where on the epoch axis: epochs done, a fraction inside the first.
    pub at: f64,
    /// Whole epochs completed.
    pub epoch: usize,
    /// The weights of the run on the leading path.
    pub network: Network<f64>,
    /// The largest difference between a weight of the leading path's run
    /// and the same weight of the other path's run, trained alike.
    pub gap: f64,
}

/// A recorded run: the snapshots, the leading path's history and final state.
#[derive(Clone, Debug)]
pub struct Recording {
    /// In order of training.
    pub snapshots: Vec<Snapshot>,
    /// Keras' `History` of the leading path's run.
    pub history: History,
    /// The leading path's network after the last epoch.
    pub network: Network<f64>,
    /// Where the leading path's run left off, to continue it.
    pub resume: Resume,
    /// `Some((epochs, kept))` when only `kept` of the `epochs` epochs' snapshots were kept.
    pub thinned: Option<(usize, usize)>,
}

/// The fractions of the first epoch at which its steps are recorded.
const FIRST_EPOCH_FRACTIONS: [f64; 5] = [1.0 / 256.0, 1.0 / 64.0, 1.0 / 16.0, 0.25, 0.5];

/// The training data of [`record`]: inputs, targets and the validation rows.
pub type Rows<'a> = (
    &'a DMatrix<f64>,
    &'a DMatrix<f64>,
    Option<(&'a DMatrix<f64>, &'a DMatrix<f64>)>,
);

/// Trains `start` as [`fit_resumed`] would with `settings` and `resume`, on
/// the leading path `settings.path` and, alike, on the other path, keeping
/// at most `keep` snapshots of whole epochs (evenly spread, the last always
/// kept) besides the start and the first epoch's steps. `progress` hears
/// each epoch's end on the leading path; it may stop the run.
///
/// ```
/// use dualpath::explore::record;
/// use dualpath::train::FitSettings;
/// use dualpath::{Activation::Sigmoid, Network};
/// use nalgebra::dmatrix;
/// let net = Network::<f64>::new(1, &[(2, Sigmoid), (1, Sigmoid)], 0)?;
/// let (x, y) = (dmatrix![-1.0; 1.0; 2.0; 0.5], dmatrix![0.0; 1.0; 1.0; 0.0]);
/// let settings = FitSettings { epochs: 3, batch_size: 1, ..FitSettings::default() };
/// let run = record(&net, (&x, &y, None), &settings, &Default::default(), 10, |_| {})?;
/// // The start, steps 1 and 2 of the first epoch's 4, then the three epochs.
/// assert_eq!(run.snapshots.len(), 1 + 2 + 3);
/// assert_eq!(run.snapshots.last().unwrap().network.layers()[0].w(), run.network.layers()[0].w());
/// # Ok::<(), dualpath::Error>(())
/// ```
///
/// # Errors
/// As [`fit_resumed`].
pub fn record<R: crate::train::ProgressReply>(
    start: &Network<f64>,
    (x, y, validation): Rows<'_>,
    settings: &FitSettings,
    resume: &Resume,
    keep: usize,
    mut progress: impl FnMut(&Progress) -> R,
) -> Result<Recording> {
    let lead = settings.path;
    let other = match lead {
        Path::Sequential => Path::Matrix,
        Path::Matrix => Path::Sequential,
    };
    let one_epoch = |path| FitSettings {
        epochs: 1,
        path,
        ..*settings
    };
    let mut snapshots = vec![Snapshot {
        label: "before training".into(),
        at: 0.0,
        epoch: 0,
        network: start.clone(),
        gap: 0.0,
    }];
    // Steps inside the first epoch: a first epoch stopped after each.
    let steps = x
        .nrows()
        .div_ceil(settings.batch_size.clamp(1, x.nrows().max(1)));
    let mut wanted: Vec<usize> = FIRST_EPOCH_FRACTIONS
        .iter()
        .map(|f| (f * steps as f64).round() as usize)
        .filter(|&k| k >= 1 && k < steps)
        .collect();
    wanted.dedup();
    for &k in &wanted {
        let stopped_at = |path| -> Result<Network<f64>> {
            let mut net = start.clone();
            let mut from = resume.clone();
            fit_resumed(
                &mut net,
                x,
                y,
                None,
                &one_epoch(path),
                &mut from,
                |p| match p {
                    Progress::Batch { done, .. } if done >= k => ControlFlow::Break(()),
                    _ => ControlFlow::Continue(()),
                },
            )?;
            Ok(net)
        };
        let (ours, theirs) = (stopped_at(lead)?, stopped_at(other)?);
        snapshots.push(Snapshot {
            label: format!("epoch 1, step {k} of {steps}"),
            at: k as f64 / steps as f64,
            epoch: 0,
            gap: gap(&ours, &theirs),
            network: ours,
        });
    }
    // The whole epochs, each continuing the last, on both paths.
    let epochs = settings.epochs;
    let kept = kept_epochs(epochs, keep);
    let mut runs = [
        (start.clone(), resume.clone(), lead),
        (start.clone(), resume.clone(), other),
    ];
    let mut history = History::default();
    for epoch in 1..=epochs {
        let mut reports = Vec::new();
        for (i, (net, from, path)) in runs.iter_mut().enumerate() {
            let h = fit_resumed(net, x, y, validation, &one_epoch(*path), from, |p| {
                if i == 0 {
                    reports.push(p);
                }
            })?;
            if i == 0 {
                append(&mut history, &h);
            }
        }
        // One epoch ran: its report, numbered in the whole run.
        let mut goes_on = true;
        for p in &reports {
            if let Progress::Epoch {
                loss,
                accuracy,
                val_loss,
                val_accuracy,
                mae,
                val_mae,
                ..
            } = *p
            {
                let report = Progress::Epoch {
                    epoch,
                    loss,
                    accuracy,
                    val_loss,
                    val_accuracy,
                    mae,
                    val_mae,
                };
                goes_on = progress(&report).goes_on();
            }
        }
        if kept.contains(&epoch) || !goes_on {
            snapshots.push(Snapshot {
                label: format!("epoch {epoch}"),
                at: epoch as f64,
                epoch,
                gap: gap(&runs[0].0, &runs[1].0),
                network: runs[0].0.clone(),
            });
        }
        if !goes_on {
            break;
        }
    }
    let recorded = snapshots.iter().filter(|s| s.epoch > 0).count();
    let [(network, resume, _), _] = runs;
    Ok(Recording {
        thinned: (recorded < history.loss.len()).then_some((history.loss.len(), recorded)),
        snapshots,
        history,
        network,
        resume,
    })
}

/// The epochs (from 1) whose snapshots are kept: all when there are at most
/// `keep`, else `keep` of them evenly spread, the last among them.
fn kept_epochs(epochs: usize, keep: usize) -> Vec<usize> {
    let keep = keep.max(1);
    if epochs <= keep {
        return (1..=epochs).collect();
    }
    let mut kept: Vec<usize> = (1..=keep).map(|i| (i * epochs).div_ceil(keep)).collect();
    kept.dedup();
    kept
}

/// The largest difference between two networks' weights and biases.
fn gap(a: &Network<f64>, b: &Network<f64>) -> f64 {
    a.parameters()
        .zip(b.parameters())
        .flat_map(|(p, q)| p.iter().zip(q).map(|(u, v)| (u - v).abs()))
        .fold(0.0, f64::max)
}

/// Adds a one-epoch history to the whole run's.
fn append(all: &mut History, one: &History) {
    all.loss.extend(&one.loss);
    all.accuracy.extend(&one.accuracy);
    all.val_loss.extend(&one.val_loss);
    all.val_accuracy.extend(&one.val_accuracy);
    all.mae.extend(&one.mae);
    all.val_mae.extend(&one.val_mae);
}

#[cfg(test)]
mod tests {
    use super::kept_epochs;

    #[test]
    fn kept_epochs_spread_evenly_and_end_with_the_last() {
        assert_eq!(kept_epochs(5, 10), vec![1, 2, 3, 4, 5]);
        assert_eq!(kept_epochs(10, 5), vec![2, 4, 6, 8, 10]);
        let many = kept_epochs(1000, 60);
        assert_eq!((many.len(), many.last()), (60, Some(&1000)));
    }
}
