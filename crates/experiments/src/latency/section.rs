//! The latency sweep in the report: percentile curves per load level, and p50 against
//! link delay.

use report::caption::load_caption;
use report::charts::*;
use report::figures::*;
use report::{Contribution, Part, Section, Suite};
use results::Flow;
use results::ResultsFile;
use results::units::*;

/// The latency sweep's sections: one per load level.
pub struct Sections;

impl Part for Sections {
    fn files(&self) -> &'static [&'static str] {
        &["latency"]
    }

    fn plan(&self, suite: &Suite) -> Contribution {
        let mut out = Contribution::default();
        let Some(file) = suite.get("latency") else {
            return out;
        };
        for level in load_levels(file) {
            let curves = latency_curves(file, &level);
            let slug = level.trim_end_matches('%').replace('.', "_");
            let reading = read_latency(&curves, &level);
            out.sections.push(Section::new(
                format!("Latency at {level} of each flow's maximum"),
                PercentileChart {
                    name: format!("latency-{slug}"),
                    title: format!("Latency by percentile at {level} of each flow's own maximum (open loop)"),
                    caption: load_caption(
                        file,
                        "open loop, corrected for coordinated omission",
                        "thin line: rate not kept",
                    ),
                    curves,
                },
                reading,
            ));
        }
        out
    }
}

/// The link-delay section: p50 against the delay on every link, from `compare`'s link
/// pass, or from a latency sweep run with `--link-delay`.
pub struct LinkSections;

impl Part for LinkSections {
    fn files(&self) -> &'static [&'static str] {
        &["links", "latency"]
    }

    fn plan(&self, suite: &Suite) -> Contribution {
        let mut out = Contribution::default();
        let section = ["links", "latency"]
            .into_iter()
            .filter_map(|name| suite.get(name))
            .find_map(|file| {
                let series = delay_series(file);
                if series.is_empty() {
                    return None;
                }
                let level = load_levels(file).into_iter().next().unwrap_or_default();
                let reading = read_links(&series);
                Some(Section::new(
                    "Link delay",
                    LinkDelayChart {
                        caption: format!(
                            "open loop at {level} of each flow's loopback maximum (the same rate at every delay); \
                             {} connections; user-space delay links",
                            file.method.connections
                        ),
                        series,
                    },
                    reading,
                ))
            });
        out.add(
            section,
            "p50 against link delay (`workbench latency --link-delay 0,250us,1ms`)",
        );
        out
    }
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

fn read_links(series: &[DelaySeries]) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = Vec::new();
    for s in series {
        let (Some(first), Some(last)) = (s.points.first(), s.points.last()) else {
            continue;
        };
        let crossings = s.flow.parse::<Flow>().map_or(0, Flow::link_crossings);
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

/// p50 against link delay per flow, at the lowest open-loop load level of `file`; only
/// flows measured at two delays or more.
fn delay_series(file: &ResultsFile) -> Vec<DelaySeries> {
    let Some(level) = load_levels(file).into_iter().next() else {
        return Vec::new();
    };
    let mut out: Vec<DelaySeries> = Vec::new();
    for run in file
        .runs
        .iter()
        .filter(|r| r.label == level && r.target_rate.is_some())
    {
        let point = (
            run.link_delay_us(),
            run.result.latency.p50_us,
            run.result.latency.p99_us,
        );
        match out.iter_mut().find(|s| s.flow == run.flow) {
            Some(series) => series.points.push(point),
            None => out.push(DelaySeries {
                flow: run.flow.clone(),
                points: vec![point],
            }),
        }
    }
    for series in &mut out {
        series.points.sort();
        series.points.dedup_by_key(|p| p.0);
    }
    out.retain(|s| s.points.len() >= 2);
    out
}
