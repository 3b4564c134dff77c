//! The charts, drawn with plotters from the figures of saved results files, each as SVG
//! and PNG (1200 px wide). Text uses the DejaVu Sans font embedded in the binary, so a
//! machine without system fonts renders the same labels.

use std::path::{Path, PathBuf};
use std::sync::Once;

use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figures::{Bar, CostGroup, Curve, Stack};

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 675;
const FONT: &str = "sans-serif";

static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is part of the binary; if it ever failed to parse, every chart would
        // fail to draw its text with "font unavailable", which the chart tests catch.
        if plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_err() {
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

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

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

/// The same colour for a flow in every chart: grey for the baseline, warm colours for the
/// session flows, cool ones for the JWT algorithms.
pub fn flow_color(flow: &str) -> RGBColor {
    match flow {
        "baseline" => RGBColor(127, 127, 127),
        "session" => RGBColor(214, 39, 40),
        "session-redis" => RGBColor(255, 127, 14),
        "session-cached" => RGBColor(140, 86, 75),
        "jwt-hs256" => RGBColor(31, 119, 180),
        "jwt-eddsa" => RGBColor(44, 160, 44),
        "jwt-es256" => RGBColor(148, 103, 189),
        "jwt-rs256" => RGBColor(23, 190, 207),
        "jwt-denylist" => RGBColor(188, 189, 34),
        other => {
            let hash = other
                .bytes()
                .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
            RGBColor(
                (hash % 200) as u8,
                (hash / 200 % 200) as u8,
                (hash / 40_000 % 200) as u8,
            )
        }
    }
}

fn tier_color(tier: &str) -> RGBColor {
    match tier {
        "api" => RGBColor(31, 119, 180),
        "auth" => RGBColor(255, 127, 14),
        "redis" => RGBColor(214, 39, 40),
        "generator" => RGBColor(190, 190, 190),
        _ => RGBColor(100, 100, 100),
    }
}

fn title_style() -> TextStyle<'static> {
    (FONT, 28).into_font().color(&BLACK)
}

fn caption_style() -> TextStyle<'static> {
    (FONT, 17).into_font().color(&RGBColor(90, 90, 90))
}

/// Title and a grey method line under it; returns the area left for the plot.
fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    caption: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let (top, rest) = root.split_vertically(78);
    top.draw(&Text::new(title.to_string(), (24, 14), title_style()))?;
    top.draw(&Text::new(caption.to_string(), (24, 50), caption_style()))?;
    Ok(rest)
}

/// One x slot per name (plotters' discrete ranges include their end).
fn slots(n: usize) -> plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordusize> {
    (0..n.max(1) - 1).into_segmented()
}

/// The legend, in the upper left on a light background, the same in every chart.
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> DrawResult<DB> {
    legend_at(chart, SeriesLabelPosition::UpperLeft)
}

fn legend_at<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> DrawResult<DB> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, 16))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .draw()
}

