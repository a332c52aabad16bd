//! `train`, `predict`, `grad`, `compare` and `speedup`.

use super::progress::EpochReporter;
use super::{CliResult, Failure, ModelData, plot};
use clap::Args;
use dualpath::bounds::{Agreement, network_bound};
use dualpath::data::{self, Dataset, Normalization, TargetChoice};
use dualpath::model::Model;
use dualpath::real::ulps_between;
use dualpath::train::{FitSettings, Optimizer, fit_with_progress};
use dualpath::{Activation, Loss, Network, Path, Real};
use nalgebra::DMatrix;
use serde_json::{Value, json};
use std::path::PathBuf;

/// The notes' network: `Sequential([Dense(25, 'sigmoid'), Dense(15, 'sigmoid'), Dense(1, 'sigmoid')])`.
pub const NOTES_LAYERS: &str = "25:sigmoid,15:sigmoid,1:sigmoid";

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Data: `coffee` (the course's roasting data) or a CSV file with a header.
    #[arg(long, default_value = "coffee", value_name = "coffee|FILE.csv")]
    data: String,
    /// Target column(s) by name (repeatable or comma separated; default: the last column).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    target: Vec<String>,
    /// Layers as UNITS:ACTIVATION, comma separated (activations: linear, relu, sigmoid, tanh).
    #[arg(long, default_value = NOTES_LAYERS, conflicts_with = "model")]
    layers: String,
    /// Start from the weights in this model file instead of a fresh network.
    #[arg(long, value_name = "FILE.json")]
    model: Option<PathBuf>,
    /// Loss: bce (binary cross-entropy) or mse (mean squared error).
    #[arg(long, default_value = "bce")]
    loss: Loss,
    /// Optimizer: sgd (the notes' gradient descent) or adam (the course labs').
    #[arg(long, default_value = "adam", value_parser = ["sgd", "adam"])]
    optimizer: String,
    /// Learning rate (default: Keras' default for the optimizer, 0.01 for sgd, 0.001 for adam).
    #[arg(long)]
    lr: Option<f64>,
    /// Passes over the data.
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Examples per gradient step.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Keep row order instead of reshuffling every epoch.
    #[arg(long)]
    no_shuffle: bool,
    /// Seed of the initial weights and of the shuffling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The path that computes every pass: sequential (loops) or matrix.
    #[arg(long, default_value = "matrix")]
    path: Path,
    /// Learn a per-feature normalisation (Keras' `Normalization`) and keep it with the model.
    #[arg(long)]
    normalize: bool,
    /// Save the trained model here (JSON).
    #[arg(long, value_name = "FILE.json")]
    save: Option<PathBuf>,
    /// Save the history here: {"loss": [...], "accuracy": [...]}.
    #[arg(long, value_name = "FILE.json")]
    history: Option<PathBuf>,
    /// Write SVG charts here: the loss curve, and the decision boundary for two-feature data.
    #[arg(long, value_name = "DIR")]
    plot: Option<PathBuf>,
    /// One plain line per epoch, no progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// Model file (JSON, Keras layout).
    #[arg(long, value_name = "FILE.json")]
    model: PathBuf,
    /// CSV file with a header: one column per feature (target columns named by --target are left out).
    #[arg(long, value_name = "FILE.csv")]
    data: PathBuf,
    /// Column(s) to leave out (e.g. the label), by name.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    target: Vec<String>,
    /// The path that computes the pass.
    #[arg(long, default_value = "matrix")]
    path: Path,
}

#[derive(Args, Debug)]
pub struct GradArgs {
    /// Model file (JSON, Keras layout).
    #[arg(long, value_name = "FILE.json")]
    model: PathBuf,
    /// Data: `coffee` or a CSV file with a header.
    #[arg(long, value_name = "coffee|FILE.csv")]
    data: String,
    /// Target column(s) by name (default: the last column).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    target: Vec<String>,
    /// Loss: bce or mse.
    #[arg(long, default_value = "bce")]
    loss: Loss,
    /// The path that computes the pass.
    #[arg(long, default_value = "matrix")]
    path: Path,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    input: ModelData,
    /// Loss: bce or mse.
    #[arg(long, default_value = "bce")]
    loss: Loss,
    /// Float type to compute in: f64 or f32.
    #[arg(long, default_value = "f64", value_parser = ["f64", "f32"])]
    float: String,
}

