//! Writing a report: reading the results, copying them beside it, drawing the charts and
//! filling the README's frame.

use std::path::{Path, PathBuf};

use anyhow::Context;
use results::ResultsFile;
use results::method::Method;

use crate::part::{Part, file_names};
use crate::suite::Suite;
use crate::{criterion, frame};

/// What `workbench report` is asked.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Folder with the experiments' results files.
    pub results: PathBuf,
    /// Folder the report is written to (default: reports/<date-time of the results>).
    pub out: Option<PathBuf>,
    /// criterion's output folder, whose token benchmarks are charted too.
    pub criterion: Option<PathBuf>,
}

/// `reports/2026-11-22-1004` from `2026-11-22T10:04:05Z`.
pub fn default_folder(started_at: &str) -> PathBuf {
    let stamp: String = started_at
        .chars()
        .take(16)
        .filter(|c| *c != ':')
        .map(|c| if c == 'T' { '-' } else { c })
        .collect();
    Path::new("reports").join(stamp)
}

/// `workbench report`: reads the results, copies them beside the report, draws the charts
/// and writes the README; returns the README's path.
pub fn build(options: &ReportOptions, parts: &[&dyn Part]) -> anyhow::Result<PathBuf> {
    let mut suite = Suite::read(&options.results, &file_names(parts))?;
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| default_folder(&suite.started_at()));
    let results_copy = out.join("results");
    std::fs::create_dir_all(&results_copy)
        .with_context(|| format!("cannot create {}", results_copy.display()))?;
    if let Some(dir) = &options.criterion {
        let mut file = ResultsFile::new(Method::new(criterion::NAME));
        file.method.modes = vec![criterion::NAME.into()];
        file.costs = criterion::read(dir)?;
        file.notes.push(format!(
            "read from criterion's output in {}: median of criterion's samples, with the 95 % \
             confidence interval of the median as the spread; measured by `cargo bench --bench \
             tokens` (its own build, warm-up and sample count)",
            dir.display()
        ));
        suite.insert(criterion::NAME, file);
        suite.sort(&file_names(parts));
    }
    // The report carries the results it was drawn from, so every figure can be traced.
    let same_folder = same_path(&options.results, &results_copy);
    for file in suite.files() {
        if !same_folder || file.method.experiment == criterion::NAME {
            file.write(&results_copy)?;
        }
    }
    let path = write(&suite, parts, &out)?;
    println!("report: {}", path.display());
    Ok(path)
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Draws every chart the suite has data for into `<out>/charts` and writes
/// `<out>/README.md`; returns the README's path.
pub fn write(suite: &Suite, parts: &[&dyn Part], out: &Path) -> anyhow::Result<PathBuf> {
    let charts_dir = out.join("charts");
    let mut sections = Vec::new();
    let mut missing = Vec::new();
    for part in parts {
        let contribution = part.plan(suite);
        sections.extend(contribution.sections);
        missing.extend(contribution.missing);
    }
    let mut drawn = Vec::new();
    for section in &sections {
        drawn.push(match &section.chart {
            Some(chart) => Some(chart.render(&charts_dir)?),
            None => None,
        });
    }
    let text = frame::markdown(suite, &sections, &drawn, &missing, out)?;
    let path = out.join("README.md");
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_folder_is_named_after_the_start_time() {
        assert_eq!(
            default_folder("2026-11-22T10:04:05Z"),
            Path::new("reports/2026-11-22-1004")
        );
    }
}