fn segment_label(names: &[String]) -> impl Fn(&SegmentValue<usize>) -> String + '_ {
    move |v| match v {
        SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

/// Readable numbers: `74 264`, `5.2`, `0.41`.
pub fn number(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 1000.0 {
        let digits = format!("{:.0}", v);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 && c != '-' {
                out.push(' ');
            }
            out.push(c);
        }
        out
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// Axis ticks: `0.5`, `20`, `80 000`, without the trailing zeros of [`number`].
fn tick(v: f64) -> String {
    if v.abs() >= 1000.0 {
        return number(v);
    }
    let text = format!("{v:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

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
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(96)
            .build_cartesian_2d(slots(names.len()), 0.0..top)?;
        let label = segment_label(&names);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(names.len())
            .x_label_formatter(&label)
            .y_label_formatter(&|v| tick(*v))
            .y_desc("answers per second")
            .label_style((FONT, 17))
            .axis_desc_style((FONT, 19))
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

/// CPU microseconds per request, stacked by tier, one bar per flow.
pub struct CpuChart {
    /// The file name (`cpu-per-request`, `login-cost`, ...).
    pub name: String,
    pub title: String,
    /// What one bar's unit of work is, for the axis (`request`, `login`, `refresh`).
    pub per: String,
    pub stacks: Vec<Stack>,
    pub caption: String,
}

pub const TIERS: [(&str, &str); 4] = [
    ("api", "API server"),
    ("auth", "auth server"),
    ("redis", "Redis"),
    ("generator", "load generator"),
];

impl Chart for CpuChart {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(root, &self.title, &self.caption)?;
        let names: Vec<String> = self.stacks.iter().map(|s| s.flow.clone()).collect();
        let top = self.stacks.iter().map(Stack::total).fold(1.0, f64::max) * 1.15;
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(80)
            .build_cartesian_2d(slots(names.len()), 0.0..top)?;
        let label = segment_label(&names);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(names.len())
            .x_label_formatter(&label)
            .y_label_formatter(&|v| tick(*v))
            .y_desc(format!("CPU µs per {}", self.per))
            .label_style((FONT, 17))
            .axis_desc_style((FONT, 19))
            .draw()?;
        for (tier, tier_name) in TIERS {
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
            chart
                .draw_series(rects)?
                .label(tier_name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 7), (x + 16, y + 7)], color.filled()));
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

/// HdrHistogram-style percentile curves: latency (log) against 1/(1-percentile) (log), so
/// 90 %, 99 %, 99.9 % ... are evenly spaced.
pub struct PercentileChart {
    pub name: String,
    pub title: String,
    pub caption: String,
    pub curves: Vec<Curve>,
}

/// The x position of a percentile: 1/(1-p).
pub fn percentile_x(p: f64) -> f64 {
    1.0 / (1.0 - p / 100.0).max(1e-6)
}

fn percentile_label(x: &f64) -> String {
    let nines = x.log10();
    if (nines - nines.round()).abs() > 0.01 {
        return String::new();
    }
    let decimals = (nines.round() as i32 - 2).max(0) as usize;
    format!("{:.*}%", decimals, 100.0 * (1.0 - 1.0 / x))
}

/// Whole decades around `lo..hi`, so a log axis has a labelled tick at each end.
fn decades(lo: f64, hi: f64) -> std::ops::Range<f64> {
    let lo = 10f64.powf(lo.max(1e-9).log10().floor());
    let hi = 10f64.powf(hi.max(lo * 10.0).log10().ceil());
    // A hair wider, so rounding in plotters' tick search keeps both end decades.
    lo * 0.999..hi * 1.001
}

/// Only 1, 2 and 5 times a power of ten get a label on a log axis.
fn one_two_five(v: f64) -> bool {
    let mantissa = v / 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().any(|m| (mantissa - m).abs() < 0.01)
}

fn ms_label(ms: &f64) -> String {
    if !one_two_five(*ms) {
        return String::new();
    }
    if *ms >= 1000.0 {
        format!("{:.0} s", ms / 1000.0)
    } else if *ms >= 1.0 {
        format!("{ms:.0} ms")
    } else if *ms >= 0.1 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

impl Chart for PercentileChart {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(root, &self.title, &self.caption)?;
        let points = || {
            self.curves
                .iter()
                .flat_map(|c| c.points.iter())
                .filter(|(p, us)| *p < 100.0 && *us > 0)
        };
        let max_x = points().map(|(p, _)| percentile_x(*p)).fold(10.0, f64::max);
        let x_decades = max_x.log10().ceil().max(1.0);
        let x_end = 10f64.powf(x_decades);
        let lo = points().map(|(_, us)| *us).min().unwrap_or(1) as f64 / 1000.0;
        let hi = points().map(|(_, us)| *us).max().unwrap_or(1) as f64 / 1000.0;
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .margin_right(48)
            .x_label_area_size(52)
            .y_label_area_size(90)
            .build_cartesian_2d((1.0..x_end).log_scale(), decades(lo, hi).log_scale())?;
        chart
            .configure_mesh()
            .x_labels(x_decades as usize + 1)
            .y_labels(40)
            .bold_line_style(BLACK.mix(0.15))
            .light_line_style(WHITE)
            .x_label_formatter(&percentile_label)
            .y_label_formatter(&ms_label)
            .x_desc("percentile (latency from each request's intended send time)")
            .y_desc("latency")
            .label_style((FONT, 17))
            .axis_desc_style((FONT, 19))
            .draw()?;
        for curve in &self.curves {
            let color = flow_color(&curve.flow);
            let line: Vec<(f64, f64)> = curve
                .points
                .iter()
                .filter(|(p, us)| *p < 100.0 && *us > 0)
                .map(|(p, us)| (percentile_x(*p), *us as f64 / 1000.0))
                .collect();
            let style = if curve.kept {
                color.stroke_width(3)
            } else {
                color.stroke_width(1)
            };
            let label = if curve.kept {
                format!("{} ({} req/s)", curve.flow, number(curve.rate))
            } else {
                format!("{} ({} req/s, rate not kept)", curve.flow, number(curve.rate))
            };
            chart
                .draw_series(LineSeries::new(line, style))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3)));
        }
        legend(&mut chart)
    }
}

/// Per algorithm: jsonwebtoken's verify beside the raw primitive (and the primitive with
/// the key parsed each call), on a log scale.
pub struct TokenCostChart {
    pub name: String,
    pub title: String,
    pub caption: String,
    pub groups: Vec<CostGroup>,
}

