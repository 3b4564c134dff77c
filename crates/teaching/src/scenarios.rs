//! The scenarios, step by step. Each asserts nothing: it shows what the servers answered.

use std::time::Duration;

use authbench_core::session_store::SessionStore;
use authbench_core::settings::ApiMode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use redis::AsyncCommands;

use crate::narrator::{Answer, Narrator, server_timing_ms};
use crate::system::{DemoSystem, SHORT_LIFETIME_SECS, tampered};

const ALICE: (&str, &str) = ("alice", "alice-demo-password");
const BOB: (&str, &str) = ("bob", "bob-demo-password");

fn credentials((user, password): (&str, &str)) -> serde_json::Value {
    serde_json::json!({ "username": user, "password": password })
}

async fn session_login(n: &Narrator, s: &DemoSystem, user: (&str, &str)) -> anyhow::Result<String> {
    let answer = n
        .exchange(
            "client",
            "session-auth",
            n.client()
                .post(format!("{}/login", s.urls().session_auth))
                .json(&credentials(user)),
        )
        .await?;
    answer
        .field("session_id")
        .ok_or_else(|| anyhow::anyhow!("the login answered {} without a session id", answer.status))
}

/// The access and refresh tokens of a JWT login.
async fn jwt_login(n: &Narrator, s: &DemoSystem, user: (&str, &str)) -> anyhow::Result<(String, String)> {
    let answer = n
        .exchange(
            "client",
            "jwt-auth",
            n.client()
                .post(format!("{}/login", s.urls().jwt_auth))
                .json(&credentials(user)),
        )
        .await?;
    match (answer.field("access_token"), answer.field("refresh_token")) {
        (Some(access), Some(refresh)) => Ok((access, refresh)),
        _ => anyhow::bail!("the login answered {} without tokens", answer.status),
    }
}

/// Step 1-2 of both processes for alice: her session id, access token and refresh token.
async fn log_in_to_both(n: &Narrator, s: &DemoSystem) -> anyhow::Result<(String, String, String)> {
    n.step(
        "1-2",
        "alice logs in to both flows",
        "alice가 두 흐름 모두에 로그인한다",
    );
    let sid = session_login(n, s, ALICE).await?;
    let (access, refresh) = jwt_login(n, s, ALICE).await?;
    Ok((sid, access, refresh))
}

/// Issues an API key at the JWT auth server for the holder of `access`; returns the key.
async fn issue_api_key(n: &Narrator, s: &DemoSystem, access: &str) -> anyhow::Result<String> {
    n.step(
        "2b",
        "Issue an API key for a program (seed 004): only its SHA-256 is stored",
        "프로그램용 API 키 발급 (시드 004): SHA-256 값만 저장된다",
    );
    let answer = n
        .exchange(
            "client",
            "jwt-auth",
            n.client()
                .post(format!("{}/api-keys", s.urls().jwt_auth))
                .bearer_auth(access)
                .json(&serde_json::json!({ "name": "demo" })),
        )
        .await?;
    answer
        .field("key")
        .ok_or_else(|| anyhow::anyhow!("the API key answer held no key"))
}

async fn session_logout(n: &Narrator, s: &DemoSystem, sid: &str) -> anyhow::Result<Answer> {
    n.exchange(
        "client",
        "session-auth",
        n.client()
            .post(format!("{}/logout", s.urls().session_auth))
            .bearer_auth(sid),
    )
    .await
}

async fn jwt_revoke(n: &Narrator, s: &DemoSystem, token: &str) -> anyhow::Result<Answer> {
    n.exchange(
        "client",
        "jwt-auth",
        n.client()
            .post(format!("{}/oauth/revoke", s.urls().jwt_auth))
            .form(&[
                ("token", token),
                ("client_id", authbench_core::claims::FIRST_PARTY_CLIENT_ID),
            ]),
    )
    .await
}

async fn jwt_refresh(n: &Narrator, s: &DemoSystem, refresh: &str) -> anyhow::Result<Answer> {
    n.exchange(
        "client",
        "jwt-auth",
        n.client()
            .post(format!("{}/refresh", s.urls().jwt_auth))
            .json(&serde_json::json!({ "refresh_token": refresh })),
    )
    .await
}

