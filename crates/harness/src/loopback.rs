//! Both architectures of the design note in this process, on loopback: the session auth
//! server, the JWT auth server and one API server per mode. `workbench up` and the teaching
//! demos start the system this way; the experiments start each server as its own process
//! instead ([`crate::system`]).

use anyhow::Context;
use authbench_core::Settings;
use authbench_core::server::{RunningServer, ServerHandle};
use authbench_core::settings::ApiMode;

/// The addresses of a running system.
pub struct Urls {
    pub session_auth: String,
    pub jwt_auth: String,
    pub api: Vec<(ApiMode, String)>,
}

impl Urls {
    /// The API server running in `mode`.
    pub fn api(&self, mode: ApiMode) -> &str {
        self.api
            .iter()
            .find(|(m, _)| *m == mode)
            .map(|(_, u)| u.as_str())
            .unwrap_or("")
    }
}

/// Both architectures in this process: the session auth server, the JWT auth server and
/// one API server per mode, all with `settings` (the API servers on `api_ports` in the order
/// of [`ApiMode::ALL`], 0 or none for a free one). The modes that read the user database
/// (`api-key`, `jwt-userdb`) run only when the settings name one. `up` and the teaching
/// demos start the system this way.
pub struct LoopbackSystem {
    pub urls: Urls,
    handles: Vec<ServerHandle>,
    tasks: Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl LoopbackSystem {
    pub fn start(settings: &Settings, api_ports: &[u16]) -> anyhow::Result<LoopbackSystem> {
        let mut servers: Vec<RunningServer> = Vec::new();
        servers.push(
            session_auth::Application::build(settings).context("failed to start the session auth server")?,
        );
        servers.push(jwt_auth::Application::build(settings).context("failed to start the JWT auth server")?);
        let mut api = Vec::new();
        let modes = ApiMode::ALL
            .into_iter()
            .filter(|m| settings.database.is_some() || !m.needs_database());
        for (i, mode) in modes.enumerate() {
            let port = api_ports.get(i).copied().unwrap_or(0);
            let mut api_settings = settings.clone();
            api_settings.api.mode = mode;
            api_settings.api.listen.port = port;
            let server = api::Application::build(&api_settings)
                .with_context(|| format!("failed to start the API server in mode {mode}"))?;
            api.push((mode, server.url()));
            servers.push(server);
        }
        let urls = Urls {
            session_auth: servers[0].url(),
            jwt_auth: servers[1].url(),
            api,
        };
        let handles = servers.iter().map(RunningServer::handle).collect();
        let tasks = servers
            .into_iter()
            .map(|s| tokio::spawn(s.run_until_stopped()))
            .collect();
        Ok(LoopbackSystem { urls, handles, tasks })
    }

    /// Stops every server gracefully and waits for them.
    pub async fn stop(self) {
        for handle in self.handles {
            handle.stop(true).await;
        }
        for task in self.tasks {
            let _ = task.await;
        }
    }
}
