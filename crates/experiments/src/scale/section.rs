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

use super::points::{grows_by_shards, scale_points, scale_scenarios, scale_series, size_of};
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
                        "Maximum throughput against {} ({})",
                        if grows_by_shards(&scenario) {
                            "Redis Cluster shards"
                        } else {
                            "API replicas"
                        },
                        scenario.split(" @ ").next().unwrap_or_default()
                    ),
                    x_desc: x_desc(file, &scenario),
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
    /// The series grow by shards: the tables get a shards column.
    by_shards: bool,
    /// A database flow is among the series: the points table gets a PostgreSQL column.
    with_postgres: bool,
    points: Vec<PointRow>,
    far: Vec<FarRow>,
    assumptions: Option<String>,
}

#[derive(Serialize)]
struct PointRow {
    flow: String,
    /// Redis Cluster shards, in a series that grows by them.
    shards: Option<usize>,
    replicas: usize,
    auth_servers: usize,
    max: String,
    efficiency: String,
    open: String,
    api: String,
    auth: String,
    redis: String,
    postgres: String,
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
        "api+auth+redis" => "Redis Cluster shards added, each with its API replicas and session auth servers",
        other => other,
    };
    format!("{what}{delay}")
}

/// The x axis: what the series grows by, and what comes with each step.
fn x_desc(file: &ResultsFile, scenario: &str) -> String {
    if !grows_by_shards(scenario) {
        return "API server replicas (each with its CPU quota)".into();
    }
    let per_shard = file
        .runs
        .iter()
        .filter(|r| r.scenario.as_deref() == Some(scenario))
        .find_map(|r| r.topology)
        .map(|t| {
            format!(
                " (each with {} API replicas and {} auth servers)",
                t.api_replicas / t.shards.max(1),
                t.auth_servers / t.shards.max(1)
            )
        })
        .unwrap_or_default();
    format!("Redis Cluster shards{per_shard}")
}

fn read_scale(file: &ResultsFile, scenario: &str) -> Vec<String> {
    let by_shards = grows_by_shards(scenario);
    let unit = if by_shards { "shard(s)" } else { "replica(s)" };
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
            "- **{}**: {} req/s with {} {unit}, {} with {} (scaling efficiency {:.2}); what ran \
             out first at {}: {}.",
            model.flow,
            number(first.closed.result.throughput_rps),
            first.size(),
            number(last.closed.result.throughput_rps),
            last.size(),
            efficiency,
            last.size(),
            saturated(last.closed, cores)
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
                    .map(|p| saturated(p.closed, cores))
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
    if by_shards && let Some(session) = session {
        // The store's scale-out target: max(n) / (n × max(1)) ≥ 0.8.
        let worst = session
            .efficiency
            .iter()
            .skip(1)
            .copied()
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((n, e)) = worst {
            out.push(format!(
                "Against the store's scale-out target (max(n) / (n × max(1)) ≥ 0.8): {} (lowest \
                 {e:.2}, at {n} shards).",
                if e >= 0.8 { "met" } else { "missed" }
            ));
        }
    }
    // The note's other claim, and seed 004's: a flow that asks a shared tier on every request
    // stops growing when that tier runs out, whatever the number of API replicas.
    let shared_tiers: [(&str, &str, &[&str]); 3] = [
        ("session", "The session flow", &["auth", "redis"]),
        ("api-key", "The API-key flow", &["postgres"]),
        ("jwt-userdb", "The JWT-with-user-lookup flow", &["postgres"]),
    ];
    for (flow, name, tiers) in shared_tiers.iter().filter(|_| !by_shards) {
        let Some(model) = models.iter().find(|m| m.flow == *flow) else {
            continue;
        };
        let flat_from = points.iter().filter(|p| p.closed.flow == *flow).find(|p| {
            let s = saturated(p.closed, cores);
            tiers.iter().any(|t| s.starts_with(t))
        });
        if let Some(p) = flat_from {
            out.push(format!(
                "{name} stopped growing once a shared tier ran out: from {} replica(s) on, {} held \
                 every request (capacity model at 64 replicas: {} req/s, bound by {}).",
                p.replicas(),
                saturated(p.closed, cores),
                model
                    .extrapolated
                    .last()
                    .map(|e| number(e.capacity.rps))
                    .unwrap_or_default(),
                model
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
                shards: by_shards.then(|| p.shards()),
                replicas: p.replicas(),
                auth_servers: p.auth_servers(),
                max: number(p.closed.result.throughput_rps),
                efficiency: or_missing(
                    model.and_then(|m| m.efficiency.iter().find(|(n, _)| *n == p.size())),
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
                postgres: util("postgres"),
                generator: util("generator"),
                ran_out: saturated(p.closed, cores),
            }
        })
        .collect();
    let far: Vec<FarRow> = models
        .iter()
        .map(|m| {
            let at = |n: usize| {
                or_missing(m.extrapolated.iter().find(|e| size_of(e, scenario) == n), |e| {
                    format!("{} ({})", number(e.capacity.rps), e.capacity.bound)
                })
            };
            FarRow {
                flow: m.flow.clone(),
                at: [at(8), at(16), at(32), at(64)],
                usl: or_missing(
                    m.extrapolated
                        .iter()
                        .find(|e| size_of(e, scenario) == 64)
                        .and_then(|e| e.usl_rps),
                    number,
                ),
            }
        })
        .collect();
    let assumptions = models.first().map(|m| m.assumptions.join("; "));
    let with_postgres = points
        .iter()
        .any(|p| p.closed.utilisation.contains_key("postgres"));
    let tables = Tables {
        by_shards,
        with_postgres,
        points: rows,
        far,
        assumptions,
    };
    out.push(render_block("scale-points.md.j2", POINTS, &tables).unwrap_or_else(|e| e.to_string()));
    out.push(render_block("scale-far.md.j2", FAR, &tables).unwrap_or_else(|e| e.to_string()));
    out
}