/// The bars of each algorithm group, in order, with their legend names and colours.
pub const COST_BARS: [(&str, &str, RGBColor); 3] = [
    (
        "verify",
        "jsonwebtoken verify (API server's checks)",
        RGBColor(31, 119, 180),
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
                .filter(|b| COST_BARS.iter().any(|(op, _, _)| *op == b.op))
        };
        let lo = values()
            .map(|b| b.low_ns)
            .fold(f64::INFINITY, f64::min)
            .min(1000.0);
        let hi = values().map(|b| b.high_ns).fold(1.0, f64::max);
        let range = decades(lo / 1000.0, hi / 1000.0 * 3.0);
        let floor = range.start;
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(90)
            .build_cartesian_2d(slots(names.len()), range.log_scale())?;
        let label = segment_label(&names);
        chart
            .configure_mesh()
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
            .label_style((FONT, 17))
            .axis_desc_style((FONT, 19))
            .draw()?;
        let plot_width = chart.plotting_area().dim_in_pixel().0;
        let segment = plot_width / names.len().max(1) as u32;
        let pad = segment / 10;
        let bar_width = (segment - 2 * pad) / COST_BARS.len() as u32;
        for (k, (op, legend, color)) in COST_BARS.iter().enumerate() {
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
            chart
                .draw_series(rects)?
                .label(*legend)
                .legend(move |(x, y)| Rectangle::new([(x, y - 7), (x + 16, y + 7)], color.filled()));
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

#[cfg(test)]
mod tests {
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

    #[test]
    fn numbers_read_at_a_glance() {
        assert_eq!(number(74264.4), "74 264");
        assert_eq!(number(1234567.0), "1 234 567");
        assert_eq!(number(512.3), "512");
        assert_eq!(number(18.44), "18.4");
        assert_eq!(number(3.071), "3.07");
        assert_eq!(number(0.4012), "0.401");
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(20.0), "20");
        assert_eq!(tick(80_000.0), "80 000");
    }
}

/// One flow's scale series: the measured maxima and both models at the measured sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleSeries {
    pub flow: String,
    /// (replicas, measured req/s)
    pub measured: Vec<(usize, f64)>,
    /// (replicas, capacity model req/s)
    pub capacity: Vec<(usize, f64)>,
    pub usl: Option<crate::experiments::model::Usl>,
}

/// Throughput against API replicas for one scenario: measured points joined by a line,
/// the capacity model dashed, the USL fit thin.
pub struct ScaleChart {
    pub name: String,
    pub title: String,
    pub caption: String,
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
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .margin_right(32)
            .x_label_area_size(52)
            .y_label_area_size(96)
            .build_cartesian_2d(0.0..(max_n as f64 + 0.5), 0.0..top)?;
        chart
            .configure_mesh()
            .x_labels(max_n + 1)
            .x_label_formatter(&|v| tick(v.round()))
            .y_label_formatter(&|v| tick(*v))
            .x_desc("API server replicas (each with its CPU quota)")
            .y_desc("maximum answers per second")
            .label_style((FONT, 17))
            .axis_desc_style((FONT, 19))
            .light_line_style(WHITE)
            .bold_line_style(BLACK.mix(0.12))
            .draw()?;
        for s in &self.series {
            let color = flow_color(&s.flow);
            let line: Vec<(f64, f64)> = s.measured.iter().map(|(n, x)| (*n as f64, *x)).collect();
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(3)))?
                .label(format!("{} (measured)", s.flow))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3)));
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

/// One flow's p50 against the one-way link delay.
#[derive(Debug, Clone, PartialEq)]
pub struct DelaySeries {
    pub flow: String,
    /// (one-way delay µs, p50 µs, p99 µs)
    pub points: Vec<(u64, u64, u64)>,
}

pub struct LinkDelayChart {
    pub caption: String,
    pub series: Vec<DelaySeries>,
}

impl Chart for LinkDelayChart {
    fn name(&self) -> String {
        "link-delay".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(
            root,
            "Median latency against the delay on each server-to-server link",
            &self.caption,
        )?;
        let max_delay = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .max()
            .unwrap_or(1000)
            .max(1) as f64
            / 1000.0;
        let top = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .max()
            .unwrap_or(1000) as f64
            / 1000.0
            * 1.15;
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .margin_right(32)
            .x_label_area_size(52)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..max_delay * 1.05, 0.0..top.max(0.1))?;
        chart
            .configure_mesh()
            .x_label_formatter(&|v| format!("{} ms", tick(*v)))
            .y_label_formatter(&|v| format!("{} ms", tick(*v)))
            .x_desc("one-way delay per link")
            .y_desc("p50 latency")
            .label_style((FONT, 17))
            .axis_desc_style((FONT, 19))
            .light_line_style(WHITE)
            .bold_line_style(BLACK.mix(0.12))
            .draw()?;
        for s in &self.series {
            let color = flow_color(&s.flow);
            let line: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|(d, p50, _)| (*d as f64 / 1000.0, *p50 as f64 / 1000.0))
                .collect();
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(3)))?
                .label(s.flow.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3)));
            chart.draw_series(line.iter().map(|p| Circle::new(*p, 6, color.filled())))?;
        }
        legend(&mut chart)
    }
}

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
        top.configure_mesh()
            .x_label_formatter(&|v| format!("{} s", tick(*v)))
            .y_label_formatter(&|v| format!("{} %", tick(*v)))
            .y_desc("requests that succeeded")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .light_line_style(WHITE)
            .bold_line_style(BLACK.mix(0.12))
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
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3)));
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
        bottom
            .configure_mesh()
            .y_labels(40)
            .x_label_formatter(&|v| format!("{} s", tick(*v)))
            .y_label_formatter(&ms_label)
            .x_desc("time into the measured window (shaded: the dependency is away)")
            .y_desc("slowest answer")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .light_line_style(WHITE)
            .bold_line_style(BLACK.mix(0.12))
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

