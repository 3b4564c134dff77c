//! `workbench demo web`: the teaching page. The two architectures drawn as diagrams, and
//! buttons that act on the running system (login, API call, tamper, logout, expire, Redis
//! off and on); each answer lists the hops it caused with the real timings, from the
//! `Server-Timing` headers the servers add, for the page to animate. Plain HTML, CSS and
//! JavaScript built into the binary; no build step, no CDN.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context;
use authbench_core::settings::ApiMode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::narrator::server_timing_ms;
use crate::system::{DemoSystem, WEB_LIFETIME_SECS, tampered};

const INDEX: &str = include_str!("../assets/page/index.html");
const SCRIPT: &str = include_str!("../assets/page/app.js");
const STYLE: &str = include_str!("../assets/page/style.css");

/// The page's credentials: one user, alice, in each flow.
#[derive(Default)]
struct Held {
    session_id: Option<String>,
    access_token: Option<String>,
    /// When the current session and access token were issued.
    session_at: Option<Instant>,
    access_at: Option<Instant>,
}

struct Page {
    system: Arc<DemoSystem>,
    held: Mutex<Held>,
    client: reqwest::Client,
}

/// One hop a button caused.
#[derive(Serialize)]
struct Hop {
    from: &'static str,
    to: &'static str,
    what: String,
    status: Option<u16>,
    ms: f64,
}

#[derive(Serialize)]
struct Outcome {
    flow: &'static str,
    action: String,
    status: u16,
    body: Value,
    hops: Vec<Hop>,
    note: String,
}

#[derive(Deserialize)]
struct ActQuery {
    flow: String,
}

