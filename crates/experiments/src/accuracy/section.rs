//! The accuracy check in the report: each tool's p50 and p99 against the reference server's
//! known answer time, per delay and rate (a table, no chart).

use report::{Contribution, Part, Section, Suite};
use results::ResultsFile;
use results::accuracy::tolerance_us;
use results::units::{number, show_us};

/// The accuracy check's section.
pub struct Sections;

impl Part for Sections {
    fn files(&self) -> &'static [&'static str] {
        &["accuracy"]
    }

    fn plan(&self, suite: &Suite) -> Contribution {
        let mut out = Contribution::default();
        let section = suite.get("accuracy").and_then(|file| {
            Some(Section {
                heading: "What a latency figure is worth: the generator against a known answer time".into(),
                chart: None,
                reading: read_accuracy(file)?,
            })
        });
        out.add(
            section,
            "the generator and oha against a server whose answer time is known (`workbench accuracy`)",
        );
        out
    }
}

fn read_accuracy(file: &ResultsFile) -> Option<Vec<String>> {
    let accuracy = file.accuracy.as_ref()?;
    let mut out = Vec::new();
    let trips: Vec<String> = accuracy
        .round_trips
        .iter()
        .map(|t| {
            format!(
                "{} wait: p50 {}, p99 {}",
                show_us(t.delay_us),
                show_us(t.p50_us),
                show_us(t.p99_us)
            )
        })
        .collect();
    out.push(format!(
        "A reference server of the workbench's own answers each request a fixed time after it \
         arrives, waiting on a timer (so the wait costs it no CPU), on the servers' CPU. Its answer \
         time, as one request at a time over one socket sees it: {}. A generator should report \
         that, within 50 µs or 10 %, as long as the reference server does not queue (its CPU under \
         half busy). Each point: {} connections, {} s after {} s warm-up.",
        trips.join("; "),
        file.method.connections,
        file.method.duration_ms as f64 / 1000.0,
        file.method.warmup_ms as f64 / 1000.0,
    ));
    let mut table = String::from(
        "| tool | wait | rate (req/s) | p50 (expected) | p99 (expected) | server busy | steal | lands |\n|---|---:|---:|---:|---:|---:|---:|---|",
    );
    for p in &accuracy.points {
        table.push_str(&format!(
            "\n| {} | {} | {} | {} ({}) | {} ({}) | {:.0} % | {} | {} |",
            p.tool,
            show_us(p.delay_us),
            number(p.rate),
            show_us(p.p50_us),
            show_us(p.expected_p50_us),
            show_us(p.p99_us),
            show_us(p.expected_p99_us),
            p.server_busy * 100.0,
            p.steal.map_or("–".to_string(), |s| format!("{:.0} %", s * 100.0)),
            if p.server_queued() {
                "server queued".to_string()
            } else if p.within {
                "yes".to_string()
            } else {
                format!("no (±{} allowed)", show_us(tolerance_us(p.expected_p99_us)))
            }
        ));
    }
    out.push(table);
    for tool in ["authbench", "oha"] {
        let points: Vec<_> = accuracy
            .points
            .iter()
            .filter(|p| p.tool == tool && !p.server_queued())
            .collect();
        if points.is_empty() {
            continue;
        }
        let landed = points.iter().filter(|p| p.within).count();
        let worst = points
            .iter()
            .map(|p| p.p99_us as i64 - p.expected_p99_us as i64)
            .max_by_key(|d| d.abs())
            .unwrap_or(0);
        out.push(format!(
            "{tool}: {landed} of {} points landed where the server did not queue; its p99 was at \
             worst {}{} from the known answer time.",
            points.len(),
            if worst < 0 { "-" } else { "+" },
            show_us(worst.unsigned_abs())
        ));
    }
    let stolen = accuracy
        .points
        .iter()
        .filter(|p| p.steal.is_some_and(|s| s > 0.05))
        .count();
    if stolen > 0 {
        out.push(format!(
            "At {stolen} of these points the hypervisor took more than 5 % of the machine's CPU \
             time for other guests (steal): both tools then report the stalls of this virtual \
             machine, not the reference server's answer time."
        ));
    }
    if !accuracy.missing_tools.is_empty() {
        out.push(format!(
            "Not measured here: {}.",
            accuracy.missing_tools.join(", ")
        ));
    }
    Some(out)
}
