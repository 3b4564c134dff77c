//! The committed reference results, written before the schema moved into this crate, still
//! load: every file under `reports/reference/results` reads as `authbench.results/1`, and
//! the figures the report reads from them are there.

use std::path::Path;

use results::{ResultsFile, SCHEMA};

fn reference() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reports/reference/results")
}

#[test]
fn every_committed_reference_results_file_loads_with_this_schema() {
    let mut read = Vec::new();
    for entry in std::fs::read_dir(reference()).unwrap().flatten() {
        let path = entry.path();
        let file = ResultsFile::read(&path).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
        assert_eq!(file.schema, SCHEMA);
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        assert_eq!(file.method.experiment, stem, "{}", path.display());
        read.push(stem);
    }
    read.sort();
    assert_eq!(
        read,
        [
            "accuracy",
            "calibrate",
            "criterion",
            "failover",
            "faults",
            "latency",
            "links",
            "logins",
            "revocation",
            "scale",
            "state",
            "throughput",
            "tokens"
        ]
    );
}

#[test]
fn the_reference_results_hold_what_each_experiment_records_beside_its_runs() {
    let read = |name: &str| ResultsFile::read(&reference().join(format!("{name}.json"))).unwrap();
    assert!(
        read("throughput")
            .maximum("baseline")
            .is_some_and(|rps| rps > 0.0)
    );
    assert!(!read("scale").models.is_empty());
    assert!(!read("faults").faults.is_empty());
    assert!(read("failover").failover.is_some_and(|f| !f.trials.is_empty()));
    assert!(read("state").state.is_some_and(|s| !s.sessions.is_empty()));
    assert!(read("revocation").revocation.is_some_and(|r| !r.arms.is_empty()));
    assert!(read("calibrate").calibration.is_some());
    assert!(read("accuracy").accuracy.is_some_and(|a| !a.points.is_empty()));
    assert!(!read("tokens").costs.is_empty() && !read("criterion").costs.is_empty());
}

#[test]
fn a_file_of_another_schema_is_refused_with_both_names() {
    let text = std::fs::read_to_string(reference().join("tokens.json")).unwrap();
    let dir = std::env::temp_dir().join(format!("authbench-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tokens.json");
    std::fs::write(&path, text.replace(SCHEMA, "authbench.results/99")).unwrap();
    let error = format!("{:#}", ResultsFile::read(&path).unwrap_err());
    assert!(
        error.contains("authbench.results/99") && error.contains(SCHEMA),
        "{error}"
    );
}
