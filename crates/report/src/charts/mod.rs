//! The charts, drawn with plotters from the figures of saved results files, each as SVG
//! and PNG (1200 px wide), one chart type per file over the shared look in [`style`]. Text
//! uses the DejaVu Sans font embedded in the binary, so a machine without system fonts
//! renders the same labels.

pub mod bill;
pub mod cpu;
pub mod faults;
pub mod link_delay;
pub mod load_latency;
pub mod percentiles;
pub mod render;
pub mod revocation;
pub mod scale;
pub mod session_memory;
pub mod style;
pub mod throughput;
pub mod token_costs;
pub mod token_size;

pub use bill::{BillChart, BillSeries};
pub use cpu::{CpuChart, TIERS};
pub use faults::{FaultChart, FaultSeries};
pub use link_delay::{DelaySeries, LinkDelayChart};
pub use load_latency::{LoadCurve, LoadLatencyChart, LoadPoint};
pub use percentiles::{PercentileChart, percentile_x};
pub use render::{Chart, Drawable, Rendered, render};
pub use revocation::{LAG_FLOOR_MS, RevocationChart, RevocationPoint};
pub use scale::{ScaleChart, ScaleSeries};
pub use session_memory::SessionMemoryChart;
pub use style::flow_color;
pub use throughput::ThroughputChart;
pub use token_costs::{CostBar, CostGroup, SIGN_BARS, TokenCostChart, VERIFY_BARS};
pub use token_size::TokenSizeChart;

#[cfg(test)]
mod tests {
    use super::percentiles::percentile_label;
    use super::percentiles::percentile_x;

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
