//! The teaching demos as a student runs them, piped (so in plain text): each prints the
//! design note's numbered steps and the real answers, in order.

use std::process::Command;

fn demo(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_workbench"))
        .arg("demo")
        .args(args)
        .output()
        .expect("workbench runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "demo {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!stdout.contains('\x1b'), "colour codes in piped output");
    stdout
}

/// The status of every answer the client got, in order (`session-auth → client 200 OK`).
fn client_statuses(out: &str) -> Vec<u16> {
    out.lines()
        .filter_map(|line| line.split_once(" → client ").map(|(_, rest)| rest))
        .map(|rest| rest[..3].parse().unwrap())
        .collect()
}

fn assert_in_order(out: &str, parts: &[&str]) {
    let mut from = 0;
    for part in parts {
        match out[from..].find(part) {
            Some(i) => from += i + part.len(),
            None => panic!("`{part}` missing or out of order in:\n{out}"),
        }
    }
}

#[test]
fn the_session_demo_walks_steps_1_to_6_shows_the_redis_key_and_refuses_after_logout() {
    let out = demo(&["session"]);

    assert_in_order(
        &out,
        &[
            "Steps 1-2 ·",
            "client → session-auth POST",
            "/login",
            "Redis key: authbench-demo:session:",
            "TTL: 1800 s",
            "Step 3 ·",
            "client → api-session GET",
            "server-timing: auth;desc=\"introspection at the session auth server\"",
            "Steps 4-6 ·",
            "api-session → session-auth POST",
            "/introspect",
            "server-timing: redis;desc=\"session read from Redis\"",
            "\"active\":true",
            "Logout ·",
            "Redis value: (none: the key is gone)",
            "Step 3 ·",
            "error=\"invalid_token\"",
        ],
    );
    assert_eq!(client_statuses(&out), [200, 200, 204, 401]);
}

#[test]
fn the_jwt_demo_decodes_the_token_and_verifies_it_with_no_other_hop() {
    let out = demo(&["jwt"]);

    assert_in_order(
        &out,
        &[
            "Steps 1-2 ·",
            "client → jwt-auth POST",
            "header   : {\"typ\":\"at+jwt\",\"alg\":\"HS256\"",
            "payload  : {",
            "\"sub\":\"alice\"",
            "signature: ",
            "Steps 3-4 ·",
            "client → api-jwt GET",
            "signature verified locally",
            "Hops per API call: client → api-jwt, and back.",
            "Refresh ·",
        ],
    );
    assert!(
        !out.contains("→ session-auth"),
        "the JWT flow asked the session auth server"
    );
    assert_eq!(client_statuses(&out), [200, 200, 200]);
}

#[test]
fn the_tamper_demo_refuses_a_promoted_token_and_a_changed_session_id() {
    let out = demo(&["tamper"]);

    assert_in_order(
        &out,
        &[
            "\"roles\":[\"user\"]",
            "Tamper ·",
            "\"roles\":[\"admin\"]",
            "the token's signature does not match",
            "Session id ·",
            "the session is unknown, expired or logged out",
        ],
    );
    assert_eq!(client_statuses(&out), [200, 401, 200, 401]);
}

#[test]
fn the_revoke_demo_shows_the_jwt_valid_after_logout_until_it_expires() {
    let out = demo(&["revoke"]);

    // Logins, session logout, the session refused at once, the token still accepted;
    // revoked: refused at once by the denylist, still accepted by plain JWT; then refused
    // once expired.
    assert_eq!(
        client_statuses(&out),
        [200, 200, 204, 401, 200, 200, 401, 200, 401]
    );
    assert!(out.contains("JWT's weak spot"));
}

#[test]
fn the_expiry_demo_refuses_both_credentials_past_their_lifetime_and_refreshes_the_token() {
    let out = demo(&["expiry"]);

    assert_eq!(client_statuses(&out), [200, 200, 200, 200, 401, 401, 200]);
}

#[test]
fn the_outage_demo_fails_the_session_flows_with_503_and_keeps_the_jwt_flow() {
    let out = demo(&["outage"]);

    let statuses = client_statuses(&out);
    assert_eq!(statuses[..5], [200, 200, 503, 503, 200]);
    assert_eq!(
        statuses.last(),
        Some(&200),
        "the session flow recovered: {statuses:?}"
    );
    assert!(out.contains("retry-after: 1"));
}

#[test]
fn the_compare_demo_tabulates_hops_and_timings_of_the_three_flows() {
    let out = demo(&["compare"]);

    assert!(out.contains("session      client → api-session → session-auth → Redis"));
    assert!(out.contains("jwt          client → api-jwt"));
    // The seeds' third flow: an API key issued (201), then looked up in PostgreSQL.
    assert!(
        out.contains("api-key      client → api-key → PostgreSQL"),
        "{out}"
    );
    assert_eq!(client_statuses(&out), [200, 200, 201, 200, 200, 200]);

    // The note's steps priced in CPU per request, from the reference results the
    // repository carries (no `results/` where the test runs).
    assert!(
        out.contains("CPU per request by step of the note (") && out.contains("reports/reference/results"),
        "{out}"
    );
    let line = |flow: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(&format!("{flow} ")) && l.contains(" µs = 3,6 "))
            .unwrap_or_else(|| panic!("no step line for {flow} in:\n{out}"))
            .to_string()
    };
    let session = line("session");
    for step in ["+ 4 hop ", "+ 5 auth server ", "+ 5 Redis "] {
        assert!(session.contains(step), "{session}");
    }
    let jwt = line("jwt-hs256");
    for step in ["+ 4 signature ", "+ 4 check "] {
        assert!(jwt.contains(step), "{jwt}");
    }
}

#[test]
fn the_demos_speak_korean_when_asked() {
    let out = demo(&["session", "--lang", "ko"]);

    assert_in_order(
        &out,
        &[
            "1-2단계 ·",
            "세션 키를 돌려준다",
            "3단계 ·",
            "4-6단계 ·",
            "로그아웃 ·",
            "3단계 ·",
        ],
    );
    assert_eq!(client_statuses(&out), [200, 200, 204, 401]);
}
