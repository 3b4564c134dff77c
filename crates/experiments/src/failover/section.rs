//! The failover experiment in the report: one table of what every trial did to the
//! acknowledged writes (`writes-table.md.j2`), then a timeline per trial with the table of
//! what each flow's users saw and the verdicts against the targets.

use report::charts::*;
use report::template::render_block;
use report::{Contribution, Part, Section, Suite};
use results::ResultsFile;
use results::failover::FailoverTrial;
use results::faults::FaultSummary;
use results::units::*;

use super::writes::KINDS;
use crate::faults::section::{fault_series, fault_table};

const WRITES: &str = include_str!("writes-table.md.j2");

/// 503 within this long from sending while the store is known down (the target).
const FAST_503_US: u64 = 10_000;

pub struct Sections;

impl Part for Sections {
    fn files(&self) -> &'static [&'static str] {
        &["failover"]
    }

    fn plan(&self, suite: &Suite) -> Contribution {
        let mut out = Contribution::default();
        let Some(file) = suite.get("failover") else {
            out.missing
                .push("failover and restart (`workbench failover`: a Sentinel primary killed, a single Redis restarted)");
            return out;
        };
        let Some(failover) = &file.failover else {
            return out;
        };
        out.sections.push(Section {
            heading: "Failover and restart: the acknowledged writes".into(),
            chart: None,
            reading: vec![writes_table(&failover.trials), read_writes(&failover.trials)],
        });
        for trial in &failover.trials {
            let summaries: Vec<&FaultSummary> = file
                .faults
                .iter()
                .filter(|f| f.dependency == trial.label)
                .collect();
            let rate = file.runs.first().and_then(|r| r.target_rate).unwrap_or(0.0);
            let back = trial.event_ms + trial.back_after_ms.unwrap_or(0);
            out.sections.push(Section::new(
                format!("Failover: {}", trial.label),
                FaultChart {
                    name: format!("failover-{}", slug(&trial.label)),
                    title: format!("Every flow under load: {}", trial.label),
                    caption: format!(
                        "{}; open loop, {} req/s per flow, all flows at once; per 100 ms by due time",
                        trial.durability,
                        number(rate),
                    ),
                    outage: (trial.event_ms as f64 / 1000.0, back as f64 / 1000.0),
                    series: fault_series(file, &trial.label),
                },
                read_trial(file, trial, &summaries),
            ));
        }
        out
    }
}

