//! The trend chart of one dataset: AUC over the runs, one line per detector, in the report's
//! chart style (embedded font, Tableau palette, [`crate::chart::CHART_SIZE`]).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::Trend;
use crate::chart::{CHART_SIZE, FONT_FAMILY, PALETTE, ensure_font};

/// Lower end of the AUC axis: a little below the lowest point, within [0, 0.95].
fn axis_floor(trend: &Trend) -> f64 {
    let lowest = trend
        .series
        .iter()
        .flat_map(|s| s.points.iter().flatten())
        .fold(1.0f64, |low, &auc| low.min(auc));
    ((lowest - 0.02) * 50.0).floor().clamp(0.0, 47.5) / 50.0
}

/// Runs of consecutive defined points, as (run index, AUC) lines.
fn segments(points: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (index, point) in points.iter().enumerate() {
        match point {
            Some(auc) => out
                .last_mut()
                .into_iter()
                .for_each(|s| s.push((index as f64, *auc))),
            None => out.push(Vec::new()),
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    trend: &Trend,
    runs: usize,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let caption = format!("AUC over runs: {} ({})", trend.dataset, trend.perturbation);
    let x_max = runs.max(2) as f64 - 0.5;
    let mut ctx = ChartBuilder::on(area)
        .caption(caption, (FONT_FAMILY, 24))
        .margin(18)
        .x_label_area_size(52)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..x_max, axis_floor(trend)..1f64)?;
    ctx.configure_mesh()
        .x_desc("Run (oldest first)")
        .y_desc("AUC (frame level, all samples)")
        .x_labels(runs.clamp(2, 12))
        .x_label_formatter(&|v| format!("#{}", v.round() as i64 + 1))
        .y_label_formatter(&|v| format!("{v:.2}"))
        .label_style((FONT_FAMILY, 15))
        .axis_desc_style((FONT_FAMILY, 18))
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(RGBColor(245, 245, 245))
        .draw()?;
    for (i, series) in trend.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let style = color.stroke_width(2);
        for segment in segments(&series.points) {
            ctx.draw_series(LineSeries::new(segment.clone(), style))?;
            ctx.draw_series(
                segment
                    .into_iter()
                    .map(|p| Circle::new(p, 4, color.filled())),
            )?;
        }
        // An empty series carries the legend entry.
        ctx.draw_series(LineSeries::new(Vec::<(f64, f64)>::new(), style))?
            .label(series.label())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
    }
    if !trend.series.is_empty() {
        ctx.configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .margin(12)
            .label_font((FONT_FAMILY, 16))
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(160, 160, 160))
            .draw()?;
    }
    area.present()
}

/// The chart as a standalone SVG document, for inlining and for `auc-<dataset>.svg`.
pub fn trend_svg(trend: &Trend, runs: usize) -> Result<String, String> {
    ensure_font().map_err(|e| e.to_string())?;
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, CHART_SIZE).into_drawing_area();
        draw(&area, trend, runs).map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// The chart as RGB8 pixels of [`CHART_SIZE`].
pub fn trend_rgb(trend: &Trend, runs: usize) -> Result<Vec<u8>, String> {
    ensure_font().map_err(|e| e.to_string())?;
    let (w, h) = CHART_SIZE;
    let mut buf = vec![255u8; (w as usize) * (h as usize) * 3];
    {
        let area = BitMapBackend::with_buffer(&mut buf, CHART_SIZE).into_drawing_area();
        draw(&area, trend, runs).map_err(|e| e.to_string())?;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_break_at_missing_points() {
        let points = [Some(0.9), Some(0.91), None, Some(0.8)];
        assert_eq!(
            segments(&points),
            vec![vec![(0.0, 0.9), (1.0, 0.91)], vec![(3.0, 0.8)]]
        );
        assert!(segments(&[None, None]).is_empty());
    }
}
