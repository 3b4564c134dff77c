//! `session`: on every request the API server asks the session auth server whether the
//! session id is valid (the design note's Session process, steps 4-5).
//!
//! The hop is built lean: one pooled hyper client shared by all workers (steady traffic opens
//! no new connection per request), the target URI and the service credential prepared once
//! (a request clones reference-counted bytes, it parses no URL), and the answer read in place
//! from its body. `api.introspection_http` chooses HTTP/1.1 keep-alive connections (default)
//! or HTTP/2 without TLS (h2c), every call multiplexed on one connection.

use std::time::Duration;

use authbench_core::session_store::looks_like_session_id;
use authbench_core::settings::IntrospectionHttp;
use authbench_core::{AuthError, Identity};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::inactive_session;

/// Why an introspection verifier cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum IntrospectionSetupError {
    #[error("api.session_auth_url `{url}` is not an http:// URL: {reason}")]
    Url { url: String, reason: String },
    #[error("the introspection credential cannot be sent in a header")]
    Credential,
}

pub struct IntrospectionVerifier {
    client: Client<HttpConnector, Full<Bytes>>,
    /// Parsed once; cloning a `Uri` copies reference-counted bytes.
    introspect_uri: Uri,
    ready_uri: Uri,
    /// `Basic <base64(client_id:secret)>`, encoded once and marked sensitive.
    authorization: HeaderValue,
    /// Bounds each call, from sending to the last byte of the answer.
    timeout: Duration,
}

/// The RFC 7662 answer, read in place: only the subject and the roles are copied out,
/// into the identity the handler receives.
#[derive(Deserialize)]
struct Introspection<'a> {
    active: bool,
    #[serde(default, borrow)]
    sub: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    exp: Option<u64>,
}

/// How often an HTTP/2 connection to the session auth server is pinged.
const H2_PING_EVERY: Duration = Duration::from_secs(5);

static FORM: HeaderValue = HeaderValue::from_static("application/x-www-form-urlencoded");

impl IntrospectionVerifier {
    pub fn new(
        session_auth_url: &str,
        client_id: String,
        client_secret: SecretString,
        timeout: Duration,
        http: IntrospectionHttp,
    ) -> Result<Self, IntrospectionSetupError> {
        use base64::Engine;
        let base = session_auth_url.trim_end_matches('/');
        let uri = |path: &str| -> Result<Uri, IntrospectionSetupError> {
            let bad = |reason: String| IntrospectionSetupError::Url {
                url: session_auth_url.to_string(),
                reason,
            };
            let uri: Uri = format!("{base}{path}")
                .parse()
                .map_err(|e: hyper::http::uri::InvalidUri| bad(e.to_string()))?;
            match (uri.scheme_str(), uri.authority()) {
                (Some("http"), Some(_)) => Ok(uri),
                _ => Err(bad(
                    "the session auth server is reached over plain http://host:port".into(),
                )),
            }
        };
        let credential = base64::engine::general_purpose::STANDARD
            .encode(format!("{client_id}:{}", client_secret.expose_secret()));
        let mut authorization = HeaderValue::from_str(&format!("Basic {credential}"))
            .map_err(|_| IntrospectionSetupError::Credential)?;
        authorization.set_sensitive(true);
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(timeout));
        // HTTP/2 keeps every call on one connection, so a connection that stops answering
        // (a peer gone without a FIN) must be noticed: a ping every few seconds closes it
        // when unanswered within the timeout, and the next call opens a new one.
        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(authbench_core::server::CLIENT_POOL_IDLE)
            .http2_only(http == IntrospectionHttp::Http2)
            .http2_keep_alive_interval(H2_PING_EVERY)
            .http2_keep_alive_timeout(timeout)
            .build(connector);
        Ok(IntrospectionVerifier {
            client,
            introspect_uri: uri("/introspect")?,
            ready_uri: uri("/readyz")?,
            authorization,
            timeout,
        })
    }

    pub async fn verify(&self, session_id: &str) -> Result<Identity, AuthError> {
        // Something that cannot be a session id costs no hop.
        if !looks_like_session_id(session_id) {
            return Err(inactive_session());
        }
        // A session id is base64url (checked above): it needs no form encoding.
        let mut body = Vec::with_capacity(6 + session_id.len());
        body.extend_from_slice(b"token=");
        body.extend_from_slice(session_id.as_bytes());
        let (status, answer) = self
            .call(Method::POST, &self.introspect_uri, Bytes::from(body))
            .await?;
        if !status.is_success() {
            if status == StatusCode::UNAUTHORIZED {
                tracing::error!("the session auth server refused our introspection credential");
            }
            return Err(AuthError::unavailable(format!(
                "the session auth server answered {status} to introspection"
            )));
        }
        let answer: Introspection<'_> = serde_json::from_slice(&answer)
            .map_err(|_| AuthError::unavailable("the session auth server's answer is not RFC 7662 JSON"))?;
        match answer {
            Introspection {
                active: true,
                sub: Some(sub),
                roles,
                exp,
            } => Ok(Identity {
                sub: sub.into_owned(),
                roles,
                expires_at: exp.unwrap_or(0),
            }),
            _ => Err(inactive_session()),
        }
    }

    pub async fn ready(&self) -> Result<(), AuthError> {
        let (status, _) = self.call(Method::GET, &self.ready_uri, Bytes::new()).await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(AuthError::unavailable(format!(
                "the session auth server is not ready ({status})"
            )))
        }
    }

    /// One call to the session auth server, bounded by the dependency timeout: its status
    /// and its whole body.
    async fn call(&self, method: Method, uri: &Uri, body: Bytes) -> Result<(StatusCode, Bytes), AuthError> {
        let mut request = Request::new(Full::new(body));
        if method == Method::POST {
            let headers = request.headers_mut();
            headers.insert(header::AUTHORIZATION, self.authorization.clone());
            headers.insert(header::CONTENT_TYPE, FORM.clone());
        }
        *request.method_mut() = method;
        *request.uri_mut() = uri.clone();
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| {
                tracing::debug!(error = %e, "introspection hop failed");
            })?;
            let status = response.status();
            let body = response.into_body().collect().await.map_err(|e| {
                tracing::debug!(error = %e, "introspection answer cut short");
            })?;
            Ok::<_, ()>((status, body.to_bytes()))
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(())) => Err(AuthError::unavailable("the session auth server is unreachable")),
            Err(_) => Err(AuthError::unavailable(
                "the session auth server did not answer in time",
            )),
        }
    }
}
