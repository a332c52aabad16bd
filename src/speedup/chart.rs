//! The speedup chart: for each pass, the matrix path's speedup over the
//! loop path against the work per pass, one line per series of sizes.

use super::{Row, Stage, crossovers, families};
use crate::error::Result;
use plotters::prelude::*;

/// The chart as SVG text: for each pass, speedup against FLOPs per pass (both
/// axes logarithmic), one line per series, the line "speedup = 1" below
/// which the loop is faster, and each crossover marked with a cross.
///
/// # Errors
/// A drawing error, as text.
pub fn chart_svg(rows: &[Row], title: &str) -> std::result::Result<String, String> {
    crate::io::chart::register_font();
    let flops: Vec<f64> = rows.iter().map(|r| r.size.flops(r.pass) as f64).collect();
    let speedups: Vec<f64> = rows.iter().map(Row::speedup).collect();
    let lo = |v: &[f64], floor: f64| v.iter().copied().fold(floor, f64::min);
    let hi = |v: &[f64], ceil: f64| v.iter().copied().fold(ceil, f64::max);
    let (x0, x1) = (lo(&flops, f64::INFINITY) / 2.0, hi(&flops, 1.0) * 2.0);
    let (y0, y1) = (lo(&speedups, 0.3) / 1.3, hi(&speedups, 2.0) * 1.3);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1500, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let root = root
            .titled(title, ("sans-serif", 22))
            .map_err(|e| e.to_string())?;
        let panels = root.split_evenly((1, 3));
        for (p, (panel, pass)) in panels.iter().zip(Stage::ALL).enumerate() {
            let caption = match pass {
                Stage::Forward => "forward",
                Stage::Backward => "backward (given the forward cache)",
                Stage::TrainStep => "training step (forward, backward, update)",
            };
            let mut chart = ChartBuilder::on(panel)
                .caption(caption, ("sans-serif", 17))
                .margin(12)
                .x_label_area_size(45)
                .y_label_area_size(55)
                .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .light_line_style(BLACK.mix(0.03))
                .bold_line_style(BLACK.mix(0.12))
                .x_desc("FLOPs per pass (products only)")
                .y_desc("speedup: loop time ÷ matrix time")
                .x_label_formatter(&|v| format!("{v:.0e}"))
                .y_label_formatter(&|v| format!("{v}×"))
                .label_style(("sans-serif", 12))
                .draw()
                .map_err(|e| e.to_string())?;
            // Below 1 the loop is faster: shade that band.
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x0, y0), (x1, 1.0)],
                    RGBColor(230, 120, 40).mix(0.08).filled(),
                )))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(LineSeries::new(
                    [(x0, 1.0), (x1, 1.0)],
                    BLACK.stroke_width(1),
                ))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(std::iter::once(Text::new(
                    "loop faster below this line",
                    (x0 * 1.3, 0.93),
                    ("sans-serif", 12),
                )))
                .map_err(|e| e.to_string())?;
            // What the legend must not cover, in the log axes' own units: the
            // lines and the note at the lower left.
            let log = |(x, y): (f64, f64)| (x.log10(), y.log10());
            let mut drawn = vec![log((x0 * 1.3, 0.93)), log((x0 * 4.0, 0.93))];
            for (k, (family, series)) in families(rows, pass).into_iter().enumerate() {
                let color = crate::io::chart::SERIES[k % crate::io::chart::SERIES.len()];
                let batches: Vec<String> =
                    series.iter().map(|r| r.size.batch.to_string()).collect();
                let family = if family.starts_with("w-w-w") {
                    let widths: Vec<String> = series
                        .iter()
                        .map(|r| r.size.widths[0].to_string())
                        .collect();
                    format!("{family}, w = {}", widths.join(", "))
                } else {
                    format!("{family}, m = {}", batches.join(", "))
                };
                let points: Vec<(f64, f64)> = series
                    .iter()
                    .map(|r| (r.size.flops(pass) as f64, r.speedup()))
                    .collect();
                let logged: Vec<(f64, f64)> = points.iter().copied().map(log).collect();
                drawn.extend(crate::io::chart::along(&logged));
                chart
                    .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                    .map_err(|e| e.to_string())?
                    .label(family)
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2))
                    });
                chart
                    .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                    .map_err(|e| e.to_string())?;
            }
            let found = crossovers(rows, pass);
            if found.is_empty() {
                chart
                    .draw_series(std::iter::once(Text::new(
                        "no crossover: the loop won at no size",
                        (x0 * 1.3, 0.8),
                        ("sans-serif", 12),
                    )))
                    .map_err(|e| e.to_string())?;
            }
            for c in found {
                chart
                    .draw_series([EmptyElement::at((c.flops, 1.0))
                        + Cross::new((0, 0), 7, BLACK.stroke_width(2))
                        + Text::new("crossover", (-25, 10), ("sans-serif", 12))])
                    .map_err(|e| e.to_string())?;
            }
            if p == 0 {
                chart
                    .configure_series_labels()
                    .position(crate::io::chart::emptiest_corner(
                        &drawn,
                        (x0.log10(), x1.log10()),
                        (y0.log10(), y1.log10()),
                    ))
                    .label_font(("sans-serif", 12))
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK.mix(0.4))
                    .draw()
                    .map_err(|e| e.to_string())?;
            }
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Writes the chart of [`chart_svg`] to `path` as SVG. The file is written
/// beside `path` under a temporary name and renamed into place, so a failure
/// never leaves a half-written chart.
///
/// # Errors
/// [`crate::Error::Io`] naming `path` if the chart cannot be drawn or the file written.
pub fn write_chart(rows: &[Row], title: &str, path: &std::path::Path) -> Result<()> {
    let fail = |detail: String| crate::error::Error::Io {
        path: path.display().to_string(),
        detail,
    };
    let svg = chart_svg(rows, title).map_err(|e| fail(format!("cannot draw the chart: {e}")))?;
    crate::io::files::write_atomically(path, svg.as_bytes())
}
