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
        let Some(failover) = &file.failover else { return out };
        out.sections.push(Section {
            heading: "Failover and restart: the acknowledged writes".into(),
            chart: None,
            reading: vec![writes_table(&failover.trials), read_writes(&failover.trials)],
        });
        for trial in &failover.trials {
            let summaries: Vec<&FaultSummary> = file.faults.iter().filter(|f| f.dependency == trial.label).collect();
            let rate = file.runs.first().and_then(|r| r.target_rate).unwrap_or(0.0);
            let back = trial.event_ms + trial.back_after_ms.unwrap_or(0);
            out.sections.push(Section::new(
                format!("Failover: {}", trial.label),
                FaultChart {
                    name: format!("failover-{}", slug(&trial.label)),
                    title: format!("Every flow under load: {}", trial.label),
                    caption: format!(
                        "{}; {}; open loop, {} req/s per flow, all flows at once; per 100 ms by due time; \
                         shaded from the event to the store's return",
                        trial.store,
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
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
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
            serde_json::json!({
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
        serde_json::json!({ "kinds": kinds, "trials": rows }),
    )
    .unwrap_or_else(|e| e.to_string())
}

fn read_writes(trials: &[FailoverTrial]) -> String {
    let said: Vec<String> = trials
        .iter()
        .map(|t| {
            let lost = t.lost();
            if lost == 0 {
                format!("{}: none of {} acknowledged writes lost", t.label, t.acknowledged())
            } else {
                format!("{}: {lost} of {} acknowledged writes lost", t.label, t.acknowledged())
            }
        })
        .collect();
    format!(
        "Against the targets (0 lost with WAIT across a primary kill, 0 lost with AOF across a restart): {}.",
        said.join("; ")
    )
}

fn read_trial(file: &ResultsFile, trial: &FailoverTrial, summaries: &[&FaultSummary]) -> Vec<String> {
    let mut out = vec![fault_table(summaries)];
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
                if clean { "did not notice: no error at all" } else { "had errors, though none in the event's slot" }
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
        verdicts.push(format!(
            "{} unavailable for {} (target: at most {}), slowest answer in the outage {} from sending \
             (target for a 503 while the store is known down: {}), {} other 5xx, {} hung",
            s.flow,
            unavailable.map_or_else(|| "the rest of the run".to_string(), |ms| format!("about {ms} ms")),
            bound.map_or_else(|| "down-after + 2 s".to_string(), |b| format!("{b} ms")),
            show_us(s.max_service_in_outage_us),
            show_us(FAST_503_US),
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
