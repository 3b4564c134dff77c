//! Finding a Redis for the workbench, the tests and the benches, always in this order:
//!
//! 1. `REDIS_URL`, if set;
//! 2. a `redis-server` on `PATH`, started on a free loopback port with no persistence and
//!    stopped when the handle is dropped;
//! 3. a Redis container through testcontainers, when a Docker engine answers (the image
//!    `redis:7.0`; where no registry is reachable it must have been built locally);
//! 4. otherwise an error that says how to get one.
//!
//! `AUTHBENCH_REDIS=container` skips steps 1 and 2, so the container path can be tested on
//! a machine that has `redis-server` (the compose smoke test runs the HTTP tests this way).
//!
//! A `redis-server` this crate starts dies with the process that started it, even when
//! that process is killed ([`tied`]).
//!
//! It never falls back silently: a caller that needs Redis either gets one or an error.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod cluster;
pub mod sentinel;
pub mod tied;

pub use cluster::{ClusterOptions, ClusterTopology};
pub use sentinel::{SentinelOptions, SentinelTopology};

use testcontainers_modules::redis::Redis;
use testcontainers_modules::testcontainers::ImageExt;
use testcontainers_modules::testcontainers::runners::AsyncRunner;

/// The image tag asked of Docker (Debian 12's Redis is 7.0).
pub const CONTAINER_TAG: &str = "7.0";

/// Where the Redis came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Env,
    Process,
    Container,
}

/// A Redis to use. Dropping it stops the Redis this crate started (never one from
/// `REDIS_URL`).
pub struct LocalRedis {
    url: String,
    source: Source,
    /// The process id, when this crate started a `redis-server` (its CPU time can then be
    /// read from `/proc`).
    pid: Option<u32>,
    /// Held for its `Drop`: stops the process or removes the container.
    _guard: Option<Box<dyn std::any::Any + Send>>,
}

/// How a `redis-server` this crate starts keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persistence {
    /// Nothing on disk: a restart starts empty. What the tests and the experiments use (an
    /// experiment that measures persistence chooses it and says so).
    None,
    /// An append-only file in a private folder (removed with the process), fsynced as
    /// `appendfsync` says: `everysec` or `always`.
    AppendOnly { fsync: &'static str },
}

impl Persistence {
    /// `no persistence`, `append-only file, fsync everysec`.
    pub fn describe(self) -> String {
        match self {
            Persistence::None => "no persistence".into(),
            Persistence::AppendOnly { fsync } => format!("append-only file, fsync {fsync}"),
        }
    }
}

/// The private process and, with an append-only file, its folder.
struct ProcessGuard(Child, Option<PathBuf>);

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        if let Some(dir) = &self.1 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    #[error("redis-server was found at {path} but did not start: {reason}")]
    ProcessFailed { path: String, reason: String },
    #[error(
        "no Redis found. Tried, in order: REDIS_URL (not set); `redis-server` on PATH (not found); \
         a Docker container `redis:{CONTAINER_TAG}` ({docker}). Install Redis \
         (`apt-get install redis-server`), or set REDIS_URL=redis://host:port"
    )]
    NotFound { docker: String },
}

impl LocalRedis {
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn source(&self) -> Source {
        self.source
    }

    /// The process id of the `redis-server` this crate started, if it started one.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// `host:port` of the Redis.
    pub fn addr(&self) -> String {
        let rest = self.url.split_once("://").map(|(_, r)| r).unwrap_or(&self.url);
        let rest = rest.rsplit_once('@').map(|(_, r)| r).unwrap_or(rest);
        rest.split('/').next().unwrap_or(rest).to_string()
    }
}

impl LocalRedis {
    /// The socket address of the Redis (resolving a host name if the URL has one).
    pub async fn socket_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        tokio::net::lookup_host(self.addr()).await?.next().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("cannot resolve {}", self.addr()),
            )
        })
    }
}

/// Finds or starts a Redis, in the order the crate documentation gives.
pub async fn locate() -> Result<LocalRedis, LocateError> {
    locate_with(Persistence::None).await
}

