//! The bill in the report: a chart of the CPUs each architecture needs against the target
//! rate, and the table behind it (`bill.md.j2`), with its inputs and assumptions.

use harness::bill::{Assumptions, Bill, WORKLOADS, bill};
use report::charts::{BillChart, BillSeries};
use report::template::render_block;
use report::{Contribution, Part, Section, Suite};
use results::units::number;
use serde::Serialize;

use super::inputs::read_inputs;

const TABLE: &str = include_str!("bill.md.j2");

pub struct Sections;

impl Part for Sections {
    fn files(&self) -> &'static [&'static str] {
        &["throughput", "logins", "state", "scale"]
    }

    fn plan(&self, suite: &Suite) -> Contribution {
        let mut out = Contribution::default();
        let inputs = match read_inputs(suite) {
            Ok(inputs) => inputs,
            Err(missing) => {
                out.missing.push(missing);
                return out;
            }
        };
        let assumptions = Assumptions::default();
        let bills: Vec<Bill> = WORKLOADS
            .iter()
            .flat_map(|w| {
                inputs
                    .flows
                    .iter()
                    .map(|f| bill(f, &inputs.shared, *w, &assumptions))
            })
            .collect();
        let series = inputs
            .flows
            .iter()
            .map(|f| BillSeries {
                flow: f.flow.clone(),
                points: bills
                    .iter()
                    .filter(|b| b.flow == f.flow)
                    .map(|b| (b.workload.rate, b.total_cpus))
                    .collect(),
            })
            .collect();
        out.sections.push(Section::new(
            "The bill: what each architecture needs",
            BillChart {
                caption: format!(
                    "CPUs of API servers, auth servers and Redis primaries at {:.0} % utilisation, \
                     from this report's measured costs; ten active users per req/s",
                    assumptions.utilisation * 100.0
                ),
                series,
            },
            read_bill(&bills, &inputs.sources, &assumptions),
        ));
        out
    }
}

#[derive(Serialize)]
struct Row {
    rate: String,
    users: String,
    flow: String,
    api: String,
    auth: String,
    redis: String,
    total: String,
    memory: String,
    processes: String,
    path: String,
}

#[derive(Serialize)]
struct Table {
    rows: Vec<Row>,
    sources: Vec<String>,
    assumptions: Vec<String>,
}

fn cpus(c: f64) -> String {
    if c < 10.0 { format!("{c:.2}") } else { number(c) }
}

fn bytes(b: f64) -> String {
    match b {
        b if b <= 0.0 => "–".into(),
        b if b < 1e6 => format!("{:.0} kB", b / 1e3),
        b if b < 1e9 => format!("{:.0} MB", b / 1e6),
        b => format!("{:.1} GB", b / 1e9),
    }
}

fn read_bill(bills: &[Bill], sources: &[String], assumptions: &Assumptions) -> Vec<String> {
    let mut out = Vec::new();
    let find = |flow: &str, rate: f64| bills.iter().find(|b| b.flow == flow && b.workload.rate == rate);
    let mut lines = Vec::new();
    for w in WORKLOADS {
        if let (Some(session), Some(jwt)) = (find("session", w.rate), find("jwt-hs256", w.rate)) {
            lines.push(format!(
                "- **{} req/s, {} active users**: the session flow needs {} CPUs and {} processes \
                 ({} Redis shard(s), {} of sessions), the JWT flow (HS256) {} CPUs and {} processes: \
                 {:.1}× the CPUs for sessions.",
                number(w.rate),
                number(w.users),
                cpus(session.total_cpus),
                session.total_processes,
                session.shards,
                bytes(session.redis_bytes),
                cpus(jwt.total_cpus),
                jwt.total_processes,
                session.total_cpus / jwt.total_cpus.max(1e-9)
            ));
        }
    }
    if !lines.is_empty() {
        out.push(lines.join("\n"));
    }
    out.push(
        "The note's claim in numbers: the token system grows by API servers alone, while the \
         session system adds an auth tier and a store to every step of growth, and past one core \
         of Redis work the store becomes a cluster whose every request costs more (the factors \
         below). Every system keeps a Redis highly available (JWT flows for refresh-token rotation, \
         off the request path), so the process counts differ less than the CPUs."
            .into(),
    );
    let rows = bills
        .iter()
        .map(|b| Row {
            rate: number(b.workload.rate),
            users: number(b.workload.users),
            flow: b.flow.clone(),
            api: cpus(b.cpus["api"]),
            auth: cpus(b.cpus["auth"]),
            redis: if b.shards > 0 {
                format!(
                    "{} ({} shard{})",
                    cpus(b.cpus["redis"]),
                    b.shards,
                    if b.shards == 1 { "" } else { "s" }
                )
            } else {
                "–".into()
            },
            total: cpus(b.total_cpus),
            memory: bytes(b.redis_bytes),
            processes: format!(
                "{} ({})",
                b.total_processes,
                b.processes
                    .iter()
                    .map(|(role, n)| format!("{n} {role}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            path: if b.request_path.is_empty() {
                "API servers only".into()
            } else {
                b.request_path.join(", ")
            },
        })
        .collect();
    let table = Table {
        rows,
        sources: sources.to_vec(),
        assumptions: assumptions.describe(),
    };
    out.push(render_block("bill.md.j2", TABLE, &table).unwrap_or_else(|e| e.to_string()));
    out
}