#[derive(Args, Debug)]
pub struct SpeedupArgs {
    /// Also draw speedup against problem size as an SVG chart.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
}

/// Parses `25:sigmoid,15:sigmoid,1:sigmoid`.
pub fn parse_layers(spec: &str) -> CliResult<Vec<(usize, Activation)>> {
    let bad = |part: &str, why: String| {
        Failure::input(format!(
            "--layers: {part:?} {why}; expected UNITS:ACTIVATION items separated by commas, e.g. {NOTES_LAYERS}"
        ))
    };
    let mut layers = Vec::new();
    for part in spec.split(',').map(str::trim) {
        let (units, act) = part
            .split_once(':')
            .ok_or_else(|| bad(part, "has no ':'".into()))?;
        let units: usize = units.trim().parse().map_err(|_| {
            bad(
                part,
                format!("has {:?} where a number of units should be", units.trim()),
            )
        })?;
        if units == 0 {
            return Err(bad(part, "has 0 units".into()));
        }
        let act: Activation = act
            .parse()
            .map_err(|e| bad(part, format!("names an {e}")))?;
        layers.push((units, act));
    }
    Ok(layers)
}

/// The built-in coffee data or a CSV file.
pub fn load_data(spec: &str, targets: &[String]) -> CliResult<Dataset> {
    if spec.eq_ignore_ascii_case("coffee") {
        Ok(data::coffee())
    } else {
        Ok(data::read_csv(std::path::Path::new(spec), targets)?)
    }
}

/// A model's network input for `x`: `x` normalised with the model's normalisation, if any.
fn model_input(model: &Model, x: &DMatrix<f64>, source: &str) -> CliResult<DMatrix<f64>> {
    let n_in = model.network.n_in();
    if x.ncols() != n_in {
        return Err(Failure::input(format!(
            "{source} has {} feature columns but the model takes {n_in} inputs",
            x.ncols()
        )));
    }
    Ok(match &model.normalization {
        Some(norm) => norm.apply(x),
        None => x.clone(),
    })
}

fn load_model(path: &std::path::Path) -> CliResult<Model> {
    Ok(Model::load(path)?)
}

pub fn train(a: TrainArgs) -> CliResult {
    let layers = if a.model.is_none() {
        Some(parse_layers(&a.layers)?)
    } else {
        None
    };
    let lr =
        a.lr.unwrap_or(if a.optimizer == "sgd" { 0.01 } else { 0.001 });
    let optimizer = if a.optimizer == "sgd" {
        Optimizer::sgd(lr)
    } else {
        Optimizer::adam(lr)
    };
    let settings = FitSettings {
        loss: a.loss,
        optimizer,
        epochs: a.epochs,
        batch_size: a.batch_size,
        shuffle: !a.no_shuffle,
        seed: a.seed,
        path: a.path,
    };
    settings.validate()?;
    for path in [&a.save, &a.history].into_iter().flatten() {
        check_writable_dir(path)?;
    }
    let data = load_data(&a.data, &a.target)?;
    if data.y.ncols() == 0 {
        return Err(Failure::input(format!(
            "{}: no target column to train on",
            data.source
        )));
    }
    let mut model = match &a.model {
        Some(path) => load_model(path)?,
        None => Model {
            network: Network::new(
                data.x.ncols(),
                layers.as_deref().unwrap_or_default(),
                a.seed,
            )?,
            normalization: None,
        },
    };
    if a.normalize {
        model.normalization = Some(Normalization::adapt(&data.x)?);
    }
    let x = model_input(&model, &data.x, &data.source)?;
    if model.network.n_out() != data.y.ncols() {
        return Err(Failure::input(format!(
            "the network has {} outputs but {} has {} target columns ({})",
            model.network.n_out(),
            data.source,
            data.y.ncols(),
            data.target_names.join(", ")
        )));
    }
    settings
        .loss
        .check_targets(&data.y)
        .map_err(|e| label_error(&data, e))?;
    println!(
        "Training {:?} ({} parameters) on {} ({} rows; features: {}; target: {}), {} loss, {} lr {}, {} path",
        model.network.widths(),
        model.network.param_count(),
        data.source,
        data.x.nrows(),
        data.feature_names.join(", "),
        data.target_names.join(", "),
        settings.loss,
        settings.optimizer.name(),
        lr,
        settings.path
    );
    let mut reporter = EpochReporter::new(settings.epochs, a.quiet, "");
    let history = fit_with_progress(&mut model.network, &x, &data.y, &settings, |p| {
        reporter.update(p)
    })?;
    if let Some(path) = &a.save {
        model.save(path)?;
        println!("Saved the model to {}", path.display());
    }
    if let Some(path) = &a.history {
        let json = json!({"loss": history.loss, "accuracy": history.accuracy});
        write_text(path, &format!("{json:#}\n"))?;
        println!("Saved the history to {}", path.display());
    }
    if let Some(dir) = &a.plot {
        let files = plot::training_charts(dir, &history, &model, &data)?;
        for f in files {
            println!("Wrote {}", f.display());
        }
    }
    Ok(())
}

