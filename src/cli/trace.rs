//! `dualpath trace`: one example through the network, unit by unit, on the
//! path `--path` names (the loop path unless told), with the other path's
//! value of each quantity beside it.

use super::common::{
    CliResult, Failure, ModelData, check_forward_finite, check_loss, loss_for, model_input,
    name_list, plural, whole,
};
use clap::Args;
use dualpath::{Loss, Network, Path, Workspace};
use nalgebra::DMatrix;

#[derive(Args, Debug)]
pub struct TraceArgs {
    #[command(flatten)]
    input: ModelData,
    /// The example to trace: its row in the data, counted from 0 as NumPy does.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true, value_parser = whole::<usize>(0, u64::MAX))]
    row: usize,
    /// Loss: bce, mse, scce or cce (default: the model's own, else bce).
    #[arg(long)]
    loss: Option<Loss>,
    /// Keras' `from_logits=True`: the last layer is linear and its outputs are logits.
    #[arg(long)]
    from_logits: bool,
    /// How many terms of each sum `Σ_k w_kj·a_k` to write out.
    #[arg(long, default_value_t = 3, allow_hyphen_values = true, value_parser = whole::<usize>(0, u64::MAX))]
    terms: usize,
    /// The path whose numbers lead: its value of each quantity comes first, and its
    /// activations fill the written-out sums; the other path's value is printed beside it,
    /// with the difference. sequential (the loops, unit by unit: the default) or matrix.
    #[arg(long, default_value = "sequential")]
    path: Path,
}

pub fn run(a: TraceArgs) -> CliResult {
    let (model, data) = a.input.load()?;
    if a.row >= data.len() {
        return Err(Failure::input(format!(
            "--row {}: {} has rows 0 to {}",
            a.row,
            data.source,
            data.len().saturating_sub(1)
        )));
    }
    let loss = loss_for(a.loss, a.from_logits, Some(&model))?;
    check_loss(&model.network, &data, loss)?;
    let x_all = model_input(&model, &data.x, &data.source)?;
    let x = x_all.rows(a.row, 1).into_owned();
    let y = data.y.rows(a.row, 1).into_owned();
    check_forward_finite(&model.network, &x, &data.source)?;
    let net = &model.network;

    // Both paths, forward and backward, on this one example.
    let mut runs = Vec::with_capacity(2);
    let mut losses = Vec::with_capacity(2);
    for path in Path::BOTH {
        let mut ws = Workspace::new(net, 1);
        let mut pass = path.forward_into(&mut ws, net, &x)?;
        losses.push(pass.loss(&y, loss)?);
        pass.backward(&y, loss)?;
        runs.push(ws);
    }
    let other = match a.path {
        Path::Sequential => Path::Matrix,
        Path::Matrix => Path::Sequential,
    };
    let lead_at = Path::BOTH.iter().position(|p| *p == a.path).unwrap_or(0);
    let (led, besides) = (&runs[lead_at], &runs[1 - lead_at]);
    losses.swap(0, lead_at);
    let view = View { other };

    println!(
        "Tracing {} row {} through {:?} ({} loss) on the {} path; the {} path's value beside each.",
        data.source,
        a.row,
        net.widths(),
        loss.keras_name(),
        path_words(a.path),
        path_words(other)
    );
    let inputs: Vec<String> = x.iter().map(|v| format!("{v:.4}")).collect();
    println!(
        "a_0 (the input{}) = [{}]",
        normalised(&model),
        inputs.join(", ")
    );
    forward(net, &x, led, besides, a.terms, view);
    let last = net.layers().len() - 1;
    let labels: Vec<String> = y.iter().map(|v| format!("{v}")).collect();
    let dz: Vec<String> = led.dz(last).iter().map(|v| format!("{v:.6e}")).collect();
    println!(
        "\nThe label: y = [{}] ({}). The loss on this example: J = {}",
        labels.join(", "),
        name_list(&data.target_names),
        view.beside(losses[0], losses[1])
    );
    println!(
        "The output layer's dz = ∂J/∂z, where backward propagation starts: [{}]",
        dz.join(", ")
    );
    backward(net, led, besides, view);
    Ok(())
}

