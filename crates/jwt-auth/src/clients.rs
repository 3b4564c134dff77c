//! The OAuth 2.0 clients the token endpoint knows (RFC 6749 section 2).
//!
//! - `authbench-login`, the first-party public client (no secret: it runs in the user's
//!   browser or terminal), may use the `password` and `refresh_token` grants.
//! - Third-party confidential clients come from `oauth.clients` in the settings, each
//!   with an argon2id hash of its secret, its scopes and its grant types. They
//!   authenticate with HTTP Basic (`client_secret_basic`) or form fields
//!   (`client_secret_post`).

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::HttpRequest;
use authbench_core::credential;
use authbench_core::settings::OAuthClient;
use authbench_core::users::verify_password;
use secrecy::SecretString;

use crate::tokens::FIRST_PARTY_CLIENT_ID;

/// The one scope of the first-party client: the API on the user's behalf.
pub const FIRST_PARTY_SCOPE: &str = "api";

/// A client as the token endpoint sees it after authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub client_id: String,
    pub confidential: bool,
    pub scopes: Vec<String>,
    pub grant_types: Vec<String>,
}

impl Client {
    pub fn may_use(&self, grant_type: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant_type)
    }

    /// The scope to grant for a request: what was asked, when every asked scope is the
    /// client's; all the client's scopes when nothing was asked. `Err` names the first
    /// scope the client may not have.
    pub fn grant_scope(&self, requested: Option<&str>) -> Result<Option<String>, String> {
        let asked: Vec<&str> = requested.unwrap_or("").split_whitespace().collect();
        if asked.is_empty() {
            return Ok((!self.scopes.is_empty()).then(|| self.scopes.join(" ")));
        }
        match asked.iter().find(|s| !self.scopes.iter().any(|c| c == *s)) {
            Some(bad) => Err(bad.to_string()),
            None => Ok(Some(asked.join(" "))),
        }
    }
}

/// Why a client was not authenticated (always answered `401 invalid_client`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientRefused;

/// The registered clients.
pub struct Clients {
    confidential: HashMap<String, (Client, Arc<str>)>,
    /// Hashed with the same parameters as real secrets, for unknown client ids, so that
    /// a wrong id and a wrong secret take the same time.
    dummy_hash: Arc<str>,
}

impl Clients {
    pub fn new(registered: &[OAuthClient]) -> Clients {
        let confidential = registered
            .iter()
            .map(|c| {
                let client = Client {
                    client_id: c.client_id.clone(),
                    confidential: true,
                    scopes: c.scopes.clone(),
                    grant_types: c.grant_types.clone(),
                };
                (c.client_id.clone(), (client, Arc::from(c.secret_hash.as_str())))
            })
            .collect();
        let dummy_hash =
            authbench_core::users::hash_password(&SecretString::from("no client has this secret"))
                .map(Arc::from)
                .unwrap_or_else(|_| Arc::from(""));
        Clients {
            confidential,
            dummy_hash,
        }
    }

    /// The first-party public client.
    pub fn first_party() -> Client {
        Client {
            client_id: FIRST_PARTY_CLIENT_ID.to_string(),
            confidential: false,
            scopes: vec![FIRST_PARTY_SCOPE.to_string()],
            grant_types: vec!["password".into(), "refresh_token".into()],
        }
    }

    /// Authenticates the caller from HTTP Basic or the form's `client_id` and
    /// `client_secret`. A public client names itself and presents no secret.
    pub async fn authenticate(
        &self,
        req: &HttpRequest,
        form_id: Option<&str>,
        form_secret: Option<&str>,
    ) -> Result<Client, ClientRefused> {
        let (id, secret) = match (credential::basic_credentials(req), form_id) {
            (Some((id, secret)), None) => (id, Some(secret)),
            (Some((id, secret)), Some(named)) if named == id => (id, Some(secret)),
            // Two different identities in one request.
            (Some(_), Some(_)) => return Err(ClientRefused),
            (None, Some(id)) => (id.to_string(), form_secret.map(str::to_string)),
            (None, None) => return Err(ClientRefused),
        };
        if id == FIRST_PARTY_CLIENT_ID {
            return match secret.as_deref() {
                None | Some("") => Ok(Self::first_party()),
                Some(_) => Err(ClientRefused),
            };
        }
        let secret = secret.ok_or(ClientRefused)?;
        let (client, hash) = match self.confidential.get(&id) {
            Some((client, hash)) => (Some(client.clone()), hash.clone()),
            None => (None, self.dummy_hash.clone()),
        };
        let password = SecretString::from(secret);
        let verified = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .unwrap_or(false);
        match (client, verified) {
            (Some(client), true) => Ok(client),
            _ => Err(ClientRefused),
        }
    }
}