/// Says where a label the loss cannot take sits in the file: line and column.
fn label_error(data: &Dataset, e: dualpath::Error) -> Failure {
    match e {
        dualpath::Error::LabelOutOfRange { row, col, value } => Failure::input(format!(
            "{}, column {:?}: the label {value} is outside [0, 1]; binary cross-entropy needs labels in [0, 1] \
             (use --loss mse for other targets)",
            data.place_of_row(row),
            data.target_names
                .get(col)
                .map(String::as_str)
                .unwrap_or("?")
        )),
        other => other.into(),
    }
}

/// Fails early, before any training, when `path`'s directory does not exist.
fn check_writable_dir(path: &std::path::Path) -> CliResult {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => Err(Failure::input(format!(
            "{}: cannot write there: the directory {} does not exist",
            path.display(),
            dir.display()
        ))),
        _ => Ok(()),
    }
}

/// Writes a text file through a temporary file renamed into place.
pub fn write_text(path: &std::path::Path, text: &str) -> CliResult {
    Ok(dualpath::model::write_atomically(path, text.as_bytes())?)
}

pub fn predict(a: PredictArgs) -> CliResult {
    let model = load_model(&a.model)?;
    let choice = if a.target.is_empty() {
        TargetChoice::None
    } else {
        TargetChoice::from_names(&a.target)
    };
    let data = data::read_csv_with(&a.data, &choice)?;
    let x = model_input(&model, &data.x, &data.source)?;
    let fwd = a.path.forward(&model.network, &x)?;
    let out = fwd.output();
    let sigmoid = model.network.output_activation() == Activation::Sigmoid;
    let n_out = out.ncols();
    let name = |j: usize| {
        if n_out == 1 {
            String::new()
        } else {
            format!("_{}", j + 1)
        }
    };
    let mut header = Vec::new();
    for j in 0..n_out {
        header.push(format!(
            "{}{}",
            if sigmoid { "probability" } else { "output" },
            name(j)
        ));
        if sigmoid {
            header.push(format!("decision{}", name(j)));
        }
    }
    let mut text = header.join(",") + "\n";
    for i in 0..out.nrows() {
        let mut row = Vec::new();
        for j in 0..n_out {
            let v = out[(i, j)];
            row.push(format!("{v}")); // shortest form that reads back to the same f64
            if sigmoid {
                row.push(u8::from(v > 0.5).to_string());
            }
        }
        text.push_str(&row.join(","));
        text.push('\n');
    }
    print!("{text}");
    Ok(())
}

fn rows(m: &DMatrix<f64>) -> Value {
    Value::Array(
        m.row_iter()
            .map(|r| Value::Array(r.iter().map(|&v| json!(v)).collect()))
            .collect(),
    )
}