/// A factor of a written-out product: `0.351`, or `(-0.351)` when negative.
fn signed(v: f64) -> String {
    if v < 0.0 {
        format!("({v:.3})")
    } else {
        format!("{v:.3}")
    }
}

fn normalised(model: &dualpath::io::model::Model) -> &'static str {
    if model.normalization.is_some() {
        ", normalised"
    } else {
        ""
    }
}

/// `loop` or `matrix`, as the trace names a path.
fn path_words(path: Path) -> &'static str {
    match path {
        Path::Sequential => "loop",
        Path::Matrix => "matrix",
    }
}

/// The path printed beside the leading one.
#[derive(Clone, Copy)]
struct View {
    other: Path,
}

impl View {
    /// `value    other-path value    difference`, the two paths side by side.
    fn beside(self, ours: f64, theirs: f64) -> String {
        format!(
            "{ours:>12.6e}   {} {theirs:>12.6e}   diff {:.1e}",
            path_words(self.other),
            (ours - theirs).abs()
        )
    }
}

fn forward(
    net: &Network<f64>,
    x: &DMatrix<f64>,
    led: &Workspace<f64>,
    besides: &Workspace<f64>,
    terms: usize,
    view: View,
) {
    for (l, layer) in net.layers().iter().enumerate() {
        let a_in = if l == 0 { x } else { &led.layers()[l - 1].a };
        println!(
            "\nForward, layer {} ({} → {}, {}): z_j = Σ_k w_kj·a_k + b_j, a = {}(z)",
            l + 1,
            layer.n_in(),
            plural(layer.units(), "unit"),
            layer.activation(),
            layer.activation()
        );
        for j in 0..layer.units() {
            let mut shown: Vec<String> = (0..layer.n_in().min(terms))
                .map(|k| format!("{}·{}", signed(layer.w()[(k, j)]), signed(a_in[(0, k)])))
                .collect();
            if layer.n_in() > terms {
                shown.push(if terms == 0 {
                    format!("Σ_k w_kj·a_k ({})", plural(layer.n_in(), "term"))
                } else {
                    format!("… ({} more)", layer.n_in() - terms)
                });
            }
            let (zs, zm) = (led.layers()[l].z[(0, j)], besides.layers()[l].z[(0, j)]);
            let (a_s, a_m) = (led.layers()[l].a[(0, j)], besides.layers()[l].a[(0, j)]);
            println!(
                "  unit {:>2}: z = {} + {} = {}",
                j + 1,
                shown.join(" + "),
                signed(layer.b()[j]),
                view.beside(zs, zm)
            );
            println!("           a = {}", view.beside(a_s, a_m));
        }
    }
}

fn backward(net: &Network<f64>, led: &Workspace<f64>, besides: &Workspace<f64>, view: View) {
    let last = net.layers().len() - 1;
    for l in (0..=last).rev() {
        let layer = &net.layers()[l];
        let source = if l == last {
            "from the loss".to_string()
        } else {
            format!(
                "dz_j = dA_j·{}'(z_j), dA handed down by layer {}",
                layer.activation(),
                l + 2
            )
        };
        println!(
            "\nBackward, layer {}: {source}; dW[:,j] = dz_j·a_in, db_j = dz_j",
            l + 1
        );
        let (gs, gm) = (&led.gradients().layers[l], &besides.gradients().layers[l]);
        for j in 0..layer.units() {
            let (dzs, dzm) = (led.dz(l)[(0, j)], besides.dz(l)[(0, j)]);
            let dw_diff = (0..layer.n_in())
                .map(|k| (gs.dw[(k, j)] - gm.dw[(k, j)]).abs())
                .fold(0.0, f64::max);
            let first: Vec<String> = (0..layer.n_in().min(3))
                .map(|k| format!("{:.3e}", gs.dw[(k, j)]))
                .collect();
            println!("  unit {:>2}: dz = {}", j + 1, view.beside(dzs, dzm));
            println!("           db = {}", view.beside(gs.db[j], gm.db[j]));
            println!(
                "           dW[:,{}] = [{}{}]   largest diff from the {} path {dw_diff:.1e}",
                j + 1,
                first.join(", "),
                if layer.n_in() > 3 { ", …" } else { "" },
                path_words(view.other)
            );
        }
    }
}
