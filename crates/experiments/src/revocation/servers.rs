//! One arm's servers, started in this process with their own Redis key prefix.

use std::time::Duration;

use authbench_core::Settings;
use authbench_core::server::{RunningServer, ServerHandle};
use authbench_core::settings::SigningAlgorithm;
use results::Flow;

/// One arm's servers, in this process: a session auth server, a JWT auth server and an API
/// server in the arm's mode, with their own Redis key prefix (and, for a database flow, a
/// database of their own).
pub(super) struct ArmSystem {
    pub(super) settings: Settings,
    pub(super) session_auth: String,
    pub(super) jwt_auth: String,
    pub(super) api: String,
    pub(super) handles: Vec<ServerHandle>,
}

impl ArmSystem {
    pub(super) async fn start(redis_url: &str, flow: Flow, lifetime: Duration) -> anyhow::Result<ArmSystem> {
        let mut settings = Settings::loopback(redis_url)?;
        // The database flows get a database of their own, where the users, roles and keys
        // live for every server of the arm.
        if flow.needs_database() {
            let postgres = harness::database::shared().await?;
            let url = harness::database::fresh(&postgres, &settings.users_file).await?;
            settings.database = Some(authbench_core::settings::DatabaseSettings {
                url: url.into(),
                pool_size: 4,
                password_file: None,
            });
        }
        settings.jwt.algorithm = SigningAlgorithm::HS256;
        settings.jwt.leeway_secs = 0;
        settings.jwt.access_ttl_secs = lifetime.as_secs().max(1);
        settings.api.mode = flow.api_mode();
        if let Flow::SessionCached(ms) = flow {
            settings.api.introspection_cache_ttl_ms = ms;
        }
        for listen in [
            &mut settings.session_auth,
            &mut settings.jwt_auth,
            &mut settings.api.listen,
        ] {
            listen.workers = Some(1);
        }
        let mut handles = Vec::new();
        let mut run = |server: RunningServer| {
            let url = server.url();
            handles.push(server.handle());
            tokio::spawn(server.run_until_stopped());
            url
        };
        let session_auth = run(session_auth::Application::build(&settings)?);
        let jwt_auth = run(jwt_auth::Application::build(&settings)?);
        settings.api.session_auth_url = session_auth.clone();
        let api = run(api::Application::build(&settings)?);
        Ok(ArmSystem {
            settings,
            session_auth,
            jwt_auth,
            api,
            handles,
        })
    }

    pub(super) async fn stop(self) {
        for handle in self.handles {
            handle.stop(true).await;
        }
    }

    /// Gives alice the roles `roles` in every flow at once (see `authbench_core::roles`).
    pub(super) async fn set_alice_roles(&self, roles: &[&str]) -> anyhow::Result<()> {
        let timeout = Duration::from_secs(2);
        let conn = authbench_core::redis_conn::connect(&self.settings.redis.url, timeout)?;
        let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
        let lifetime = Duration::from_secs(self.settings.jwt.access_ttl_secs + self.settings.jwt.leeway_secs);
        let database = authbench_core::database::Database::from_settings(&self.settings)?;
        authbench_core::roles::change_roles(
            conn,
            database.as_ref(),
            &self.settings.redis.key_prefix,
            timeout,
            "alice",
            &roles,
            lifetime,
        )
        .await?;
        Ok(())
    }
}
