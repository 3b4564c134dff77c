//! The load-latency curve: p99 (and p50) against the offered rate, one line per flow, each
//! flow's knee marked.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::render::Chart;
use super::style::DrawResult;
use super::style::*;

/// One open-loop point of a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadPoint {
    /// Offered requests per second.
    pub rate: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    /// Whether the generator kept the schedule.
    pub kept: bool,
}

/// One flow's curve, its points by offered rate.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadCurve {
    pub flow: String,
    pub points: Vec<LoadPoint>,
    /// The offered rate of its knee, when it has one.
    pub knee: Option<f64>,
}

pub struct LoadLatencyChart {
    pub caption: String,
    pub curves: Vec<LoadCurve>,
}

impl Chart for LoadLatencyChart {
    fn name(&self) -> String {
        "load-latency".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(
            root,
            "p99 (solid) and p50 (dashed) against offered load, per flow",
            &self.caption,
        )?;
        let points = || self.curves.iter().flat_map(|c| c.points.iter());
        let (rate_lo, rate_hi) = points().fold((f64::INFINITY, 0f64), |(lo, hi), p| {
            (lo.min(p.rate), hi.max(p.rate))
        });
        let (ms_lo, ms_hi) = points().fold((f64::INFINITY, 0f64), |(lo, hi), p| {
            (
                lo.min(p.p50_us.max(1) as f64 / 1000.0),
                hi.max(p.p99_us as f64 / 1000.0),
            )
        });
        if !rate_lo.is_finite() || !ms_lo.is_finite() {
            return Ok(());
        }
        let mut chart = plot(&area, 52, 90).margin_right(32).build_cartesian_2d(
            decades(rate_lo, rate_hi).log_scale(),
            decades(ms_lo, ms_hi).log_scale(),
        )?;
        text(&mut chart.configure_mesh())
            .x_labels(30)
            .y_labels(40)
            .bold_line_style(BLACK.mix(0.15))
            .light_line_style(WHITE)
            .x_label_formatter(&|v| {
                if one_two_five(*v) {
                    results::units::number(*v)
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&ms_label)
            .x_desc("offered load (requests per second, open loop)")
            .y_desc("latency from the intended send time")
            .draw()?;
        for curve in &self.curves {
            let color = flow_color(&curve.flow);
            let p99: Vec<(f64, f64)> = curve
                .points
                .iter()
                .map(|p| (p.rate, p.p99_us.max(1) as f64 / 1000.0))
                .collect();
            let p50: Vec<(f64, f64)> = curve
                .points
                .iter()
                .map(|p| (p.rate, p.p50_us.max(1) as f64 / 1000.0))
                .collect();
            chart
                .draw_series(LineSeries::new(p99.clone(), color.stroke_width(3)))?
                .label(curve.flow.clone())
                .legend(line_mark(color));
            chart.draw_series(DashedLineSeries::new(p50, 8, 6, color.stroke_width(2)))?;
            chart.draw_series(curve.points.iter().zip(&p99).map(|(p, xy)| {
                let style = if p.kept { color.filled() } else { WHITE.filled() };
                Circle::new(*xy, 5, style)
            }))?;
            chart.draw_series(
                curve
                    .points
                    .iter()
                    .zip(&p99)
                    .filter(|(p, _)| !p.kept)
                    .map(|(_, xy)| Circle::new(*xy, 5, color.stroke_width(2))),
            )?;
            if let Some(knee) = curve.knee
                && let Some((_, xy)) = curve.points.iter().zip(&p99).find(|(p, _)| p.rate == knee)
            {
                chart.draw_series(std::iter::once(TriangleMarker::new(*xy, 11, color.filled())))?;
            }
        }
        legend(&mut chart)
    }
}
