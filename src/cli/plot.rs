//! SVG charts, drawn in pure Rust with plotters: the loss curve and, for
//! two-feature data, the decision boundary with the data points (like the
//! course's coffee-roasting plot).

use super::common::{CliResult, Failure, write_text};
use dualpath::io::chart::{SERIES, along, emptiest_corner, shade};
use dualpath::io::data::Dataset;
use dualpath::io::model::Model;
use dualpath::nn::loss::argmax_row;
use dualpath::train::History;
use dualpath::{Activation, Path};
use nalgebra::DMatrix;
use plotters::prelude::*;
use std::path::{Path as FsPath, PathBuf};

fn draw_failed(path: &FsPath, e: impl std::fmt::Display) -> Failure {
    Failure::input(format!("{}: cannot draw the chart: {e}", path.display()))
}

/// Every file [`training_charts`] may write into its folder.
pub const TRAINING_CHARTS: [&str; 3] = [LOSS, REGIONS, BOUNDARY];
const LOSS: &str = "loss.svg";
const REGIONS: &str = "decision_regions.svg";
const BOUNDARY: &str = "decision_boundary.svg";

/// Writes `loss.svg` (and `decision_boundary.svg` for two-feature, one-output
/// data, or `decision_regions.svg` for two-feature classes) into `dir`,
/// creating it if needed. Returns the files written.
pub fn training_charts(
    dir: &FsPath,
    history: &History,
    model: &Model,
    data: &Dataset,
) -> CliResult<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Failure::input(format!(
            "{}: cannot create the directory: {e}",
            dir.display()
        ))
    })?;
    dualpath::io::chart::register_font();
    let mut written = Vec::new();
    let loss_path = dir.join(LOSS);
    write_text(&loss_path, &loss_svg(&loss_path, history)?)?;
    written.push(loss_path);
    let classes = model.network.n_out() > 1
        && (model.network.output_activation() == Activation::Softmax
            || model.loss.is_some_and(|l| !l.is_elementwise()));
    if data.x.ncols() == 2 && classes {
        let path = dir.join(REGIONS);
        write_text(&path, &regions_svg(&path, model, data)?)?;
        written.push(path);
    } else if data.x.ncols() == 2 && data.y.ncols() == 1 {
        let path = dir.join(BOUNDARY);
        write_text(&path, &boundary_svg(&path, model, data)?)?;
        written.push(path);
    }
    Ok(written)
}

/// The plane shaded by the class the model picks (its largest output) on
/// a grid of cells, with the data's points coloured by their own class: the
/// Softmax and Multiclass labs' plots.
fn regions_svg(path: &FsPath, model: &Model, data: &Dataset) -> CliResult<String> {
    let (grid, (lo0, hi0), (lo1, hi1)) = plane_grid(data);
    let input = model.network_input(&grid)?;
    let out = Path::Matrix
        .forward(&model.network, &input)?
        .output()
        .clone();
    let k = out.ncols();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_failed(path, e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("Decision regions: the class of the largest of {k} outputs"),
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(lo0..hi0, lo1..hi1)
            .map_err(|e| draw_failed(path, e))?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc(data.feature_names[0].as_str())
            .y_desc(data.feature_names[1].as_str())
            .draw()
            .map_err(|e| draw_failed(path, e))?;
        let (w0, w1) = ((hi0 - lo0) / GRID as f64, (hi1 - lo1) / GRID as f64);
        chart
            .draw_series((0..GRID * GRID).map(|c| {
                let (cx, cy) = (grid[(c, 0)], grid[(c, 1)]);
                let class = argmax_row(&out, c);
                Rectangle::new(
                    [
                        (cx - w0 / 2.0, cy - w1 / 2.0),
                        (cx + w0 / 2.0, cy + w1 / 2.0),
                    ],
                    shade(SERIES[class % SERIES.len()]).filled(),
                )
            }))
            .map_err(|e| draw_failed(path, e))?;
        for class in 0..k {
            let color = SERIES[class % SERIES.len()];
            let points: Vec<(f64, f64)> = (0..data.x.nrows())
                .filter(|&i| {
                    data.y.ncols() == 1 && data.y[(i, 0)] == class as f64
                        || data.y.ncols() == k && argmax_row(&data.y, i) == class
                })
                .map(|i| (data.x[(i, 0)], data.x[(i, 1)]))
                .collect();
            chart
                .draw_series(points.iter().map(|&q| Circle::new(q, 2, color.filled())))
                .map_err(|e| draw_failed(path, e))?
                .label(format!("class {class}"))
                .legend(move |(x, y)| Circle::new((x, y), 3, color.filled()));
        }
        let examples: Vec<(f64, f64)> = (0..data.x.nrows())
            .map(|i| (data.x[(i, 0)], data.x[(i, 1)]))
            .collect();
        chart
            .configure_series_labels()
            .position(emptiest_corner(&examples, (lo0, hi0), (lo1, hi1)))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| draw_failed(path, e))?;
        root.present().map_err(|e| draw_failed(path, e))?;
    }
    Ok(svg)
}

/// Cells per side of the grid the charts evaluate the model on.
const GRID: usize = 60;

