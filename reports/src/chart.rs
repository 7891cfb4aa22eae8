//! ROC charts drawn with plotters, as SVG text and as PNG bytes, and the [`Chart`] plumbing
//! every chart of the report shares (size, palette, font, SVG / RGB backends).
//!
//! No system fonts exist at run time, so the embedded DejaVu Sans (`assets/DejaVuSans.ttf`,
//! licence beside it) is registered once as `sans-serif` and used for all text.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::error::ReportError;
use crate::report::RocChart;

/// Font family name used for every text element.
pub const FONT_FAMILY: &str = "sans-serif";
/// Chart size in pixels (SVG user units and PNG pixels).
pub const CHART_SIZE: (u32, u32) = (800, 600);

static FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static FONT_READY: OnceLock<bool> = OnceLock::new();

/// Tableau 10: distinct, colour-blind-friendly line colours.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Registers the embedded font once per process.
pub(crate) fn ensure_font() -> Result<(), ReportError> {
    let ok = *FONT_READY
        .get_or_init(|| register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok { Ok(()) } else { Err(ReportError::Font) }
}

/// Drops points closer than 1/1000 (in both axes) to the last kept one; invisible at chart
/// size, and keeps SVGs of 100k-sample curves small. First and last points are always kept.
fn thin(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    const STEP: f64 = 1e-3;
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(points.len().min(4096));
    for (i, &p) in points.iter().enumerate() {
        let far = out
            .last()
            .is_none_or(|q| (p.0 - q.0).abs() >= STEP || (p.1 - q.1).abs() >= STEP);
        if far || i + 1 == points.len() {
            out.push(p);
        }
    }
    out
}

/// A chart drawable on any plotters backend, at [`CHART_SIZE`].
pub trait Chart {
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>;
}

/// A chart as a standalone SVG document (`<svg …>…</svg>`, no XML prolog), for inlining.
pub fn to_svg(chart: &impl Chart) -> Result<String, String> {
    ensure_font().map_err(|e| e.to_string())?;
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, CHART_SIZE).into_drawing_area();
        chart.draw(&area).map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// A chart rendered to an RGB8 pixel buffer of [`CHART_SIZE`].
pub fn to_rgb(chart: &impl Chart) -> Result<Vec<u8>, String> {
    ensure_font().map_err(|e| e.to_string())?;
    let (w, h) = CHART_SIZE;
    let mut buf = vec![255u8; (w as usize) * (h as usize) * 3];
    {
        let area = BitMapBackend::with_buffer(&mut buf, CHART_SIZE).into_drawing_area();
        chart.draw(&area).map_err(|e| e.to_string())?;
    }
    Ok(buf)
}

/// Mesh style shared by every chart: light grid, embedded font.
pub fn mesh_style<X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &mut plotters::chart::MeshStyle<'_, '_, X, Y, DB>,
) {
    mesh.label_style((FONT_FAMILY, 15))
        .axis_desc_style((FONT_FAMILY, 18))
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(RGBColor(245, 245, 245));
}

impl Chart for RocChart {
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        draw(area, self)
    }
}

fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &RocChart,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let caption = format!(
        "ROC: {} (perturbation: {})",
        chart.dataset, chart.perturbation
    );
    let mut ctx = ChartBuilder::on(area)
        .caption(caption, (FONT_FAMILY, 24))
        .margin(18)
        .x_label_area_size(52)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
    let mut mesh = ctx.configure_mesh();
    mesh_style(&mut mesh);
    mesh.x_desc("False positive rate")
        .y_desc("True positive rate")
        .x_labels(11)
        .y_labels(11)
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .draw()?;
    let grey = ShapeStyle {
        color: RGBColor(150, 150, 150).to_rgba(),
        filled: false,
        stroke_width: 1,
    };
    ctx.draw_series(DashedLineSeries::new([(0.0, 0.0), (1.0, 1.0)], 8, 6, grey))?;
    let mut labelled = 0;
    for (i, s) in chart.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let label = format!("{} (AUC {})", s.detector, s.auc);
        let style = color.stroke_width(2);
        let points = thin(&s.points);
        ctx.draw_series(LineSeries::new(points, style))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
        labelled += 1;
    }
    if labelled > 0 {
        legend(&mut ctx, SeriesLabelPosition::LowerRight)?;
    }
    area.present()
}

/// The legend box shared by every chart.
pub fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    ctx: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    ctx.configure_series_labels()
        .position(position)
        .margin(12)
        .label_font((FONT_FAMILY, 16))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(160, 160, 160))
        .draw()
}

/// The ROC chart as a standalone SVG document (`<svg …>…</svg>`, no XML prolog), for inlining.
pub fn roc_svg(chart: &RocChart) -> Result<String, String> {
    to_svg(chart)
}

/// The ROC chart rendered to an RGB8 pixel buffer of [`CHART_SIZE`].
pub fn roc_rgb(chart: &RocChart) -> Result<Vec<u8>, String> {
    to_rgb(chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thin_keeps_ends_and_drops_near_points() {
        let pts: Vec<(f64, f64)> = (0..=10_000).map(|i| (i as f64 / 10_000.0, 0.5)).collect();
        let t = thin(&pts);
        assert_eq!(t.first(), Some(&(0.0, 0.5)));
        assert_eq!(t.last(), Some(&(1.0, 0.5)));
        assert!(t.len() <= 1002, "{}", t.len());
    }
}
