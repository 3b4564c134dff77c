//! The bill: what each architecture needs for 10 k, 100 k and 1 M requests per second,
//! priced with [`harness::bill`] from what the other entries measured. It measures nothing
//! and writes no results file of its own; the report computes it from the results folder,
//! so it always agrees with the figures beside it.
//!
//! - CPU costs per request: `throughput.json` (each flow's closed-loop maximum, the median
//!   of its rounds);
//! - the auth server's costs per login and per refresh: `logins.json`;
//! - Redis bytes per session and per denylist entry: `state.json`;
//! - what a Redis Cluster costs against one Redis: `scale.json`, the first points of its
//!   `api+auth+redis` and `api+auth` series.

mod inputs;
mod section;

pub use inputs::{BillInputs, read_inputs};

/// The bill in the registry: a model over other entries' results.
pub struct Bill;

impl crate::experiment::Experiment for Bill {
    fn name(&self) -> &'static str {
        "bill"
    }

    fn kind(&self) -> crate::experiment::Kind {
        crate::experiment::Kind::Model
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::Sections)
    }
}