/// The centres of a `GRID × GRID` grid over the data's two features (5 %
/// beyond their range on each side), and the two ranges.
fn plane_grid(data: &Dataset) -> (DMatrix<f64>, (f64, f64), (f64, f64)) {
    let (x0, x1) = (data.x.column(0), data.x.column(1));
    let pad = |lo: f64, hi: f64| {
        let m = (hi - lo).max(1e-9) * 0.05;
        (lo - m, hi + m)
    };
    let (lo0, hi0) = pad(x0.min(), x0.max());
    let (lo1, hi1) = pad(x1.min(), x1.max());
    let grid = DMatrix::from_fn(GRID * GRID, 2, |k, c| {
        let (i, j) = (k / GRID, k % GRID);
        if c == 0 {
            lo0 + (i as f64 + 0.5) / GRID as f64 * (hi0 - lo0)
        } else {
            lo1 + (j as f64 + 0.5) / GRID as f64 * (hi1 - lo1)
        }
    });
    (grid, (lo0, hi0), (lo1, hi1))
}

fn loss_svg(path: &FsPath, history: &History) -> CliResult<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 440)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_failed(path, e))?;
        let epochs = history.loss.len();
        let max = history
            .loss
            .iter()
            .chain(&history.val_loss)
            .copied()
            .fold(0.0_f64, f64::max)
            * 1.05;
        let caption = if history.val_loss.is_empty() {
            "Loss per epoch"
        } else {
            "Learning curve: loss and val_loss per epoch"
        };
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(1f64..(epochs.max(2) as f64), 0f64..max.max(1e-12))
            .map_err(|e| draw_failed(path, e))?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            // Whole epochs only: plotters steps its labels by 1, 2 or 5 times a
            // power of ten, so with at most one label per epoch the step is whole.
            .x_labels(epochs.clamp(2, 10))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc("epoch")
            .y_desc("loss")
            .draw()
            .map_err(|e| draw_failed(path, e))?;
        for (name, values, color) in [
            ("loss (training rows)", &history.loss, SERIES[0]),
            ("val_loss (validation rows)", &history.val_loss, SERIES[1]),
        ] {
            if values.is_empty() {
                continue;
            }
            let points: Vec<(f64, f64)> = values
                .iter()
                .enumerate()
                .map(|(i, &l)| ((i + 1) as f64, l))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(|e| draw_failed(path, e))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                });
            if epochs <= 50 {
                chart
                    .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                    .map_err(|e| draw_failed(path, e))?;
            }
        }
        if !history.val_loss.is_empty() {
            let drawn: Vec<(f64, f64)> = [&history.loss, &history.val_loss]
                .iter()
                .flat_map(|values| {
                    along(
                        &values
                            .iter()
                            .enumerate()
                            .map(|(i, &l)| ((i + 1) as f64, l))
                            .collect::<Vec<_>>(),
                    )
                })
                .collect();
            chart
                .configure_series_labels()
                .position(emptiest_corner(
                    &drawn,
                    (1.0, epochs.max(2) as f64),
                    (0.0, max.max(1e-12)),
                ))
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(|e| draw_failed(path, e))?;
        }
        root.present().map_err(|e| draw_failed(path, e))?;
    }
    Ok(svg)
}

fn boundary_svg(path: &FsPath, model: &Model, data: &Dataset) -> CliResult<String> {
    // The model's probability on a grid of cells.
    const N: usize = GRID;
    let (grid, (lo0, hi0), (lo1, hi1)) = plane_grid(data);
    let input = model.network_input(&grid)?;
    let out = Path::Matrix
        .forward(&model.network, &input)?
        .output()
        .clone();
    let p = model.probabilities(&out);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_failed(path, e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Decision boundary (shaded where the model says 1)",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(lo0..hi0, lo1..hi1)
            .map_err(|e| draw_failed(path, e))?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc(data.feature_names[0].as_str())
            .y_desc(data.feature_names[1].as_str())
            .draw()
            .map_err(|e| draw_failed(path, e))?;
        let (w0, w1) = ((hi0 - lo0) / N as f64, (hi1 - lo1) / N as f64);
        chart
            .draw_series((0..N * N).filter(|&k| p[(k, 0)] > 0.5).map(|k| {
                let (cx, cy) = (grid[(k, 0)], grid[(k, 1)]);
                Rectangle::new(
                    [
                        (cx - w0 / 2.0, cy - w1 / 2.0),
                        (cx + w0 / 2.0, cy + w1 / 2.0),
                    ],
                    RGBColor(255, 224, 178).filled(),
                )
            }))
            .map_err(|e| draw_failed(path, e))?;
        for (label, color) in [(1.0, RGBColor(200, 30, 30)), (0.0, RGBColor(30, 80, 200))] {
            let points: Vec<(f64, f64)> = (0..data.x.nrows())
                .filter(|&i| (data.y[(i, 0)] > 0.5) == (label > 0.5))
                .map(|i| (data.x[(i, 0)], data.x[(i, 1)]))
                .collect();
            chart
                .draw_series(points.iter().map(|&q| Circle::new(q, 3, color.filled())))
                .map_err(|e| draw_failed(path, e))?
                .label(if label > 0.5 { "label 1" } else { "label 0" })
                .legend(move |(x, y)| Circle::new((x, y), 3, color.filled()));
        }
        let examples: Vec<(f64, f64)> = (0..data.x.nrows())
            .map(|i| (data.x[(i, 0)], data.x[(i, 1)]))
            .collect();
        chart
            .configure_series_labels()
            .position(emptiest_corner(&examples, (lo0, hi0), (lo1, hi1)))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| draw_failed(path, e))?;
        root.present().map_err(|e| draw_failed(path, e))?;
    }
    Ok(svg)
}
