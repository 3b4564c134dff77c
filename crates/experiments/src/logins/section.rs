//! The login experiment in the report: CPU per login and per token refresh, by tier, set
//! against what the session flow costs per request.

use report::caption::load_caption_with;
use report::charts::*;
use report::figures::*;
use report::{Contribution, Part, Section, Suite};
use results::ResultsFile;
use results::units::*;

/// The login experiment's sections: the cost of a login, and of a token refresh.
pub struct Sections;

impl Part for Sections {
    fn files(&self) -> &'static [&'static str] {
        &["logins"]
    }

    fn plan(&self, suite: &Suite) -> Contribution {
        let mut out = Contribution::default();
        let throughput = suite
            .get("throughput")
            .map(|t| cpu_stacks(t, "max"))
            .unwrap_or_default();
        let file = suite.get("logins");
        for (label, per, heading) in [
            ("login", "login", "Login cost"),
            ("refresh", "refresh", "Token refresh cost"),
        ] {
            let section = file.and_then(|file| {
                let stacks = cpu_stacks(file, label);
                if stacks.is_empty() {
                    return None;
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
                Some(Section::new(
                    heading,
                    CpuChart {
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
                        parts: &TIERS,
                    },
                    reading,
                ))
            });
            match (section, label) {
                (Some(section), _) => out.sections.push(section),
                (None, "login") => out
                    .missing
                    .push("the CPU cost of a login and of a token refresh (`workbench logins`)"),
                (None, _) => {}
            }
        }
        out
    }
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
