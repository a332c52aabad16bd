//! What every SVG chart of the crate shares: the font, registered once.
//!
//! Charts are drawn in pure Rust with plotters into SVG text. With no system
//! fonts (a fresh machine has none, and plotters' `ttf` feature would need
//! fontconfig), plotters can draw no text unless a font is registered, so
//! the crate bundles DejaVu Sans (the `dejavu` crate) and registers it here.
//! Built only with the `charts` feature (on by default).

use plotters::style::FontStyle;

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
