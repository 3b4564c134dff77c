//! The start-up every server shares: bind a listener (port 0 picks a free one), run the
//! actix-web app on it, and hand back a [`RunningServer`] that tests, the workbench and
//! the thin binaries all drive the same way.

use std::io;
use std::net::{SocketAddr, TcpListener};

use actix_web::dev::Server;
pub use actix_web::dev::ServerHandle;

use crate::settings::ListenSettings;

/// A server that is bound and ready to run.
pub struct RunningServer {
    addr: SocketAddr,
    server: Server,
}

impl RunningServer {
    pub fn new(addr: SocketAddr, server: Server) -> Self {
        RunningServer { addr, server }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<host>:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A handle to stop the server from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped through its handle.
    pub async fn run_until_stopped(self) -> io::Result<()> {
        self.server.await
    }
}

/// How long a server keeps an idle keep-alive connection open. Clients that pool
/// connections (the API server's client to the session auth server) drop idle ones
/// sooner ([`CLIENT_POOL_IDLE`]), so a client never reuses a connection the server is
/// closing at that moment: that race would surface as a spurious 503.
pub const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(75);

/// How long pooled client connections may sit idle; below [`KEEP_ALIVE`].
pub const CLIENT_POOL_IDLE: std::time::Duration = std::time::Duration::from_secs(60);

/// Binds the listener a server will use.
pub fn bind(listen: &ListenSettings) -> io::Result<TcpListener> {
    TcpListener::bind((listen.host.as_str(), listen.port)).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot listen on {}:{}: {e}", listen.host, listen.port),
        )
    })
}

/// Runs an actix-web app factory on a listener with the house settings: keep-alive of
/// [`KEEP_ALIVE`]; signals left to the caller (binaries stop on Ctrl-C themselves, tests
/// and the workbench stop servers through their handles); and a stop that waits at most
/// two seconds for requests in flight.
///
/// `serve!(listen, factory, h2c)` also accepts HTTP/2 without TLS (prior knowledge) on the
/// same port, told apart from HTTP/1.1 by the connection's first bytes: the session auth
/// server offers it for the introspection hop.
#[macro_export]
macro_rules! serve {
    ($listen:expr, $factory:expr) => {
        $crate::serve!(@run $listen, $factory, listen)
    };
    ($listen:expr, $factory:expr, h2c) => {
        $crate::serve!(@run $listen, $factory, listen_auto_h2c)
    };
    (@run $listen:expr, $factory:expr, $listen_with:ident) => {{
        let listen: &$crate::settings::ListenSettings = $listen;
        let listener = $crate::server::bind(listen)?;
        let addr = listener.local_addr()?;
        let mut server = ::actix_web::HttpServer::new($factory)
            .disable_signals()
            .keep_alive($crate::server::KEEP_ALIVE)
            .shutdown_timeout(2);
        if let Some(workers) = listen.workers {
            server = server.workers(workers.max(1));
        }
        let server = server.$listen_with(listener)?.run();
        ::std::result::Result::<_, ::std::io::Error>::Ok($crate::server::RunningServer::new(addr, server))
    }};
}

/// Runs a server until Ctrl-C or SIGTERM, then stops it gracefully. For the binaries.
pub async fn run_until_signalled(server: RunningServer) -> io::Result<()> {
    let handle = server.handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("stopping");
        handle.stop(true).await;
    });
    server.run_until_stopped().await
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM (what `docker stop` sends).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The answer of an auth server's `/readyz`: 200 when Redis answered its ping, else 503
/// with the reason.
pub fn redis_readiness(ping: Result<(), impl std::fmt::Display>) -> actix_web::HttpResponse {
    readiness(ping, None)
}

/// The answer of an auth server's `/readyz` with a user database: 200 when Redis and the
/// database (`None`: there is none) both answered, else 503 with each one's state.
pub fn readiness(
    redis: Result<(), impl std::fmt::Display>,
    database: Option<Result<(), crate::database::DbError>>,
) -> actix_web::HttpResponse {
    let state = |r: Result<(), String>| match r {
        Ok(()) => ("ok".to_string(), true),
        Err(e) => (e, false),
    };
    let (redis, redis_ok) = state(redis.map_err(|e| e.to_string()));
    let mut body = serde_json::json!({"redis": redis});
    let mut ready = redis_ok;
    if let Some(database) = database {
        let (database, database_ok) = state(database.map_err(|e| e.to_string()));
        body["database"] = serde_json::Value::String(database);
        ready &= database_ok;
    }
    body["status"] = serde_json::Value::from(if ready { "ready" } else { "unavailable" });
    if ready {
        actix_web::HttpResponse::Ok().json(body)
    } else {
        actix_web::HttpResponse::ServiceUnavailable().json(body)
    }
}
