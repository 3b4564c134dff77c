//! The README's frame: title, contents, key figures, each section's heading, chart and
//! reading, "Not in this report" and the method. The layout is in `templates/` (compiled
//! into the binary, so a report can be written anywhere); this module computes the rows.

use std::path::Path;

use results::units::{MISSING, number, or_missing, show_us};
use results::{ResultsFile, median};
use serde::Serialize;

use crate::charts::Rendered;
use crate::figures::{cpu_stacks, latency_curves, load_levels, throughput_bars, timeline_cv};
use crate::part::Section;
use crate::suite::Suite;

const README: &str = include_str!("../templates/README.md.j2");
const KEY_FIGURES: &str = include_str!("../templates/key-figures.md.j2");
const METHOD: &str = include_str!("../templates/method.md.j2");

#[derive(Serialize)]
struct Frame {
    measured: Option<Measured>,
    key_figures: Option<KeyFigures>,
    sections: Vec<SectionRow>,
    missing: Vec<&'static str>,
    files: Vec<FileRow>,
    noise: Vec<String>,
    notes: Vec<NoteRow>,
}

/// The machine, build and shared settings, as the first results file records them.
#[derive(Serialize)]
struct Measured {
    started_at: String,
    cpu_model: String,
    cores: usize,
    memory_gib: String,
    kernel: String,
    commit: String,
    build: String,
    crates: String,
    cpu_limits: String,
    placement: String,
    link_delay: String,
    redis: String,
    database: String,
    server_workers: usize,
}

#[derive(Serialize)]
struct SectionRow {
    heading: String,
    anchor: String,
    chart: Option<ChartLinks>,
    reading: Vec<String>,
}

#[derive(Serialize)]
struct ChartLinks {
    png: String,
    svg: String,
}

#[derive(Serialize)]
struct KeyFigures {
    /// The open-loop level the latency columns are read at (`50%`), if any.
    level: Option<String>,
    rounds: usize,
    rows: Vec<KeyFigureRow>,
}

#[derive(Serialize)]
struct KeyFigureRow {
    flow: String,
    max: String,
    ratio: String,
    spread: String,
    cpu: String,
    api: String,
    auth: String,
    redis: String,
    postgres: String,
    generator: String,
    p50: String,
    p99: String,
}

#[derive(Serialize)]
struct FileRow {
    experiment: String,
    started_at: String,
    runs: usize,
    connections: usize,
    warmup_ms: u64,
    duration_ms: u64,
    rounds: usize,
    command: String,
}

#[derive(Serialize)]
struct NoteRow {
    experiment: String,
    text: String,
}