fn api_name(mode: ApiMode) -> &'static str {
    match mode {
        ApiMode::Session => "api-session",
        ApiMode::SessionRedis => "api-session-redis",
        ApiMode::Jwt => "api-jwt",
        ApiMode::SessionCached => "api-session-cached",
        ApiMode::JwtDenylist => "api-jwt-denylist",
        ApiMode::ApiKey => "api-key",
        ApiMode::JwtUserdb => "api-jwt-userdb",
    }
}

async fn call(n: &Narrator, s: &DemoSystem, mode: ApiMode, credential: &str) -> anyhow::Result<Answer> {
    n.exchange(
        "client",
        api_name(mode),
        n.client()
            .get(format!("{}/api/departments", s.urls().api(mode)))
            .bearer_auth(credential),
    )
    .await
}

/// The introspection the session API server makes behind every call (step 5), made by the
/// demo with the API server's own service credential, so the exchange can be seen.
async fn introspect(n: &Narrator, s: &DemoSystem, session_id: &str) -> anyhow::Result<Answer> {
    let secret = s
        .settings
        .introspection
        .client_secret
        .as_ref()
        .map(|x| secrecy::ExposeSecret::expose_secret(x).to_string())
        .unwrap_or_default();
    n.exchange(
        "api-session",
        "session-auth",
        n.client()
            .post(format!("{}/introspect", s.urls().session_auth))
            .basic_auth(&s.settings.introspection.client_id, Some(secret))
            .form(&[("token", session_id)]),
    )
    .await
}

/// Prints the session's Redis key, its fields and its remaining lifetime.
async fn show_session_in_redis(n: &Narrator, s: &DemoSystem, session_id: &str) -> anyhow::Result<()> {
    let mut conn = s.redis().await?;
    let store = SessionStore::new(conn.clone(), &s.settings.redis.key_prefix, Duration::from_secs(2));
    let key = store.key_of(session_id);
    let fields: Vec<(String, String)> = conn.hgetall(&key).await?;
    let ttl: i64 = conn.ttl(&key).await?;
    n.show(
        "Redis key",
        &format!("{key}   (SHA-256 of the session id, never the id itself)"),
    );
    if fields.is_empty() {
        n.show(
            "Redis value",
            n.t("(none: the key is gone)", "(없음: 키가 삭제됨)"),
        );
    } else {
        let shown: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
        n.show("Redis value", &shown.join("  "));
        n.show("TTL", &format!("{ttl} s"));
    }
    Ok(())
}

/// The three parts of a JWT, base64url-decoded.
fn show_token(n: &Narrator, token: &str) {
    let parts: Vec<&str> = token.split('.').collect();
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_else(|| "(not base64url JSON)".into())
    };
    if let [header, payload, signature] = parts.as_slice() {
        n.show("header   ", &decode(header));
        n.show("payload  ", &decode(payload));
        n.show(
            "signature",
            &format!(
                "{signature}   ({} bytes, over header.payload)",
                URL_SAFE_NO_PAD.decode(signature).map(|b| b.len()).unwrap_or(0)
            ),
        );
    }
}

fn timing(answer: &Answer) -> String {
    answer
        .server_timing_ms()
        .map(|ms| format!("{ms:.3} ms"))
        .unwrap_or_else(|| "–".into())
}

