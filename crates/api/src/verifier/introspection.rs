//! `session`: on every request the API server asks the session auth server whether the
//! session id is valid (the design note's Session process, steps 4-5). One pooled
//! keep-alive HTTP client is shared by all workers, so steady traffic opens no new
//! connection per request.

use std::time::Duration;

use authbench_core::session_store::looks_like_session_id;
use authbench_core::{AuthError, Identity};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::inactive_session;

/// Why an introspection verifier cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum IntrospectionSetupError {
    #[error("api.session_auth_url `{url}` is not a URL: {reason}")]
    Url { url: String, reason: String },
    #[error("the introspection credential cannot be sent in a header")]
    Credential,
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

pub struct IntrospectionVerifier {
    client: reqwest::Client,
    /// Parsed once: a URL string would be parsed again on every call.
    introspect_url: reqwest::Url,
    ready_url: reqwest::Url,
    /// `Basic <base64(client_id:secret)>`, encoded once and marked sensitive.
    authorization: reqwest::header::HeaderValue,
}

#[derive(Deserialize)]
struct Introspection {
    active: bool,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    exp: Option<u64>,
}

impl IntrospectionVerifier {
    pub fn new(
        session_auth_url: &str,
        client_id: String,
        client_secret: SecretString,
        timeout: Duration,
    ) -> Result<Self, IntrospectionSetupError> {
        use base64::Engine;
        let base = session_auth_url.trim_end_matches('/');
        let url = |path: &str| {
            reqwest::Url::parse(&format!("{base}{path}")).map_err(|e| IntrospectionSetupError::Url {
                url: session_auth_url.to_string(),
                reason: e.to_string(),
            })
        };
        let credential = base64::engine::general_purpose::STANDARD
            .encode(format!("{client_id}:{}", client_secret.expose_secret()));
        let mut authorization = reqwest::header::HeaderValue::from_str(&format!("Basic {credential}"))
            .map_err(|_| IntrospectionSetupError::Credential)?;
        authorization.set_sensitive(true);
        Ok(IntrospectionVerifier {
            client: http_client(timeout)?,
            introspect_url: url("/introspect")?,
            ready_url: url("/readyz")?,
            authorization,
        })
    }

    pub async fn verify(&self, session_id: &str) -> Result<Identity, AuthError> {
        // Something that cannot be a session id costs no hop.
        if !looks_like_session_id(session_id) {
            return Err(inactive_session());
        }
        // A session id is base64url (checked above): it needs no form encoding.
        let response = self
            .client
            .post(self.introspect_url.clone())
            .header(reqwest::header::AUTHORIZATION, self.authorization.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                reqwest::header::HeaderValue::from_static("application/x-www-form-urlencoded"),
            )
            .body(format!("token={session_id}"))
            .send()
            .await
            .map_err(|e| unreachable("the session auth server", e))?;
        let status = response.status();
        if !status.is_success() {
            if status == reqwest::StatusCode::UNAUTHORIZED {
                tracing::error!("the session auth server refused our introspection credential");
            }
            return Err(AuthError::unavailable(format!(
                "the session auth server answered {status} to introspection"
            )));
        }
        let answer: Introspection = response
            .json()
            .await
            .map_err(|e| unreachable("the session auth server", e))?;
        match answer {
            Introspection {
                active: true,
                sub: Some(sub),
                roles,
                exp,
            } => Ok(Identity {
                sub,
                roles,
                expires_at: exp.unwrap_or(0),
            }),
            _ => Err(inactive_session()),
        }
    }

    pub async fn ready(&self) -> Result<(), AuthError> {
        let response = self
            .client
            .get(self.ready_url.clone())
            .send()
            .await
            .map_err(|e| unreachable("the session auth server", e))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(AuthError::unavailable(format!(
                "the session auth server is not ready ({})",
                response.status()
            )))
        }
    }
}

/// The pooled HTTP/1.1 keep-alive client the API server uses for its upstream calls.
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .pool_idle_timeout(authbench_core::server::CLIENT_POOL_IDLE)
        .tcp_nodelay(true)
        .no_proxy()
        .build()
}

fn unreachable(what: &str, e: reqwest::Error) -> AuthError {
    if e.is_timeout() {
        AuthError::unavailable(format!("{what} did not answer in time"))
    } else {
        AuthError::unavailable(format!("{what} is unreachable"))
    }
}
