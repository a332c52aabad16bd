//! What every SVG chart of the crate shares: the font, registered once, the
//! colours, and where a legend goes.
//!
//! Charts are drawn in pure Rust with plotters into SVG text. With no system
//! fonts (a fresh machine has none, and plotters' `ttf` feature would need
//! fontconfig), plotters can draw no text unless a font is registered, so
//! the crate bundles DejaVu Sans (the `dejavu` crate) and registers it here.
//! Built only with the `charts` feature (on by default).

use plotters::chart::SeriesLabelPosition;
use plotters::style::{FontStyle, RGBColor};

/// The series colours of every chart: the Okabe–Ito colour-blind-safe set
/// (Okabe and Ito, *Color Universal Design*, 2008), blue first.
pub const SERIES: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(230, 159, 0),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

/// [`SERIES`] lightened for shading areas (mixed 80 % with white).
pub fn shade(c: RGBColor) -> RGBColor {
    let mix = |v: u8| (f64::from(v) * 0.2 + 255.0 * 0.8).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Registers the bundled DejaVu Sans as plotters' "sans-serif", once per
/// process: without it any text fails with `FontUnavailable`. Every chart
/// (the program's, the quick sweep's, the benchmarks') calls it first.
pub fn register_font() {
    static FONT: std::sync::Once = std::sync::Once::new();
    FONT.call_once(|| {
        // The bytes are a valid TrueType font shipped by the `dejavu` crate,
        // so this cannot fail; if it did, drawing would report the missing font.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

/// Where a legend goes: the corner of the plot area (spanning `x` and `y`)
/// that the fewest of `points` fall in, so that it covers as little of the
/// drawing as it can. A corner is the 40 % of the width and 30 % of the
/// height nearest it; ties go to the upper right, upper left, lower right,
/// then lower left. For a line, give [`along`] its points.
pub fn emptiest_corner(points: &[(f64, f64)], x: (f64, f64), y: (f64, f64)) -> SeriesLabelPosition {
    let (w, h) = (x.1 - x.0, y.1 - y.0);
    let corners = [
        (SeriesLabelPosition::UpperRight, true, true),
        (SeriesLabelPosition::UpperLeft, false, true),
        (SeriesLabelPosition::LowerRight, true, false),
        (SeriesLabelPosition::LowerLeft, false, false),
    ];
    let inside = |&(px, py): &(f64, f64), right: bool, upper: bool| {
        let in_x = if right {
            px >= x.1 - 0.4 * w
        } else {
            px <= x.0 + 0.4 * w
        };
        let in_y = if upper {
            py >= y.1 - 0.3 * h
        } else {
            py <= y.0 + 0.3 * h
        };
        in_x && in_y
    };
    let mut best = (usize::MAX, SeriesLabelPosition::UpperRight);
    for (position, right, upper) in corners {
        let n = points.iter().filter(|p| inside(p, right, upper)).count();
        if n < best.0 {
            best = (n, position);
        }
    }
    best.1
}

/// The points of a line drawn through `points`, 16 to each segment: a
/// segment crossing a corner counts there even with no point of its own in it.
pub fn along(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = points
        .windows(2)
        .flat_map(|s| {
            let ((x0, y0), (x1, y1)) = (s[0], s[1]);
            (0..16).map(move |i| {
                let t = f64::from(i) / 16.0;
                (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
            })
        })
        .collect();
    out.extend(points.last());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_falling_line_leaves_the_upper_right_corner_empty() {
        let line = along(&[(1.0, 10.0), (10.0, 1.0)]);
        let corner = emptiest_corner(&line, (1.0, 10.0), (0.0, 10.0));
        assert!(matches!(corner, SeriesLabelPosition::UpperRight));
    }

    #[test]
    fn a_rising_line_leaves_the_upper_left_corner_empty() {
        let line = along(&[(1.0, 1.0), (10.0, 10.0)]);
        let corner = emptiest_corner(&line, (1.0, 10.0), (0.0, 10.0));
        assert!(matches!(corner, SeriesLabelPosition::UpperLeft));
    }
}
