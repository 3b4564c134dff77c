use plotters::coord::Shift;
use plotters::prelude::*;
use results::units::tick;

use super::render::Chart;
use super::style::DrawResult;
use super::style::*;

/// One flow's p50 against the one-way link delay.
#[derive(Debug, Clone, PartialEq)]
pub struct DelaySeries {
    pub flow: String,
    /// (one-way delay µs, p50 µs, p99 µs)
    pub points: Vec<(u64, u64, u64)>,
}

pub struct LinkDelayChart {
    pub caption: String,
    pub series: Vec<DelaySeries>,
}

impl Chart for LinkDelayChart {
    fn name(&self) -> String {
        "link-delay".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(
            root,
            "Median latency against the delay on each server-to-server link",
            &self.caption,
        )?;
        let max_delay = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .max()
            .unwrap_or(1000)
            .max(1) as f64
            / 1000.0;
        let top = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .max()
            .unwrap_or(1000) as f64
            / 1000.0
            * 1.15;
        let mut chart = plot(&area, 52, 90)
            .margin_right(32)
            .build_cartesian_2d(0.0..max_delay * 1.05, 0.0..top.max(0.1))?;
        text(grid(&mut chart.configure_mesh()))
            .x_label_formatter(&|v| format!("{} ms", tick(*v)))
            .y_label_formatter(&|v| format!("{} ms", tick(*v)))
            .x_desc("one-way delay per link")
            .y_desc("p50 latency")
            .draw()?;
        for s in &self.series {
            let color = flow_color(&s.flow);
            let line: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|(d, p50, _)| (*d as f64 / 1000.0, *p50 as f64 / 1000.0))
                .collect();
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(3)))?
                .label(s.flow.clone())
                .legend(line_mark(color));
            chart.draw_series(line.iter().map(|p| Circle::new(*p, 6, color.filled())))?;
        }
        legend(&mut chart)
    }
}