/// Serves the page on a free loopback port; returns its address and the server to await.
pub fn start(system: Arc<DemoSystem>) -> anyhow::Result<(String, actix_web::dev::Server)> {
    let page = web::Data::new(Page {
        system,
        held: Mutex::new(Held::default()),
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?,
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(page.clone())
            .route(
                "/",
                web::get().to(|| async { asset(INDEX, "text/html; charset=utf-8") }),
            )
            .route(
                "/app.js",
                web::get().to(|| async { asset(SCRIPT, "text/javascript") }),
            )
            .route("/style.css", web::get().to(|| async { asset(STYLE, "text/css") }))
            .route("/state", web::get().to(state))
            .route("/act/{action}", web::post().to(act))
            .route("/inspect", web::post().to(inspect))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .context("cannot bind the teaching page")?;
    let addr = server.addrs()[0];
    Ok((format!("http://{addr}"), server.run()))
}

fn asset(text: &'static str, content_type: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("cache-control", "no-store"))
        .body(text)
}

async fn state(page: web::Data<Page>) -> HttpResponse {
    let s = &page.system;
    HttpResponse::Ok().json(json!({
        "session_auth": s.urls().session_auth,
        "jwt_auth": s.urls().jwt_auth,
        "api_session": s.urls().api(ApiMode::Session),
        "api_jwt": s.urls().api(ApiMode::Jwt),
        "redis_cut": s.redis_is_cut(),
        "lifetime_secs": WEB_LIFETIME_SECS,
    }))
}

async fn act(page: web::Data<Page>, action: web::Path<String>, query: web::Query<ActQuery>) -> HttpResponse {
    let flow: &'static str = match query.flow.as_str() {
        "session" => "session",
        "jwt" => "jwt",
        _ => return HttpResponse::BadRequest().json(json!({"error": "flow must be session or jwt"})),
    };
    match page.perform(flow, &action).await {
        Ok(outcome) => HttpResponse::Ok().json(outcome),
        Err(e) => HttpResponse::BadRequest().json(json!({"error": e.to_string()})),
    }
}

#[derive(Deserialize)]
struct InspectRequest {
    token: String,
}

/// Decodes a JWT and checks it against the server's keys by presenting it to the JWT API
/// server (which verifies it exactly as it verifies every call).
async fn inspect(page: web::Data<Page>, body: web::Json<InspectRequest>) -> HttpResponse {
    let token = body.token.trim();
    let decode = |part: Option<&str>| -> Value {
        part.and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or(Value::Null)
    };
    let mut parts = token.split('.');
    let header = decode(parts.next());
    let payload = decode(parts.next());
    let answer = page
        .client
        .get(format!("{}/api/me", page.system.urls().api(ApiMode::Jwt)))
        .bearer_auth(token)
        .send()
        .await;
    let (status, verdict) = match answer {
        Ok(r) => {
            let status = r.status().as_u16();
            let challenge = r
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            (
                status,
                if status == 200 {
                    "valid".to_string()
                } else {
                    challenge
                },
            )
        }
        Err(e) => (0, e.to_string()),
    };
    HttpResponse::Ok().json(json!({
        "header": header,
        "payload": payload,
        "status": status,
        "verdict": verdict,
    }))
}

impl Page {
    async fn perform(&self, flow: &'static str, action: &str) -> anyhow::Result<Outcome> {
        let mut held = self.held.lock().await;
        let mut hops = Vec::new();
        let (status, body, note) = match (flow, action) {
            ("session", "login") | ("jwt", "login") => self.login(flow, &mut held, &mut hops).await?,
            (_, "call") => self.call(flow, &held, &mut hops, false).await?,
            (_, "tamper") => self.call(flow, &held, &mut hops, true).await?,
            ("session", "logout") => {
                let sid = held.session_id.clone().context("log in first")?;
                let (status, body) = self
                    .send(
                        &mut hops,
                        "client",
                        "session-auth",
                        "POST /logout",
                        self.client
                            .post(format!("{}/logout", self.system.urls().session_auth))
                            .bearer_auth(sid),
                    )
                    .await?;
                (
                    status,
                    body,
                    "The session is deleted from Redis: the next call is refused at once.".into(),
                )
            }
            ("jwt", "logout") => {
                // Nothing to tell in the JWT flow: the client forgets the token, but the
                // page keeps its copy to show that the copy still works.
                (
                    200,
                    Value::Null,
                    "The JWT flow has no server to tell: the token was 'forgotten' by the client, \
                     but a copy keeps working until it expires. Press API call."
                        .into(),
                )
            }
            (_, "expire") => {
                let issued = match flow {
                    "session" => held.session_at,
                    _ => held.access_at,
                }
                .context("log in first")?;
                let lifetime = Duration::from_secs(WEB_LIFETIME_SECS + 1);
                if let Some(left) = lifetime.checked_sub(issued.elapsed()) {
                    tokio::time::sleep(left).await;
                }
                let (status, body, _) = self.call(flow, &held, &mut hops, false).await?;
                (
                    status,
                    body,
                    format!(
                        "Waited out the {} s lifetime this page gives both credentials, then called again.",
                        WEB_LIFETIME_SECS
                    ),
                )
            }
            (_, "redis-stop") => {
                self.system.cut_redis(true);
                (
                    200,
                    Value::Null,
                    "Redis is cut off: connections to it are refused.".into(),
                )
            }
            (_, "redis-start") => {
                self.system.cut_redis(false);
                (200, Value::Null, "Redis is reachable again.".into())
            }
            _ => anyhow::bail!("unknown action `{action}`"),
        };
        Ok(Outcome {
            flow,
            action: action.to_string(),
            status,
            body,
            hops,
            note,
        })
    }

    async fn login(
        &self,
        flow: &'static str,
        held: &mut Held,
        hops: &mut Vec<Hop>,
    ) -> anyhow::Result<(u16, Value, String)> {
        let credentials = json!({"username": "alice", "password": "alice-demo-password"});
        let (auth, url) = match flow {
            "session" => ("session-auth", &self.system.urls().session_auth),
            _ => ("jwt-auth", &self.system.urls().jwt_auth),
        };
        let (status, body) = self
            .send(
                hops,
                "client",
                auth,
                "POST /login",
                self.client.post(format!("{url}/login")).json(&credentials),
            )
            .await?;
        let field = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_string);
        let note = match flow {
            "session" => {
                held.session_id = field("session_id");
                held.session_at = Some(Instant::now());
                hops.push(Hop {
                    from: "session-auth",
                    to: "redis",
                    what: "session stored (inside the login)".into(),
                    status: None,
                    ms: 0.0,
                });
                "Steps 1-2: the session is stored in Redis; its id comes back.".to_string()
            }
            _ => {
                held.access_token = field("access_token");
                held.access_at = Some(Instant::now());
                "Steps 1-2: the claims come back signed; nothing is stored.".to_string()
            }
        };
        Ok((status, body, note))
    }

    async fn call(
        &self,
        flow: &'static str,
        held: &Held,
        hops: &mut Vec<Hop>,
        tamper: bool,
    ) -> anyhow::Result<(u16, Value, String)> {
        let (api, mode, credential) = match flow {
            "session" => ("api-session", ApiMode::Session, held.session_id.clone()),
            _ => ("api-jwt", ApiMode::Jwt, held.access_token.clone()),
        };
        let mut credential = credential.context("log in first")?;
        if tamper {
            credential = tampered(&credential);
        }
        let started = Instant::now();
        let response = self
            .client
            .get(format!("{}/api/departments", self.system.urls().api(mode)))
            .bearer_auth(&credential)
            .send()
            .await?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let status = response.status().as_u16();
        let check = server_timing_ms(response.headers());
        let body: Value = response.json().await.unwrap_or(Value::Null);
        hops.push(Hop {
            from: "client",
            to: api,
            what: "GET /api/departments".into(),
            status: Some(status),
            ms,
        });
        let note = match (flow, check) {
            ("session", Some(dur)) => {
                hops.push(Hop {
                    from: api,
                    to: "session-auth",
                    what: "POST /introspect, and the Redis read behind it".into(),
                    status: None,
                    ms: dur,
                });
                format!("Steps 3-6: the API server asked the auth server, which asked Redis ({dur:.2} ms).")
            }
            (_, Some(dur)) => {
                hops.push(Hop {
                    from: api,
                    to: api,
                    what: "signature verified locally".into(),
                    status: None,
                    ms: dur,
                });
                format!(
                    "Steps 3-4: the API server verified the signature itself ({dur:.3} ms), asking no one."
                )
            }
            (_, None) => format!(
                "Stopped at the authentication layer ({status}): {}",
                body.get("error_description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            ),
        };
        Ok((status, body, note))
    }

    async fn send(
        &self,
        hops: &mut Vec<Hop>,
        from: &'static str,
        to: &'static str,
        what: &str,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<(u16, Value)> {
        let started = Instant::now();
        let response = request.send().await?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        hops.push(Hop {
            from,
            to,
            what: what.into(),
            status: Some(status),
            ms: started.elapsed().as_secs_f64() * 1000.0,
        });
        Ok((status, body))
    }
}
