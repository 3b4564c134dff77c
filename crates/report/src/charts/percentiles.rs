use plotters::coord::Shift;
use plotters::prelude::*;
use results::units::number;

use super::render::Chart;
use super::style::DrawResult;
use super::style::*;
use crate::figures::Curve;

/// HdrHistogram-style percentile curves: latency (log) against 1/(1-percentile) (log), so
/// 90 %, 99 %, 99.9 % ... are evenly spaced.
pub struct PercentileChart {
    pub name: String,
    pub title: String,
    pub caption: String,
    pub curves: Vec<Curve>,
}

/// The x position of a percentile: 1/(1-p).
pub fn percentile_x(p: f64) -> f64 {
    1.0 / (1.0 - p / 100.0).max(1e-6)
}

pub(crate) fn percentile_label(x: &f64) -> String {
    let nines = x.log10();
    if (nines - nines.round()).abs() > 0.01 {
        return String::new();
    }
    let decimals = (nines.round() as i32 - 2).max(0) as usize;
    format!("{:.*}%", decimals, 100.0 * (1.0 - 1.0 / x))
}

impl Chart for PercentileChart {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(root, &self.title, &self.caption)?;
        let points = || {
            self.curves
                .iter()
                .flat_map(|c| c.points.iter())
                .filter(|(p, us)| *p < 100.0 && *us > 0)
        };
        let max_x = points().map(|(p, _)| percentile_x(*p)).fold(10.0, f64::max);
        let x_decades = max_x.log10().ceil().max(1.0);
        let x_end = 10f64.powf(x_decades);
        let lo = points().map(|(_, us)| *us).min().unwrap_or(1) as f64 / 1000.0;
        let hi = points().map(|(_, us)| *us).max().unwrap_or(1) as f64 / 1000.0;
        let mut chart = plot(&area, 52, 90)
            .margin_right(48)
            .build_cartesian_2d((1.0..x_end).log_scale(), decades(lo, hi).log_scale())?;
        text(&mut chart.configure_mesh())
            .x_labels(x_decades as usize + 1)
            .y_labels(40)
            .bold_line_style(BLACK.mix(0.15))
            .light_line_style(WHITE)
            .x_label_formatter(&percentile_label)
            .y_label_formatter(&ms_label)
            .x_desc("percentile (latency from each request's intended send time)")
            .y_desc("latency")
            .draw()?;
        for curve in &self.curves {
            let color = flow_color(&curve.flow);
            let line: Vec<(f64, f64)> = curve
                .points
                .iter()
                .filter(|(p, us)| *p < 100.0 && *us > 0)
                .map(|(p, us)| (percentile_x(*p), *us as f64 / 1000.0))
                .collect();
            let style = if curve.kept {
                color.stroke_width(3)
            } else {
                color.stroke_width(1)
            };
            let label = if curve.kept {
                format!("{} ({} req/s)", curve.flow, number(curve.rate))
            } else {
                format!("{} ({} req/s, rate not kept)", curve.flow, number(curve.rate))
            };
            chart
                .draw_series(LineSeries::new(line, style))?
                .label(label)
                .legend(line_mark(color));
        }
        legend(&mut chart)
    }
}
