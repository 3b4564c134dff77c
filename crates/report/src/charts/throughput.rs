use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use results::units::{number, tick};

use super::render::Chart;
use super::style::DrawResult;
use super::style::*;
use crate::figures::Bar;

/// Bars per flow with whiskers for the spread between rounds, and each bar's ratio to the
/// baseline above it.
pub struct ThroughputChart {
    pub bars: Vec<Bar>,
    pub baseline: Option<f64>,
    pub caption: String,
}

impl Chart for ThroughputChart {
    fn name(&self) -> String {
        "throughput".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(root, "Maximum throughput per flow (closed loop)", &self.caption)?;
        let names: Vec<String> = self.bars.iter().map(|b| b.flow.clone()).collect();
        let top = self.bars.iter().map(|b| b.high).fold(1.0, f64::max) * 1.18;
        let mut chart = plot(&area, 48, 96).build_cartesian_2d(slots(names.len()), 0.0..top)?;
        let label = segment_label(&names);
        text(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_labels(names.len())
            .x_label_formatter(&label)
            .y_label_formatter(&|v| tick(*v))
            .y_desc("answers per second")
            .draw()?;
        for (i, bar) in self.bars.iter().enumerate() {
            let color = flow_color(&bar.flow);
            let mut rect = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), bar.value),
                ],
                color.filled(),
            );
            rect.set_margin(0, 0, 18, 18);
            chart.plotting_area().draw(&rect)?;
            if bar.high > bar.low {
                let whisker = [
                    (SegmentValue::CenterOf(i), bar.low),
                    (SegmentValue::CenterOf(i), bar.high),
                ];
                chart
                    .plotting_area()
                    .draw(&PathElement::new(whisker.to_vec(), BLACK.stroke_width(2)))?;
            }
            let mut text = number(bar.value);
            if let Some(base) = self.baseline
                && bar.flow != "baseline"
                && base > 0.0
            {
                text = format!("{text}  ({:.2}×)", bar.value / base);
            }
            chart.plotting_area().draw(&Text::new(
                text,
                (SegmentValue::CenterOf(i), bar.high.max(bar.value) + top * 0.015),
                (FONT, 16)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Bottom)),
            ))?;
        }
        Ok(())
    }
}
