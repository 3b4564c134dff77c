//! The registry: every experiment, pass and input, listed once.

use std::path::PathBuf;

use crate::experiment::Experiment;

/// Every experiment, pass and input, in the order `compare` runs them and the report
/// shows them.
pub static REGISTRY: &[&dyn Experiment] = &[
    &crate::throughput::Throughput,
    &crate::latency::Latency,
    &crate::scale::Scale,
    &crate::bill::Bill,
    &crate::latency::Links,
    &crate::faults::Faults,
    &crate::failover::Failover,
    &crate::state::State,
    &crate::logins::Logins,
    &crate::revocation::Revocation,
    &crate::tokens::Tokens,
    &crate::tokens::Criterion,
    &crate::calibrate::Calibrate,
    &crate::accuracy::AccuracyCheck,
    &crate::remote::Remote,
];

/// The entry called `name`.
pub fn find(name: &str) -> Option<&'static dyn Experiment> {
    REGISTRY.iter().copied().find(|e| e.name() == name)
}

/// The report's parts, in the registry's order.
pub fn report_parts() -> Vec<&'static dyn report::Part> {
    REGISTRY.iter().filter_map(|e| e.report()).collect()
}

/// `workbench report`: the report of a results folder, with every registered part.
pub fn write_report(options: &report::ReportOptions) -> anyhow::Result<PathBuf> {
    report::build(options, &report_parts())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_has_its_own_name() {
        let mut names: Vec<&str> = REGISTRY.iter().map(|e| e.name()).collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count, "{names:?}");
    }

    #[test]
    fn every_results_file_the_report_reads_belongs_to_an_entry() {
        for file in report::file_names(&report_parts()) {
            assert!(
                find(file).is_some(),
                "{file}.json is read by the report but no entry writes it"
            );
        }
    }
}
