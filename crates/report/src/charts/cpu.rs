use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use results::units::{number, tick};

use super::render::Chart;
use super::style::DrawResult;
use super::style::*;
use crate::figures::Stack;

/// CPU microseconds per request, stacked by tier, one bar per flow.
pub struct CpuChart {
    /// The file name (`cpu-per-request`, `login-cost`, ...).
    pub name: String,
    pub title: String,
    /// What one bar's unit of work is, for the axis (`request`, `login`, `refresh`).
    pub per: String,
    pub stacks: Vec<Stack>,
    pub caption: String,
    /// The stacks' parts, bottom to top: their keys in [`Stack::tiers`] and their legends
    /// ([`TIERS`] for the processes, `figures::NOTE_STEPS` for the note's steps).
    pub parts: &'static [(&'static str, &'static str)],
}

pub const TIERS: [(&str, &str); 5] = [
    ("api", "API server"),
    ("auth", "auth server"),
    ("redis", "Redis"),
    ("postgres", "PostgreSQL"),
    ("generator", "load generator"),
];

impl Chart for CpuChart {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(root, &self.title, &self.caption)?;
        let names: Vec<String> = self.stacks.iter().map(|s| s.flow.clone()).collect();
        // Headroom above the tallest bar for the totals, and for the legend's rows.
        let headroom = 1.15 + 0.15 * self.parts.len().saturating_sub(4) as f64;
        let top = self.stacks.iter().map(Stack::total).fold(1.0, f64::max) * headroom;
        let mut chart = plot(&area, 48, 80).build_cartesian_2d(slots(names.len()), 0.0..top)?;
        let label = segment_label(&names);
        // The flows' names fit their slots: a smaller font when there are many (a character
        // about 0.45 of the font's size wide, over a 1050-pixel plot).
        let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(1).max(1) as f64;
        let fit = 1050.0 / names.len().max(1) as f64 / (0.45 * longest);
        let label_size = fit.clamp(10.0, 17.0).floor();
        text(&mut chart.configure_mesh())
            .x_label_style((FONT, label_size))
            .disable_x_mesh()
            .x_labels(names.len())
            .x_label_formatter(&label)
            .y_label_formatter(&|v| tick(*v))
            .y_desc(format!("CPU µs per {}", self.per))
            .draw()?;
        for &(tier, tier_name) in self.parts {
            let color = tier_color(tier);
            let mut rects = Vec::new();
            for (i, stack) in self.stacks.iter().enumerate() {
                let below: f64 = stack
                    .tiers
                    .iter()
                    .take_while(|(t, _)| t != tier)
                    .map(|(_, us)| us)
                    .sum();
                if let Some((_, us)) = stack.tiers.iter().find(|(t, _)| t == tier) {
                    let mut rect = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), below),
                            (SegmentValue::Exact(i + 1), below + us),
                        ],
                        color.filled(),
                    );
                    rect.set_margin(0, 0, 18, 18);
                    rects.push(rect);
                }
            }
            chart.draw_series(rects)?.label(tier_name).legend(box_mark(color));
        }
        for (i, stack) in self.stacks.iter().enumerate() {
            chart.plotting_area().draw(&Text::new(
                format!("{} µs", number(stack.total())),
                (SegmentValue::CenterOf(i), stack.total() + top * 0.012),
                (FONT, 16)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Bottom)),
            ))?;
        }
        legend(&mut chart)
    }
}