pub async fn session(n: &Narrator, s: &DemoSystem) -> anyhow::Result<()> {
    n.title(
        "Session: the API server asks the auth server on every call (design note, Session, steps 1-6)",
        "세션: API 서버가 매 호출마다 인증 서버에 묻는다 (설계 노트, Session, 1-6단계)",
    );
    n.step(
        "1-2",
        "The client logs in; the auth server stores the session in Redis and returns its id",
        "클라이언트가 로그인하면 인증 서버가 세션을 Redis에 저장하고 세션 키를 돌려준다",
    );
    let sid = session_login(n, s, ALICE).await?;
    show_session_in_redis(n, s, &sid).await?;
    n.step(
        "3",
        "The client calls the API with the session id",
        "클라이언트가 세션 키를 담아 API를 호출한다",
    );
    let answer = call(n, s, ApiMode::Session, &sid).await?;
    n.step(
        "4-6",
        "Behind that answer: the API server asked the auth server, which asked Redis",
        "그 응답 뒤에서: API 서버가 인증 서버에 묻고, 인증 서버가 Redis에 물었다",
    );
    n.say(
        &format!(
            "The API server's Server-Timing says the check took {}. Here is the same question, \
             asked the way the API server asks it:",
            timing(&answer)
        ),
        &format!(
            "API 서버의 Server-Timing에 따르면 확인에 {}가 걸렸다. API 서버가 묻는 것과 같은 방식으로 \
             같은 질문을 해 보자:",
            timing(&answer)
        ),
    );
    introspect(n, s, &sid).await?;
    n.say(
        "Hops per API call: client → api-session → session-auth → Redis, and back.",
        "API 호출 한 번의 홉: client → api-session → session-auth → Redis, 그리고 되돌아옴.",
    );
    n.part(
        "Logout",
        "로그아웃",
        "The client logs out: the session is deleted from Redis at once",
        "클라이언트가 로그아웃하면 세션이 Redis에서 바로 삭제된다",
    );
    session_logout(n, s, &sid).await?;
    show_session_in_redis(n, s, &sid).await?;
    n.step(
        "3",
        "The same call again: refused, because Redis no longer knows the session",
        "같은 호출을 다시 하면: Redis가 더 이상 세션을 모르므로 거부된다",
    );
    call(n, s, ApiMode::Session, &sid).await?;
    Ok(())
}

pub async fn jwt(n: &Narrator, s: &DemoSystem) -> anyhow::Result<()> {
    n.title(
        "Self-contained token: the API server checks the signature itself (design note, steps 1-4)",
        "Self-Contained Token: API 서버가 서명을 직접 확인한다 (설계 노트, 1-4단계)",
    );
    n.step(
        "1-2",
        "The client logs in; the auth server signs the user's claims into a token",
        "클라이언트가 로그인하면 인증 서버가 사용자 정보를 토큰에 담아 서명한다",
    );
    let (access, refresh) = jwt_login(n, s, ALICE).await?;
    n.say(
        "The access token is three base64url parts: header, payload (the claims), signature.",
        "액세스 토큰은 base64url로 인코딩된 세 부분이다: 헤더, 페이로드(클레임), 서명.",
    );
    show_token(n, &access);
    n.step(
        "3-4",
        "The client calls the API; the API server verifies the signature alone, asking no one",
        "클라이언트가 API를 호출하면 API 서버가 아무에게도 묻지 않고 서명만 확인한다",
    );
    let answer = call(n, s, ApiMode::Jwt, &access).await?;
    n.say(
        &format!(
            "Server-Timing: the verification took {}. Hops per API call: client → api-jwt, and back.",
            timing(&answer)
        ),
        &format!(
            "Server-Timing: 검증에 {}가 걸렸다. API 호출 한 번의 홉: client → api-jwt, 그리고 되돌아옴.",
            timing(&answer)
        ),
    );
    n.part(
        "Refresh",
        "갱신",
        "Before the access token expires, the refresh token buys a new one",
        "액세스 토큰이 만료되기 전에 리프레시 토큰으로 새 토큰을 받는다",
    );
    jwt_refresh(n, s, &refresh).await?;
    Ok(())
}

