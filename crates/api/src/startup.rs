//! Building the API server from settings: the mode decides the verifier.

use std::time::Duration;

use actix_web::{App, web};
use authbench_core::database::Database;
use authbench_core::denylist::Denylist;
use authbench_core::jws::VerifyKey;
use authbench_core::secret::SecretError;
use authbench_core::server::RunningServer;
use authbench_core::session_store::SessionStore;
use authbench_core::settings::ApiMode;
use authbench_core::{Settings, error, redis_conn};
use secrecy::{ExposeSecret, SecretString};

use crate::departments::Departments;
use crate::middleware::Authenticator;
use crate::routes;
use crate::verifier::{
    ApiKeyVerifier, CachedIntrospectionVerifier, DenylistVerifier, IntrospectionVerifier, JwksCache,
    JwtVerifier, KeySource, RedisSessionVerifier, SharedKey, UserDbVerifier, Verifier,
};

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Redis(#[from] redis_conn::LinkError),
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[from] reqwest::Error),
    #[error(transparent)]
    Introspection(#[from] crate::verifier::IntrospectionSetupError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(
        "API mode {0} reads the user database on every request: set database.url \
         (APP_DATABASE__URL=postgres://user:password@host:port/database)"
    )]
    NoDatabase(ApiMode),
    #[error(transparent)]
    Database(#[from] authbench_core::database::DbError),
}

/// The verifier the settings ask for.
pub fn verifier(settings: &Settings) -> Result<Verifier, BuildError> {
    let timeout = settings.dependency_timeout();
    let redis = || redis_conn::RedisLink::from_settings(&settings.redis, timeout);
    let introspection = || -> Result<IntrospectionVerifier, BuildError> {
        Ok(IntrospectionVerifier::new(
            &settings.api.session_auth_url,
            settings.introspection.client_id.clone(),
            settings.introspection_secret()?,
            timeout,
            settings.api.introspection_http,
        )?)
    };
    let database = || -> Result<Database, BuildError> {
        Database::from_settings(settings)?.ok_or(BuildError::NoDatabase(settings.api.mode))
    };
    Ok(match settings.api.mode {
        ApiMode::Session => Verifier::Introspection(introspection()?),
        ApiMode::SessionCached => Verifier::CachedIntrospection(CachedIntrospectionVerifier::new(
            introspection()?,
            Duration::from_millis(settings.api.introspection_cache_ttl_ms),
        )),
        ApiMode::SessionRedis => Verifier::RedisSession(RedisSessionVerifier::new(SessionStore::new(
            redis()?,
            &settings.redis.key_prefix,
            timeout,
        ))),
        ApiMode::Jwt => Verifier::Jwt(Box::new(jwt_verifier(settings)?)),
        ApiMode::JwtDenylist => Verifier::Denylist(Box::new(DenylistVerifier::new(
            jwt_verifier(settings)?,
            Denylist::new(redis()?, &settings.redis.key_prefix, timeout),
        ))),
        ApiMode::ApiKey => Verifier::ApiKey(ApiKeyVerifier::new(database()?)),
        ApiMode::JwtUserdb => Verifier::UserDb(Box::new(UserDbVerifier::new(
            jwt_verifier(settings)?,
            database()?,
        ))),
    })
}

/// The local token check of the `jwt` and `jwt-denylist` modes.
fn jwt_verifier(settings: &Settings) -> Result<JwtVerifier, BuildError> {
    let jwt = &settings.jwt;
    let keys = if jwt.algorithm.is_symmetric() {
        let shared = |secret: &SecretString, accepted_until| SharedKey {
            kid: authbench_core::secret::hmac_kid(secret),
            key: VerifyKey::hs256(secret.expose_secret().as_bytes()),
            accepted_until,
        };
        let mut keys = vec![shared(&settings.jwt_secret()?, None)];
        for previous in &jwt.previous_keys {
            let secret = authbench_core::secret::require_configured(
                "jwt.previous_keys[].secret",
                previous.secret.as_ref(),
            )?;
            keys.push(shared(&secret, Some(jwt.accepted_until(previous.retired_at))));
        }
        KeySource::Shared(keys)
    } else {
        KeySource::Jwks(JwksCache::new(
            jwt.jwks_url.clone(),
            settings.dependency_timeout(),
            Duration::from_secs(jwt.jwks_refetch_min_interval_secs),
            Duration::from_secs(jwt.jwks_max_age_secs),
        )?)
    };
    Ok(JwtVerifier::new(
        keys,
        jwt.issuer.clone(),
        jwt.audience.clone(),
        Duration::from_secs(jwt.leeway_secs),
    ))
}

pub struct Application;

impl Application {
    pub fn build(settings: &Settings) -> Result<RunningServer, BuildError> {
        let verifier = verifier(settings)?;
        // API keys come only in the Authorization header: programs send them, not browsers.
        let cookie_name = match settings.api.mode {
            mode if mode.takes_session_ids() => settings.cookies.session_cookie(),
            ApiMode::ApiKey => String::new(),
            _ => settings.cookies.token_cookie(),
        };
        let mode = verifier.mode();
        let auth = web::Data::new(Authenticator {
            verifier,
            cookie_name,
        });
        let csrf = web::Data::new(settings.cookies.csrf_policy());
        let doc = web::Data::new(authbench_core::openapi::with_security(
            <routes::ApiDoc as utoipa::OpenApi>::openapi(),
            &settings.cookies.session_cookie(),
            &settings.cookies.token_cookie(),
        ));
        let departments = web::Data::new(Departments::default());
        let server = authbench_core::serve!(&settings.api.listen, move || {
            App::new()
                .app_data(csrf.clone())
                .wrap(actix_web::middleware::from_fn(authbench_core::csrf::guard))
                .app_data(auth.clone())
                .app_data(departments.clone())
                .app_data(doc.clone())
                .app_data(error::json_config())
                .configure(routes::configure)
        })?;
        tracing::info!(url = %server.url(), %mode, "API server listening");
        Ok(server)
    }
}
