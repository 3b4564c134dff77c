//! The measurement harness: what every experiment needs and none owns.
//!
//! - [`system`]: one flow's servers, each started as its own `workbench serve` process,
//!   with user-space delay links between them, and the users logged in through it;
//! - [`loopback`]: both architectures in this process (for `up` and the teaching demos);
//! - [`database`]: the PostgreSQL the database flows (`api-key`, `jwt-userdb`) run on, one
//!   per workbench process with a fresh database per flow system;
//! - [`run`]: the options every load experiment shares, finding Redis, and one measured
//!   run with CPU metered per tier;
//! - [`limits`]: CPU quotas per server process through cgroups;
//! - [`placement`]: the generator on its own CPU(s), the servers on the rest;
//! - [`model`]: the capacity model and the USL fit that explain the scale-out points;
//! - [`bill`]: what each architecture needs for a target rate and user count, from the
//!   measured costs;
//! - [`progress`]: the progress bar of one run.
//!
//! It writes no results files and draws nothing: the experiments do the first, the report
//! the second. The flows themselves are listed in [`results::flow`].

pub mod bill;
pub mod database;
pub mod limits;
pub mod login;
pub mod loopback;
pub mod model;
pub mod placement;
pub mod population;
mod process;
pub mod progress;
pub mod run;
pub mod system;

pub use run::{RunOptions, Users, begin, measure, measure_plan, redis, start_flow};
pub use system::{Dependency, FlowSystem, ServerOptions, Store};
