use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use results::units::{number, tick};

use super::render::Chart;
use super::style::DrawResult;
use super::style::*;

/// One algorithm's verify costs.
#[derive(Debug, Clone, PartialEq)]
pub struct CostGroup {
    pub algorithm: String,
    pub bars: Vec<CostBar>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CostBar {
    pub op: String,
    pub median_ns: f64,
    pub low_ns: f64,
    pub high_ns: f64,
}

impl CostGroup {
    pub fn get(&self, op: &str) -> Option<&CostBar> {
        self.bars.iter().find(|b| b.op == op)
    }
}

/// Per algorithm: the project's own operation beside jsonwebtoken's and the raw primitive,
/// on a log scale.
pub struct TokenCostChart {
    pub name: String,
    pub title: String,
    pub caption: String,
    pub groups: Vec<CostGroup>,
    /// Which bars, in order: [`VERIFY_BARS`] or [`SIGN_BARS`].
    pub bars: &'static [(&'static str, &'static str, RGBColor)],
}

/// The bars of each algorithm group when verifying, in order, with their legend names and
/// colours.
pub const VERIFY_BARS: [(&str, &str, RGBColor); 4] = [
    (
        "verify",
        "the API server's check (own compact JWS)",
        RGBColor(31, 119, 180),
    ),
    (
        "library_verify",
        "jsonwebtoken decode, same checks",
        RGBColor(255, 127, 14),
    ),
    (
        "raw_verify",
        "raw primitive, key parsed once",
        RGBColor(158, 202, 225),
    ),
    (
        "raw_verify_parse_key",
        "raw primitive, key parsed per call",
        RGBColor(107, 174, 214),
    ),
];

/// The bars of each algorithm group when signing.
pub const SIGN_BARS: [(&str, &str, RGBColor); 3] = [
    (
        "issue",
        "the auth server's access token (own compact JWS)",
        RGBColor(31, 119, 180),
    ),
    (
        "library_issue",
        "jsonwebtoken encode, same token",
        RGBColor(255, 127, 14),
    ),
    (
        "raw_sign",
        "raw primitive, key parsed once",
        RGBColor(158, 202, 225),
    ),
];

impl Chart for TokenCostChart {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(root, &self.title, &self.caption)?;
        let names: Vec<String> = self.groups.iter().map(|g| g.algorithm.clone()).collect();
        let values = || {
            self.groups
                .iter()
                .flat_map(|g| g.bars.iter())
                .filter(|b| self.bars.iter().any(|(op, _, _)| *op == b.op))
        };
        let lo = values()
            .map(|b| b.low_ns)
            .fold(f64::INFINITY, f64::min)
            .min(1000.0);
        let hi = values().map(|b| b.high_ns).fold(1.0, f64::max);
        let range = decades(lo / 1000.0, hi / 1000.0 * 3.0);
        let floor = range.start;
        let mut chart = plot(&area, 48, 90).build_cartesian_2d(slots(names.len()), range.log_scale())?;
        let label = segment_label(&names);
        text(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_labels(names.len())
            .x_label_formatter(&label)
            .y_labels(40)
            .bold_line_style(BLACK.mix(0.15))
            .light_line_style(WHITE)
            .y_label_formatter(&|us| {
                if one_two_five(*us) {
                    format!("{} µs", tick(*us))
                } else {
                    String::new()
                }
            })
            .y_desc("time per call (log scale)")
            .draw()?;
        let plot_width = chart.plotting_area().dim_in_pixel().0;
        let segment = plot_width / names.len().max(1) as u32;
        let pad = segment / 10;
        let bar_width = (segment - 2 * pad) / self.bars.len() as u32;
        for (k, (op, legend, color)) in self.bars.iter().enumerate() {
            let mut rects = Vec::new();
            let mut whiskers = Vec::new();
            let mut labels = Vec::new();
            for (i, group) in self.groups.iter().enumerate() {
                let Some(bar) = group.bars.iter().find(|b| b.op == *op) else {
                    continue;
                };
                let left = pad + k as u32 * bar_width;
                let right = segment.saturating_sub(left + bar_width);
                let middle = left + bar_width / 2;
                let (top_us, low_us, high_us) =
                    (bar.median_ns / 1000.0, bar.low_ns / 1000.0, bar.high_ns / 1000.0);
                let mut rect = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), floor),
                        (SegmentValue::Exact(i + 1), top_us),
                    ],
                    color.filled(),
                );
                rect.set_margin(0, 0, left + 3, right + 3);
                rects.push(rect);
                let mut whisker = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), low_us),
                        (SegmentValue::Exact(i + 1), high_us),
                    ],
                    BLACK.filled(),
                );
                whisker.set_margin(0, 0, middle - 1, segment.saturating_sub(middle + 1));
                whiskers.push(whisker);
                labels.push((i, middle, high_us.max(top_us), top_us));
            }
            let color = *color;
            chart.draw_series(rects)?.label(*legend).legend(box_mark(color));
            chart.draw_series(whiskers)?;
            for (i, middle, above, top_us) in labels {
                let (x, y) = chart.backend_coord(&(SegmentValue::Exact(i), above));
                let x = x + middle as i32;
                root.draw(&Text::new(
                    number(top_us),
                    (x, y - 4),
                    (FONT, 15)
                        .into_font()
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Center, VPos::Bottom)),
                ))?;
            }
        }
        legend(&mut chart)
    }
}
