//! `workbench report`: turns a folder of results files into `reports/<name>/`: the charts
//! (SVG and PNG), a copy of the results they were drawn from, and a README with the key
//! figures, a plain-language reading of each chart generated from the same numbers, and
//! the method.

pub mod charts;
pub mod criterion;
pub mod document;
pub mod figures;

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use crate::experiments::method::rfc3339_now;
use crate::experiments::results::ResultsFile;

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Folder with the experiments' results files (throughput.json, latency.json,
    /// links.json, scale.json, calibrate.json, tokens.json ...).
    #[arg(default_value = "results")]
    pub results: PathBuf,
    /// Folder the report is written to (default: reports/<date-time of the results>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also chart criterion's token benchmarks from this folder (e.g. target/criterion
    /// after `cargo bench --bench tokens`).
    #[arg(long)]
    pub criterion: Option<PathBuf>,
}

/// The results files of one suite run, by experiment.
#[derive(Debug, Default)]
pub struct Suite {
    pub throughput: Option<ResultsFile>,
    pub latency: Option<ResultsFile>,
    pub calibrate: Option<ResultsFile>,
    pub tokens: Option<ResultsFile>,
    pub scale: Option<ResultsFile>,
    pub faults: Option<ResultsFile>,
    pub state: Option<ResultsFile>,
    pub logins: Option<ResultsFile>,
    pub revocation: Option<ResultsFile>,
    /// The comparison suite's link-delay pass.
    pub links: Option<ResultsFile>,
    /// criterion's token benchmarks, as read by [`criterion::read`].
    pub criterion: Option<ResultsFile>,
}

/// The experiments a report knows how to draw, by results file name.
const EXPERIMENTS: [&str; 11] = [
    "throughput",
    "latency",
    "links",
    "scale",
    "faults",
    "state",
    "logins",
    "revocation",
    "calibrate",
    "tokens",
    "criterion",
];

impl Suite {
    pub fn read(dir: &Path) -> anyhow::Result<Suite> {
        let mut suite = Suite::default();
        for name in EXPERIMENTS {
            let path = dir.join(format!("{name}.json"));
            if !path.exists() {
                continue;
            }
            let file = ResultsFile::read(&path)?;
            *suite.slot(name) = Some(file);
        }
        anyhow::ensure!(
            !suite.files().is_empty(),
            "{} holds no results files ({}): run `workbench compare`, or an experiment with \
             `--out {}`",
            dir.display(),
            EXPERIMENTS.map(|e| format!("{e}.json")).join(", "),
            dir.display()
        );
        Ok(suite)
    }

    fn slot(&mut self, name: &str) -> &mut Option<ResultsFile> {
        match name {
            "throughput" => &mut self.throughput,
            "latency" => &mut self.latency,
            "calibrate" => &mut self.calibrate,
            "tokens" => &mut self.tokens,
            "scale" => &mut self.scale,
            "faults" => &mut self.faults,
            "state" => &mut self.state,
            "logins" => &mut self.logins,
            "revocation" => &mut self.revocation,
            "links" => &mut self.links,
            _ => &mut self.criterion,
        }
    }

    /// The files present, in the order of [`EXPERIMENTS`].
    pub fn files(&self) -> Vec<&ResultsFile> {
        [
            &self.throughput,
            &self.latency,
            &self.links,
            &self.scale,
            &self.faults,
            &self.state,
            &self.logins,
            &self.revocation,
            &self.calibrate,
            &self.tokens,
            &self.criterion,
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The earliest start time of the files, `2026-11-22T10:04:05Z`.
    fn started_at(&self) -> String {
        self.files()
            .iter()
            .map(|f| f.method.started_at.clone())
            .min()
            .unwrap_or_else(rfc3339_now)
    }
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

pub async fn run(args: ReportArgs) -> anyhow::Result<PathBuf> {
    let mut suite = Suite::read(&args.results)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_folder(&suite.started_at()));
    let results_copy = out.join("results");
    std::fs::create_dir_all(&results_copy)
        .with_context(|| format!("cannot create {}", results_copy.display()))?;
    if let Some(dir) = &args.criterion {
        let mut file = ResultsFile::new(crate::experiments::method::Method::new("criterion"));
        file.method.modes = vec!["criterion".into()];
        file.costs = criterion::read(dir)?;
        file.notes.push(format!(
            "read from criterion's output in {}: median of criterion's samples, with the 95 % \
             confidence interval of the median as the spread; measured by `cargo bench --bench \
             tokens` (its own build, warm-up and sample count)",
            dir.display()
        ));
        suite.criterion = Some(file);
    }
    // The report carries the results it was drawn from, so every figure can be traced.
    let same_folder = same_path(&args.results, &results_copy);
    for file in suite.files() {
        if !same_folder || file.method.experiment == "criterion" {
            file.write(&results_copy)?;
        }
    }
    let path = write(&suite, &out)?;
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
pub fn write(suite: &Suite, out: &Path) -> anyhow::Result<PathBuf> {
    let charts_dir = out.join("charts");
    let plan = document::plan(suite);
    let mut drawn = Vec::new();
    for section in &plan.sections {
        let rendered = match &section.chart {
            document::SectionChart::Throughput(c) => charts::render(c, &charts_dir)?,
            document::SectionChart::Cpu(c) => charts::render(c, &charts_dir)?,
            document::SectionChart::Scale(c) => charts::render(c, &charts_dir)?,
            document::SectionChart::LinkDelay(c) => charts::render(c, &charts_dir)?,
            document::SectionChart::Fault(c) => charts::render(c, &charts_dir)?,
            document::SectionChart::SessionMemory(c) => charts::render(c, &charts_dir)?,
            document::SectionChart::TokenSize(c) => charts::render(c, &charts_dir)?,
            document::SectionChart::Percentiles(c) => charts::render(c, &charts_dir)?,
            document::SectionChart::TokenCosts(c) => charts::render(c, &charts_dir)?,
            document::SectionChart::Revocation(c) => charts::render(c, &charts_dir)?,
        };
        drawn.push(rendered);
    }
    let text = document::markdown(suite, &plan, &drawn, out);
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
