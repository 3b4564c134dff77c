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
pub mod figures;
pub mod frame;
pub mod template;

use std::path::{Path, PathBuf};

use anyhow::Context;
use results::ResultsFile;
use results::method::{Method, rfc3339_now};

pub use charts::Drawable;

/// What an experiment gives the report: the sections it draws from the results files
/// present, and what "Not in this report" says of the ones it lacks.
pub trait Part: Sync {
    /// The results files it reads, by name (`throughput` is `throughput.json`); its own
    /// file first.
    fn files(&self) -> &'static [&'static str];
    /// Its sections, given the files present (empty when its files are absent).
    fn plan(&self, suite: &Suite) -> Contribution;
}

/// One experiment's share of a report.
#[derive(Default)]
pub struct Contribution {
    pub sections: Vec<Section>,
    /// For "Not in this report": what a reader misses, and the command that measures it.
    pub missing: Vec<&'static str>,
}

impl Contribution {
    /// Adds `section` when there is one; otherwise says what is missing.
    pub fn add(&mut self, section: Option<Section>, missing: &'static str) {
        match section {
            Some(section) => self.sections.push(section),
            None => self.missing.push(missing),
        }
    }
}

/// One section of the README: its heading, its chart (if it has one) and its reading.
pub struct Section {
    pub heading: String,
    pub chart: Option<Box<dyn Drawable>>,
    /// Plain-language reading, one paragraph or list item per entry.
    pub reading: Vec<String>,
}

impl Section {
    pub fn new(heading: impl Into<String>, chart: impl Drawable + 'static, reading: Vec<String>) -> Section {
        Section {
            heading: heading.into(),
            chart: Some(Box::new(chart)),
            reading,
        }
    }
}

/// The results files of one suite run, by name, in the order of the parts that read them.
#[derive(Debug, Default)]
pub struct Suite {
    files: Vec<(String, ResultsFile)>,
}

impl Suite {
    /// Reads every results file `parts` name that `dir` holds.
    pub fn read(dir: &Path, parts: &[&dyn Part]) -> anyhow::Result<Suite> {
        let names = file_names(parts);
        let mut suite = Suite::default();
        for name in &names {
            let path = dir.join(format!("{name}.json"));
            if path.exists() {
                suite.insert(name, ResultsFile::read(&path)?);
            }
        }
        anyhow::ensure!(
            !suite.files.is_empty(),
            "{} holds no results files ({}): run `workbench compare`, or an experiment with \
             `--out {}`",
            dir.display(),
            names.iter().map(|e| format!("{e}.json")).collect::<Vec<_>>().join(", "),
            dir.display()
        );
        Ok(suite)
    }

    /// Adds (or replaces) the file called `name`; a new name goes last.
    pub fn insert(&mut self, name: &str, file: ResultsFile) {
        match self.files.iter_mut().find(|(n, _)| n == name) {
            Some((_, slot)) => *slot = file,
            None => self.files.push((name.to_string(), file)),
        }
    }

    /// Puts the files in the order of `names` (the parts' order).
    fn sort(&mut self, names: &[&str]) {
        self.files
            .sort_by_key(|(n, _)| names.iter().position(|m| m == n).unwrap_or(usize::MAX));
    }

    /// The file called `name`, if the run has one.
    pub fn get(&self, name: &str) -> Option<&ResultsFile> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, f)| f)
    }

    /// The files present, in the parts' order.
    pub fn files(&self) -> Vec<&ResultsFile> {
        self.files.iter().map(|(_, f)| f).collect()
    }

    /// The earliest start time of the files, `2026-11-22T10:04:05Z`.
    pub fn started_at(&self) -> String {
        self.files
            .iter()
            .map(|(_, f)| f.method.started_at.clone())
            .min()
            .unwrap_or_else(rfc3339_now)
    }
}

/// Every results file the parts read, each once, in their order.
pub fn file_names(parts: &[&dyn Part]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for name in parts.iter().flat_map(|p| p.files().iter().copied()) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

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
    let mut suite = Suite::read(&options.results, parts)?;
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
