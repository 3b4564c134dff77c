//! The report's text. Every sentence that states a figure is built from the same numbers
//! the charts draw, so the words cannot drift from the data.

use std::fmt::Write;
use std::path::Path;

use super::Suite;
use super::charts::{
    COST_BARS, CpuChart, DelaySeries, FaultChart, LAG_FLOOR_MS, LinkDelayChart, PercentileChart, Rendered,
    RevocationChart, RevocationPoint, ScaleChart, SessionMemoryChart, ThroughputChart, TokenCostChart,
    TokenSizeChart, number,
};
use super::figures::{
    Bar, CostGroup, Curve, Stack, cost_groups, cpu_stacks, delay_series, fault_dependencies, fault_series,
    latency_curves, load_levels, revocation_points, scale_points, scale_scenarios, scale_series,
    throughput_bars, timeline_cv,
};
use crate::experiments::faults::FaultSummary;
use crate::experiments::model::ScaleModel;
use crate::experiments::results::{ResultsFile, median};
use crate::experiments::revocation::{RevocationResults, show_ms};
use crate::experiments::scale::saturated;
use crate::experiments::show_us;
use crate::experiments::state::StateResults;

pub enum SectionChart {
    Throughput(ThroughputChart),
    Scale(ScaleChart),
    LinkDelay(LinkDelayChart),
    Fault(FaultChart),
    SessionMemory(SessionMemoryChart),
    TokenSize(TokenSizeChart),
    Cpu(CpuChart),
    Percentiles(PercentileChart),
    TokenCosts(TokenCostChart),
    Revocation(RevocationChart),
}

pub struct Section {
    pub heading: String,
    pub chart: SectionChart,
    /// Plain-language reading, one paragraph or list item per entry.
    pub reading: Vec<String>,
}

pub struct Plan {
    pub sections: Vec<Section>,
}

/// What the report will show, given the files present.
pub fn plan(suite: &Suite) -> Plan {
    let mut sections = Vec::new();
    if let Some(file) = &suite.throughput {
        let bars = throughput_bars(file);
        let baseline = bars.iter().find(|b| b.flow == "baseline").map(|b| b.value);
        sections.push(Section {
            heading: "Maximum throughput".into(),
            reading: read_throughput(&bars, baseline),
            chart: SectionChart::Throughput(ThroughputChart {
                caption: load_caption(
                    file,
                    "closed loop",
                    "median of rounds, whiskers: slowest and fastest round",
                ),
                bars: bars.clone(),
                baseline,
            }),
        });
        let stacks = cpu_stacks(file, "max");
        sections.push(Section {
            heading: "CPU cost per request".into(),
            reading: read_cpu(&stacks, &bars, file.method.machine.cores),
            chart: SectionChart::Cpu(CpuChart {
                name: "cpu-per-request".into(),
                title: "CPU time per answered request, by tier (at each flow's maximum)".into(),
                per: "request".into(),
                caption: load_caption(
                    file,
                    "closed loop",
                    "CPU time from /proc per process over the measured window",
                ),
                stacks,
            }),
        });
    }
    if let Some(file) = &suite.latency {
        for level in load_levels(file) {
            let curves = latency_curves(file, &level);
            let slug = level.trim_end_matches('%').replace('.', "_");
            sections.push(Section {
                heading: format!("Latency at {level} of each flow's maximum"),
                reading: read_latency(&curves, &level),
                chart: SectionChart::Percentiles(PercentileChart {
                    name: format!("latency-{slug}"),
                    title: format!("Latency by percentile at {level} of each flow's own maximum (open loop)"),
                    caption: load_caption(
                        file,
                        "open loop, corrected for coordinated omission",
                        "thin line: rate not kept",
                    ),
                    curves,
                }),
            });
        }
    }
    if let Some(file) = &suite.scale {
        for scenario in scale_scenarios(file) {
            let slug = scenario.replace('+', "-").replace([' ', '@', '.'], "");
            sections.push(Section {
                heading: format!("Scale-out: {}", scenario_title(&scenario)),
                reading: read_scale(file, &scenario),
                chart: SectionChart::Scale(ScaleChart {
                    name: format!("scale-{slug}"),
                    title: format!(
                        "Maximum throughput against API replicas ({})",
                        scenario.split(" @ ").next().unwrap_or_default()
                    ),
                    caption: format!(
                        "{}; dots: measured (closed loop), dashed: capacity model, thin: USL fit",
                        file.method.cpu_limits.split(';').next().unwrap_or_default()
                    ),
                    series: scale_series(file, &scenario),
                }),
            });
        }
    }
    for file in [&suite.links, &suite.latency].into_iter().flatten() {
        let series = delay_series(file);
        if series.is_empty() {
            continue;
        }
        let level = load_levels(file).into_iter().next().unwrap_or_default();
        sections.push(Section {
            heading: "Link delay".into(),
            reading: read_links(&series),
            chart: SectionChart::LinkDelay(LinkDelayChart {
                caption: format!(
                    "open loop at {level} of each flow's loopback maximum (the same rate at every delay); \
                     {} connections; user-space delay links",
                    file.method.connections
                ),
                series,
            }),
        });
        break;
    }
    if let Some(file) = &suite.faults {
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
            sections.push(Section {
                heading: format!("Faults: {dependency} away"),
                reading: read_faults(&summaries, &dependency),
                chart: SectionChart::Fault(FaultChart {
                    name: format!("fault-{dependency}"),
                    title: format!("Every flow under load while {dependency} is away for {:.0} s", outage.1 - outage.0),
                    caption: format!(
                        "open loop, {} req/s per flow, all flows at once, {} connections each; per 100 ms by due time",
                        number(rate),
                        file.method.connections
                    ),
                    outage,
                    series: fault_series(file, &dependency),
                }),
            });
        }
    }
    if let Some(state) = suite.state.as_ref().and_then(|f| f.state.as_ref()) {
        if !state.sessions.is_empty() {
            sections.push(Section {
                heading: "Server-side state: sessions".into(),
                reading: read_sessions(state),
                chart: SectionChart::SessionMemory(SessionMemoryChart {
                    caption:
                        "sessions created through the session store, one role each; Redis INFO used_memory"
                            .into(),
                    points: state.sessions.iter().map(|s| (s.sessions, s.bytes)).collect(),
                }),
            });
        }
        if !state.tokens.is_empty() {
            let mut series: Vec<(String, Vec<(usize, usize)>)> = Vec::new();
            for t in &state.tokens {
                match series.iter_mut().find(|(a, _)| *a == t.algorithm) {
                    Some((_, points)) => points.push((t.roles, t.header_bytes)),
                    None => series.push((t.algorithm.clone(), vec![(t.roles, t.header_bytes)])),
                }
            }
            sections.push(Section {
                heading: "Token size".into(),
                reading: read_token_sizes(state),
                chart: SectionChart::TokenSize(TokenSizeChart {
                    caption: "access tokens as the JWT auth server issues them, roles named role-000 …"
                        .into(),
                    series,
                }),
            });
        }
    }
    if let Some(file) = &suite.logins {
        let throughput = suite
            .throughput
            .as_ref()
            .map(|t| cpu_stacks(t, "max"))
            .unwrap_or_default();
        for (label, per, heading) in [
            ("login", "login", "Login cost"),
            ("refresh", "refresh", "Token refresh cost"),
        ] {
            let stacks = cpu_stacks(file, label);
            if stacks.is_empty() {
                continue;
            }
            let connections = file
                .runs
                .iter()
                .find(|r| r.label == label)
                .map_or(file.method.connections, |r| r.result.connections);
            let reading = match label {
                "login" => read_logins(&stacks, &throughput, file),
                _ => read_refreshes(&stacks, &throughput),
            };
            sections.push(Section {
                heading: heading.into(),
                reading,
                chart: SectionChart::Cpu(CpuChart {
                    name: format!("{label}-cost"),
                    title: format!("CPU time per {per}, by tier (closed loop at the auth server)"),
                    per: per.into(),
                    caption: load_caption_with(
                        file,
                        connections,
                        "closed loop",
                        &format!("POST /{label}; CPU time from /proc per process"),
                    ),
                    stacks,
                }),
            });
        }
    }
    if let Some(file) = &suite.revocation
        && let Some(revocation) = &file.revocation
    {
        let points = revocation_points(file);
        if !points.is_empty() {
            sections.push(Section {
                heading: "Revocation lag".into(),
                reading: read_revocation(revocation, &points),
                chart: SectionChart::Revocation(RevocationChart {
                    caption: format!(
                        "dot: median of {} trials (logout and role removal), bar: shortest to longest; \
                         one call every {}; x: closed loop, {} connections",
                        revocation.arms.first().map_or(0, |a| a.trials.len()),
                        show_ms(revocation.interval_ms),
                        file.method.connections
                    ),
                    points,
                }),
            });
        }
    }
    for (file, source) in [
        (&suite.tokens, "workbench tokens"),
        (&suite.criterion, "criterion"),
    ] {
        let Some(file) = file else { continue };
        let groups = cost_groups(file, source);
        if groups.is_empty() {
            continue;
        }
        let (name, how) = if source == "criterion" {
            (
                "token-verify-criterion",
                "criterion (`cargo bench --bench tokens`), median with its 95 % interval",
            )
        } else {
            (
                "token-verify",
                "`workbench tokens`, in-process, median of samples with fastest and slowest",
            )
        };
        sections.push(Section {
            heading: format!("Token verification cost ({source})"),
            reading: read_costs(&groups, suite),
            chart: SectionChart::TokenCosts(TokenCostChart {
                name: name.into(),
                title: "Verifying one access token: jsonwebtoken beside the raw primitive".into(),
                caption: format!("{how}; {} build, one core", file.method.build),
                groups,
            }),
        });
    }
    Plan { sections }
}

