//! The fault experiment in the report: a timeline per dependency taken away, the table of
//! what each flow's users saw (`faults-table.md.j2`), and the verdicts against the targets.

use report::charts::*;
use report::template::render_block;
use report::{Contribution, Part, Section, Suite};
use results::ResultsFile;
use results::faults::FaultSummary;
use results::units::*;
use serde::Serialize;

const TABLE: &str = include_str!("faults-table.md.j2");

/// The fault experiment's sections: one per dependency taken away.
pub struct Sections;

impl Part for Sections {
    fn files(&self) -> &'static [&'static str] {
        &["faults"]
    }

    fn plan(&self, suite: &Suite) -> Contribution {
        let mut out = Contribution::default();
        if let Some(file) = suite.get("faults") {
            for dependency in fault_dependencies(file) {
                let summaries: Vec<&FaultSummary> = file
                    .faults
                    .iter()
                    .filter(|f| f.dependency == dependency)
                    .collect();
                let Some(first) = summaries.first() else { continue };
                let outage = (
                    first.outage_start_ms as f64 / 1000.0,
                    first.outage_end_ms as f64 / 1000.0,
                );
                let rate = file.runs.first().and_then(|r| r.target_rate).unwrap_or(0.0);
                out.sections.push(Section::new(
                    format!("Faults: {dependency} away"),
                    FaultChart {
                        name: format!("fault-{dependency}"),
                        title: format!("Every flow under load while {dependency} is away for {:.0} s", outage.1 - outage.0),
                        caption: format!(
                            "open loop, {} req/s per flow, all flows at once, {} connections each; per 100 ms by due time",
                            number(rate),
                            file.method.connections
                        ),
                        outage,
                        series: fault_series(file, &dependency),
                    },
                    read_faults(&summaries, &dependency),
                ));
            }
        }
        if out.sections.is_empty() {
            out.missing
                .push("fault timelines (`workbench faults`: Redis or the session auth server away)");
        }
        out
    }
}

/// One row of the fault table, formatted.
#[derive(Serialize)]
struct FaultRow {
    flow: String,
    fail: String,
    recover: String,
    answers_503: u64,
    other_5xx: u64,
    answers_4xx: u64,
    no_answer: u64,
    hung: u64,
    slowest_sent: String,
    slowest_due: String,
}

/// What each flow's users saw, one row per flow (`faults-table.md.j2`).
pub(crate) fn fault_table(summaries: &[&FaultSummary]) -> String {
    let ms = |v: Option<u64>| or_missing(v, |v| format!("{v} ms"));
    let rows: Vec<FaultRow> = summaries
        .iter()
        .map(|s| FaultRow {
            flow: s.flow.clone(),
            fail: ms(s.time_to_fail_ms),
            recover: ms(s.time_to_recover_ms),
            answers_503: s.answers_503,
            other_5xx: s.other_5xx,
            answers_4xx: s.answers_4xx,
            no_answer: s.no_answer,
            hung: s.hung,
            slowest_sent: show_us(s.max_service_in_outage_us),
            slowest_due: show_us(s.max_latency_in_outage_us),
        })
        .collect();
    render_block("faults-table.md.j2", TABLE, serde_json::json!({ "rows": rows }))
        .unwrap_or_else(|e| e.to_string())
}

fn read_faults(summaries: &[&FaultSummary], dependency: &str) -> Vec<String> {
    let mut out = vec![fault_table(summaries)];
    let mut verdicts = Vec::new();
    for s in summaries {
        let uses = s.time_to_fail_ms.is_some();
        if !uses {
            let clean = s.answers_503 + s.other_5xx + s.answers_4xx + s.no_answer == 0;
            verdicts.push(format!(
                "{} {} while {dependency} was away",
                s.flow,
                if clean {
                    "did not notice: no error at all"
                } else {
                    "had errors"
                }
            ));
            continue;
        }
        let fast = s.max_service_in_outage_us <= 1_000_000;
        verdicts.push(format!(
            "{} answered 503 {} (slowest {} from sending, target: within the 1 s timeout), {} \
             (target: within 2 s), {} other 5xx, {} hung",
            s.flow,
            if fast {
                "within the timeout"
            } else {
                "more slowly than the timeout"
            },
            show_us(s.max_service_in_outage_us),
            match s.time_to_recover_ms {
                Some(r) if r <= 2000 => format!("recovered {r} ms after the return"),
                Some(r) => format!("took {r} ms to recover"),
                None => "did not recover within the run".into(),
            },
            s.other_5xx,
            s.hung
        ));
    }
    out.push(format!("Against the targets: {}.", verdicts.join("; ")));
    if let Some(s) = summaries.iter().find(|s| {
        // Worth saying only when the queueing is large, not a few milliseconds.
        s.max_latency_in_outage_us > 100_000
            && s.max_latency_in_outage_us > 2 * s.max_service_in_outage_us
            && s.time_to_fail_ms.is_some()
    }) {
        out.push(format!(
            "Users of {} waited up to {} although the servers answered within {}: each 503 held a \
             connection for that long, so at this rate the requests due queued for a free one. A \
             fast 503 is only as fast as the slowest step before it.",
            s.flow,
            show_us(s.max_latency_in_outage_us),
            show_us(s.max_service_in_outage_us)
        ));
    }
    out
}

/// The dependencies a faults file took away, in order.
fn fault_dependencies(file: &ResultsFile) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in &file.faults {
        if !out.contains(&f.dependency) {
            out.push(f.dependency.clone());
        }
    }
    out
}

pub(crate) fn fault_series(file: &ResultsFile, dependency: &str) -> Vec<FaultSeries> {
    let label = format!("{dependency} away");
    file.runs
        .iter()
        .filter(|r| r.label == label)
        .map(|r| FaultSeries {
            flow: r.flow.clone(),
            points: r
                .result
                .timeline
                .iter()
                .filter(|b| b.responses + b.errors > 0)
                .map(|b| {
                    let share = b.success as f64 * 100.0 / (b.responses + b.errors) as f64;
                    (b.t_ms as f64 / 1000.0, share, b.max_us as f64 / 1000.0)
                })
                .collect(),
        })
        .collect()
}
