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

pub struct IntrospectionVerifier {
    client: reqwest::Client,
    introspect_url: String,
    ready_url: String,
    client_id: String,
    client_secret: SecretString,
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
    ) -> Result<Self, reqwest::Error> {
        let base = session_auth_url.trim_end_matches('/');
        Ok(IntrospectionVerifier {
            client: http_client(timeout)?,
            introspect_url: format!("{base}/introspect"),
            ready_url: format!("{base}/readyz"),
            client_id,
            client_secret,
        })
    }

    pub async fn verify(&self, session_id: &str) -> Result<Identity, AuthError> {
        // Something that cannot be a session id costs no hop.
        if !looks_like_session_id(session_id) {
            return Err(inactive_session());
        }
        let response = self
            .client
            .post(&self.introspect_url)
            .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
            .form(&[("token", session_id)])
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
            .get(&self.ready_url)
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