fn scenario_title(scenario: &str) -> String {
    let (base, delay) = match scenario.split_once(" @ ") {
        Some((base, delay)) => (base, format!(", {delay} per link")),
        None => (scenario, String::new()),
    };
    let what = match base {
        "api" => "API replicas added, one auth server and one Redis",
        "api+auth" => "API replicas and session auth servers added together, one Redis",
        other => other,
    };
    format!("{what}{delay}")
}

fn percent(v: f64) -> String {
    format!("{:.0} %", v * 100.0)
}

fn read_scale(file: &ResultsFile, scenario: &str) -> Vec<String> {
    let mut out = Vec::new();
    let cores = file.method.machine.cores as f64;
    let points = scale_points(file, scenario);
    let models: Vec<&ScaleModel> = file.models.iter().filter(|m| m.scenario == scenario).collect();
    let mut lines = Vec::new();
    for model in &models {
        let flow_points: Vec<_> = points.iter().filter(|p| p.closed.flow == model.flow).collect();
        let (Some(first), Some(last)) = (flow_points.first(), flow_points.last()) else {
            continue;
        };
        let efficiency = model.efficiency.last().map(|(_, e)| *e).unwrap_or(0.0);
        lines.push(format!(
            "- **{}**: {} req/s with {} replica(s), {} with {} (scaling efficiency {:.2}); what ran \
             out first at {}: {}.",
            model.flow,
            number(first.closed.result.throughput_rps),
            first.replicas(),
            number(last.closed.result.throughput_rps),
            last.replicas(),
            efficiency,
            last.replicas(),
            saturated(last.closed, cores, last.cpus)
        ));
    }
    out.push(lines.join("\n"));
    // The note's claim: JWT grows with servers, sessions stop at the shared tier.
    let jwt: Vec<&&ScaleModel> = models.iter().filter(|m| m.flow.starts_with("jwt")).collect();
    let session = models.iter().find(|m| m.flow == "session");
    if !jwt.is_empty() {
        let verdicts: Vec<String> = jwt
            .iter()
            .map(|m| {
                // The first point is the reference (1.00 by definition).
                let worst = m
                    .efficiency
                    .iter()
                    .skip(1)
                    .copied()
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .unwrap_or((1, 1.0));
                let limit = points
                    .iter()
                    .find(|p| p.closed.flow == m.flow && p.replicas() == worst.0)
                    .map(|p| saturated(p.closed, cores, p.cpus))
                    .unwrap_or_default();
                format!(
                    "{} {} (lowest efficiency {:.2}, at {} replicas, where what ran out first was {limit})",
                    m.flow,
                    if worst.1 >= 0.9 {
                        "met the 0.9 target"
                    } else {
                        "missed the 0.9 target"
                    },
                    worst.1,
                    worst.0
                )
            })
            .collect();
        out.push(format!(
            "JWT flows against the scaling target: {}.",
            verdicts.join("; ")
        ));
    }
    if let Some(session) = session {
        let flat_from = points.iter().filter(|p| p.closed.flow == "session").find(|p| {
            let s = saturated(p.closed, cores, p.cpus);
            s.starts_with("auth") || s.starts_with("redis")
        });
        if let Some(p) = flat_from {
            out.push(format!(
                "The session flow stopped growing once a shared tier ran out: from {} replica(s) on, \
                 {} held every request (capacity model at 64 replicas: {} req/s, bound by {}).",
                p.replicas(),
                saturated(p.closed, cores, p.cpus),
                session
                    .extrapolated
                    .last()
                    .map(|e| number(e.capacity.rps))
                    .unwrap_or_default(),
                session
                    .extrapolated
                    .last()
                    .map(|e| e.capacity.bound.clone())
                    .unwrap_or_default()
            ));
        }
    }
    let fits: Vec<String> = models
        .iter()
        .map(|m| {
            let usl = m
                .usl
                .map(|u| {
                    let peak = u
                        .peak()
                        .map(|n| format!(", peak near {n:.0} replicas"))
                        .unwrap_or_default();
                    format!("σ = {:.3}, κ = {:.4}{peak}", u.sigma, u.kappa)
                })
                .unwrap_or_else(|| "no fit".into());
            let growth: Vec<String> = m
                .cost_range_us
                .iter()
                .filter(|(tier, (a, _))| tier.as_str() != "generator" && *a > 0.5)
                .map(|(tier, (a, b))| format!("{tier} {} → {} µs", number(*a), number(*b)))
                .collect();
            format!(
                "{}: capacity model within {} of the measured points, USL within {} ({usl}); cost \
                 per request from the first to the last point: {}",
                m.flow,
                m.capacity_error.map(percent).unwrap_or_else(|| "–".into()),
                m.usl_error.map(percent).unwrap_or_else(|| "–".into()),
                growth.join(", ")
            )
        })
        .collect();
    out.push(format!(
        "Models (target: within 10 %): {}. Where the capacity model misses, the costs per request \
         moved between points (less batching per wake-up as the load spreads over more processes), \
         which a single cost per tier cannot follow.",
        fits.join("; ")
    ));
    // The points, in full.
    let mut table = String::from(
        "| flow | API replicas | auth servers | max req/s | efficiency | p50 / p99 open loop | API | auth | Redis | generator cores | ran out first |\n|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|\n",
    );
    for p in &points {
        let model = models.iter().find(|m| m.flow == p.closed.flow);
        let eff = model
            .and_then(|m| m.efficiency.iter().find(|(n, _)| *n == p.replicas()))
            .map(|(_, e)| format!("{e:.2}"))
            .unwrap_or_else(|| "–".into());
        let util = |tier: &str| {
            p.closed
                .utilisation
                .get(tier)
                .map(|u| {
                    if tier == "generator" {
                        format!("{u:.2}")
                    } else {
                        percent(*u)
                    }
                })
                .unwrap_or_else(|| "–".into())
        };
        let open = p
            .open
            .map(|o| {
                let kept = o.result.schedule.as_ref().is_none_or(|s| s.kept_rate);
                format!(
                    "{} / {} at {}{}",
                    show_us(o.result.latency.p50_us),
                    show_us(o.result.latency.p99_us),
                    number(o.target_rate.unwrap_or(0.0)),
                    if kept { "" } else { " ⚠" }
                )
            })
            .unwrap_or_else(|| "–".into());
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {eff} | {open} | {} | {} | {} | {} | {} |",
            p.closed.flow,
            p.replicas(),
            p.auth_servers(),
            number(p.closed.result.throughput_rps),
            util("api"),
            util("auth"),
            util("redis"),
            util("generator"),
            saturated(p.closed, cores, p.cpus)
        );
    }
    table.push_str(
        "\nUtilisation: CPU used over the quota of all the tier's processes; generator: cores used. \
         ⚠: the generator did not keep the open-loop schedule.",
    );
    out.push(table);
    // Extrapolation.
    let mut far = String::from(
        "| flow | capacity model at 8 | 16 | 32 | 64 API replicas | USL at 64 |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for m in &models {
        let at = |n: usize| {
            m.extrapolated
                .iter()
                .find(|e| e.replicas == n)
                .map(|e| format!("{} ({})", number(e.capacity.rps), e.capacity.bound))
                .unwrap_or_else(|| "–".into())
        };
        let usl = m
            .extrapolated
            .iter()
            .find(|e| e.replicas == 64)
            .and_then(|e| e.usl_rps)
            .map(number)
            .unwrap_or_else(|| "–".into());
        let _ = writeln!(
            far,
            "| {} | {} | {} | {} | {} | {usl} |",
            m.flow,
            at(8),
            at(16),
            at(32),
            at(64)
        );
    }
    if let Some(m) = models.first() {
        far.push_str("\nAssumptions: ");
        far.push_str(&m.assumptions.join("; "));
        far.push('.');
    }
    out.push(format!("Extrapolated to 64 API replicas:\n\n{far}"));
    out
}

