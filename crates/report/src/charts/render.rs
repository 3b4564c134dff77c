//! Drawing a chart to files: the [`Chart`] trait every chart type implements, and
//! [`Drawable`], what a report section holds.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, DrawResult};

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 675;

/// One chart: a file name and how to draw it on any backend.
pub trait Chart {
    /// File stem: `throughput` gives `throughput.svg` and `throughput.png`.
    fn name(&self) -> String;
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

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
    style::register_font();
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
