use plotters::coord::Shift;
use plotters::prelude::*;
use results::units::tick;

use super::render::Chart;
use super::style::DrawResult;
use super::style::*;

/// One flow's timeline during a fault: (seconds into the window, share of requests that
/// succeeded in %, slowest answer from its due time in ms).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSeries {
    pub flow: String,
    pub points: Vec<(f64, f64, f64)>,
}

/// Success share (top) and slowest answer (bottom, log) per 100 ms, the outage shaded.
pub struct FaultChart {
    pub name: String,
    pub title: String,
    pub caption: String,
    /// Seconds into the window.
    pub outage: (f64, f64),
    pub series: Vec<FaultSeries>,
}

impl Chart for FaultChart {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(root, &self.title, &self.caption)?;
        let height = area.dim_in_pixel().1;
        let (upper, lower) = area.split_vertically(height / 2);
        let end = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .fold(1.0, f64::max)
            + 0.1;
        let shade = RGBColor(214, 39, 40).mix(0.12);
        let mut top = ChartBuilder::on(&upper)
            .margin(12)
            .margin_right(32)
            .x_label_area_size(30)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..end, 0.0..105.0)?;
        grid(&mut top.configure_mesh())
            .x_label_formatter(&|v| format!("{} s", tick(*v)))
            .y_label_formatter(&|v| format!("{} %", tick(*v)))
            .y_desc("requests that succeeded")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()?;
        top.draw_series(std::iter::once(Rectangle::new(
            [(self.outage.0, 0.0), (self.outage.1, 105.0)],
            shade.filled(),
        )))?;
        for s in &self.series {
            let color = flow_color(&s.flow);
            top.draw_series(LineSeries::new(
                s.points.iter().map(|p| (p.0, p.1)),
                color.stroke_width(2),
            ))?
            .label(s.flow.clone())
            .legend(line_mark(color));
        }
        legend(&mut top)?;
        let slowest = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.2))
            .fold(1.0, f64::max);
        let range = decades(0.1, slowest);
        let (y0, y1) = (range.start, range.end);
        let mut bottom = ChartBuilder::on(&lower)
            .margin(12)
            .margin_right(32)
            .x_label_area_size(44)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..end, range.log_scale())?;
        grid(&mut bottom.configure_mesh())
            .y_labels(40)
            .x_label_formatter(&|v| format!("{} s", tick(*v)))
            .y_label_formatter(&ms_label)
            .x_desc("time into the measured window (shaded: the dependency is away)")
            .y_desc("slowest answer")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()?;
        bottom.draw_series(std::iter::once(Rectangle::new(
            [(self.outage.0, y0), (self.outage.1, y1)],
            shade.filled(),
        )))?;
        for s in &self.series {
            let color = flow_color(&s.flow);
            bottom.draw_series(LineSeries::new(
                s.points.iter().filter(|p| p.2 > 0.0).map(|p| (p.0, p.2.max(y0))),
                color.stroke_width(2),
            ))?;
        }
        Ok(())
    }
}
