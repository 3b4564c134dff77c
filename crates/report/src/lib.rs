//! The report: turns a folder of results files into `reports/<name>/`: the charts (SVG and
//! PNG), a copy of the results they were drawn from, and a README with the key figures, a
//! plain-language reading of each chart generated from the same numbers, and the method.
//!
//! It depends on the results schema only, never on an experiment. Each experiment hands it
//! its sections through [`Part`]; the caller (the workbench's registry) says which parts
//! there are and in which order. The README's frame is in `templates/` ([`frame`]); Rust
//! computes the numbers and the sentences that depend on them, and the templates lay them
//! out.
//!
//! - [`charts`]: one file per chart type, over a shared look;
//! - [`figures`]: what charts and text read off results files (bars, stacks, curves, ...);
//! - [`caption`]: the method line under a load chart;
//! - [`criterion`]: criterion's own output, read as a results file (an input that is not an
//!   experiment);
//! - [`template`]: rendering a template with typed rows, for the frame and for sections'
//!   tables.

pub mod caption;
pub mod charts;
pub mod criterion;
pub mod diff;
pub mod figures;
pub mod frame;
pub mod part;
pub mod suite;
pub mod template;
pub mod write;

pub use charts::Drawable;
pub use part::{Contribution, Part, Section, file_names};
pub use suite::Suite;
pub use write::{ReportOptions, build, default_folder, write};
