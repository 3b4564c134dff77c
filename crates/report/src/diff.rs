//! `workbench diff A B`: two results folders side by side, every figure both hold, each
//! with its spread over the runs that measured it, and whether the change is beyond both
//! spreads (the ranges do not overlap) or within the noise.
//!
//! The figures: per results file, flow and run label, the requests per second, the p50 and
//! p99 latency and the CPU microseconds per request (all tiers); and the token operation
//! costs. A figure measured in several rounds is their median, with the lowest and highest
//! round as its spread; measured once, its spread is that one value, and a change can then
//! only be read against the other run's spread.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use results::ResultsFile;
use results::units::{number, show_us};
use serde::Serialize;

const TEMPLATE: &str = include_str!("../templates/diff.md.j2");

/// One figure of one run: its median and spread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub low: f64,
    pub high: f64,
}

impl Spread {
    pub fn of(values: &[f64]) -> Option<Spread> {
        if values.is_empty() {
            return None;
        }
        let low = values.iter().copied().fold(f64::INFINITY, f64::min);
        let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some(Spread {
            median: results::median(values),
            low,
            high,
        })
    }

    /// Whether the two ranges do not overlap: the change is larger than either run's own
    /// spread.
    pub fn apart(&self, other: &Spread) -> bool {
        self.high < other.low || other.high < self.low
    }
}

/// How a figure is written.
#[derive(Debug, Clone, Copy)]
enum Unit {
    PerSecond,
    Micros,
    /// CPU time: a tenth of a µs matters.
    CpuMicros,
    Nanos,
}

impl Unit {
    fn show(self, v: f64) -> String {
        match self {
            Unit::PerSecond => format!("{}/s", number(v)),
            Unit::Micros => show_us(v.round() as u64),
            Unit::CpuMicros => format!("{v:.1} µs"),
            Unit::Nanos => format!("{} ns", number(v)),
        }
    }

    /// Whether more is better (throughput) or worse (time).
    fn higher_is_better(self) -> bool {
        matches!(self, Unit::PerSecond)
    }
}

#[derive(Serialize)]
struct Row {
    file: String,
    subject: String,
    figure: String,
    a: String,
    b: String,
    change: String,
    verdict: &'static str,
}

/// The figures one results file holds, by (subject, figure name).
fn figures(file: &ResultsFile) -> BTreeMap<(String, String), (Unit, Vec<f64>)> {
    let mut out: BTreeMap<(String, String), (Unit, Vec<f64>)> = BTreeMap::new();
    let mut add = |subject: String, figure: &str, unit: Unit, value: f64| {
        if value.is_finite() && value > 0.0 {
            out.entry((subject, figure.to_string()))
                .or_insert_with(|| (unit, Vec::new()))
                .1
                .push(value);
        }
    };
    for run in &file.runs {
        let subject = match &run.scenario {
            Some(scenario) => format!("{} {} ({scenario})", run.series(), run.label),
            None => format!("{} {}", run.series(), run.label),
        };
        add(
            subject.clone(),
            "req/s",
            Unit::PerSecond,
            run.result.throughput_rps,
        );
        add(
            subject.clone(),
            "p50",
            Unit::Micros,
            run.result.latency.p50_us as f64,
        );
        add(
            subject.clone(),
            "p99",
            Unit::Micros,
            run.result.latency.p99_us as f64,
        );
        // CPU per request in all (generator included) and per process, to a tenth of a µs.
        for (process, us) in &run.cpu_us_per_request {
            let figure = match process.as_str() {
                "total" => "CPU per request".to_string(),
                name if *us > 0.0 => format!("CPU per request: {name}"),
                _ => continue,
            };
            add(subject.clone(), &figure, Unit::CpuMicros, *us);
        }
    }
    for cost in &file.costs {
        let subject = format!("{} {} ({})", cost.algorithm, cost.op, cost.source);
        let entry = out
            .entry((subject, "time".to_string()))
            .or_insert_with(|| (Unit::Nanos, Vec::new()));
        entry.1.extend([cost.low_ns, cost.median_ns, cost.high_ns]);
    }
    out
}

/// The results files of a folder, by experiment name.
fn folder(dir: &Path) -> anyhow::Result<BTreeMap<String, ResultsFile>> {
    let mut out = BTreeMap::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            let file = ResultsFile::read(&path)?;
            out.insert(file.method.experiment.clone(), file);
        }
    }
    anyhow::ensure!(
        !out.is_empty(),
        "{} holds no results files (*.json)",
        dir.display()
    );
    Ok(out)
}

/// The comparison of two results folders, as Markdown.
pub fn diff(a: &Path, b: &Path) -> anyhow::Result<String> {
    let (before, after) = (folder(a)?, folder(b)?);
    let mut rows = Vec::new();
    let mut only = Vec::new();
    for (name, file_a) in &before {
        let Some(file_b) = after.get(name) else {
            only.push(format!("{name} (only in A)"));
            continue;
        };
        let (fa, fb) = (figures(file_a), figures(file_b));
        for ((subject, figure), (unit, values_a)) in &fa {
            let Some((_, values_b)) = fb.get(&(subject.clone(), figure.clone())) else {
                continue;
            };
            let (Some(sa), Some(sb)) = (Spread::of(values_a), Spread::of(values_b)) else {
                continue;
            };
            let change = (sb.median - sa.median) / sa.median * 100.0;
            let better = (change > 0.0) == unit.higher_is_better();
            rows.push(Row {
                file: name.clone(),
                subject: subject.clone(),
                figure: figure.clone(),
                a: show(*unit, &sa, values_a.len()),
                b: show(*unit, &sb, values_b.len()),
                change: format!("{change:+.1} %"),
                verdict: match (sa.apart(&sb), better) {
                    (false, _) => "within the spread",
                    (true, true) => "better, beyond the spread",
                    (true, false) => "worse, beyond the spread",
                },
            });
        }
    }
    only.extend(
        after
            .keys()
            .filter(|k| !before.contains_key(*k))
            .map(|k| format!("{k} (only in B)")),
    );
    crate::template::render_block(
        "diff.md.j2",
        TEMPLATE,
        serde_json::json!({
            "a": a.display().to_string(),
            "b": b.display().to_string(),
            "rows": rows,
            "only": only,
        }),
    )
}

fn show(unit: Unit, s: &Spread, n: usize) -> String {
    if n <= 1 || s.low == s.high {
        unit.show(s.median)
    } else {
        format!(
            "{} ({}-{})",
            unit.show(s.median),
            unit.show(s.low),
            unit.show(s.high)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_that_overlap_are_within_the_spread_and_others_are_apart() {
        let a = Spread::of(&[100.0, 110.0, 105.0]).unwrap();
        assert_eq!(a.median, 105.0);
        assert!(!a.apart(&Spread::of(&[108.0, 120.0]).unwrap()));
        assert!(a.apart(&Spread::of(&[111.0, 130.0]).unwrap()));
        assert!(Spread::of(&[]).is_none());
    }
}