fn slug(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn writes_table(trials: &[FailoverTrial]) -> String {
    let kinds: Vec<&str> = KINDS
        .iter()
        .copied()
        .filter(|k| trials.iter().any(|t| t.writes.iter().any(|w| w.kind == *k)))
        .collect();
    let rows: Vec<serde_json::Value> = trials
        .iter()
        .map(|t| {
            let cells: Vec<String> = kinds
                .iter()
                .map(|k| match t.writes.iter().find(|w| w.kind == *k) {
                    Some(w) if w.unchecked > 0 => format!("{} / {} ({} unchecked)", w.lost, w.acknowledged, w.unchecked),
                    Some(w) => format!("{} / {}", w.lost, w.acknowledged),
                    None => "–".into(),
                })
                .collect();
            let times: Vec<String> = kinds
                .iter()
                .map(|k| match t.writes.iter().find(|w| w.kind == *k) {
                    Some(w) => match (w.p50_us, w.p99_us) {
                        (Some(p50), Some(p99)) => format!("{} / {}", show_us(p50), show_us(p99)),
                        _ => "–".into(),
                    },
                    None => "–".into(),
                })
                .collect();
            serde_json::json!({
                "times": times,
                "label": t.label,
                "back": t.back_after_ms.map_or_else(|| "not within the run".to_string(), |ms| format!("{ms} ms")),
                "cells": cells,
                "refused": t.writes.iter().map(|w| w.refused).sum::<u64>(),
            })
        })
        .collect();
    render_block(
        "writes-table.md.j2",
        WRITES,
        serde_json::json!({ "kinds": kinds, "trials": rows, "align": "---:|".repeat(kinds.len()) }),
    )
    .unwrap_or_else(|e| e.to_string())
}

fn read_writes(trials: &[FailoverTrial]) -> String {
    let said: Vec<String> = trials
        .iter()
        .map(|t| {
            let lost = t.lost();
            if lost == 0 {
                format!(
                    "{}: none of {} acknowledged writes lost",
                    t.label,
                    t.acknowledged()
                )
            } else {
                format!(
                    "{}: {lost} of {} acknowledged writes lost",
                    t.label,
                    t.acknowledged()
                )
            }
        })
        .collect();
    let mut out = format!(
        "Against the targets (0 lost with WAIT across a primary kill, 0 lost with AOF across a restart): {}.",
        said.join("; ")
    );
    let asynchronous = trials
        .iter()
        .find(|t| t.scenario == "primary killed" && t.durability.contains("primary alone"));
    if let Some(t) = asynchronous {
        if t.lost() == 0 {
            out.push_str(
                " Asynchronous replication lost nothing in this trial, which does not make it safe: on \
                 loopback a replica copies a write within microseconds of the primary's answer, so a \
                 kill seldom falls inside that window. Across a network, or with a replica that lags \
                 or is cut off (Jepsen's partitions), the window widens; only WAIT closes it, by \
                 answering 503 to a write no replica has confirmed instead of acknowledging it.",
            );
        } else {
            out.push_str(&format!(
                " Asynchronous replication lost {} acknowledged writes: the primary answered before a \
                 replica had them, and the replica Sentinel promoted never did.",
                t.lost()
            ));
        }
    }
    let revocation_p50 = |t: &FailoverTrial| {
        t.writes
            .iter()
            .find(|w| w.kind == "access-token revocation")
            .and_then(|w| w.p50_us)
    };
    let waited = trials
        .iter()
        .find(|t| t.scenario == "primary killed" && t.durability.starts_with("WAIT"));
    if let (Some(a), Some(w)) = (
        asynchronous.and_then(revocation_p50),
        waited.and_then(revocation_p50),
    ) {
        out.push_str(&format!(
            " Waiting for a replica cost a revocation {} at the median ({} acknowledged by the primary \
             alone, {} with {}); a login's password hash hides it.",
            if w >= a {
                show_us(w - a)
            } else {
                format!("nothing measurable ({} less)", show_us(a - w))
            },
            show_us(a),
            show_us(w),
            waited.map(|t| t.durability.as_str()).unwrap_or("WAIT")
        ));
    }
    if let Some(t) = trials
        .iter()
        .find(|t| t.scenario == "restart" && t.durability == "no persistence")
        .filter(|t| t.lost() > 0)
    {
        out.push_str(&format!(
            " A Redis without persistence forgets on a restart everything written before it ({} \
             writes here): the sessions of the users logged in, and every revocation, so revoked \
             tokens are accepted again. A logout cannot be undone this way: the session it ended is \
             gone either way.",
            t.lost()
        ));
    }
    out
}

fn read_trial(file: &ResultsFile, trial: &FailoverTrial, summaries: &[&FaultSummary]) -> Vec<String> {
    let mut out = vec![
        format!(
            "The store: {}. The writes that matter: {}.",
            trial.store, trial.durability
        ),
        fault_table(summaries),
    ];
    let down_after_ms = file
        .notes
        .iter()
        .find_map(|n| n.split("down-after is ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|ms| ms.parse::<u64>().ok());
    let mut verdicts = Vec::new();
    for s in summaries {
        let Some(fail) = s.time_to_fail_ms else {
            let clean = s.answers_503 + s.other_5xx + s.answers_4xx + s.no_answer == 0;
            verdicts.push(format!(
                "{} {}",
                s.flow,
                if clean {
                    "did not notice: no error at all"
                } else {
                    "had errors, though none in the event's slot"
                }
            ));
            continue;
        };
        let unavailable = trial
            .back_after_ms
            .zip(s.time_to_recover_ms)
            .map(|(back, recover)| (back + recover).saturating_sub(fail));
        let bound = match trial.scenario.as_str() {
            "primary killed" => down_after_ms.map(|d| d + 2000),
            _ => Some(2000),
        };
        let refused = match s.refused_p99_us {
            Some(p99) => format!(
                "its 503s came {} from sending at p99 ({}; target: within {}), the slowest answer of the outage {}",
                show_us(p99),
                if p99 <= FAST_503_US { "met" } else { "not met" },
                show_us(FAST_503_US),
                show_us(s.max_service_in_outage_us)
            ),
            None => format!(
                "the slowest answer of the outage came {} from sending",
                show_us(s.max_service_in_outage_us)
            ),
        };
        verdicts.push(format!(
            "{} unavailable for {} (target: at most {}); {refused}; {} other 5xx, {} hung",
            s.flow,
            unavailable.map_or_else(
                || "the rest of the run".to_string(),
                |ms| format!("about {ms} ms")
            ),
            bound.map_or_else(|| "down-after + 2 s".to_string(), |b| format!("{b} ms")),
            s.other_5xx,
            s.hung
        ));
    }
    out.push(format!("Against the targets: {}.", verdicts.join("; ")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trial_label_becomes_a_file_name() {
        assert_eq!(slug("primary killed, WAIT 1"), "primary-killed-wait-1");
        assert_eq!(slug("restart, AOF everysec"), "restart-aof-everysec");
    }
}