pub async fn tamper(n: &Narrator, s: &DemoSystem) -> anyhow::Result<()> {
    n.title(
        "Tampering: a changed token or session id is refused",
        "변조: 바뀐 토큰이나 세션 키는 거부된다",
    );
    n.step(
        "1-2",
        "bob (role: user) logs in to the JWT flow",
        "bob(역할: user)이 JWT 흐름에 로그인한다",
    );
    let (access, _) = jwt_login(n, s, BOB).await?;
    show_token(n, &access);
    n.part(
        "Tamper",
        "변조",
        "The payload is edited: \"user\" becomes \"admin\"; the signature is kept",
        "페이로드를 고친다: \"user\"를 \"admin\"으로 바꾸고 서명은 그대로 둔다",
    );
    let forged = tampered(&access);
    let forged_payload = forged.split('.').nth(1).unwrap_or_default();
    n.show(
        "payload  ",
        &String::from_utf8_lossy(&URL_SAFE_NO_PAD.decode(forged_payload)?),
    );
    n.step(
        "3-4",
        "The API server recomputes the signature over the new payload: it does not match",
        "API 서버가 새 페이로드로 서명을 다시 계산하면 일치하지 않는다",
    );
    call(n, s, ApiMode::Jwt, &forged).await?;
    n.part(
        "Session id",
        "세션 키",
        "The same for a session id: one character changed",
        "세션 키도 마찬가지: 한 글자를 바꾼다",
    );
    let sid = session_login(n, s, BOB).await?;
    let forged = tampered(&sid);
    n.show("session id", &format!("{sid} → {forged}"));
    call(n, s, ApiMode::Session, &forged).await?;
    n.say(
        "A session id is a random 256-bit key: a changed one names no session in Redis.",
        "세션 키는 256비트 난수다: 바뀐 키는 Redis의 어떤 세션도 가리키지 않는다.",
    );
    Ok(())
}

async fn wait(n: &Narrator, secs: u64) {
    n.say(
        &format!("… waiting {secs} s …"),
        &format!("… {secs}초 기다린다 …"),
    );
    tokio::time::sleep(Duration::from_secs(secs)).await;
}

pub async fn expiry(n: &Narrator, s: &DemoSystem) -> anyhow::Result<()> {
    n.title(
        &format!(
            "Expiry: both credentials live {SHORT_LIFETIME_SECS} s in this demo (no leeway), not 5 min / 30 min"
        ),
        &format!("만료: 이 데모에서는 두 자격 증명 모두 {SHORT_LIFETIME_SECS}초만 유효하다 (유예 없음)"),
    );
    let (sid, access, refresh) = log_in_to_both(n, s).await?;
    n.step("3", "Both work", "둘 다 동작한다");
    call(n, s, ApiMode::Session, &sid).await?;
    call(n, s, ApiMode::Jwt, &access).await?;
    wait(n, SHORT_LIFETIME_SECS + 1).await;
    n.step(
        "3",
        "The same calls past the lifetime: the session's idle timeout ended it in Redis; the token's exp is past",
        "유효 시간이 지나면: 세션은 Redis에서 유휴 만료되었고, 토큰은 exp가 지났다",
    );
    call(n, s, ApiMode::Session, &sid).await?;
    call(n, s, ApiMode::Jwt, &access).await?;
    n.part(
        "Refresh",
        "갱신",
        "The JWT client refreshes without the password; the session client must log in again",
        "JWT 클라이언트는 비밀번호 없이 갱신하고, 세션 클라이언트는 다시 로그인해야 한다",
    );
    jwt_refresh(n, s, &refresh).await?;
    Ok(())
}

pub async fn revoke(n: &Narrator, s: &DemoSystem) -> anyhow::Result<()> {
    n.title(
        &format!(
            "Logout: the session ends at once; the JWT stays valid until it expires ({SHORT_LIFETIME_SECS} s here, 5 min by default)"
        ),
        &format!(
            "로그아웃: 세션은 바로 끝나지만 JWT는 만료될 때까지 유효하다 (여기서는 {SHORT_LIFETIME_SECS}초, 기본값은 5분)"
        ),
    );
    let (sid, access, _) = log_in_to_both(n, s).await?;
    n.part(
        "Logout",
        "로그아웃",
        "alice logs out of the session flow: the auth server deletes the session",
        "alice가 세션 흐름에서 로그아웃하면 인증 서버가 세션을 삭제한다",
    );
    session_logout(n, s, &sid).await?;
    call(n, s, ApiMode::Session, &sid).await?;
    n.part(
        "Logout",
        "로그아웃",
        "The JWT flow has nobody to tell: the client throws the token away, but a copy still works",
        "JWT 흐름에는 알릴 곳이 없다: 클라이언트가 토큰을 버려도 복사본은 여전히 동작한다",
    );
    call(n, s, ApiMode::Jwt, &access).await?;
    n.part(
        "Revocation",
        "폐기",
        "The usual remedy: revoke the token (RFC 7009); its jti goes on a denylist in Redis. \
         An API server that reads the denylist refuses it at once, for one Redis read per \
         request; a plain JWT API server never looks",
        "흔한 해결책: 토큰을 폐기(RFC 7009)하면 jti가 Redis의 거부 목록에 오른다. 목록을 읽는 \
         API 서버는 요청마다 Redis를 한 번 읽는 대가로 즉시 거부하고, 일반 JWT API 서버는 보지 않는다",
    );
    jwt_revoke(n, s, &access).await?;
    call(n, s, ApiMode::JwtDenylist, &access).await?;
    call(n, s, ApiMode::Jwt, &access).await?;
    wait(n, SHORT_LIFETIME_SECS + 1).await;
    n.part(
        "Expiry",
        "만료",
        "Only when the token expires is the copy refused: the JWT's weak spot",
        "토큰이 만료되어야 비로소 복사본이 거부된다: JWT의 약점",
    );
    call(n, s, ApiMode::Jwt, &access).await?;
    Ok(())
}

