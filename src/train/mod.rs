//! Learning: the optimizers ([`optim`]) and `model.fit` ([`fit()`]), on either path.
//!
//! | module | holds |
//! | --- | --- |
//! | [`optim`] | SGD and Adam, each a small struct owning its state |
//! | [`mod@fit`] | `fit`, validation splits, `evaluate`, the history |

pub mod fit;
pub mod optim;

pub use fit::{
    Evaluation, FitSettings, History, Progress, ProgressReply, Resume, Stopped, evaluate,
    evaluate_batches, evaluate_batches_on, fit, fit_resumed, fit_validated, fit_with_progress,
    split_validation,
};
pub use optim::Optimizer;
