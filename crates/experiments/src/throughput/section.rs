//! The throughput experiment in the report: its bars, its CPU stacks, and their reading.

use std::fmt::Write;

use report::caption::load_caption;
use report::charts::*;
use report::figures::*;
use report::{Contribution, Part, Section, Suite};
use results::Flow;
use results::units::*;

/// The throughput experiment's sections: maximum throughput, and CPU cost per request.
pub struct Sections;

impl Part for Sections {
    fn files(&self) -> &'static [&'static str] {
        &["throughput"]
    }

    fn plan(&self, suite: &Suite) -> Contribution {
        let mut out = Contribution::default();
        let Some(file) = suite.get("throughput") else {
            return out;
        };
        let bars = throughput_bars(file);
        let baseline = bars.iter().find(|b| b.flow == "baseline").map(|b| b.value);
        out.sections.push(Section::new(
            "Maximum throughput",
            ThroughputChart {
                caption: load_caption(
                    file,
                    "closed loop",
                    "median of rounds, whiskers: slowest and fastest round",
                ),
                bars: bars.clone(),
                baseline,
            },
            read_throughput(&bars, baseline),
        ));
        let stacks = cpu_stacks(file, "max");
        out.sections.push(Section::new(
            "CPU cost per request",
            CpuChart {
                name: "cpu-per-request".into(),
                title: "CPU time per answered request, by tier (at each flow's maximum)".into(),
                per: "request".into(),
                caption: load_caption(
                    file,
                    "closed loop",
                    "CPU time from /proc per process over the measured window",
                ),
                stacks: stacks.clone(),
                parts: &TIERS,
            },
            read_cpu(
                &stacks,
                &bars,
                file.method.machine.cores,
                file.method.placement.as_ref(),
            ),
        ));
        let costs = suite.get("tokens").map_or(&[][..], |t| &t.costs[..]);
        let steps = note_steps(&stacks, costs);
        if !steps.is_empty() {
            out.sections.push(Section::new(
                "Where each microsecond goes: the note's steps",
                CpuChart {
                    name: "note-steps".into(),
                    title: "CPU time per request, by step of the design note".into(),
                    per: "request".into(),
                    caption: load_caption(file, "closed loop", "the signature alone: workbench tokens"),
                    stacks: steps.clone(),
                    parts: &NOTE_STEPS,
                },
                read_steps(&steps, !costs.is_empty()),
            ));
        }
        out
    }
}

/// What the note's steps say: what a hop costs beside what a signature costs.
fn read_steps(steps: &[Stack], with_signatures: bool) -> Vec<String> {
    let mut out = Vec::new();
    let part = |s: &Stack, key: &str| s.tier(key).unwrap_or(0.0);
    let by = |flow: &str| steps.iter().find(|s| s.flow == flow);
    out.push(
        "Each bar is one flow's CPU per request split by the note's Process steps. Steps 3 and 6 \
         (the request in, the answer out) are what the API server spends on the same route with \
         no authentication (the baseline); step 4 is what the flow's API server spends above \
         that, split for a JWT flow into the signature alone (the raw primitive's verify from \
         the tokens experiment) and the rest of the check; step 5 is the session auth server \
         and Redis. The load generator is left out."
            .into(),
    );
    if let Some(session) = by("session") {
        let hop = part(session, "hop") + part(session, "auth") + part(session, "redis");
        let mut line = format!(
            "session: {} µs per request, of which the hop costs {} µs (the API server's side {}, \
             the auth server {}, Redis {}).",
            number(session.total()),
            number(hop),
            number(part(session, "hop")),
            number(part(session, "auth")),
            number(part(session, "redis"))
        );
        if let Some(h2) = by("session-h2") {
            let _ = write!(
                line,
                " Over HTTP/2 (session-h2) the same hop cost {} µs (API server's side {}, auth \
                 server {}).",
                number(part(h2, "hop") + part(h2, "auth") + part(h2, "redis")),
                number(part(h2, "hop")),
                number(part(h2, "auth"))
            );
        }
        out.push(line);
        if with_signatures {
            let signatures: Vec<String> = steps
                .iter()
                .filter(|s| s.tier("signature").is_some())
                .map(|s| {
                    let sig = part(s, "signature");
                    format!(
                        "{} {} µs (the rest of its check {} µs; the hop is {})",
                        s.flow,
                        number(sig),
                        number(part(s, "check")),
                        match hop / sig {
                            times if !times.is_finite() => "–".to_string(),
                            times if times < 10.0 => format!("{times:.1}×"),
                            times => format!("{times:.0}×"),
                        }
                    )
                })
                .collect();
            if !signatures.is_empty() {
                out.push(format!(
                    "Beside it, the signature alone: {}.",
                    signatures.join("; ")
                ));
            }
        }
    }
    out
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
        .filter(|b| b.flow.parse::<Flow>().is_ok_and(Flow::is_public_key))
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

fn read_cpu(
    stacks: &[Stack],
    bars: &[Bar],
    cores: usize,
    placement: Option<&results::placement::Placement>,
) -> Vec<String> {
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
        if let Some(floor) = by("jwt-floor").and_then(|f| f.tier("api")) {
            out.push(format!(
                "The floor (jwt-floor: a minimal actix-web + jsonwebtoken server with the same \
                 checks and answer) spent {} µs per request: the API server's JWT route costs {} \
                 µs {} it and {} µs above its own no-auth route (target: at most 4 µs above \
                 the no-auth route, {}).",
                number(floor),
                number((j - floor).abs()),
                if j >= floor { "above" } else { "below" },
                number(j - b),
                if j - b <= 4.0 { "met" } else { "not met" }
            ));
        }
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
    // The CPUs the measured processes had bound the rate: with the generator placed apart,
    // the servers' CPUs over the servers' µs per request; else the machine's over all.
    let apart = placement.filter(|p| !p.generator.is_empty() && !p.servers.is_empty());
    let checks: Vec<String> = stacks
        .iter()
        .filter_map(|s| {
            let measured = find(bars, &s.flow)?.value;
            let (cpus, us) = match apart {
                Some(p) => (p.servers.len(), s.total() - s.tier("generator").unwrap_or(0.0)),
                None => (cores, s.total()),
            };
            (us > 0.0).then(|| {
                let bound = cpus as f64 * 1e6 / us;
                format!("{} {:.0} %", s.flow, measured / bound * 100.0)
            })
        })
        .collect();
    if !checks.is_empty() {
        let premise = match apart {
            Some(p) => {
                let n = p.servers.len();
                format!(
                    "The servers shared {n} CPU{} and the generator had its own, so {n} × 10⁶ / \
                     (the servers' µs per request) bounds each flow's rate.",
                    if n == 1 { "" } else { "s" }
                )
            }
            None => format!(
                "All tiers share the machine's {cores} cores, so {cores} × 10⁶ / (total µs per \
                 request) bounds each flow's rate."
            ),
        };
        out.push(format!(
            "{premise} The measured maxima reached this share of the bound: {}. Near 100 % the \
             CPUs were the limit; well below, something else (waits, scheduling between \
             processes) was.",
            checks.join(", ")
        ));
    }
    out
}
