//! The look every chart shares: colours per flow and tier, the title and method line, the
//! plot area, the mesh's text and grid, the legend, and the axes' labels.

use std::sync::Once;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{SegmentValue, SegmentedCoord};
use plotters::coord::types::RangedCoordusize;
use plotters::prelude::*;
use results::Flow;

pub const FONT: &str = "sans-serif";

/// What drawing on a backend returns.
pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is part of the binary; if it ever failed to parse, every chart would
        // fail to draw its text with "font unavailable", which the chart tests catch.
        if plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_err() {
            tracing::error!("the embedded chart font could not be read");
        }
    });
}

/// The same colour for a flow in every chart: grey for the baseline, warm colours for the
/// session flows, cool ones for the JWT algorithms. Every flow of [`Flow`] has its own
/// (the match is exhaustive, so a new flow gets one here); other names get a stable colour
/// from their name.
pub fn flow_color(flow: &str) -> RGBColor {
    use results::flow::SigningAlgorithm as Alg;
    // Only a flow's own name: `session-cached-1s` is not `session-cached`.
    match flow
        .parse::<Flow>()
        .map_err(drop)
        .and_then(|f| if f.to_string() == flow { Ok(f) } else { Err(()) })
    {
        Ok(Flow::Baseline) => RGBColor(127, 127, 127),
        Ok(Flow::Session) => RGBColor(214, 39, 40),
        Ok(Flow::SessionRedis) => RGBColor(255, 127, 14),
        Ok(Flow::SessionCached(results::flow::DEFAULT_CACHE_TTL_MS)) => RGBColor(140, 86, 75),
        Ok(Flow::Jwt(Alg::HS256)) => RGBColor(31, 119, 180),
        Ok(Flow::Jwt(Alg::EdDSA)) => RGBColor(44, 160, 44),
        Ok(Flow::Jwt(Alg::ES256)) => RGBColor(148, 103, 189),
        Ok(Flow::Jwt(Alg::RS256)) => RGBColor(23, 190, 207),
        Ok(Flow::JwtDenylist) => RGBColor(188, 189, 34),
        Ok(Flow::JwtFloor) => RGBColor(174, 199, 232),
        Ok(Flow::SessionH2) => RGBColor(255, 152, 150),
        // The database flows: greens apart from EdDSA's.
        Ok(Flow::JwtUserdb) => RGBColor(0, 100, 60),
        Ok(Flow::ApiKey) => RGBColor(120, 80, 0),
        Ok(Flow::SessionCached(_)) | Err(_) => {
            let hash = flow
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

pub fn tier_color(tier: &str) -> RGBColor {
    match tier {
        "api" => RGBColor(31, 119, 180),
        "auth" => RGBColor(255, 127, 14),
        "redis" => RGBColor(214, 39, 40),
        "postgres" => RGBColor(117, 107, 177),
        "generator" => RGBColor(190, 190, 190),
        // The note's steps (`figures::NOTE_STEPS`); `auth` and `redis` as above.
        "route" => RGBColor(158, 202, 225),
        "hop" => RGBColor(140, 86, 75),
        "signature" => RGBColor(44, 160, 44),
        "check" => RGBColor(152, 223, 138),
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
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    caption: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let (top, rest) = root.split_vertically(78);
    top.draw(&Text::new(title.to_string(), (24, 14), title_style()))?;
    top.draw(&Text::new(caption.to_string(), (24, 50), caption_style()))?;
    Ok(rest)
}

/// The plot area's builder with the margin every chart uses and room for the axes'
/// labels (`x_labels` below, `y_labels` to the left, in pixels).
pub fn plot<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x_labels: u32,
    y_labels: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(16)
        .x_label_area_size(x_labels)
        .y_label_area_size(y_labels);
    builder
}

/// The mesh's text: tick labels and axis names at the sizes every chart uses.
pub fn text<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.label_style((FONT, 17)).axis_desc_style((FONT, 19))
}

/// A faint grid at the major ticks only.
pub fn grid<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.light_line_style(WHITE).bold_line_style(BLACK.mix(0.12))
}

/// One x slot per name (plotters' discrete ranges include their end).
pub fn slots(n: usize) -> SegmentedCoord<RangedCoordusize> {
    (0..n.max(1) - 1).into_segmented()
}

/// The legend, in the upper left on a light background, the same in every chart.
pub fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> DrawResult<DB> {
    legend_at(chart, SeriesLabelPosition::UpperLeft)
}

pub fn legend_at<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
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

/// A line's legend mark: a short stroke in its colour.
pub fn line_mark(color: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
}

/// A bar's legend mark: a small square in its colour.
pub fn box_mark(color: RGBColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 7), (x + 16, y + 7)], color.filled())
}

/// The name under each slot of a bar chart.
pub fn segment_label(names: &[String]) -> impl Fn(&SegmentValue<usize>) -> String + '_ {
    move |v| match v {
        SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

/// Whole decades around `lo..hi`, so a log axis has a labelled tick at each end.
pub fn decades(lo: f64, hi: f64) -> std::ops::Range<f64> {
    let lo = 10f64.powf(lo.max(1e-9).log10().floor());
    let hi = 10f64.powf(hi.max(lo * 10.0).log10().ceil());
    // A hair wider, so rounding in plotters' tick search keeps both end decades.
    lo * 0.999..hi * 1.001
}

/// Only 1, 2 and 5 times a power of ten get a label on a log axis.
/// A log axis's label: `show(v)` at 1, 2 and 5 times a power of ten, nothing between.
pub fn log_tick(v: f64, show: impl Fn(f64) -> String) -> String {
    if one_two_five(v) { show(v) } else { String::new() }
}

pub fn one_two_five(v: f64) -> bool {
    let mantissa = v / 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().any(|m| (mantissa - m).abs() < 0.01)
}

pub fn ms_label(ms: &f64) -> String {
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
