use plotters::coord::Shift;
use plotters::prelude::*;
use results::units::tick;

use super::render::Chart;
use super::style::DrawResult;
use super::style::*;

/// One flow's scale series: the measured maxima and both models at the measured sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleSeries {
    pub flow: String,
    /// (size, measured req/s)
    pub measured: Vec<(usize, f64)>,
    /// (size, capacity model req/s)
    pub capacity: Vec<(usize, f64)>,
    pub usl: Option<results::scale::Usl>,
}

/// Throughput against the size (API replicas, or Redis Cluster shards) for one scenario: measured points joined by a line,
/// the capacity model dashed, the USL fit thin.
pub struct ScaleChart {
    pub name: String,
    pub title: String,
    pub caption: String,
    /// What the series grow by, under the x axis.
    pub x_desc: String,
    pub series: Vec<ScaleSeries>,
}

impl Chart for ScaleChart {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(root, &self.title, &self.caption)?;
        let max_n = self
            .series
            .iter()
            .flat_map(|s| s.measured.iter().map(|(n, _)| *n))
            .max()
            .unwrap_or(1);
        let top = self
            .series
            .iter()
            .flat_map(|s| s.measured.iter().chain(&s.capacity).map(|(_, x)| *x))
            .fold(1.0, f64::max)
            * 1.12;
        let mut chart = plot(&area, 52, 96)
            .margin_right(32)
            .build_cartesian_2d(0.0..(max_n as f64 + 0.5), 0.0..top)?;
        text(grid(&mut chart.configure_mesh()))
            .x_labels(max_n + 1)
            .x_label_formatter(&|v| tick(v.round()))
            .y_label_formatter(&|v| tick(*v))
            .x_desc(&self.x_desc)
            .y_desc("maximum answers per second")
            .draw()?;
        for s in &self.series {
            let color = flow_color(&s.flow);
            let line: Vec<(f64, f64)> = s.measured.iter().map(|(n, x)| (*n as f64, *x)).collect();
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(3)))?
                .label(format!("{} (measured)", s.flow))
                .legend(line_mark(color));
            chart.draw_series(line.iter().map(|p| Circle::new(*p, 6, color.filled())))?;
            let model: Vec<(f64, f64)> = s.capacity.iter().map(|(n, x)| (*n as f64, *x)).collect();
            chart.draw_series(DashedLineSeries::new(model, 10, 6, color.stroke_width(2)))?;
            if let Some(usl) = s.usl {
                let steps = (max_n * 10).max(10);
                let curve: Vec<(f64, f64)> = (10..=steps)
                    .map(|i| {
                        let n = i as f64 / 10.0;
                        (n, usl.at(n))
                    })
                    .collect();
                chart.draw_series(LineSeries::new(curve, color.mix(0.6).stroke_width(1)))?;
            }
        }
        legend(&mut chart)
    }
}