/// The whole README of a report.
pub fn markdown(
    suite: &Suite,
    sections: &[Section],
    drawn: &[Option<Rendered>],
    missing: &[&'static str],
    out: &Path,
) -> anyhow::Result<String> {
    let rel = |p: &Path| {
        p.strip_prefix(out)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    // The method lists the files in the registry's order, the order of the sections.
    let files = suite.files();
    let frame = Frame {
        measured: suite.files().first().map(|f| measured(f)),
        key_figures: suite
            .get("throughput")
            .map(|t| key_figures(t, suite.get("latency"))),
        sections: sections
            .iter()
            .zip(drawn)
            .map(|(section, rendered)| SectionRow {
                heading: section.heading.clone(),
                anchor: anchor(&section.heading),
                chart: rendered.as_ref().map(|r| ChartLinks {
                    png: rel(&r.png),
                    svg: rel(&r.svg),
                }),
                reading: section.reading.clone(),
            })
            .collect(),
        missing: missing.to_vec(),
        files: files
            .iter()
            .map(|file| {
                let f = &file.method;
                FileRow {
                    experiment: f.experiment.clone(),
                    started_at: f.started_at.clone(),
                    runs: file.runs.len().max(file.costs.len()),
                    connections: f.connections,
                    warmup_ms: f.warmup_ms,
                    duration_ms: f.duration_ms,
                    rounds: f.rounds,
                    command: f.command.replace('|', "\\|"),
                }
            })
            .collect(),
        noise: noise(suite),
        notes: files
            .iter()
            .flat_map(|f| {
                f.notes.iter().map(|n| NoteRow {
                    experiment: f.method.experiment.clone(),
                    text: n.clone(),
                })
            })
            .collect(),
    };
    let mut env = crate::template::environment();
    for (name, source) in [
        ("README.md.j2", README),
        ("key-figures.md.j2", KEY_FIGURES),
        ("method.md.j2", METHOD),
    ] {
        env.add_template(name, source)
            .map_err(|e| anyhow::anyhow!("template {name}: {e:#}"))?;
    }
    env.get_template("README.md.j2")
        .and_then(|t| t.render(&frame))
        .map_err(|e| anyhow::anyhow!("the report's frame: {e:#}"))
}

fn measured(file: &ResultsFile) -> Measured {
    let m = &file.method;
    Measured {
        started_at: m.started_at.clone(),
        cpu_model: m.machine.cpu_model.clone(),
        cores: m.machine.cores,
        memory_gib: m.machine.memory_gib.to_string(),
        kernel: m.machine.kernel.clone(),
        commit: m.commit.clone(),
        build: m.build.clone(),
        crates: m
            .crate_versions
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        cpu_limits: m.cpu_limits.clone(),
        placement: m.placement.as_ref().map_or_else(
            || "not recorded (results from before the workbench placed the generator)".to_string(),
            |p| p.describe(),
        ),
        link_delay: m.link_delay.clone(),
        redis: m.redis.clone(),
        database: m.database.clone(),
        server_workers: m.server_workers,
    }
}

/// GitHub's heading anchors: lower case, spaces to dashes, punctuation dropped.
pub fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn key_figures(file: &ResultsFile, latency: Option<&ResultsFile>) -> KeyFigures {
    let bars = throughput_bars(file);
    let stacks = cpu_stacks(file, "max");
    let baseline = bars.iter().find(|b| b.flow == "baseline").map(|b| b.value);
    let level = latency.and_then(|l| {
        let levels = load_levels(l);
        levels
            .iter()
            .find(|l| l.as_str() == "50%")
            .or(levels.first())
            .cloned()
    });
    let rows = bars
        .iter()
        .map(|bar| {
            let stack = stacks.iter().find(|s| s.flow == bar.flow);
            let tier = |t: &str| or_missing(stack.and_then(|s| s.tier(t)), number);
            let (p50, p99) = match (&level, latency) {
                (Some(level), Some(latency)) => {
                    match latency_curves(latency, level).iter().find(|c| c.flow == bar.flow) {
                        Some(c) => {
                            let mark = if c.kept { "" } else { " ⚠" };
                            (
                                format!("{}{mark}", show_us(c.p50_us)),
                                format!("{}{mark}", show_us(c.p99_us)),
                            )
                        }
                        None => (MISSING.into(), MISSING.into()),
                    }
                }
                _ => (String::new(), String::new()),
            };
            KeyFigureRow {
                flow: bar.flow.clone(),
                max: number(bar.value),
                ratio: or_missing(baseline, |b| format!("{:.2}", bar.value / b)),
                spread: if bar.rounds > 1 {
                    format!("±{:.0} %", bar.spread() * 50.0)
                } else {
                    MISSING.into()
                },
                cpu: or_missing(stack, |s| number(s.total())),
                api: tier("api"),
                auth: tier("auth"),
                redis: tier("redis"),
                postgres: tier("postgres"),
                generator: tier("generator"),
                p50,
                p99,
            }
        })
        .collect();
    KeyFigures {
        level,
        rounds: bars.iter().map(|b| b.rounds).max().unwrap_or(1),
        rows,
    }
}

/// How much the numbers moved between rounds, within runs, and between two runs of the
/// same flow minutes apart.
fn noise(suite: &Suite) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(file) = suite.get("throughput") {
        let bars = throughput_bars(file);
        let spreads: Vec<String> = bars
            .iter()
            .filter(|b| b.rounds > 1)
            .map(|b| format!("{} {:.1} %", b.flow, b.spread() * 100.0))
            .collect();
        if spreads.is_empty() {
            lines.push("Between runs: one round only, not measured.".to_string());
        } else {
            lines.push(format!(
                "Between rounds (fastest − slowest, over the median): {}.",
                spreads.join(", ")
            ));
        }
        let cvs: Vec<f64> = file
            .runs
            .iter()
            .filter(|r| r.label == "max")
            .filter_map(|r| timeline_cv(&r.result))
            .collect();
        if !cvs.is_empty() {
            lines.push(format!(
                "Within a run: answers per 100 ms varied by a median coefficient of variation \
                 of {:.1} % (highest {:.1} %) over the throughput runs.",
                median(&cvs) * 100.0,
                cvs.iter().copied().fold(0.0, f64::max) * 100.0
            ));
        }
    }
    // What the hypervisor took from this virtual machine while the runs measured.
    let steals: Vec<(f64, String)> = suite
        .files()
        .iter()
        .flat_map(|f| {
            f.runs
                .iter()
                .filter_map(move |r| Some((r.steal?, f.method.experiment.clone())))
        })
        .collect();
    if !steals.is_empty() {
        let values: Vec<f64> = steals.iter().map(|(s, _)| *s).collect();
        let heavy = values.iter().filter(|s| **s > 0.05).count();
        let mut by: Vec<(String, usize)> = Vec::new();
        for (s, experiment) in &steals {
            if *s > 0.05 {
                match by.iter_mut().find(|(e, _)| e == experiment) {
                    Some(entry) => entry.1 += 1,
                    None => by.push((experiment.clone(), 1)),
                }
            }
        }
        let where_ = if by.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                by.iter()
                    .map(|(e, n)| format!("{e}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        lines.push(format!(
            "The hypervisor's steal (CPU time it gave other guests, from `/proc/stat`) was a median \
             {:.1} % of this machine's CPU time over the {} measured runs that recorded it, at most \
             {:.1} %; {heavy} runs lost more than 5 %{where_}. No placement inside the machine \
             prevents it: figures from those runs are lower and their tails longer than the same \
             machine gives alone.",
            median(&values) * 100.0,
            values.len(),
            values.iter().copied().fold(0.0, f64::max) * 100.0,
        ));
    }
    if let Some(file) = suite.get("calibrate") {
        let ours: Vec<f64> = file.runs.iter().map(|r| r.result.throughput_rps).collect();
        if ours.len() >= 2 {
            let hi = ours.iter().copied().fold(0.0, f64::max);
            let lo = ours.iter().copied().fold(f64::INFINITY, f64::min);
            lines.push(format!(
                "Same flow, same servers, minutes apart (calibration): {} and {} req/s, a \
                 {:.1} % gap.",
                number(lo),
                number(hi),
                (hi - lo) / hi * 100.0
            ));
        }
    }
    lines
}
