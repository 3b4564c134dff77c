//! Finding a PostgreSQL for the workbench, the tests and the benches, by the rules Redis is
//! found by (`redis-locator`), always in this order:
//!
//! 1. `DATABASE_URL`, if set;
//! 2. PostgreSQL's binaries (`initdb` and `postgres`) on `PATH` or in
//!    `/usr/lib/postgresql/<version>/bin` (where Debian puts them, off `PATH`): a private
//!    cluster is made with `initdb` in a fresh folder and its server started on a free
//!    loopback port; dropping the handle stops it and removes the folder;
//! 3. a PostgreSQL container through testcontainers, when a Docker engine answers (the image
//!    `postgres:15`; where no registry is reachable, `docker/offline-images.sh` builds it from
//!    Debian's packages);
//! 4. otherwise an error that says how to get one.
//!
//! `AUTHBENCH_POSTGRES=container` skips steps 1 and 2, so the container path can be tested
//! on a machine that has the binaries.
//!
//! PostgreSQL refuses to run as root. Run as root, the private cluster belongs to the
//! `postgres` user Debian's package creates (else `nobody`), and its server runs as that user.
//! The server is started as `postgres`, not through `pg_ctl start`: `pg_ctl` would detach it
//! from this process, and a server this crate starts must die with the process that started
//! it, even when that process is killed (`redis_locator::tied`). Its backends end on their
//! own when their postmaster is gone.
//!
//! The private cluster loads `pg_stat_statements`, so a run can read how often each query ran
//! (the API-key lookup on every request is the point of the flows it serves).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redis_locator::{find_on_path, free_port, tied};
use testcontainers_modules::testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers_modules::testcontainers::runners::AsyncRunner;
use testcontainers_modules::testcontainers::{GenericImage, ImageExt};

/// The image asked of Docker (Debian 12's PostgreSQL is 15).
pub const CONTAINER_IMAGE: (&str, &str) = ("postgres", "15");

/// The superuser of a private cluster or container.
pub const SUPERUSER: &str = "authbench";

/// Where the PostgreSQL came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Env,
    Process,
    Container,
}

/// A PostgreSQL to use. Dropping it stops the server this crate started (never one from
/// `DATABASE_URL`).
pub struct LocalPostgres {
    url: String,
    source: Source,
    pid: Option<u32>,
    /// Held for its `Drop`: stops the server or removes the container.
    _guard: Option<Box<dyn std::any::Any + Send + Sync>>,
}

#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    #[error("PostgreSQL's binaries were found in {path} but the server did not start: {reason}")]
    ProcessFailed { path: String, reason: String },
    #[error(
        "no PostgreSQL found. Tried, in order: DATABASE_URL (not set); `initdb` and `postgres` on \
         PATH or in /usr/lib/postgresql/*/bin (not found); a Docker container `postgres:15` \
         ({docker}). Install PostgreSQL (`apt-get install postgresql`), or set \
         DATABASE_URL=postgres://user:password@host:port/database"
    )]
    NotFound { docker: String },
}

impl LocalPostgres {
    /// A connection URL (`postgres://user:password@host:port/database`).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn source(&self) -> Source {
        self.source
    }

    /// The postmaster's process id, when this crate started it. Its backends are its
    /// children ([`LocalPostgres::server_pids`]).
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// The postmaster and every process it started (one backend per connection, and its
    /// helpers): what a CPU meter reads for the database tier. Empty for a server this crate
    /// did not start.
    pub fn server_pids(&self) -> Vec<u32> {
        self.pid.map(descendants_and_self).unwrap_or_default()
    }

    /// The URL of database `name` on the same server.
    pub fn url_of(&self, name: &str) -> String {
        with_database(&self.url, name)
    }

    /// Creates an empty database `name` (letters, digits and `_` only) and returns its URL.
    pub async fn create_database(&self, name: &str) -> Result<String, tokio_postgres::Error> {
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "a database name of letters, digits and _"
        );
        let client = connect(&self.url).await?;
        client.batch_execute(&format!("CREATE DATABASE {name}")).await?;
        Ok(self.url_of(name))
    }
}