pub async fn outage(n: &Narrator, s: &DemoSystem) -> anyhow::Result<()> {
    n.title(
        "Outage: without Redis the session flow cannot answer; the JWT flow does not notice",
        "장애: Redis가 없으면 세션 흐름은 응답하지 못하고, JWT 흐름은 알아차리지도 못한다",
    );
    let (sid, access, _) = log_in_to_both(n, s).await?;
    n.part(
        "Outage",
        "장애",
        "The link to Redis is cut (connections refused)",
        "Redis로 가는 연결을 끊는다 (연결 거부)",
    );
    s.cut_redis(true);
    call(n, s, ApiMode::Session, &sid).await?;
    call(n, s, ApiMode::SessionRedis, &sid).await?;
    call(n, s, ApiMode::Jwt, &access).await?;
    n.say(
        "The session flows answer 503 with Retry-After; the JWT flow answers 200.",
        "세션 흐름은 Retry-After와 함께 503을, JWT 흐름은 200을 응답한다.",
    );
    n.part(
        "Recovery",
        "복구",
        "Redis is reachable again: the session (still stored) works again",
        "Redis에 다시 연결되면: (아직 저장되어 있는) 세션이 다시 동작한다",
    );
    s.cut_redis(false);
    let mut answer = call(n, s, ApiMode::Session, &sid).await?;
    for _ in 0..20 {
        if answer.status != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        answer = call(n, s, ApiMode::Session, &sid).await?;
    }
    Ok(())
}