pub fn grad(a: GradArgs) -> CliResult {
    let model = load_model(&a.model)?;
    let data = load_data(&a.data, &a.target)?;
    let x = model_input(&model, &data.x, &data.source)?;
    let net = &model.network;
    a.loss
        .check_targets(&data.y)
        .map_err(|e| label_error(&data, e))?;
    let fwd = a.path.forward(net, &x)?;
    let grads = a.path.backward(net, &fwd, &data.y, a.loss)?;
    let loss = a.loss.value(
        net.output_activation(),
        fwd.output_z(),
        fwd.output(),
        &data.y,
    );
    let all_finite = loss.is_finite()
        && fwd
            .layers()
            .iter()
            .all(|c| c.z.iter().chain(c.a.iter()).all(|v| v.is_finite()))
        && grads
            .layers
            .iter()
            .all(|g| g.dw.iter().chain(g.db.iter()).all(|v| v.is_finite()));
    if !all_finite {
        return Err(Failure::input(format!(
            "{}: the pass overflowed (a value is infinite); the inputs or weights are too large for {} outputs",
            data.source,
            net.output_activation()
        )));
    }
    let json = json!({
        "loss": loss,
        "output": rows(fwd.output()),
        "activations": fwd.layers().iter().map(|c| rows(&c.a)).collect::<Vec<_>>(),
        "preactivations": fwd.layers().iter().map(|c| rows(&c.z)).collect::<Vec<_>>(),
        "grads": grads.layers.iter().map(|g| json!({
            "kernel": rows(&g.dw),
            "bias": g.db.iter().copied().collect::<Vec<f64>>(),
        })).collect::<Vec<_>>(),
        "path": a.path.name(),
        "loss_function": a.loss.name(),
    });
    println!("{json}");
    Ok(())
}

/// The seed network and data of `compare` without files: the notes' network
/// (Glorot-uniform, seed 0) on the normalised coffee data.
pub fn seed_model_and_data() -> CliResult<(Model, Dataset)> {
    let data = data::coffee();
    let network = Network::new(2, &parse_layers(NOTES_LAYERS)?, 0)?;
    let normalization = Some(Normalization::adapt(&data.x)?);
    Ok((
        Model {
            network,
            normalization,
        },
        data,
    ))
}

