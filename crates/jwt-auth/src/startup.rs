//! Building the JWT auth server from settings.

use std::time::Duration;

use actix_web::{App, web};
use authbench_core::denylist::Denylist;
use authbench_core::roles::RoleOverrides;
use authbench_core::secret::SecretError;
use authbench_core::server::RunningServer;
use authbench_core::settings::SigningAlgorithm;
use authbench_core::throttle::LoginThrottle;
use authbench_core::users::{DirectoryError, UserDirectory};
use authbench_core::{Profile, Settings, error, redis_conn};
use secrecy::SecretString;

use crate::clients::Clients;
use crate::families::Families;
use crate::keys::{KeyError, KeyRing, Retired, SigningKey};
use crate::routes;
use crate::tokens::{TokenIssuer, TokenPolicy};

/// Everything the handlers share.
pub struct State {
    pub issuer: TokenIssuer,
    pub users: UserDirectory,
    pub cookie_name: String,
    pub cookie_secure: bool,
    /// Role changes made by an administrator (read at every login and refresh).
    pub overrides: RoleOverrides,
    /// Refresh-token rotation state.
    pub families: Families,
    /// Revoked access tokens (checked by `jwt-denylist` API servers).
    pub denylist: Denylist,
    pub clients: Clients,
    /// Failed logins per user name and address (`/login` and the password grant).
    pub throttle: LoginThrottle,
    /// The API server's service credential, accepted at `/oauth/introspect` when set.
    pub introspection_client_id: String,
    pub introspection_secret: Option<SecretString>,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(
        "jwt.previous_keys[{0}] has no private_key_file; a retired {{EdDSA, ES256, RS256}} key needs its PEM file"
    )]
    PreviousKeyFile(usize),
    #[error(
        "jwt.private_key_file is not set; {0} needs a private key (PEM). \
         Set APP_JWT__PRIVATE_KEY_FILE, or run with APP_PROFILE=dev to generate one"
    )]
    MissingKey(SigningAlgorithm),
    #[error(transparent)]
    Users(#[from] DirectoryError),
    #[error(transparent)]
    Redis(#[from] redis_conn::LinkError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The signing key the settings describe: the HMAC secret, the private key file, or in
/// the dev profile a key generated for this process.
pub fn signing_key(settings: &Settings) -> Result<SigningKey, BuildError> {
    let jwt = &settings.jwt;
    if jwt.algorithm.is_symmetric() {
        let secret = settings.jwt_secret()?;
        return Ok(SigningKey::hs256(&secret));
    }
    match (&jwt.private_key_file, settings.profile) {
        (Some(path), _) => Ok(SigningKey::from_file(jwt.algorithm, path)?),
        (None, Profile::Dev) => {
            tracing::warn!(
                "jwt.private_key_file is not set; dev profile: generating a {} key for this process",
                jwt.algorithm
            );
            Ok(SigningKey::generate(jwt.algorithm)?)
        }
        (None, Profile::Production) => Err(BuildError::MissingKey(jwt.algorithm)),
    }
}

/// The key ring the settings describe around the active `key`: each of
/// `jwt.previous_keys`, with the active key's algorithm, accepted until its grace ends.
pub fn key_ring(settings: &Settings, key: SigningKey) -> Result<KeyRing, BuildError> {
    let jwt = &settings.jwt;
    let mut retired = Vec::new();
    for (i, previous) in jwt.previous_keys.iter().enumerate() {
        let retired_key = if jwt.algorithm.is_symmetric() {
            let secret = authbench_core::secret::require_configured(
                "jwt.previous_keys[].secret",
                previous.secret.as_ref(),
            )?;
            SigningKey::hs256(&secret)
        } else {
            let path = previous
                .private_key_file
                .as_ref()
                .ok_or(BuildError::PreviousKeyFile(i))?;
            SigningKey::from_file(jwt.algorithm, path)?
        };
        retired.push(Retired {
            key: retired_key,
            accepted_until: jwt.accepted_until(previous.retired_at),
        });
    }
    Ok(KeyRing { active: key, retired })
}

pub struct Application;

impl Application {
    /// Binds the listener and prepares the server with the key the settings describe.
    pub fn build(settings: &Settings) -> Result<RunningServer, BuildError> {
        let key = signing_key(settings)?;
        Self::build_with_key(settings, key)
    }

    /// The same with a given key (the workbench shares one key between servers it starts).
    pub fn build_with_key(settings: &Settings, key: SigningKey) -> Result<RunningServer, BuildError> {
        let jwt = &settings.jwt;
        let policy = TokenPolicy {
            issuer: jwt.issuer.clone(),
            audience: jwt.audience.clone(),
            access_ttl: Duration::from_secs(jwt.access_ttl_secs),
            refresh_ttl: Duration::from_secs(jwt.refresh_ttl_secs),
            leeway: Duration::from_secs(jwt.leeway_secs),
        };
        let timeout = settings.dependency_timeout();
        // Reached lazily: the server starts while Redis is down, and `/readyz` says so.
        let conn = redis_conn::RedisLink::from_settings(&settings.redis, timeout)?;
        let prefix = &settings.redis.key_prefix;
        let state = web::Data::new(State {
            families: Families::new(conn.clone(), prefix, timeout, policy.refresh_ttl),
            issuer: TokenIssuer::with_ring(key_ring(settings, key)?, policy),
            users: UserDirectory::from_settings(settings)?,
            cookie_name: settings.cookies.token_cookie(),
            cookie_secure: settings.cookies.secure,
            overrides: RoleOverrides::new(conn.clone(), prefix, timeout),
            throttle: LoginThrottle::new(conn.clone(), prefix, timeout, settings.login_limits),
            denylist: Denylist::new(conn, prefix, timeout),
            clients: Clients::new(&settings.oauth.clients),
            introspection_client_id: settings.introspection.client_id.clone(),
            introspection_secret: settings.introspection.client_secret.clone(),
        });
        let csrf = web::Data::new(settings.cookies.csrf_policy());
        let doc = web::Data::new(authbench_core::openapi::with_security(
            <routes::ApiDoc as utoipa::OpenApi>::openapi(),
            &settings.cookies.session_cookie(),
            &settings.cookies.token_cookie(),
        ));
        let server = authbench_core::serve!(&settings.jwt_auth, move || {
            App::new()
                .app_data(csrf.clone())
                .wrap(actix_web::middleware::from_fn(authbench_core::csrf::guard))
                .app_data(state.clone())
                .app_data(doc.clone())
                .app_data(error::json_config())
                .app_data(error::form_config())
                .configure(routes::configure)
        })?;
        tracing::info!(url = %server.url(), algorithm = %settings.jwt.algorithm, "JWT auth server listening");
        Ok(server)
    }
}
