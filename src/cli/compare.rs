//! `dualpath compare`: how far apart the two paths are, per layer and quantity, beside the bound.

use super::common::{
    CliResult, Failure, ModelData, check_forward_finite, check_loss, loss_for, model_input, plural,
};
use clap::Args;
use dualpath::proof::compare::{self, Row};
use dualpath::{Loss, Network, Real};
use nalgebra::DMatrix;
use std::fmt::Write as _;

#[derive(Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    input: ModelData,
    /// Loss: bce, mse, scce or cce (default: the model's own, else bce).
    #[arg(long)]
    loss: Option<Loss>,
    /// Keras' `from_logits=True`: the last layer is linear and its outputs are logits.
    #[arg(long)]
    from_logits: bool,
    /// Float type to compute in: f64 or f32.
    #[arg(long, default_value = "f64", value_parser = ["f64", "f32"])]
    float: String,
    /// Threads to compute on (default: the cores this process may use). Every number is the
    /// same, bit for bit, on any count; 1 computes on one core.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = super::common::whole::<usize>(1, dualpath::MAX_THREADS as u64))]
    threads: Option<usize>,
}

pub fn run(a: CompareArgs) -> CliResult {
    let (model, data) = a.input.load()?;
    let x = model_input(&model, &data.x, &data.source)?;
    let loss = loss_for(a.loss, a.from_logits, Some(&model))?;
    check_loss(&model.network, &data, loss)?;
    println!(
        "Comparing the paths on {:?} with {} loss over {} ({}), in {}.",
        model.network.widths(),
        loss,
        data.source,
        plural(x.nrows(), "row"),
        a.float
    );
    let threads = a.threads.unwrap_or_else(dualpath::available_threads);
    let ok = if a.float == "f32" {
        comparison_table::<f32>(
            &model.network.cast(),
            &x.map(|v| v as f32),
            &data.y.map(|v| v as f32),
            loss,
            &data.source,
            threads,
        )?
    } else {
        comparison_table(&model.network, &x, &data.y, loss, &data.source, threads)?
    };
    if ok {
        Ok(())
    } else {
        Err(Failure {
            message: "a difference exceeded its rounding bound: this is a bug".into(),
            code: 1,
        })
    }
}

/// Prints the full comparison (every quantity of every layer, and `J`);
/// returns whether every difference is within its bound.
fn comparison_table<T: Real>(
    net: &Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    loss: Loss,
    source: &str,
    threads: usize,
) -> CliResult<bool> {
    check_forward_finite(net, x, source)?;
    let rows = compare::rows_on(net, x, y, loss, threads)?;
    print!("{}", table(&rows));
    Ok(compare::worst(&rows).holds())
}

/// The comparison as a table: per layer and quantity, the largest
/// difference between the paths (and in ulps), the largest of the elements'
/// rounding bounds, and the worst ratio of an element's difference to its
/// own bound. A bound of 0 (nothing can round: every product and sum is
/// exact) is shown as such, with no ratio, and a ratio too small for four
/// decimals in scientific notation, so that 0.0000 means no difference.
fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "Per element: diff = |loop − matrix|, bound = the most rounding allows; at most 1 holds.\n",
    );
    let _ = writeln!(
        out,
        "{:<6} {:<3} {:>12} {:>6} {:>13} {:>17}",
        "layer", "", "largest diff", "ulps", "largest bound", "worst diff/bound"
    );
    let mut exact = false;
    for r in rows {
        let a = &r.agreement;
        let layer = r.layer.map(|l| l.to_string()).unwrap_or_default();
        let ratio = if a.max_bound == 0.0 && a.holds() {
            exact = true;
            "exact (bound 0)".to_string()
        } else if a.worst_ratio > 0.0 && a.worst_ratio < 1e-4 {
            // Not 0.0000: the paths differ there, by a sliver of the bound.
            format!("{:.1e}", a.worst_ratio)
        } else {
            format!("{:.4}", a.worst_ratio)
        };
        let _ = writeln!(
            out,
            "{layer:<6} {:<3} {:>12.3e} {:>6} {:>13.3e} {ratio:>17}{}",
            r.name,
            a.max_diff,
            r.ulps,
            a.max_bound,
            if a.holds() { "" } else { "  EXCEEDS THE BOUND" }
        );
    }
    if exact {
        out.push_str(
            "exact (bound 0): no product or sum there can round, so the paths must agree bit for bit, and do.\n",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::table;
    use dualpath::proof::bounds::Agreement;
    use dualpath::proof::compare::Row;

    fn row(name: &'static str, max_diff: f64, max_bound: f64) -> Row {
        let worst_ratio = if max_diff == 0.0 {
            0.0
        } else {
            max_diff / max_bound
        };
        Row {
            layer: Some(1),
            name,
            agreement: Agreement {
                max_diff,
                max_bound,
                worst_ratio,
            },
            ulps: 0,
        }
    }

    #[test]
    fn a_bound_of_zero_is_shown_as_such_not_as_a_ratio() {
        let text = table(&[row("Z", 0.0, 0.0), row("A", 1e-17, 1e-16)]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].contains("largest bound") && lines[1].contains("worst diff/bound"));
        assert!(lines[2].ends_with("exact (bound 0)"), "{text}");
        assert!(lines[3].ends_with("0.1000"), "{text}");
        let tiny = table(&[row("dW", 1e-21, 1e-16), row("J", 0.0, 1e-16)]);
        assert!(tiny.lines().nth(2).unwrap().ends_with("1.0e-5"), "{tiny}");
        assert!(tiny.lines().nth(3).unwrap().ends_with("0.0000"), "{tiny}");
        assert!(lines[4].starts_with("exact (bound 0): "), "{text}");
        // Without a bound of 0, no note.
        assert_eq!(table(&[row("A", 1e-17, 1e-16)]).lines().count(), 3);
    }
}
