use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use results::units::{number, tick};

use super::render::Chart;
use super::style::DrawResult;
use super::style::*;

/// Redis memory against live sessions, both on log scales.
pub struct SessionMemoryChart {
    pub caption: String,
    /// (sessions, bytes)
    pub points: Vec<(usize, u64)>,
}

impl Chart for SessionMemoryChart {
    fn name(&self) -> String {
        "state-sessions".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(root, "Redis memory against live sessions", &self.caption)?;
        let max_n = self.points.iter().map(|p| p.0).max().unwrap_or(10).max(10) as f64;
        let min_n = self.points.iter().map(|p| p.0).min().unwrap_or(1).max(1) as f64;
        let mb = |b: u64| b as f64 / 1e6;
        let max_mb = self.points.iter().map(|p| mb(p.1)).fold(0.01, f64::max);
        let min_mb = self
            .points
            .iter()
            .map(|p| mb(p.1))
            .fold(f64::INFINITY, f64::min)
            .max(0.001);
        let mut chart = plot(&area, 52, 90).margin_right(40).build_cartesian_2d(
            decades(min_n, max_n).log_scale(),
            decades(min_mb, max_mb).log_scale(),
        )?;
        text(grid(&mut chart.configure_mesh()))
            .x_labels(10)
            .y_labels(40)
            .x_label_formatter(&|v| log_tick(*v, number))
            .y_label_formatter(&|v| log_tick(*v, |v| format!("{} MB", tick(v))))
            .x_desc("live sessions")
            .y_desc("Redis used_memory above its starting level")
            .draw()?;
        let color = flow_color("session");
        let line: Vec<(f64, f64)> = self
            .points
            .iter()
            .map(|(n, b)| (*n as f64, mb(*b).max(0.001)))
            .collect();
        chart
            .draw_series(LineSeries::new(line.clone(), color.stroke_width(3)))?
            .label("session store (Redis)")
            .legend(line_mark(color));
        chart.draw_series(line.iter().map(|p| Circle::new(*p, 6, color.filled())))?;
        for (i, (n, bytes)) in self.points.iter().enumerate() {
            // The first label reads to the right of its point, clear of the axis.
            let side = if i == 0 { HPos::Left } else { HPos::Right };
            chart.draw_series(std::iter::once(Text::new(
                format!("  {} B/session  ", number(*bytes as f64 / *n as f64)),
                (*n as f64, mb(*bytes).max(0.001)),
                (FONT, 15)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(side, VPos::Bottom)),
            )))?;
        }
        legend(&mut chart)
    }
}
