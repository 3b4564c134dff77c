use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use results::units::tick;

use super::render::Chart;
use super::style::DrawResult;
use super::style::*;

/// One flow's revocation lag beside the requests per second it sustains.
#[derive(Debug, Clone)]
pub struct RevocationPoint {
    pub flow: String,
    pub label: String,
    /// Closed-loop maximum of the flow, requests per second.
    pub rps: f64,
    /// Lags scaled to the real system, ms: median, shortest, longest over every trial.
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
}
/// Lags below this draw at it ("the next request"): a log axis has no zero.
pub const LAG_FLOOR_MS: f64 = 0.1;

/// Revocation lag (log) against throughput: the price of each way of revoking.
pub struct RevocationChart {
    pub caption: String,
    pub points: Vec<RevocationPoint>,
}

impl Chart for RevocationChart {
    fn name(&self) -> String {
        "revocation".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(
            root,
            "Revocation lag against requests per second (logout and role removal)",
            &self.caption,
        )?;
        let floor = |ms: f64| ms.max(LAG_FLOOR_MS);
        let max_rps = self.points.iter().map(|p| p.rps).fold(1.0, f64::max) * 1.25;
        let max_ms = self.points.iter().map(|p| floor(p.max_ms)).fold(1.0, f64::max);
        let mut chart = plot(&area, 52, 90).margin_right(40).build_cartesian_2d(
            0.0..max_rps,
            (LAG_FLOOR_MS / 2.0..decades(LAG_FLOOR_MS, max_ms).end).log_scale(),
        )?;
        text(grid(&mut chart.configure_mesh()))
            .y_labels(40)
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| {
                if *v < LAG_FLOOR_MS * 0.99 {
                    String::new()
                } else if *v <= LAG_FLOOR_MS * 1.01 {
                    "next request".into()
                } else if *v >= 60_000.0 && one_two_five(*v / 60_000.0) {
                    format!("{} min", tick(*v / 60_000.0))
                } else {
                    ms_label(v)
                }
            })
            .x_desc("closed-loop maximum of one API server, requests per second")
            .y_desc("time until the API denies the credential")
            .draw()?;
        // Points at the floor sit side by side; their labels stack upwards, each on a
        // leader from its point, so none covers another.
        let mut on_floor = 0;
        let mut by_rps: Vec<&RevocationPoint> = self.points.iter().collect();
        by_rps.sort_by(|a, b| a.rps.total_cmp(&b.rps));
        for p in by_rps {
            let color = flow_color(&p.flow);
            let at = (p.rps, floor(p.median_ms));
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(p.rps, floor(p.min_ms)), (p.rps, floor(p.max_ms))],
                color.stroke_width(2),
            )))?;
            chart.draw_series(std::iter::once(Circle::new(at, 7, color.filled())))?;
            let label_at = if p.max_ms < LAG_FLOOR_MS {
                on_floor += 1;
                let y = LAG_FLOOR_MS * 2.5f64.powi(on_floor);
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![at, (p.rps, y)],
                    color.mix(0.6).stroke_width(1),
                )))?;
                (p.rps, y)
            } else {
                at
            };
            chart.draw_series(std::iter::once(Text::new(
                format!("  {}", p.label),
                label_at,
                (FONT, 15)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            )))?;
        }
        Ok(())
    }
}