fn read_faults(summaries: &[&FaultSummary], dependency: &str) -> Vec<String> {
    let mut out = Vec::new();
    let ms = |v: Option<u64>| v.map(|v| format!("{v} ms")).unwrap_or_else(|| "–".into());
    let mut table = String::from(
        "| flow | time to fail | time to recover | 503 | other 5xx | 4xx | no answer | hung | slowest answer in the outage (from sending / from due) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for s in summaries {
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} / {} |",
            s.flow,
            ms(s.time_to_fail_ms),
            ms(s.time_to_recover_ms),
            s.answers_503,
            s.other_5xx,
            s.answers_4xx,
            s.no_answer,
            s.hung,
            show_us(s.max_service_in_outage_us),
            show_us(s.max_latency_in_outage_us)
        );
    }
    table.push_str(
        "\nTime to fail and to recover are read off the 100 ms timeline (by due time); recovered \
         means every request from then on succeeded.",
    );
    out.push(table);
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

fn read_sessions(state: &StateResults) -> Vec<String> {
    let mut out = Vec::new();
    let lines: Vec<String> = state
        .sessions
        .iter()
        .map(|s| {
            format!(
                "{} sessions: {:.1} MB ({} bytes each)",
                number(s.sessions as f64),
                s.bytes as f64 / 1e6,
                number(s.bytes_per_session)
            )
        })
        .collect();
    out.push(format!(
        "The session flow keeps every live session in Redis: {}. Plain JWT keeps nothing on \
         the server.",
        lines.join("; ")
    ));
    if let Some(last) = state.denylist.last() {
        // An entry lives until its token expires: 5-minute tokens plus the 30 s leeway.
        let held = 330.0;
        out.push(format!(
            "jwt-denylist keeps one entry per revoked, unexpired token: {} bytes each at {} \
             entries. Each lives until its token expires (5 min plus 30 s leeway by default), \
             so 10 logouts a second hold about {} entries, {} kB: the denylist grows with the \
             logout rate, sessions with the number of active users.",
            number(last.bytes_per_entry),
            number(last.entries as f64),
            number(10.0 * held),
            number(10.0 * held * last.bytes_per_entry / 1000.0)
        ));
    }
    if let Some(last) = state.sessions.last() {
        out.push(format!(
            "Creating them through the store ran at {} sessions per second; that is the store \
             alone, without a login's password hash.",
            number(last.created_per_second)
        ));
    }
    out
}

