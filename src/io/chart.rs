//! What every SVG chart of the crate shares: the font, registered once.
//!
//! Charts are drawn in pure Rust with plotters into SVG text. With no system
//! fonts (a fresh machine has none, and plotters' `ttf` feature would need
//! fontconfig), plotters can draw no text unless a font is registered, so
//! the crate bundles DejaVu Sans (the `dejavu` crate) and registers it here.
//! Built only with the `charts` feature (on by default).

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
