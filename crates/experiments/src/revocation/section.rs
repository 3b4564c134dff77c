//! The revocation experiment in the report: how long each flow took to deny a logged-out
//! or demoted user, against what it costs per request.

use report::charts::*;
use report::{Contribution, Part, Section, Suite};
use results::ResultsFile;
use results::median;
use results::revocation::RevocationResults;
use results::units::*;

/// The revocation experiment's section: lag against requests per second.
pub struct Sections;

impl Part for Sections {
    fn files(&self) -> &'static [&'static str] {
        &["revocation"]
    }

    fn plan(&self, suite: &Suite) -> Contribution {
        let mut out = Contribution::default();
        let section = suite.get("revocation").and_then(|file| {
            let revocation = file.revocation.as_ref()?;
            let points = revocation_points(file);
            if points.is_empty() {
                return None;
            }
            let reading = read_revocation(revocation, &points);
            Some(Section::new(
                "Revocation lag",
                RevocationChart {
                    caption: format!(
                        "dot: median of {} trials (logout and role removal), bar: shortest to longest; \
                         one call every {}; x: closed loop, {} connections",
                        revocation.arms.first().map_or(0, |a| a.trials.len()),
                        show_ms(revocation.interval_ms),
                        file.method.connections
                    ),
                    points,
                },
                reading,
            ))
        });
        out.add(
            section,
            "revocation lag against requests per second (`workbench revocation`)",
        );
        out
    }
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

/// Each revocation arm that was priced: its lags beside its flow's closed-loop maximum.
fn revocation_points(file: &ResultsFile) -> Vec<RevocationPoint> {
    let Some(revocation) = &file.revocation else {
        return Vec::new();
    };
    revocation
        .arms
        .iter()
        .filter_map(|arm| {
            let rates: Vec<f64> = file
                .runs
                .iter()
                .filter(|r| r.flow == arm.flow && r.label == "max")
                .map(|r| r.result.throughput_rps)
                .collect();
            let lags = arm.scaled_lags_ms(None);
            if rates.is_empty() || lags.is_empty() {
                return None;
            }
            Some(RevocationPoint {
                flow: arm.flow.clone(),
                label: arm.label.clone(),
                rps: median(&rates),
                median_ms: median(&lags),
                min_ms: lags.iter().copied().fold(f64::INFINITY, f64::min),
                max_ms: lags.iter().copied().fold(0.0, f64::max),
            })
        })
        .collect()
}
