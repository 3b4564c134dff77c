use plotters::coord::Shift;
use plotters::prelude::*;
use results::units::{number, tick};

use super::render::Chart;
use super::style::DrawResult;
use super::style::*;

/// One architecture's CPUs against the target rate.
#[derive(Debug, Clone, PartialEq)]
pub struct BillSeries {
    pub flow: String,
    /// (requests per second, CPUs)
    pub points: Vec<(f64, f64)>,
}

/// The CPUs each architecture needs against the target rate, both on log scales.
pub struct BillChart {
    pub caption: String,
    pub series: Vec<BillSeries>,
}

impl Chart for BillChart {
    fn name(&self) -> String {
        "bill".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(
            root,
            "CPUs each architecture needs for a target rate",
            &self.caption,
        )?;
        let all = || self.series.iter().flat_map(|s| s.points.iter());
        let min_x = all().map(|p| p.0).fold(f64::INFINITY, f64::min).max(1.0);
        let max_x = all().map(|p| p.0).fold(1.0, f64::max);
        let min_y = all().map(|p| p.1).fold(f64::INFINITY, f64::min).max(0.01);
        let max_y = all().map(|p| p.1).fold(0.1, f64::max);
        let mut chart = plot(&area, 52, 90).margin_right(40).build_cartesian_2d(
            decades(min_x, max_x).log_scale(),
            decades(min_y, max_y).log_scale(),
        )?;
        text(grid(&mut chart.configure_mesh()))
            .x_labels(10)
            .y_labels(40)
            .x_label_formatter(&|v| log_tick(*v, number))
            .y_label_formatter(&|v| log_tick(*v, tick))
            .x_desc("target rate (API requests per second)")
            .y_desc("CPUs (API + auth + Redis)")
            .draw()?;
        for s in &self.series {
            let color = flow_color(&s.flow);
            chart
                .draw_series(LineSeries::new(s.points.clone(), color.stroke_width(3)))?
                .label(s.flow.clone())
                .legend(line_mark(color));
            chart.draw_series(s.points.iter().map(|p| Circle::new(*p, 6, color.filled())))?;
        }
        legend(&mut chart)
    }
}