/// `url` with its database (the path) replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Connects once, driving the connection on a task of its own.
pub async fn connect(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// Finds or starts a PostgreSQL, in the order the crate documentation gives.
pub async fn locate() -> Result<LocalPostgres, LocateError> {
    if std::env::var("AUTHBENCH_POSTGRES").is_ok_and(|v| v == "container") {
        return start_container()
            .await
            .map_err(|docker| LocateError::NotFound { docker });
    }
    if let Ok(url) = std::env::var("DATABASE_URL")
        && !url.trim().is_empty()
    {
        tracing::info!("using PostgreSQL from DATABASE_URL");
        return Ok(LocalPostgres {
            url,
            source: Source::Env,
            pid: None,
            _guard: None,
        });
    }
    if let Some(bin) = find_binaries() {
        return start_process(&bin).await;
    }
    start_container()
        .await
        .map_err(|docker| LocateError::NotFound { docker })
}

/// The folder holding `initdb` and `postgres`: the one on `PATH`, else the newest
/// `/usr/lib/postgresql/<version>/bin`.
pub fn find_binaries() -> Option<PathBuf> {
    if let Some(initdb) = find_on_path("initdb")
        && let Some(dir) = initdb.parent()
        && dir.join("postgres").is_file()
    {
        return Some(dir.to_path_buf());
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("postgres").is_file()).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// The private server and its folder, stopped and removed on drop.
struct ServerGuard {
    child: Child,
    dir: PathBuf,
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        // SIGINT is PostgreSQL's fast shutdown: clients are cut off, nothing is flushed that
        // a later start would need (the folder goes anyway).
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGINT);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Removes the folders of private clusters whose process is gone: a process killed outright
/// takes its server with it but cannot remove the folder.
fn remove_stale_folders() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("authbench-postgres-"))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Who the private cluster runs as: this user when it is not root, else `postgres` (Debian's
/// package creates it) or `nobody`.
fn server_user() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    for name in ["postgres", "nobody"] {
        let cname = std::ffi::CString::new(name).ok()?;
        // SAFETY: getpwnam with a valid C string; the record is read at once.
        let record = unsafe { libc::getpwnam(cname.as_ptr()) };
        if !record.is_null() {
            // SAFETY: non-null record from getpwnam.
            let (uid, gid) = unsafe { ((*record).pw_uid, (*record).pw_gid) };
            return Some((uid, gid));
        }
    }
    Some((65534, 65534))
}

/// Makes a private cluster with `initdb` in a new folder and starts its server on a free
/// loopback port, as an unprivileged user when this process is root.
pub async fn start_process(bin: &Path) -> Result<LocalPostgres, LocateError> {
    let failed = |reason: String| LocateError::ProcessFailed {
        path: bin.display().to_string(),
        reason,
    };
    let user = server_user();
    remove_stale_folders();
    let dir = std::env::temp_dir().join(format!("authbench-postgres-{}-{}", std::process::id(), unique()));
    let data = dir.join("data");
    std::fs::create_dir_all(&dir).map_err(|e| failed(e.to_string()))?;
    // From here on, the folder goes with the guard or with this error path.
    let cleanup = |e: LocateError| {
        let _ = std::fs::remove_dir_all(&dir);
        e
    };
    let password = random_password();
    let pwfile = dir.join("pwfile");
    std::fs::write(&pwfile, &password).map_err(|e| cleanup(failed(e.to_string())))?;
    if let Some((uid, gid)) = user {
        for path in [&dir, &pwfile] {
            std::os::unix::fs::chown(path, Some(uid), Some(gid))
                .map_err(|e| cleanup(failed(e.to_string())))?;
        }
    }
    let mut initdb = Command::new(bin.join("initdb"));
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-U", SUPERUSER, "--auth-local=trust", "--auth-host=scram-sha-256"])
        .arg(format!("--pwfile={}", pwfile.display()))
        .args(["--encoding=UTF8", "--locale=C.UTF-8"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some((uid, gid)) = user {
        initdb.uid(uid).gid(gid);
    }
    let output = tokio::task::spawn_blocking(move || initdb.output())
        .await
        .map_err(|e| cleanup(failed(e.to_string())))?
        .map_err(|e| cleanup(failed(format!("initdb: {e}"))))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(cleanup(failed(format!(
            "initdb exited with {}: {}",
            output.status,
            stderr.trim()
        ))));
    }
    let _ = std::fs::remove_file(&pwfile);
    let log = dir.join("server.log");
    let mut last_error = String::new();
    // A free port can be taken between finding it and the server binding it; try a few.
    for _ in 0..3 {
        let port = free_port().map_err(|e| cleanup(failed(e.to_string())))?;
        let log_file = std::fs::File::create(&log).map_err(|e| cleanup(failed(e.to_string())))?;
        if let Some((uid, gid)) = user {
            let _ = std::os::unix::fs::chown(&log, Some(uid), Some(gid));
        }
        let mut command = Command::new(bin.join("postgres"));
        command
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-h", "127.0.0.1", "-k"])
            .arg(&dir)
            .args([
                "-c",
                "shared_preload_libraries=pg_stat_statements",
                "-c",
                "max_connections=200",
                "-c",
                "log_min_messages=warning",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file);
        if let Some((uid, gid)) = user {
            command.uid(uid).gid(gid);
        }
        // setuid clears PR_SET_PDEATHSIG; std applies uid before the pre_exec hook that
        // `spawn_tied` installs, so the tie holds.
        let mut child = tied::spawn_tied(command).map_err(|e| cleanup(failed(e.to_string())))?;
        let admin = format!("postgres://{SUPERUSER}:{password}@127.0.0.1:{port}/postgres");
        match wait_until_answering(&admin, Some(&mut child), Duration::from_secs(20)).await {
            Ok(()) => {
                tracing::info!(port, "started a private PostgreSQL");
                let pid = child.id();
                return Ok(LocalPostgres {
                    url: admin,
                    source: Source::Process,
                    pid: Some(pid),
                    _guard: Some(Box::new(ServerGuard {
                        child,
                        dir: dir.clone(),
                    })),
                });
            }
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                let log_text = std::fs::read_to_string(&log).unwrap_or_default();
                last_error = format!("{e}; server log: {}", log_text.trim());
            }
        }
    }
    Err(cleanup(failed(last_error)))
}

/// Starts a PostgreSQL container (image `postgres:15`) through testcontainers; the error
/// says what Docker answered.
pub async fn start_container() -> Result<LocalPostgres, String> {
    let password = random_password();
    let (name, tag) = CONTAINER_IMAGE;
    let container = GenericImage::new(name, tag)
        .with_exposed_port(5432.tcp())
        .with_wait_for(WaitFor::message_on_stderr(
            "database system is ready to accept connections",
        ))
        .with_env_var("POSTGRES_USER", SUPERUSER)
        .with_env_var("POSTGRES_PASSWORD", password.clone())
        .with_env_var("POSTGRES_DB", "postgres")
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let host = container.get_host().await.map_err(|e| e.to_string())?;
    let port = container
        .get_host_port_ipv4(5432)
        .await
        .map_err(|e| e.to_string())?;
    let url = format!("postgres://{SUPERUSER}:{password}@{host}:{port}/postgres");
    // The official image logs "ready" once for its set-up server before the real one
    // starts: wait until a connection is taken.
    wait_until_answering(&url, None, Duration::from_secs(30)).await?;
    tracing::info!(%host, port, "started a PostgreSQL container");
    Ok(LocalPostgres {
        url,
        source: Source::Container,
        pid: None,
        _guard: Some(Box::new(container)),
    })
}

async fn wait_until_answering(
    url: &str,
    mut child: Option<&mut Child>,
    within: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(child) = child.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            return Err(format!("postgres exited at start ({status})"));
        }
        let answered = match connect(url).await {
            Ok(client) => client.simple_query("SELECT 1").await.map(|_| ()),
            Err(e) => Err(e),
        };
        match answered {
            Ok(()) => return Ok(()),
            Err(e) if Instant::now() > deadline => {
                return Err(format!("no answer within {within:?}: {e}"));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// `pid` and every process below it, from `/proc` (a PostgreSQL server is one process per
/// connection).
pub fn descendants_and_self(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // The command name is in parentheses and may hold spaces: read after the last ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|s| s.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parents.push((child, ppid));
            }
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parents.iter().filter(|(_, p)| *p == parent).map(|(c, _)| *c));
        i += 1;
    }
    found
}

/// 32 letters and digits from the kernel's random source, for a cluster's superuser password.
fn random_password() -> String {
    let mut bytes = [0u8; 32];
    if let Ok(mut urandom) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        let _ = urandom.read_exact(&mut bytes);
    }
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// A number unique within this process, for folder names.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_gets_another_database() {
        assert_eq!(
            with_database("postgres://u:p@127.0.0.1:5432/postgres", "authbench_1"),
            "postgres://u:p@127.0.0.1:5432/authbench_1"
        );
        assert_eq!(
            with_database("postgres://u:p@db:5432", "x"),
            "postgres://u:p@db:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@db/app?sslmode=disable", "x"),
            "postgres://u:p@db/x?sslmode=disable"
        );
    }

    #[test]
    fn passwords_differ_and_are_url_safe() {
        let a = random_password();
        let b = random_password();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn this_process_is_its_own_first_descendant() {
        let pids = descendants_and_self(std::process::id());
        assert_eq!(pids[0], std::process::id());
    }
}