/// Redis memory against live sessions, both on log scales.
pub struct SessionMemoryChart {
    pub caption: String,
    /// (sessions, bytes)
    pub points: Vec<(usize, u64)>,
}

impl Chart for SessionMemoryChart {
    fn name(&self) -> String {
        "state-sessions".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = frame(root, "Redis memory against live sessions", &self.caption)?;
        let max_n = self.points.iter().map(|p| p.0).max().unwrap_or(10).max(10) as f64;
        let min_n = self.points.iter().map(|p| p.0).min().unwrap_or(1).max(1) as f64;
        let mb = |b: u64| b as f64 / 1e6;
        let max_mb = self.points.iter().map(|p| mb(p.1)).fold(0.01, f64::max);
        let min_mb = self
            .points
            .iter()
            .map(|p| mb(p.1))
            .fold(f64::INFINITY, f64::min)
            .max(0.001);
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .margin_right(40)
            .x_label_area_size(52)
            .y_label_area_size(90)
            .build_cartesian_2d(
                decades(min_n, max_n).log_scale(),
                decades(min_mb, max_mb).log_scale(),
            )?;
        chart
            .configure_mesh()
            .x_labels(10)
            .y_labels(40)
            .x_label_formatter(&|v| {
                if one_two_five(*v) {
                    number(*v)
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| {
                if one_two_five(*v) {
                    format!("{} MB", tick(*v))
                } else {
                    String::new()
                }
            })
            .x_desc("live sessions")
            .y_desc("Redis used_memory above its starting level")
            .label_style((FONT, 17))
            .axis_desc_style((FONT, 19))
            .light_line_style(WHITE)
            .bold_line_style(BLACK.mix(0.12))
            .draw()?;
        let color = flow_color("session");
        let line: Vec<(f64, f64)> = self
            .points
            .iter()
            .map(|(n, b)| (*n as f64, mb(*b).max(0.001)))
            .collect();
        chart
            .draw_series(LineSeries::new(line.clone(), color.stroke_width(3)))?
            .label("session store (Redis)")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3)));
        chart.draw_series(line.iter().map(|p| Circle::new(*p, 6, color.filled())))?;
        for (i, (n, bytes)) in self.points.iter().enumerate() {
            // The first label reads to the right of its point, clear of the axis.
            let side = if i == 0 { HPos::Left } else { HPos::Right };
            chart.draw_series(std::iter::once(Text::new(
                format!("  {} B/session  ", number(*bytes as f64 / *n as f64)),
                (*n as f64, mb(*bytes).max(0.001)),
                (FONT, 15)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(side, VPos::Bottom)),
            )))?;
        }
        legend(&mut chart)
    }
}

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
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .margin_right(40)
            .x_label_area_size(52)
            .y_label_area_size(96)
            .build_cartesian_2d(0.0..max_roles * 1.02, 0.0..max_bytes)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| format!("{} B", tick(*v)))
            .x_desc("roles in the access token")
            .y_desc("Authorization: Bearer … header")
            .label_style((FONT, 17))
            .axis_desc_style((FONT, 19))
            .light_line_style(WHITE)
            .bold_line_style(BLACK.mix(0.12))
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
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3)));
            chart.draw_series(line.iter().map(|p| Circle::new(*p, 4, color.filled())))?;
        }
        legend_at(&mut chart, SeriesLabelPosition::LowerRight)
    }
}

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
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .margin_right(40)
            .x_label_area_size(52)
            .y_label_area_size(90)
            .build_cartesian_2d(
                0.0..max_rps,
                (LAG_FLOOR_MS / 2.0..decades(LAG_FLOOR_MS, max_ms).end).log_scale(),
            )?;
        chart
            .configure_mesh()
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
            .label_style((FONT, 17))
            .axis_desc_style((FONT, 19))
            .light_line_style(WHITE)
            .bold_line_style(BLACK.mix(0.12))
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