fn read_revocation(revocation: &RevocationResults, points: &[RevocationPoint]) -> Vec<String> {
    let mut out = Vec::new();
    let lag = |ms: f64| {
        if ms < LAG_FLOOR_MS {
            "the next request".to_string()
        } else {
            show_ms(ms)
        }
    };
    for arm in &revocation.arms {
        let Some(point) = points.iter().find(|p| p.label == arm.label) else {
            continue;
        };
        let event = |name: &str, said: &str| {
            let lags = arm.scaled_lags_ms(Some(name));
            if lags.is_empty() {
                return format!("{said} never denied in the trial's time");
            }
            let max = lags.iter().copied().fold(0.0, f64::max);
            if max < LAG_FLOOR_MS {
                format!("{said} denied at the next request")
            } else {
                format!(
                    "{said} denied after {} (longest {})",
                    lag(median(&lags)),
                    lag(max)
                )
            }
        };
        out.push(format!(
            "**{}** ({} req/s): {}; {}.",
            arm.label,
            number(point.rps),
            event("logout", "after a logout the credential was"),
            event("role-removed", "after a role removal the admin call was"),
        ));
    }
    let rps = |flow: &str| points.iter().find(|p| p.flow == flow).map(|p| p.rps);
    if let (Some(plain), Some(deny)) = (rps("jwt-hs256"), rps("jwt-denylist")) {
        out.push(format!(
            "The denylist makes a JWT revocable at once, and costs a Redis read per request: \
             jwt-denylist ran at {} of plain JWT's maximum ({} against {} req/s), and like the \
             session flows it now answers 503 when Redis is away.",
            percent(deny / plain),
            number(deny),
            number(plain)
        ));
    }
    if let Some(session) = rps("session") {
        let cached: Vec<&RevocationPoint> = points
            .iter()
            .filter(|p| p.flow.starts_with("session-cached"))
            .collect();
        if !cached.is_empty() {
            let low = cached.iter().map(|p| p.rps).fold(f64::INFINITY, f64::min);
            let high = cached.iter().map(|p| p.rps).fold(0.0, f64::max);
            let range = if cached.len() == 1 {
                number(high)
            } else {
                format!("{} to {}", number(low), number(high))
            };
            out.push(format!(
                "An introspection cache buys throughput with lag: session-cached ran at {range} \
                 req/s against session's {}, and its lag grows with the cache lifetime (up to {}). \
                 With few virtual users nearly every request is a cache hit; with many users who \
                 each call less often than once per cache lifetime, it falls back towards session.",
                number(session),
                lag(cached.iter().map(|p| p.max_ms).fold(0.0, f64::max)),
            ));
        }
    }
    let slack = revocation.interval_ms * 2.0 + 50.0;
    let beyond: Vec<String> = revocation
        .arms
        .iter()
        .flat_map(|arm| {
            arm.trials
                .iter()
                .filter(move |t| t.lag_ms.is_some_and(|l| l > t.bound_ms + slack))
                .map(move |t| format!("{} ({})", arm.label, t.event))
        })
        .collect();
    out.push(if beyond.is_empty() {
        format!(
            "Every lag stayed within its design's bound from t0 (none for the session flows and \
             the denylist, the cache lifetime, the token's remaining life) plus {} ms of call \
             interval and scheduling.",
            number(slack)
        )
    } else {
        format!(
            "Lags beyond the design's bound (plus {} ms): {}.",
            number(slack),
            beyond.join(", ")
        )
    });
    out.push(format!(
        "Plain JWT ran {} s per minute of token lifetime with no leeway, and its lags are \
         scaled by {:.0}; with the default 30 s leeway each is 30 s longer.",
        revocation.seconds_per_minute,
        60.0 / revocation.seconds_per_minute as f64
    ));
    out
}

fn read_token_sizes(state: &StateResults) -> Vec<String> {
    let mut out = Vec::new();
    let smallest: Vec<String> = state
        .tokens
        .iter()
        .filter(|t| t.roles == state.tokens.iter().map(|t| t.roles).min().unwrap_or(0))
        .map(|t| format!("{} {} B", t.algorithm, number(t.header_bytes as f64)))
        .collect();
    out.push(format!(
        "What the JWT flow sends instead of a session id (a session id's header is 65 bytes): with \
         the fewest roles measured, {}.",
        smallest.join(", ")
    ));
    let limits: Vec<String> = state
        .header_limit_roles
        .iter()
        .map(|(alg, n)| match n {
            Some(n) => format!("{alg} at {n} roles"),
            None => format!("{alg} never (up to 2000 roles)"),
        })
        .collect();
    out.push(format!("The header passes 8 KB with {}.", limits.join(", ")));
    let probes: Vec<String> = state
        .limit_probe
        .iter()
        .map(|p| {
            let what = p
                .www_authenticate
                .as_deref()
                .and_then(|w| w.split("error_description=\"").nth(1))
                .map(|d| d.trim_end_matches('"').to_string())
                .unwrap_or_default();
            match p.status {
                Some(s) => format!("{} bytes → {s} ({what})", number(p.credential_bytes as f64)),
                None => format!("{} bytes → no answer", number(p.credential_bytes as f64)),
            }
        })
        .collect();
    out.push(format!(
        "The API server's real limit, probed with wrongly signed bearer credentials: {}.",
        probes.join("; ")
    ));
    out
}

fn read_links(series: &[DelaySeries]) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = Vec::new();
    for s in series {
        let (Some(first), Some(last)) = (s.points.first(), s.points.last()) else {
            continue;
        };
        // One-way crossings per request: API→auth→Redis and back is 4, API→Redis and back
        // is 2, a JWT check crosses none.
        let crossings = match s.flow.as_str() {
            "session" => 4,
            "session-redis" => 2,
            _ => 0,
        };
        let grew = last.1 as f64 - first.1 as f64;
        let expected = crossings as f64 * (last.0 - first.0) as f64;
        lines.push(format!(
            "- **{}**: p50 {} with no delay, {} with {} per link: +{} (its requests cross a link {} \
             times one way, so +{} was expected).",
            s.flow,
            show_us(first.1),
            show_us(last.1),
            show_us(last.0),
            show_us(grew.max(0.0) as u64),
            crossings,
            show_us(expected as u64)
        ));
    }
    out.push(format!(
        "Loopback hides what a network adds per hop. Here every server-to-server link went \
         through a delay link, at the same request rate for every delay:\n{}",
        lines.join("\n")
    ));
    out
}

fn load_caption(file: &ResultsFile, mode: &str, extra: &str) -> String {
    load_caption_with(file, file.method.connections, mode, extra)
}

/// [`load_caption`] for runs that used another number of connections than the file's.
fn load_caption_with(file: &ResultsFile, connections: usize, mode: &str, extra: &str) -> String {
    let m = &file.method;
    let rounds = if m.rounds > 1 {
        format!(", {} rounds", m.rounds)
    } else {
        String::new()
    };
    format!(
        "{mode}, {connections} connections, {} s per run after {} s warm-up{rounds}; {} cores, {} build; {extra}",
        m.duration_ms as f64 / 1000.0,
        m.warmup_ms as f64 / 1000.0,
        m.machine.cores,
        m.build
    )
}

