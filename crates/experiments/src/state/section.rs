//! The state experiment in the report: Redis memory against live sessions, and the
//! `Authorization` header against the roles in a token.

use report::charts::*;
use report::{Contribution, Part, Section, Suite};
use results::state::StateResults;
use results::units::*;

/// The state experiment's sections: Redis memory per session, and token size.
pub struct Sections;

impl Part for Sections {
    fn files(&self) -> &'static [&'static str] {
        &["state"]
    }

    fn plan(&self, suite: &Suite) -> Contribution {
        let mut out = Contribution::default();
        let state = suite.get("state").and_then(|f| f.state.as_ref());
        let sessions = state.filter(|s| !s.sessions.is_empty()).map(|state| {
            Section::new(
                "Server-side state: sessions",
                SessionMemoryChart {
                    caption:
                        "sessions created through the session store, one role each; Redis INFO used_memory"
                            .into(),
                    points: state.sessions.iter().map(|s| (s.sessions, s.bytes)).collect(),
                },
                read_sessions(state),
            )
        });
        out.add(sessions, "Redis bytes per active session (`workbench state`)");
        let tokens = state.filter(|s| !s.tokens.is_empty()).map(|state| {
            let mut series: Vec<(String, Vec<(usize, usize)>)> = Vec::new();
            for t in &state.tokens {
                match series.iter_mut().find(|(a, _)| *a == t.algorithm) {
                    Some((_, points)) => points.push((t.roles, t.header_bytes)),
                    None => series.push((t.algorithm.clone(), vec![(t.roles, t.header_bytes)])),
                }
            }
            Section::new(
                "Token size",
                TokenSizeChart {
                    caption: "access tokens as the JWT auth server issues them, roles named role-000 …"
                        .into(),
                    series,
                },
                read_token_sizes(state),
            )
        });
        out.add(tokens, "token size against claims (`workbench state`)");
        out
    }
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
    if let Some(last) = state.api_keys.last() {
        out.push(format!(
            "The api-key flow keeps every key in PostgreSQL: {} bytes per key (table and \
             indexes) and {} per user at {} keys; jwt-userdb keeps only the users. Both live \
             on disk for as long as the keys and users do, not in memory per active user.",
            number(last.bytes_per_key),
            number(last.bytes_per_user),
            number(last.rows as f64)
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

fn read_token_sizes(state: &StateResults) -> Vec<String> {
    let mut out = Vec::new();
    let smallest: Vec<String> = state
        .tokens
        .iter()
        .filter(|t| t.roles == state.tokens.iter().map(|t| t.roles).min().unwrap_or(0))
        .map(|t| format!("{} {} B", t.algorithm, number(t.header_bytes as f64)))
        .collect();
    // `Authorization: Bearer <id>`, as the token's header is counted.
    let session_header = "Authorization: Bearer ".len() + authbench_core::session_store::SESSION_ID_LEN;
    out.push(format!(
        "What the JWT flow sends instead of a session id (a session id's header is {session_header} \
         bytes): with the fewest roles measured, {}.",
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
