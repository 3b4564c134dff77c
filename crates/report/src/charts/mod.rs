//! The charts, drawn with plotters from the figures of saved results files, each as SVG
//! and PNG (1200 px wide), one chart type per file over the shared look in [`style`]. Text
//! uses the DejaVu Sans font embedded in the binary, so a machine without system fonts
//! renders the same labels.

pub mod cpu;
pub mod faults;
pub mod link_delay;
pub mod percentiles;
pub mod revocation;
pub mod scale;
pub mod session_memory;
pub mod style;
pub mod throughput;
pub mod token_costs;
pub mod token_size;

use std::path::{Path, PathBuf};
use std::sync::Once;

use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::prelude::*;

pub use cpu::{CpuChart, TIERS};
pub use faults::{FaultChart, FaultSeries};
pub use link_delay::{DelaySeries, LinkDelayChart};
pub use percentiles::{PercentileChart, percentile_x};
pub use revocation::{LAG_FLOOR_MS, RevocationChart, RevocationPoint};
pub use scale::{ScaleChart, ScaleSeries};
pub use session_memory::SessionMemoryChart;
pub use style::flow_color;
pub use throughput::ThroughputChart;
pub use token_costs::{COST_BARS, TokenCostChart};
pub use token_size::TokenSizeChart;

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 675;

static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is part of the binary; if it ever failed to parse, every chart would
        // fail to draw its text with "font unavailable", which the chart tests catch.
        if plotters::style::register_font(style::FONT, FontStyle::Normal, FONT_BYTES).is_err() {
            tracing::error!("the embedded chart font could not be read");
        }
    });
}

/// One chart: a file name and how to draw it on any backend.
pub trait Chart {
    /// File stem: `throughput` gives `throughput.svg` and `throughput.png`.
    fn name(&self) -> String;
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart a report section carries, whatever its type: what the report needs to draw it.
pub trait Drawable {
    /// Draws the chart into `dir` as SVG and PNG.
    fn render(&self, dir: &Path) -> anyhow::Result<Rendered>;
}

impl<T: Chart> Drawable for T {
    fn render(&self, dir: &Path) -> anyhow::Result<Rendered> {
        render(self, dir)
    }
}

/// The files one chart was written to.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub svg: PathBuf,
    pub png: PathBuf,
}

/// Draws `chart` into `dir` as SVG and PNG.
pub fn render(chart: &impl Chart, dir: &Path) -> anyhow::Result<Rendered> {
    register_font();
    std::fs::create_dir_all(dir)?;
    let name = chart.name();
    let svg = dir.join(format!("{name}.svg"));
    let png = dir.join(format!("{name}.png"));
    {
        let root = SVGBackend::new(&svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow!("{name}.svg: {e}"))?;
        chart.draw(&root).map_err(|e| anyhow!("{name}.svg: {e}"))?;
        root.present().map_err(|e| anyhow!("{name}.svg: {e}"))?;
    }
    {
        let root = BitMapBackend::new(&png, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow!("{name}.png: {e}"))?;
        chart.draw(&root).map_err(|e| anyhow!("{name}.png: {e}"))?;
        root.present().map_err(|e| anyhow!("{name}.png: {e}"))?;
    }
    Ok(Rendered { svg, png })
}

#[cfg(test)]
mod tests {
    use super::percentiles::percentile_label;
    use super::*;

    #[test]
    fn percentile_axis_labels_read_as_nines() {
        assert_eq!(percentile_label(&percentile_x(0.0)), "0%");
        assert_eq!(percentile_label(&10.0), "90%");
        assert_eq!(percentile_label(&100.0), "99%");
        assert_eq!(percentile_label(&1000.0), "99.9%");
        assert_eq!(percentile_label(&100_000.0), "99.999%");
        assert_eq!(percentile_label(&20.0), "");
    }
}