fn find<'a>(bars: &'a [Bar], flow: &str) -> Option<&'a Bar> {
    bars.iter().find(|b| b.flow == flow)
}

fn read_throughput(bars: &[Bar], baseline: Option<f64>) -> Vec<String> {
    let mut out = Vec::new();
    let mut authenticated: Vec<&Bar> = bars.iter().filter(|b| b.flow != "baseline").collect();
    authenticated.sort_by(|a, b| b.value.total_cmp(&a.value));
    if let Some(base) = baseline {
        out.push(format!(
            "The no-auth baseline (the same API server, a route without authentication) answered \
             {} requests per second at most. This is the ceiling of the server, the generator and \
             the machine together; every authenticated flow is measured against it.",
            number(base)
        ));
        if let (Some(best), Some(worst)) = (authenticated.first(), authenticated.last()) {
            out.push(format!(
                "Of the authenticated flows, {} kept the most of it ({:.2}×) and {} the least \
                 ({:.2}×).",
                best.flow,
                best.value / base,
                worst.flow,
                worst.value / base
            ));
        }
    }
    if let (Some(session), Some(jwt)) = (find(bars, "session"), find(bars, "jwt-hs256")) {
        out.push(format!(
            "jwt-hs256 answered {:.2}× as many requests as session on the same machine. The \
             session flow makes two more hops on every request (API server to the session auth \
             server, and on to Redis); the JWT flow checks an HMAC in the API server and calls \
             no one.",
            jwt.value / session.value
        ));
    }
    if let (Some(session), Some(direct)) = (find(bars, "session"), find(bars, "session-redis")) {
        out.push(format!(
            "session-redis, where the API server reads the session from Redis itself, answered \
             {:.2}× as many as session: the difference is the price of the auth server hop.",
            direct.value / session.value
        ));
    }
    let asymmetric: Vec<&&Bar> = authenticated
        .iter()
        .filter(|b| ["jwt-eddsa", "jwt-es256", "jwt-rs256"].contains(&b.flow.as_str()))
        .collect();
    if let (Some(hs), false) = (find(bars, "jwt-hs256"), asymmetric.is_empty()) {
        let list: Vec<String> = asymmetric
            .iter()
            .map(|b| format!("{} {:.2}×", b.flow, b.value / hs.value))
            .collect();
        out.push(format!(
            "Against jwt-hs256, the public-key algorithms reached: {}. They verify a signature \
             with a public key on every request, which costs more CPU than an HMAC (see the token \
             verification chart).",
            list.join(", ")
        ));
    }
    match bars.iter().map(|b| b.rounds).max() {
        Some(rounds) if rounds > 1 => {
            if let Some(widest) = bars.iter().max_by(|a, b| a.spread().total_cmp(&b.spread())) {
                out.push(format!(
                    "Each bar is the median of {rounds} interleaved rounds; the whiskers span the \
                     slowest and fastest round. The widest spread was {}'s, {:.0} % of its median: \
                     differences smaller than that are within this run's noise.",
                    widest.flow,
                    widest.spread() * 100.0
                ));
            }
        }
        _ => out
            .push("One round per flow: this run does not show run-to-run noise (`--rounds 3` does).".into()),
    }
    out
}

fn read_cpu(stacks: &[Stack], bars: &[Bar], cores: usize) -> Vec<String> {
    let mut out = Vec::new();
    let tier = |s: &Stack, t: &str| s.tier(t).map(number).unwrap_or_else(|| "–".into());
    let list: Vec<String> = stacks
        .iter()
        .map(|s| {
            format!(
                "{}: {} µs in all (API server {}, auth server {}, Redis {}, generator {})",
                s.flow,
                number(s.total()),
                tier(s, "api"),
                tier(s, "auth"),
                tier(s, "redis"),
                tier(s, "generator")
            )
        })
        .collect();
    out.push(format!(
        "CPU microseconds spent per answered request, by process: {}.",
        list.join("; ")
    ));
    let by = |flow: &str| stacks.iter().find(|s| s.flow == flow);
    if let (Some(base), Some(jwt)) = (by("baseline"), by("jwt-hs256"))
        && let (Some(b), Some(j)) = (base.tier("api"), jwt.tier("api"))
    {
        out.push(format!(
            "The API server's own cost went from {} µs per request (baseline) to {} µs with \
             jwt-hs256: {} µs for reading the header, verifying the token and building the \
             identity.",
            number(b),
            number(j),
            number(j - b)
        ));
    }
    if let Some(session) = by("session") {
        let elsewhere = session.tier("auth").unwrap_or(0.0) + session.tier("redis").unwrap_or(0.0);
        let mut line = format!(
            "The session flow spent {} µs per request in the auth server and Redis, work the JWT \
             flows do not do at all.",
            number(elsewhere)
        );
        if let (Some(api), Some(base)) = (session.tier("api"), by("baseline").and_then(|b| b.tier("api"))) {
            let _ = write!(
                line,
                " Its API server spent {} µs, {} µs more than the baseline's: making the \
                 introspection call over HTTP costs the caller CPU too.",
                number(api),
                number(api - base)
            );
        }
        out.push(line);
    }
    // Every process shares the same cores, so cores / CPU per request bounds the rate.
    let checks: Vec<String> = stacks
        .iter()
        .filter_map(|s| {
            let measured = find(bars, &s.flow)?.value;
            (s.total() > 0.0).then(|| {
                let bound = cores as f64 * 1e6 / s.total();
                format!("{} {:.0} %", s.flow, measured / bound * 100.0)
            })
        })
        .collect();
    if !checks.is_empty() {
        out.push(format!(
            "All tiers share the machine's {cores} cores, so {cores} × 10⁶ / (total µs per \
             request) bounds each flow's rate. The measured maxima reached this share of the \
             bound: {}. Near 100 % the cores were the limit; well below, something else (waits, \
             scheduling between processes) was.",
            checks.join(", ")
        ));
    }
    out
}

/// CPU µs of the servers (everything but the load generator) in a stack.
fn server_cpu(stack: &Stack) -> f64 {
    stack.total() - stack.tier("generator").unwrap_or(0.0)
}

/// The session flow's extra server CPU per request over jwt-hs256, from the throughput runs.
fn session_extra_per_request(throughput: &[Stack]) -> Option<f64> {
    let session = throughput.iter().find(|s| s.flow == "session")?;
    let jwt = throughput.iter().find(|s| s.flow == "jwt-hs256")?;
    Some(server_cpu(session) - server_cpu(jwt)).filter(|d| *d > 0.0)
}

