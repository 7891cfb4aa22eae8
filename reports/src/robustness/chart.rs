//! Robustness curves drawn with plotters, in the style of the ROC charts ([`crate::chart`]):
//! AUC (y) against the family's levels (x), one line per detector, clean → harsh left to right.
//!
//! The x axis is ordinal: position 0 is the clean point (`none`, filled marker, the family's
//! reference), then one evenly spaced position per level in [`super::harsh_order`]; ticks read
//! the level values (`100`, `75`, `30` for JPEG quality), so the spacing is not to scale.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::chart::{CHART_SIZE, Chart, FONT_FAMILY, PALETTE, legend, mesh_style};
use crate::robustness::RobustnessCurve;

/// Lowest y shown: a little below the lowest AUC and below 0.5 (chance), on a 0.05 grid.
fn y_floor(curve: &RobustnessCurve) -> f64 {
    let lowest = curve
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(0.5f64, f64::min);
    ((lowest - 0.02) / 0.05).floor().max(0.0) * 0.05
}

impl Chart for RobustnessCurve {
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        area.fill(&WHITE)?;
        let last = self.ticks.len().saturating_sub(1) as f64;
        let caption = format!("Robustness: {} under {}", self.dataset, self.family);
        let mut ctx = ChartBuilder::on(area)
            .caption(caption, (FONT_FAMILY, 24))
            .margin(18)
            .x_label_area_size(52)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.3f64..last + 0.3, y_floor(self)..1.0f64)?;
        let ticks = &self.ticks;
        let tick = |v: &f64| {
            let i = v.round();
            if i >= 0.0 && (v - i).abs() < 1e-9 {
                ticks.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let mut mesh = ctx.configure_mesh();
        mesh_style(&mut mesh);
        mesh.x_desc(format!("{} (clean → harsh)", self.axis))
            .y_desc("AUC (frame level)")
            .y_labels(11)
            // At most one label per position: plotters then puts them on the integers.
            .x_labels(self.ticks.len())
            .x_label_formatter(&tick)
            .y_label_formatter(&|v| format!("{v:.2}"))
            .draw()?;
        let size = CHART_SIZE.0 / 160;
        for (i, s) in self.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let style = color.stroke_width(2);
            let points: Vec<(f64, f64)> = s.points.iter().map(|&(x, y)| (x as f64, y)).collect();
            ctx.draw_series(LineSeries::new(points.clone(), style))?
                .label(s.detector.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
            ctx.draw_series(points.iter().map(|&(x, y)| {
                let filled = x == 0.0; // the clean reference point
                Circle::new(
                    (x, y),
                    size,
                    ShapeStyle {
                        color: color.to_rgba(),
                        filled,
                        stroke_width: 2,
                    },
                )
            }))?;
        }
        if !self.series.is_empty() {
            legend(&mut ctx, SeriesLabelPosition::LowerLeft)?;
        }
        area.present()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::robustness::CurveSeries;

    #[test]
    fn svg_has_ticks_in_order_and_every_detector() {
        let curve = RobustnessCurve {
            dataset: "demo".into(),
            family: "jpeg".into(),
            axis: "jpeg q".into(),
            ticks: vec!["none".into(), "90".into(), "50".into()],
            series: vec![CurveSeries {
                detector: "alpha".into(),
                points: vec![(0, 0.9), (1, 0.8), (2, 0.6)],
            }],
        };
        assert!(
            (y_floor(&curve) - 0.45).abs() < 1e-12,
            "chance level stays visible"
        );
        let svg = crate::chart::to_svg(&curve).expect("svg");
        let at = |label: &str| svg.find(&format!(">\n{label}\n</text>"));
        let (none, q90, q50) = (at("none"), at("90"), at("50"));
        assert!(none.is_some() && q90.is_some() && q50.is_some(), "{svg}");
        assert!(at("alpha").is_some() && svg.contains("clean → harsh"));
    }
}
