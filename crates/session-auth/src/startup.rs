//! Building the session auth server from settings.

use std::time::Duration;

use actix_web::{App, web};
use authbench_core::roles::RoleOverrides;
use authbench_core::secret::SecretError;
use authbench_core::server::RunningServer;
use authbench_core::session_store::{Lifetimes, SessionStore};
use authbench_core::throttle::LoginThrottle;
use authbench_core::users::{DirectoryError, UserDirectory};
use authbench_core::{Settings, error, redis_conn};
use secrecy::SecretString;

use crate::routes;

/// Everything the handlers share. Built once; cloned into each worker.
pub struct State {
    pub store: SessionStore,
    /// Role changes made by an administrator (read at every login).
    pub overrides: RoleOverrides,
    /// Failed logins per user name and address.
    pub throttle: LoginThrottle,
    pub users: UserDirectory,
    pub lifetimes: Lifetimes,
    pub cookie_name: String,
    pub cookie_secure: bool,
    pub introspection_client_id: String,
    pub introspection_secret: SecretString,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Users(#[from] DirectoryError),
    #[error(transparent)]
    Redis(#[from] redis_conn::LinkError),
    #[error(
        "session lifetimes must be positive and idle <= absolute (got idle {idle}s, absolute {absolute}s)"
    )]
    Lifetimes { idle: u64, absolute: u64 },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

pub struct Application;

impl Application {
    /// Binds the listener (port 0 picks a free one) and prepares the server. Redis is
    /// reached lazily: the server starts while Redis is down, and `/readyz` says so.
    pub fn build(settings: &Settings) -> Result<RunningServer, BuildError> {
        let introspection_secret = settings.introspection_secret()?;
        let (idle, absolute) = (
            settings.session.idle_timeout_secs,
            settings.session.absolute_lifetime_secs,
        );
        if idle == 0 || absolute == 0 || idle > absolute {
            return Err(BuildError::Lifetimes { idle, absolute });
        }
        let users = UserDirectory::from_settings(settings)?;
        let conn = redis_conn::RedisLink::from_settings(&settings.redis, settings.dependency_timeout())?;
        let state = web::Data::new(State {
            throttle: LoginThrottle::new(
                conn.clone(),
                &settings.redis.key_prefix,
                settings.dependency_timeout(),
                settings.login_limits,
            ),
            overrides: RoleOverrides::new(
                conn.clone(),
                &settings.redis.key_prefix,
                settings.dependency_timeout(),
            ),
            store: SessionStore::new(conn, &settings.redis.key_prefix, settings.dependency_timeout()),
            users,
            lifetimes: Lifetimes {
                idle: Duration::from_secs(idle),
                absolute: Duration::from_secs(absolute),
            },
            cookie_name: settings.cookies.session_cookie(),
            cookie_secure: settings.cookies.secure,
            introspection_client_id: settings.introspection.client_id.clone(),
            introspection_secret,
        });
        let csrf = web::Data::new(settings.cookies.csrf_policy());
        let doc = web::Data::new(authbench_core::openapi::with_security(
            <routes::ApiDoc as utoipa::OpenApi>::openapi(),
            &settings.cookies.session_cookie(),
            &settings.cookies.token_cookie(),
        ));
        let server = authbench_core::serve!(
            &settings.session_auth,
            move || {
                App::new()
                    .app_data(csrf.clone())
                    .wrap(actix_web::middleware::from_fn(authbench_core::csrf::guard))
                    .app_data(state.clone())
                    .app_data(doc.clone())
                    .app_data(error::json_config())
                    .app_data(error::form_config())
                    .configure(routes::configure)
            },
            h2c
        )?;
        tracing::info!(url = %server.url(), "session auth server listening");
        Ok(server)
    }
}