fn read_logins(stacks: &[Stack], throughput: &[Stack], file: &ResultsFile) -> Vec<String> {
    let mut out = Vec::new();
    let list: Vec<String> = stacks
        .iter()
        .map(|s| format!("{} {} ms", s.flow, number(server_cpu(s) / 1000.0)))
        .collect();
    out.push(format!(
        "Server CPU per login (auth server and Redis, without the load generator): {}. Every \
         login verifies the same argon2id hash; what follows it differs (a session written to \
         Redis, or an access and a refresh token signed: the refresh costs below show what a \
         signature adds).",
        list.join(", ")
    ));
    if let Some(note) = file.notes.iter().find(|n| n.contains("argon2id")) {
        out.push(format!("Hash parameters: {note}."));
    }
    let session_login = stacks.iter().find(|s| s.flow == "session").map(server_cpu);
    if let (Some(extra), Some(login)) = (session_extra_per_request(throughput), session_login) {
        out.push(format!(
            "Against the throughput runs: the session flow spent {} µs more server CPU per \
             request than jwt-hs256, so one login ({} ms) costs as much as the session flow's \
             extra work on {} requests. A session that makes fewer requests than that spends \
             more on its login than on checking its id; one that makes many more spends most \
             on the checks, which is where the design note's per-request hops show.",
            number(extra),
            number(login / 1000.0),
            number(login / extra)
        ));
    }
    out
}

fn read_refreshes(stacks: &[Stack], throughput: &[Stack]) -> Vec<String> {
    let mut out = Vec::new();
    let list: Vec<String> = stacks
        .iter()
        .map(|s| format!("{} {} µs", s.flow, number(server_cpu(s))))
        .collect();
    out.push(format!(
        "Server CPU per token refresh (verify the refresh token, look the roles up again, sign \
         a new access token): {}.",
        list.join(", ")
    ));
    let cheapest = stacks
        .iter()
        .min_by(|a, b| server_cpu(a).total_cmp(&server_cpu(b)));
    let dearest = stacks
        .iter()
        .max_by(|a, b| server_cpu(a).total_cmp(&server_cpu(b)));
    if let (Some(low), Some(high)) = (cheapest, dearest)
        && low.flow != high.flow
        && server_cpu(low) > 0.0
    {
        out.push(format!(
            "The costliest, {}, took {:.1}× the cheapest, {}: the algorithm that signs the new \
             token is the difference, the rest of the work being the same.",
            high.flow,
            server_cpu(high) / server_cpu(low),
            low.flow
        ));
    }
    if let (Some(extra), Some(hs)) = (
        session_extra_per_request(throughput),
        stacks.iter().find(|s| s.flow == "jwt-hs256").map(server_cpu),
    ) {
        let ttl_s = 300.0;
        out.push(format!(
            "With 5-minute access tokens a client refreshes once per 300 s: at one request per \
             second that adds {} µs of server CPU per request to jwt-hs256 ({:.1} % of the {} µs \
             more that every session request costs). The refresh is the JWT flow's recurring \
             price for not asking anyone per request.",
            number(hs / ttl_s),
            hs / ttl_s / extra * 100.0,
            number(extra)
        ));
    }
    out
}

fn read_latency(curves: &[Curve], level: &str) -> Vec<String> {
    let mut out = Vec::new();
    if curves.is_empty() {
        return out;
    }
    let rates: Vec<String> = curves
        .iter()
        .map(|c| format!("{} {}", c.flow, number(c.rate)))
        .collect();
    out.push(format!(
        "Each flow ran at {level} of its own closed-loop maximum, so at its own rate (req/s): \
         {}. Latency counts from when each request was due, so time spent waiting to be sent is \
         included.",
        rates.join(", ")
    ));
    let lowest = |f: fn(&Curve) -> u64| curves.iter().min_by_key(|c| f(c)).expect("curves");
    let highest = |f: fn(&Curve) -> u64| curves.iter().max_by_key(|c| f(c)).expect("curves");
    let (p50_lo, p50_hi) = (lowest(|c| c.p50_us), highest(|c| c.p50_us));
    let (p99_lo, p99_hi) = (lowest(|c| c.p99_us), highest(|c| c.p99_us));
    out.push(format!(
        "p50 ranged from {} ({}) to {} ({}); p99 from {} ({}) to {} ({}).",
        show_us(p50_lo.p50_us),
        p50_lo.flow,
        show_us(p50_hi.p50_us),
        p50_hi.flow,
        show_us(p99_lo.p99_us),
        p99_lo.flow,
        show_us(p99_hi.p99_us),
        p99_hi.flow
    ));
    let by = |flow: &str| curves.iter().find(|c| c.flow == flow);
    if let (Some(session), Some(jwt)) = (by("session"), by("jwt-hs256")) {
        let verdict = if !(session.kept && jwt.kept) {
            "not a fair comparison at this load, because the generator did not keep both schedules"
        } else if session.p50_us > jwt.p50_us {
            "the extra hops show in the typical request, not only in the tail"
        } else {
            "at this load the extra hops did not show in the median"
        };
        out.push(format!(
            "session's p50 was {} against jwt-hs256's {}: {verdict}.",
            show_us(session.p50_us),
            show_us(jwt.p50_us)
        ));
    }
    let not_kept: Vec<&str> = curves
        .iter()
        .filter(|c| !c.kept)
        .map(|c| c.flow.as_str())
        .collect();
    if not_kept.is_empty() {
        out.push("The generator kept every flow's schedule at this load.".into());
    } else {
        out.push(format!(
            "The generator could not keep the schedule for {} (thin lines): more than 1 % of \
             requests left over 1 ms late, or some never left. Those curves are dominated by \
             queueing on this machine, not by the flow; see the method.",
            not_kept.join(", ")
        ));
    }
    out
}

fn read_costs(groups: &[CostGroup], suite: &Suite) -> Vec<String> {
    let mut out = Vec::new();
    let us = |ns: f64| number(ns / 1000.0);
    let mut lines = Vec::new();
    for g in groups {
        let (Some(verify), Some(raw)) = (g.get("verify"), g.get("raw_verify")) else {
            continue;
        };
        let mut line = format!(
            "{}: verify {} µs, raw primitive {} µs ({:.1}×)",
            g.algorithm,
            us(verify.median_ns),
            us(raw.median_ns),
            verify.median_ns / raw.median_ns
        );
        if let Some(parse) = g.get("raw_verify_parse_key") {
            let _ = write!(line, ", with the key parsed per call {} µs", us(parse.median_ns));
        }
        lines.push(line);
    }
    out.push(format!("Time to verify one access token: {}.", lines.join("; ")));
    if let Some(hs) = groups.iter().find(|g| g.algorithm == "HS256")
        && let (Some(v), Some(r)) = (hs.get("verify"), hs.get("raw_verify"))
    {
        out.push(format!(
            "With HS256 the HMAC itself is the small part: {} µs of the {} µs go to base64, JSON \
             and the claim checks around it.",
            us(v.median_ns - r.median_ns),
            us(v.median_ns)
        ));
        if let Some(throughput) = &suite.throughput {
            let stacks = cpu_stacks(throughput, "max");
            let api = |flow: &str| stacks.iter().find(|s| s.flow == flow).and_then(|s| s.tier("api"));
            if let (Some(b), Some(j)) = (api("baseline"), api("jwt-hs256")) {
                out.push(format!(
                    "In the throughput run, jwt-hs256 cost the API server {} µs more per request \
                     than the baseline; verifying explains {} µs of that, and the rest is the \
                     authentication layer around it (reading the header, the identity, the \
                     larger request).",
                    number(j - b),
                    us(v.median_ns)
                ));
            }
        }
    }
    let shares: Vec<String> = groups
        .iter()
        .filter(|g| g.algorithm != "HS256")
        .filter_map(|g| {
            let (v, r) = (g.get("verify")?, g.get("raw_verify")?);
            Some(format!(
                "{} {:.0} %",
                g.algorithm,
                r.median_ns / v.median_ns * 100.0
            ))
        })
        .collect();
    if !shares.is_empty() {
        out.push(format!(
            "For the public-key algorithms, the signature check alone is this share of the \
             library's verify: {}.",
            shares.join(", ")
        ));
    }
    let names: Vec<&str> = COST_BARS.iter().map(|(_, legend, _)| *legend).collect();
    out.push(format!("Bars: {}.", names.join("; ")));
    out
}

