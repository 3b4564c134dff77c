use plotters::coord::Shift;
use plotters::prelude::*;
use results::units::tick;

use super::render::Chart;
use super::style::DrawResult;
use super::style::*;

/// The `Authorization` header's size against the number of roles, per algorithm, with the
/// 8 KB line.
pub struct TokenSizeChart {
    pub caption: String,
    /// (algorithm, [(roles, header bytes)])
    pub series: Vec<(String, Vec<(usize, usize)>)>,
}

impl Chart for TokenSizeChart {
    fn name(&self) -> String {
        "state-token-size".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(
            root,
            "Authorization header size against roles in the token",
            &self.caption,
        )?;
        let max_roles = self
            .series
            .iter()
            .flat_map(|s| s.1.iter().map(|p| p.0))
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let max_bytes = self
            .series
            .iter()
            .flat_map(|s| s.1.iter().map(|p| p.1))
            .max()
            .unwrap_or(1)
            .max(9 * 1024) as f64
            * 1.08;
        let mut chart = plot(&area, 52, 96)
            .margin_right(40)
            .build_cartesian_2d(0.0..max_roles * 1.02, 0.0..max_bytes)?;
        text(grid(&mut chart.configure_mesh()))
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| format!("{} B", tick(*v)))
            .x_desc("roles in the access token")
            .y_desc("Authorization: Bearer … header")
            .draw()?;
        let limit = 8.0 * 1024.0;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, limit), (max_roles * 1.02, limit)],
                10,
                6,
                RGBColor(214, 39, 40).stroke_width(2),
            ))?
            .label("8 KB: a common header limit, and the API server's credential limit")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], RGBColor(214, 39, 40).stroke_width(2))
            });
        for (alg, points) in &self.series {
            let color = flow_color(&format!("jwt-{}", alg.to_lowercase()));
            let line: Vec<(f64, f64)> = points.iter().map(|(r, b)| (*r as f64, *b as f64)).collect();
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))?
                .label(alg.clone())
                .legend(line_mark(color));
            chart.draw_series(line.iter().map(|p| Circle::new(*p, 4, color.filled())))?;
        }
        legend_at(&mut chart, SeriesLabelPosition::LowerRight)
    }
}
