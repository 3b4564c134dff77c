//! The scale experiment in the report: throughput against replicas per scenario, the
//! verdicts against the scaling target, and the tables of points and extrapolations
//! (`scale-points.md.j2`, `scale-far.md.j2`).

use report::charts::*;
use report::template::render_block;
use report::{Contribution, Part, Section, Suite};
use results::ResultsFile;
use results::scale::ScaleModel;
use results::units::*;
use serde::Serialize;

use super::points::{scale_points, scale_scenarios, scale_series};
use super::saturation::saturated;

const POINTS: &str = include_str!("scale-points.md.j2");
const FAR: &str = include_str!("scale-far.md.j2");

/// The scale experiment's sections: one per scenario.
pub struct Sections;

impl Part for Sections {
    fn files(&self) -> &'static [&'static str] {
        &["scale"]
    }

    fn plan(&self, suite: &Suite) -> Contribution {
        let mut out = Contribution::default();
        let Some(file) = suite.get("scale") else {
            out.missing.push(
                "throughput against the number of API servers under CPU limits, with the capacity model (`workbench scale`)",
            );
            return out;
        };
        for scenario in scale_scenarios(file) {
            let slug = scenario.replace('+', "-").replace([' ', '@', '.'], "");
            out.sections.push(Section::new(
                format!("Scale-out: {}", scenario_title(&scenario)),
                ScaleChart {
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
                },
                read_scale(file, &scenario),
            ));
        }
        if out.sections.is_empty() {
            out.missing.push(
                "throughput against the number of API servers under CPU limits, with the capacity model (`workbench scale`)",
            );
        }
        out
    }
}

/// The scale tables' rows, formatted.
#[derive(Serialize)]
struct Tables {
    points: Vec<PointRow>,
    far: Vec<FarRow>,
    assumptions: Option<String>,
}

#[derive(Serialize)]
struct PointRow {
    flow: String,
    replicas: usize,
    auth_servers: usize,
    max: String,
    efficiency: String,
    open: String,
    api: String,
    auth: String,
    redis: String,
    generator: String,
    ran_out: String,
}

#[derive(Serialize)]
struct FarRow {
    flow: String,
    /// The capacity model at 8, 16, 32 and 64 replicas.
    at: [String; 4],
    usl: String,
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
    // The points, in full, and the models past them.
    let rows: Vec<PointRow> = points
        .iter()
        .map(|p| {
            let model = models.iter().find(|m| m.flow == p.closed.flow);
            let util = |tier: &str| {
                or_missing(p.closed.utilisation.get(tier), |u| {
                    if tier == "generator" {
                        format!("{u:.2}")
                    } else {
                        percent(*u)
                    }
                })
            };
            PointRow {
                flow: p.closed.flow.clone(),
                replicas: p.replicas(),
                auth_servers: p.auth_servers(),
                max: number(p.closed.result.throughput_rps),
                efficiency: or_missing(
                    model.and_then(|m| m.efficiency.iter().find(|(n, _)| *n == p.replicas())),
                    |(_, e)| format!("{e:.2}"),
                ),
                open: or_missing(p.open, |o| {
                    let kept = o.result.schedule.as_ref().is_none_or(|s| s.kept_rate);
                    format!(
                        "{} / {} at {}{}",
                        show_us(o.result.latency.p50_us),
                        show_us(o.result.latency.p99_us),
                        number(o.target_rate.unwrap_or(0.0)),
                        if kept { "" } else { " ⚠" }
                    )
                }),
                api: util("api"),
                auth: util("auth"),
                redis: util("redis"),
                generator: util("generator"),
                ran_out: saturated(p.closed, cores, p.cpus),
            }
        })
        .collect();
    let far: Vec<FarRow> = models
        .iter()
        .map(|m| {
            let at = |n: usize| {
                or_missing(m.extrapolated.iter().find(|e| e.replicas == n), |e| {
                    format!("{} ({})", number(e.capacity.rps), e.capacity.bound)
                })
            };
            FarRow {
                flow: m.flow.clone(),
                at: [at(8), at(16), at(32), at(64)],
                usl: or_missing(
                    m.extrapolated
                        .iter()
                        .find(|e| e.replicas == 64)
                        .and_then(|e| e.usl_rps),
                    number,
                ),
            }
        })
        .collect();
    let assumptions = models.first().map(|m| m.assumptions.join("; "));
    let tables = Tables {
        points: rows,
        far,
        assumptions,
    };
    out.push(render_block("scale-points.md.j2", POINTS, &tables).unwrap_or_else(|e| e.to_string()));
    out.push(render_block("scale-far.md.j2", FAR, &tables).unwrap_or_else(|e| e.to_string()));
    out
}