/// The whole README of a report.
pub fn markdown(suite: &Suite, plan: &Plan, drawn: &[Rendered], out: &Path) -> String {
    let mut md = String::new();
    let first = suite.files().first().map(|f| f.method.clone());
    let _ = writeln!(md, "# authbench report");
    let _ = writeln!(md);
    if let Some(m) = &first {
        let _ = writeln!(
            md,
            "Measured {} on {} ({} cores, {} GiB), commit `{}`, {} build. Generated by \
             `workbench report` from the results files in [`results/`](results/); every figure \
             below is read from them.",
            m.started_at, m.machine.cpu_model, m.machine.cores, m.machine.memory_gib, m.commit, m.build
        );
        let _ = writeln!(md);
    }
    let rel = |p: &Path| {
        p.strip_prefix(out)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let _ = writeln!(md, "Contents:");
    let _ = writeln!(md);
    if suite.throughput.is_some() {
        let _ = writeln!(md, "- [Key figures](#key-figures)");
    }
    for section in &plan.sections {
        let _ = writeln!(md, "- [{}](#{})", section.heading, anchor(&section.heading));
    }
    if suite.calibrate.is_some() {
        let _ = writeln!(
            md,
            "- [The load generator beside wrk](#the-load-generator-beside-wrk)"
        );
    }
    let _ = writeln!(md, "- [Not in this report](#not-in-this-report)");
    let _ = writeln!(md, "- [Method](#method)");
    let _ = writeln!(md);

    if let Some(file) = &suite.throughput {
        key_figures(&mut md, file, suite.latency.as_ref());
    }
    for (section, rendered) in plan.sections.iter().zip(drawn) {
        let _ = writeln!(md, "## {}", section.heading);
        let _ = writeln!(md);
        let _ = writeln!(md, "![{}]({})", section.heading, rel(&rendered.png));
        let _ = writeln!(md);
        let _ = writeln!(
            md,
            "[SVG]({}) · [PNG]({})",
            rel(&rendered.svg),
            rel(&rendered.png)
        );
        let _ = writeln!(md);
        for paragraph in &section.reading {
            let _ = writeln!(md, "{paragraph}");
            let _ = writeln!(md);
        }
    }
    if let Some(file) = &suite.calibrate {
        calibration(&mut md, file);
    }
    not_covered(&mut md, plan);
    method(&mut md, suite);
    md
}

/// GitHub's heading anchors: lower case, spaces to dashes, punctuation dropped.
fn anchor(heading: &str) -> String {
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

fn key_figures(md: &mut String, file: &ResultsFile, latency: Option<&ResultsFile>) {
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
    let _ = writeln!(md, "## Key figures");
    let _ = writeln!(md);
    let mut header =
        "| flow | max req/s | × baseline | spread | CPU µs/request | API | auth | Redis | generator |"
            .to_string();
    let mut rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|".to_string();
    if let Some(level) = &level {
        let _ = write!(header, " p50 at {level} | p99 at {level} |");
        rule.push_str("---:|---:|");
    }
    let _ = writeln!(md, "{header}");
    let _ = writeln!(md, "{rule}");
    for bar in &bars {
        let stack = stacks.iter().find(|s| s.flow == bar.flow);
        let tier = |t: &str| {
            stack
                .and_then(|s| s.tier(t))
                .map(number)
                .unwrap_or_else(|| "–".into())
        };
        let ratio = baseline
            .map(|b| format!("{:.2}", bar.value / b))
            .unwrap_or_else(|| "–".into());
        let spread = if bar.rounds > 1 {
            format!("±{:.0} %", bar.spread() * 50.0)
        } else {
            "–".into()
        };
        let _ = write!(
            md,
            "| {} | {} | {ratio} | {spread} | {} | {} | {} | {} | {} |",
            bar.flow,
            number(bar.value),
            stack.map(|s| number(s.total())).unwrap_or_else(|| "–".into()),
            tier("api"),
            tier("auth"),
            tier("redis"),
            tier("generator")
        );
        if let (Some(level), Some(latency)) = (&level, latency) {
            match latency_curves(latency, level).iter().find(|c| c.flow == bar.flow) {
                Some(c) => {
                    let mark = if c.kept { "" } else { " ⚠" };
                    let _ = write!(md, " {}{mark} | {}{mark} |", show_us(c.p50_us), show_us(c.p99_us));
                }
                None => {
                    let _ = write!(md, " – | – |");
                }
            }
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md);
    let rounds = bars.iter().map(|b| b.rounds).max().unwrap_or(1);
    let _ = writeln!(
        md,
        "Max req/s: closed loop, median of {rounds} round(s); spread: half the range between the \
         slowest and fastest round, as a share of the median. CPU: microseconds of CPU time per \
         answered request in each process, medians over the rounds.{}",
        if level.is_some() {
            " Latency: open loop at that share of each flow's own maximum, from the intended send \
             time; ⚠ marks a run where the generator could not keep the schedule."
        } else {
            ""
        }
    );
    let _ = writeln!(md);
}

fn calibration(md: &mut String, file: &ResultsFile) {
    let _ = writeln!(md, "## The load generator beside wrk");
    let _ = writeln!(md);
    let ours: Vec<f64> = file.runs.iter().map(|r| r.result.throughput_rps).collect();
    match &file.calibration {
        Some(c) => {
            let _ = writeln!(
                md,
                "Against the baseline endpoint, in the same run: our generator {} req/s (best of \
                 {} runs: {}), wrk {} req/s with the same connections. Ratio {:.2}. p50/p99: wrk \
                 {}/{}. {}",
                number(ours.iter().copied().fold(0.0, f64::max)),
                ours.len(),
                ours.iter().map(|r| number(*r)).collect::<Vec<_>>().join(", "),
                number(c.wrk.requests_per_sec),
                c.ratio,
                show_us(c.wrk.p50_us),
                show_us(c.wrk.p99_us),
                if c.ratio >= 0.9 {
                    "Within 10 % of wrk: the generator is not what limits the maxima above.".to_string()
                } else {
                    format!(
                        "wrk got {:.2}× as much from the same server: on these shared cores the \
                         generator's own CPU is part of what limits the maxima above. It weighs \
                         most on the cheapest flows (the baseline above all, see the CPU chart), \
                         so the ratios to the baseline are, if anything, closer to 1 than a \
                         separate load machine would show.",
                        1.0 / c.ratio
                    )
                }
            );
        }
        None => {
            let _ = writeln!(md, "The calibration file holds no wrk figures.");
        }
    }
    let _ = writeln!(md);
}

fn not_covered(md: &mut String, plan: &Plan) {
    let drawn = |prefix: &str| plan.sections.iter().any(|s| s.heading.starts_with(prefix));
    let mut missing = Vec::new();
    if !drawn("Scale-out") {
        missing.push("throughput against the number of API servers under CPU limits, with the capacity model (`workbench scale`)");
    }
    if !drawn("Faults") {
        missing.push("fault timelines (`workbench faults`: Redis or the session auth server away)");
    }
    if !drawn("Link delay") {
        missing.push("p50 against link delay (`workbench latency --link-delay 0,250us,1ms`)");
    }
    if !drawn("Server-side state") {
        missing.push("Redis bytes per active session (`workbench state`)");
    }
    if !drawn("Token size") {
        missing.push("token size against claims (`workbench state`)");
    }
    if !drawn("Login cost") {
        missing.push("the CPU cost of a login and of a token refresh (`workbench logins`)");
    }
    if !drawn("Revocation") {
        missing.push("revocation lag against requests per second (`workbench revocation`)");
    }
    let _ = writeln!(md, "## Not in this report");
    let _ = writeln!(md);
    if missing.is_empty() {
        let _ = writeln!(md, "Every experiment of the suite has results in this report.");
    } else {
        let _ = writeln!(
            md,
            "This run has no results for these, so the report draws nothing for them: {}.",
            missing.join("; ")
        );
    }
    let _ = writeln!(md);
}

fn method(md: &mut String, suite: &Suite) {
    let _ = writeln!(md, "## Method");
    let _ = writeln!(md);
    let Some(first) = suite.files().first().map(|f| f.method.clone()) else {
        return;
    };
    let m = &first;
    let _ = writeln!(
        md,
        "- Machine: {} cores of {}, {} GiB, Linux {}.",
        m.machine.cores, m.machine.cpu_model, m.machine.memory_gib, m.machine.kernel
    );
    let _ = writeln!(md, "- Build: {}; commit `{}`.", m.build, m.commit);
    let versions: Vec<String> = m.crate_versions.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let _ = writeln!(md, "- Crates: {}.", versions.join(", "));
    let _ = writeln!(
        md,
        "- CPU limits: {}. Link delay: {}.",
        m.cpu_limits, m.link_delay
    );
    let _ = writeln!(md, "- Redis: {}.", m.redis);
    let _ = writeln!(
        md,
        "- Every server runs as its own process (`workbench serve`, {} actix-web worker(s) each), \
         started fresh for each flow; the load generator runs in the workbench process on the \
         same machine. Each virtual user logs in once through the flow under test and keeps one \
         keep-alive connection.",
        m.server_workers
    );
    let _ = writeln!(md);
    let _ = writeln!(
        md,
        "| results file | started | runs | connections | warm-up | duration | rounds | command |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|---|");
    for file in suite.files() {
        let f = &file.method;
        let _ = writeln!(
            md,
            "| [{e}.json](results/{e}.json) | {} | {} | {} | {} ms | {} ms | {} | `{}` |",
            f.started_at,
            file.runs.len().max(file.costs.len()),
            f.connections,
            f.warmup_ms,
            f.duration_ms,
            f.rounds,
            f.command.replace('|', "\\|"),
            e = f.experiment
        );
    }
    let _ = writeln!(md);
    let _ = writeln!(md, "### Noise");
    let _ = writeln!(md);
    if let Some(file) = &suite.throughput {
        let bars = throughput_bars(file);
        let spreads: Vec<String> = bars
            .iter()
            .filter(|b| b.rounds > 1)
            .map(|b| format!("{} {:.1} %", b.flow, b.spread() * 100.0))
            .collect();
        if spreads.is_empty() {
            let _ = writeln!(md, "- Between runs: one round only, not measured.");
        } else {
            let _ = writeln!(
                md,
                "- Between rounds (fastest − slowest, over the median): {}.",
                spreads.join(", ")
            );
        }
        let cvs: Vec<f64> = file
            .runs
            .iter()
            .filter(|r| r.label == "max")
            .filter_map(|r| timeline_cv(&r.result))
            .collect();
        if !cvs.is_empty() {
            let _ = writeln!(
                md,
                "- Within a run: answers per 100 ms varied by a median coefficient of variation \
                 of {:.1} % (highest {:.1} %) over the throughput runs.",
                median(&cvs) * 100.0,
                cvs.iter().copied().fold(0.0, f64::max) * 100.0
            );
        }
    }
    if let Some(file) = &suite.calibrate {
        let ours: Vec<f64> = file.runs.iter().map(|r| r.result.throughput_rps).collect();
        if ours.len() >= 2 {
            let hi = ours.iter().copied().fold(0.0, f64::max);
            let lo = ours.iter().copied().fold(f64::INFINITY, f64::min);
            let _ = writeln!(
                md,
                "- Same flow, same servers, minutes apart (calibration): {} and {} req/s, a \
                 {:.1} % gap.",
                number(lo),
                number(hi),
                (hi - lo) / hi * 100.0
            );
        }
    }
    let _ = writeln!(md);
    let notes: Vec<(&str, &String)> = suite
        .files()
        .iter()
        .flat_map(|f| f.notes.iter().map(move |n| (f.method.experiment.as_str(), n)))
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(md, "### Notes from the results files");
        let _ = writeln!(md);
        for (experiment, note) in notes {
            let _ = writeln!(md, "- {experiment}: {note}");
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md, "### Reproduce");
    let _ = writeln!(md);
    let _ = writeln!(md, "```sh");
    let _ = writeln!(
        md,
        "cargo run --release -p workbench -- compare      # the whole suite, then this report"
    );
    let _ = writeln!(
        md,
        "cargo run --release -p workbench -- report <results folder> --out <report folder>"
    );
    let _ = writeln!(
        md,
        "cargo bench --bench tokens && cargo run --release -p workbench -- report <results folder> --criterion target/criterion"
    );
    let _ = writeln!(md, "```");
}