/// [`locate`], where a `redis-server` it starts keeps its data as `persistence` says.
pub async fn locate_with(persistence: Persistence) -> Result<LocalRedis, LocateError> {
    if std::env::var("AUTHBENCH_REDIS").is_ok_and(|v| v == "container") {
        return start_container()
            .await
            .map_err(|docker| LocateError::NotFound { docker });
    }
    if let Ok(url) = std::env::var("REDIS_URL")
        && !url.trim().is_empty()
    {
        tracing::info!(%url, "using Redis from REDIS_URL");
        return Ok(LocalRedis {
            url,
            source: Source::Env,
            pid: None,
            _guard: None,
        });
    }
    if let Some(path) = find_on_path("redis-server") {
        return start_process_with(&path, persistence).await;
    }
    match start_container().await {
        Ok(redis) => Ok(redis),
        Err(docker) => Err(LocateError::NotFound { docker }),
    }
}

/// Starts a private `redis-server` on a free loopback port, with no persistence.
pub async fn start_process(path: &std::path::Path) -> Result<LocalRedis, LocateError> {
    start_process_with(path, Persistence::None).await
}

/// Starts a private `redis-server` on a free loopback port, keeping its data as
/// `persistence` says.
pub async fn start_process_with(
    path: &std::path::Path,
    persistence: Persistence,
) -> Result<LocalRedis, LocateError> {
    let failed = |reason: String| LocateError::ProcessFailed {
        path: path.display().to_string(),
        reason,
    };
    let mut last_error = String::new();
    // A free port can be taken between finding it and Redis binding it; try a few.
    for _ in 0..3 {
        let port = free_port().map_err(|e| failed(e.to_string()))?;
        let mut command = Command::new(path);
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let dir = match persistence {
            Persistence::None => {
                command.args(["--appendonly", "no"]);
                None
            }
            Persistence::AppendOnly { fsync } => {
                let dir = std::env::temp_dir().join(format!("authbench-redis-{}-{port}", std::process::id()));
                std::fs::create_dir_all(&dir).map_err(|e| failed(e.to_string()))?;
                command
                    .args(["--appendonly", "yes", "--appendfsync", fsync, "--dir"])
                    .arg(&dir);
                Some(dir)
            }
        };
        let child = tied::spawn_tied(command).map_err(|e| failed(e.to_string()))?;
        let mut guard = ProcessGuard(child, dir);
        let url = format!("redis://127.0.0.1:{port}");
        match wait_until_answering(&url, &mut guard.0, Duration::from_secs(5)).await {
            Ok(()) => {
                tracing::info!(%url, "started a private redis-server");
                return Ok(LocalRedis {
                    url,
                    source: Source::Process,
                    pid: Some(guard.0.id()),
                    _guard: Some(Box::new(guard)),
                });
            }
            Err(e) => last_error = e,
        }
    }
    Err(failed(last_error))
}

/// Starts a Redis container (image `redis:7.0`) through testcontainers; the error says
/// what Docker answered.
pub async fn start_container() -> Result<LocalRedis, String> {
    let container = Redis::default()
        .with_tag(CONTAINER_TAG)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let host = container.get_host().await.map_err(|e| e.to_string())?;
    let port = container
        .get_host_port_ipv4(6379)
        .await
        .map_err(|e| e.to_string())?;
    let url = format!("redis://{host}:{port}");
    tracing::info!(%url, "started a Redis container");
    Ok(LocalRedis {
        url,
        source: Source::Container,
        pid: None,
        _guard: Some(Box::new(container)),
    })
}

async fn wait_until_answering(url: &str, child: &mut Child, within: Duration) -> Result<(), String> {
    let client = redis::Client::open(url).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + within;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("redis-server exited at start ({status})"));
        }
        if let Ok(mut conn) = client.get_multiplexed_async_connection().await
            && redis::cmd("PING").query_async::<String>(&mut conn).await.is_ok()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("no answer on {url} within {within:?}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The first executable called `name` on `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
