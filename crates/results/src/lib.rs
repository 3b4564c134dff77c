//! The results schema: what every experiment writes and the report reads, in one crate that
//! both depend on and that depends on neither (`authbench.results/1`).
//!
//! - [`file`]: the results file itself ([`ResultsFile`]), one per experiment, with the
//!   whole [`method`] and every measured run ([`FlowRun`]);
//! - [`flow`]: the flows a run can measure, listed once ([`Flow::ALL`]);
//! - one module per experiment that records more than runs: [`scale`] (its models),
//!   [`faults`], [`failover`], [`state`], [`revocation`], [`calibrate`], [`accuracy`]; and [`limits`] and [`topology`],
//!   what a run had, and [`placement`], which CPUs the generator and the servers ran on;
//! - [`units`]: how quantities are written and read, the same in a progress line, a chart
//!   and a report sentence.
//!
//! A field may be added without a new version (it must then default when absent); a field
//! that changes meaning or goes away bumps [`SCHEMA`], and the older files keep loading.

pub mod accuracy;
pub mod calibrate;
pub mod failover;
pub mod faults;
pub mod file;
pub mod flow;
pub mod limits;
pub mod method;
pub mod placement;
pub mod revocation;
pub mod scale;
pub mod state;
pub mod topology;
pub mod units;

pub use file::{FlowRun, OpCost, ResultsFile, SCHEMA, cpu_per_request, median};
pub use flow::Flow;
pub use method::{Machine, Method};
pub use topology::Topology;