pub async fn compare(n: &Narrator, s: &DemoSystem) -> anyhow::Result<()> {
    const CALLS: usize = 50;
    n.title(
        "Side by side: the same API call through both flows",
        "나란히: 두 흐름으로 같은 API를 호출한다",
    );
    let (sid, access, _) = log_in_to_both(n, s).await?;
    // The seeds' third flow (seed 004): an API key, issued to the logged-in user, looked up
    // in PostgreSQL on every call.
    let key = if s.has_database() {
        Some(issue_api_key(n, s, &access).await?)
    } else {
        n.say(
            "No PostgreSQL here: the API-key flow is left out (apt-get install postgresql).",
            "PostgreSQL이 없어 API 키 흐름은 빠진다 (apt-get install postgresql).",
        );
        None
    };
    n.step(
        "3",
        &format!("One call each, then {CALLS} more each, timed"),
        &format!("각각 한 번 호출한 뒤, {CALLS}번씩 더 호출해 시간을 잰다"),
    );
    call(n, s, ApiMode::Session, &sid).await?;
    call(n, s, ApiMode::Jwt, &access).await?;
    if let Some(key) = &key {
        call(n, s, ApiMode::ApiKey, key).await?;
    }
    let mut flows = vec![
        (
            ApiMode::Session,
            &sid,
            "client → api-session → session-auth → Redis",
        ),
        (ApiMode::Jwt, &access, "client → api-jwt"),
    ];
    if let Some(key) = &key {
        flows.push((ApiMode::ApiKey, key, "client → api-key → PostgreSQL"));
    }
    let mut rows = Vec::new();
    for (mode, credential, hops) in flows {
        let mut totals = Vec::new();
        let mut checks = Vec::new();
        for _ in 0..CALLS {
            let started = std::time::Instant::now();
            let response = n
                .client()
                .get(format!("{}/api/departments", s.urls().api(mode)))
                .bearer_auth(credential)
                .send()
                .await?;
            totals.push(started.elapsed().as_secs_f64() * 1000.0);
            checks.extend(server_timing_ms(response.headers()));
        }
        rows.push((mode, hops, results::median(&totals), results::median(&checks)));
    }
    println!();
    println!(
        "  {:<12} {:<46} {:>12} {:>14}",
        n.t("flow", "흐름"),
        n.t("hops per call", "호출당 홉"),
        n.t("median total", "총 시간 중앙값"),
        n.t("median check", "확인 시간 중앙값")
    );
    for (mode, hops, total, check) in rows {
        println!(
            "  {:<12} {:<46} {:>9.3} ms {:>11.3} ms",
            mode.as_str(),
            hops,
            total,
            check
        );
    }
    n.say(
        "\"check\" is the API server's own Server-Timing: for session, the whole introspection hop; for api-key, the database lookup.",
        "\"확인\"은 API 서버의 Server-Timing 값이다: 세션의 경우 인트로스펙션 홉 전체, API 키의 경우 데이터베이스 조회.",
    );
    price_steps(n);
    Ok(())
}

/// The note's steps priced in CPU µs per request, one line per flow, from the newest
/// throughput results at hand that price both flows: the user's own `results/`, else the
/// reference report the repository carries.
fn price_steps(n: &Narrator) {
    const FLOWS: [&str; 2] = ["session", "jwt-hs256"];
    let reference = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reports/reference/results");
    let priced = [std::path::PathBuf::from("results"), reference]
        .into_iter()
        .find_map(|dir| {
            let file = results::ResultsFile::read(&dir.join("throughput.json")).ok()?;
            let costs = results::ResultsFile::read(&dir.join("tokens.json"))
                .map(|t| t.costs)
                .unwrap_or_default();
            let steps = report::figures::note_steps(&report::figures::cpu_stacks(&file, "max"), &costs);
            let both = FLOWS.iter().all(|f| steps.iter().any(|s| s.flow == *f));
            both.then_some((dir, file, steps))
        });
    let Some((dir, file, steps)) = priced else {
        n.say(
            "(`workbench throughput` prices these steps in CPU time per request.)",
            "(`workbench throughput`를 실행하면 이 단계들의 요청당 CPU 시간을 잰다.)",
        );
        return;
    };
    println!();
    println!(
        "  {} ({}, {}):",
        n.t(
            "CPU per request by step of the note",
            "노트의 단계별 요청당 CPU 시간"
        ),
        dir.canonicalize().unwrap_or(dir.clone()).display(),
        file.method
            .started_at
            .get(..10)
            .unwrap_or(&file.method.started_at)
    );
    // The API-key flow too, where the results priced it.
    let shown = FLOWS.iter().chain(&["api-key"]);
    for stack in shown.filter_map(|f| steps.iter().find(|s| s.flow == *f)) {
        println!("  {}", step_line(stack));
    }
}

/// `session  68.2 µs = 3,6 10.0 + 4 24.5 + 5 22.7 + 5 (Redis) 11.0`.
fn step_line(stack: &report::figures::Stack) -> String {
    let parts: Vec<String> = stack
        .tiers
        .iter()
        .map(|(key, us)| {
            let step = match key.as_str() {
                "route" => "3,6",
                "hop" => "4 hop",
                "signature" => "4 signature",
                "check" => "4 check",
                "auth" => "5 auth server",
                "postgres" => "5 PostgreSQL",
                _ => "5 Redis",
            };
            format!("{step} {us:.1}")
        })
        .collect();
    format!(
        "{:<10} {:>6.1} µs = {}",
        stack.flow,
        stack.total(),
        parts.join(" + ")
    )
}