pub fn compare(a: CompareArgs) -> CliResult {
    let (model, data) = match (&a.input.model, &a.input.data) {
        (None, None) => seed_model_and_data()?,
        (Some(m), Some(d)) => (load_model(m)?, load_data(d, &a.input.target)?),
        (Some(m), None) => {
            let model = load_model(m)?;
            (model, data::coffee())
        }
        (None, Some(_)) => {
            return Err(Failure::input(
                "--data needs --model too (or give neither, for the notes' network on the coffee data)",
            ));
        }
    };
    let x = model_input(&model, &data.x, &data.source)?;
    a.loss
        .check_targets(&data.y)
        .map_err(|e| label_error(&data, e))?;
    println!(
        "Comparing the paths on {:?} with {} loss over {} ({} rows), in {}.",
        model.network.widths(),
        a.loss,
        data.source,
        x.nrows(),
        a.float
    );
    let ok = if a.float == "f32" {
        comparison_table::<f32>(
            &model.network.cast(),
            &x.map(|v| v as f32),
            &data.y.map(|v| v as f32),
            a.loss,
            "",
        )?
    } else {
        comparison_table(&model.network, &x, &data.y, a.loss, "")?
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

/// One line of a comparison: a quantity of one layer (or the loss `J`).
pub struct Row {
    /// The layer, counted from 1 (empty for the loss).
    pub layer: String,
    /// `Z`, `A`, `dW`, `db` or `J`.
    pub name: &'static str,
    /// The largest difference against the bound.
    pub agreement: Agreement,
    /// The largest difference in units in the last place.
    pub ulps: u64,
}

/// Runs both paths forward and backward and measures, per layer and
/// quantity, how far apart they are beside the rounding bound.
pub fn comparison_rows<T: Real>(
    net: &Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    loss: Loss,
) -> CliResult<Vec<Row>> {
    let seq = Path::Sequential.forward(net, x)?;
    let mat = Path::Matrix.forward(net, x)?;
    let gs = Path::Sequential.backward(net, &seq, y, loss)?;
    let gm = Path::Matrix.backward(net, &mat, y, loss)?;
    let bound = network_bound(net, x, y, loss)?;
    let ulps = |p: &[T], q: &[T]| {
        p.iter()
            .zip(q)
            .map(|(&p, &q)| ulps_between(p, q))
            .max()
            .unwrap_or(0)
    };
    let mut rows = Vec::new();
    for (l, b) in bound.layers.iter().enumerate() {
        let (cs, cm) = (&seq.layers()[l], &mat.layers()[l]);
        let (ds, dm) = (&gs.layers[l], &gm.layers[l]);
        let layer = (l + 1).to_string();
        let mut push = |name, agreement, ulps| {
            rows.push(Row {
                layer: layer.clone(),
                name,
                agreement,
                ulps,
            })
        };
        push(
            "Z",
            Agreement::of(&cs.z, &cm.z, &b.z),
            ulps(cs.z.as_slice(), cm.z.as_slice()),
        );
        push(
            "A",
            Agreement::of(&cs.a, &cm.a, &b.a),
            ulps(cs.a.as_slice(), cm.a.as_slice()),
        );
        push(
            "dW",
            Agreement::of(&ds.dw, &dm.dw, &b.dw),
            ulps(ds.dw.as_slice(), dm.dw.as_slice()),
        );
        push(
            "db",
            Agreement::of(&ds.db, &dm.db, &b.db),
            ulps(ds.db.as_slice(), dm.db.as_slice()),
        );
    }
    let g = net.output_activation();
    let js = loss.value(g, seq.output_z(), seq.output(), y);
    let jm = loss.value(g, mat.output_z(), mat.output(), y);
    rows.push(Row {
        layer: String::new(),
        name: "J",
        agreement: Agreement::of_scalar(js, jm, bound.loss),
        ulps: ulps_between(js, jm),
    });
    Ok(rows)
}

/// Prints the rows whose quantity is in `names` as a table; returns whether
/// every printed difference is within its bound.
pub fn print_rows(rows: &[Row], names: &[&str], indent: &str) -> bool {
    println!(
        "{indent}{:<6} {:<3} {:>12} {:>6} {:>12} {:>10}",
        "layer", "", "largest diff", "ulps", "bound", "diff/bound"
    );
    let mut ok = true;
    for r in rows.iter().filter(|r| names.contains(&r.name)) {
        let a = &r.agreement;
        ok &= a.holds();
        println!(
            "{indent}{:<6} {:<3} {:>12.3e} {:>6} {:>12.3e} {:>10.4}{}",
            r.layer,
            r.name,
            a.max_diff,
            r.ulps,
            a.max_bound,
            a.worst_ratio,
            if a.holds() { "" } else { "  EXCEEDS THE BOUND" }
        );
    }
    ok
}

/// Prints the full comparison table (every quantity of every layer, and `J`).
pub fn comparison_table<T: Real>(
    net: &Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    loss: Loss,
    indent: &str,
) -> CliResult<bool> {
    let rows = comparison_rows(net, x, y, loss)?;
    Ok(print_rows(&rows, &["Z", "A", "dW", "db", "J"], indent))
}

pub fn speedup(a: SpeedupArgs) -> CliResult {
    use dualpath::speedup;
    if let Some(path) = &a.plot {
        check_writable_dir(path)?;
    }
    println!(
        "A quick loop-versus-matrix sweep: a few repetitions per size, timed with the clock.\n\
         This is an estimate on a shared machine; `cargo bench` is the careful measurement."
    );
    let rows = speedup::quick_sweep(&speedup::sweep(), |size| {
        eprint!("\r  timing {:<40}", size.label());
    })?;
    eprintln!("\r{:<50}", "");
    print!("{}", speedup::format_table(&rows));
    if let Some(path) = &a.plot {
        speedup::write_chart(&rows, "dualpath speedup (quick sweep)", path)?;
        println!("Wrote {}", path.display());
    }
    Ok(())
}
