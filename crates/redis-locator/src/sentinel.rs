//! A Sentinel topology from local processes: a primary, its replicas and the sentinels that
//! watch them, each a private `redis-server` on a free loopback port (the sentinels are the
//! same binary with `--sentinel`), all stopped when the handle is dropped.
//!
//! What the workbench's failover experiment, `up --store sentinel` and the tests start. A
//! node can be killed (`SIGKILL`, as a crash) and started again with its data folder, so a
//! failover and a rejoin are real.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{LocateError, Persistence, free_port, tied};

/// The shape of the topology and Sentinel's timings.
#[derive(Debug, Clone)]
pub struct SentinelOptions {
    pub master_name: String,
    pub replicas: usize,
    pub sentinels: usize,
    /// Sentinels that must agree the primary is down.
    pub quorum: usize,
    /// `down-after-milliseconds`: how long the primary must be silent before a sentinel
    /// thinks it down (Sentinel's default is 30 s; experiments use 1-2 s).
    pub down_after: Duration,
    /// `failover-timeout`.
    pub failover_timeout: Duration,
    pub persistence: Persistence,
    /// `min-replicas-to-write` on every data node (0 = off), with `min-replicas-max-lag`
    /// 10 s: a primary that lost its replicas refuses writes.
    pub min_replicas_to_write: u32,
}

impl Default for SentinelOptions {
    fn default() -> Self {
        SentinelOptions {
            master_name: "authbench".into(),
            replicas: 2,
            sentinels: 3,
            quorum: 2,
            down_after: Duration::from_millis(1000),
            failover_timeout: Duration::from_millis(3000),
            persistence: Persistence::None,
            min_replicas_to_write: 0,
        }
    }
}

impl SentinelOptions {
    /// `primary + 2 replicas, 3 sentinels (quorum 2), down-after 1000 ms, ...`.
    pub fn describe(&self) -> String {
        format!(
            "primary + {} replicas, {} sentinels (quorum {}), down-after {} ms, failover-timeout {} ms, {}, min-replicas-to-write {}",
            self.replicas,
            self.sentinels,
            self.quorum,
            self.down_after.as_millis(),
            self.failover_timeout.as_millis(),
            self.persistence.describe(),
            self.min_replicas_to_write
        )
    }
}

/// One process of a topology (Sentinel's or a cluster's), which can be killed and started
/// again.
pub(crate) struct Node {
    pub(crate) port: u16,
    pub(crate) command: Vec<String>,
    pub(crate) child: Option<Child>,
}

impl Node {
    pub(crate) fn start(&mut self, path: &Path) -> std::io::Result<()> {
        let mut command = Command::new(path);
        command
            .args(&self.command)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.child = Some(tied::spawn_tied(command)?);
        Ok(())
    }

    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub(crate) fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// A folder of its own for a topology of `kind` (`sentinel`, `cluster`), created under the
/// temporary directory and named by this process and a free port, so topologies never share.
pub(crate) fn topology_dir(kind: &str) -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "authbench-{kind}-{}-{}",
        std::process::id(),
        free_port()?
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A data node on loopback, not yet started: a free port, a folder of its own under `dir`,
/// no RDB snapshots, and the append-only file as `persistence` says.
pub(crate) fn data_node(dir: &Path, persistence: Persistence) -> std::io::Result<Node> {
    let port = free_port()?;
    let folder = dir.join(format!("node-{port}"));
    std::fs::create_dir_all(&folder)?;
    let mut command: Vec<String> = ["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""]
        .map(String::from)
        .to_vec();
    match persistence {
        Persistence::None => command.extend(["--appendonly", "no"].map(String::from)),
        Persistence::AppendOnly { fsync } => {
            command.extend(["--appendonly", "yes", "--appendfsync", fsync].map(String::from))
        }
    }
    command.extend(["--dir".to_string(), folder.display().to_string()]);
    Ok(Node {
        port,
        command,
        child: None,
    })
}

/// A running Sentinel topology. Dropping it stops every process and removes its folder.
pub struct SentinelTopology {
    path: PathBuf,
    dir: PathBuf,
    options: SentinelOptions,
    data: Vec<Node>,
    sentinels: Vec<Node>,
}

impl SentinelTopology {
    /// Starts the data nodes (the first as primary), waits until every replica has synced,
    /// then starts the sentinels and waits until each sees the primary and its replicas.
    pub async fn start(path: &Path, options: SentinelOptions) -> Result<SentinelTopology, LocateError> {
        let failed = |reason: String| LocateError::ProcessFailed {
            path: path.display().to_string(),
            reason,
        };
        let dir = topology_dir("sentinel").map_err(|e| failed(e.to_string()))?;
        let mut topology = SentinelTopology {
            path: path.to_path_buf(),
            dir,
            options: options.clone(),
            data: Vec::new(),
            sentinels: Vec::new(),
        };
        let mut primary_port = 0;
        for i in 0..=options.replicas {
            let mut node =
                data_node(&topology.dir, options.persistence).map_err(|e| failed(e.to_string()))?;
            if options.min_replicas_to_write > 0 {
                node.command.extend([
                    "--min-replicas-to-write".to_string(),
                    options.min_replicas_to_write.to_string(),
                    "--min-replicas-max-lag".to_string(),
                    "10".to_string(),
                ]);
            }
            if i == 0 {
                primary_port = node.port;
            } else {
                node.command.extend([
                    "--replicaof".to_string(),
                    "127.0.0.1".to_string(),
                    primary_port.to_string(),
                ]);
            }
            node.start(path).map_err(|e| failed(e.to_string()))?;
            topology.data.push(node);
        }
        for node in &topology.data {
            wait_for(
                &node.addr(),
                Duration::from_secs(10),
                |info: String| info.contains("role:master") || info.contains("master_link_status:up"),
                "replication",
            )
            .await
            .map_err(failed)?;
        }
        // A sentinel learns the replicas from the primary's INFO, read on connect and then
        // only every 10 s: start the sentinels once the primary lists every replica online,
        // so the first reading already holds them all.
        let online = format!("connected_slaves:{}", options.replicas);
        wait_for(
            &topology.data[0].addr(),
            Duration::from_secs(10),
            |info: String| info.contains(&online) && info.matches("state=online").count() == options.replicas,
            "replication",
        )
        .await
        .map_err(failed)?;
        for _ in 0..options.sentinels {
            let port = free_port().map_err(|e| failed(e.to_string()))?;
            let conf = topology.dir.join(format!("sentinel-{port}.conf"));
            let name = &options.master_name;
            let text = format!(
                "port {port}\nbind 127.0.0.1\ndir {dir}\n\
                 sentinel monitor {name} 127.0.0.1 {primary_port} {quorum}\n\
                 sentinel down-after-milliseconds {name} {down}\n\
                 sentinel failover-timeout {name} {failover}\n\
                 sentinel parallel-syncs {name} 1\n",
                dir = topology.dir.display(),
                quorum = options.quorum,
                down = options.down_after.as_millis(),
                failover = options.failover_timeout.as_millis(),
            );
            std::fs::write(&conf, text).map_err(|e| failed(e.to_string()))?;
            let mut node = Node {
                port,
                command: vec![conf.display().to_string(), "--sentinel".into()],
                child: None,
            };
            node.start(path).map_err(|e| failed(e.to_string()))?;
            topology.sentinels.push(node);
        }
        let replicas = options.replicas;
        let others = options.sentinels.saturating_sub(1);
        for sentinel in &topology.sentinels {
            let master = options.master_name.clone();
            wait_for_sentinel(
                &sentinel.addr(),
                &master,
                replicas,
                others,
                Duration::from_secs(30),
            )
            .await
            .map_err(failed)?;
        }
        tracing::info!(topology = %options.describe(), "started a Sentinel topology");
        Ok(topology)
    }

    pub fn options(&self) -> &SentinelOptions {
        &self.options
    }

    pub fn master_name(&self) -> &str {
        &self.options.master_name
    }

    /// `host:port` of every sentinel.
    pub fn sentinel_addresses(&self) -> Vec<String> {
        self.sentinels.iter().map(Node::addr).collect()
    }

    /// `host:port` of every data node, primary or replica.
    pub fn data_addresses(&self) -> Vec<String> {
        self.data.iter().map(Node::addr).collect()
    }

    /// The primary, as the first sentinel that answers names it.
    pub async fn primary(&self) -> Option<String> {
        for sentinel in &self.sentinels {
            if sentinel.child.is_none() {
                continue;
            }
            let Ok(client) = redis::Client::open(format!("redis://{}", sentinel.addr())) else {
                continue;
            };
            let ask = async {
                let mut conn = client.get_multiplexed_async_connection().await?;
                redis::cmd("SENTINEL")
                    .arg("get-master-addr-by-name")
                    .arg(&self.options.master_name)
                    .query_async::<Option<(String, u16)>>(&mut conn)
                    .await
            };
            if let Ok(Ok(Some((host, port)))) = tokio::time::timeout(Duration::from_secs(1), ask).await {
                return Some(format!("{host}:{port}"));
            }
        }
        None
    }

    /// Kills the primary with `SIGKILL` (as a crash: no shutdown, no last fsync beyond what
    /// the policy already did) and returns its address.
    pub async fn kill_primary(&mut self) -> Option<String> {
        let primary = self.primary().await?;
        self.kill(&primary).then_some(primary)
    }

    /// Kills one replica (a data node other than the primary the sentinels name) with
    /// `SIGKILL` and returns its address.
    pub async fn kill_replica(&mut self) -> Option<String> {
        let primary = self.primary().await?;
        let replica = self.data.iter().map(Node::addr).find(|a| *a != primary)?;
        self.kill(&replica).then_some(replica)
    }

    /// Kills the data node at `addr` with `SIGKILL`; `false` if none runs there.
    pub fn kill(&mut self, addr: &str) -> bool {
        match self
            .data
            .iter_mut()
            .find(|n| n.addr() == addr && n.child.is_some())
        {
            Some(node) => {
                node.kill();
                true
            }
            None => false,
        }
    }

    /// Starts a killed data node again with its data folder and its first arguments; the
    /// sentinels then make it a replica of the current primary.
    pub fn restart(&mut self, addr: &str) -> std::io::Result<()> {
        let path = self.path.clone();
        match self
            .data
            .iter_mut()
            .find(|n| n.addr() == addr && n.child.is_none())
        {
            Some(node) => node.start(&path),
            None => Err(std::io::Error::other(format!("no stopped node at {addr}"))),
        }
    }

    /// Waits until the sentinels name a primary other than `old` that answers as one.
    pub async fn wait_for_new_primary(&self, old: &str, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(primary) = self.primary().await
                && primary != old
                && role_of(&primary).await.as_deref() == Some("master")
            {
                return Some(primary);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }
}

impl Drop for SentinelTopology {
    fn drop(&mut self) {
        for node in self.sentinels.iter_mut().chain(self.data.iter_mut()) {
            node.kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The first word of `ROLE` at `addr`: `master`, `slave` or `sentinel`.
pub async fn role_of(addr: &str) -> Option<String> {
    let client = redis::Client::open(format!("redis://{addr}")).ok()?;
    let ask = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("ROLE").query_async::<redis::Value>(&mut conn).await
    };
    match tokio::time::timeout(Duration::from_secs(1), ask).await {
        Ok(Ok(redis::Value::Array(items))) => match items.first() {
            Some(redis::Value::BulkString(b)) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        },
        _ => None,
    }
}

/// Waits until `INFO <section>` at `addr` satisfies `ready`.
pub(crate) async fn wait_for(
    addr: &str,
    within: Duration,
    ready: impl Fn(String) -> bool,
    section: &str,
) -> Result<(), String> {
    let deadline = Instant::now() + within;
    let client = redis::Client::open(format!("redis://{addr}")).map_err(|e| e.to_string())?;
    loop {
        if let Ok(mut conn) = client.get_multiplexed_async_connection().await
            && let Ok(info) = redis::cmd("INFO")
                .arg(section)
                .query_async::<String>(&mut conn)
                .await
            && ready(info)
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{addr} was not ready ({section}) within {within:?}"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the sentinel at `addr` knows the master, its replicas and the other
/// sentinels (they find each other through the primary's hello channel).
async fn wait_for_sentinel(
    addr: &str,
    master: &str,
    replicas: usize,
    other_sentinels: usize,
    within: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + within;
    let client = redis::Client::open(format!("redis://{addr}")).map_err(|e| e.to_string())?;
    let mut seen = (0, 0);
    loop {
        if let Ok(conn) = client.get_multiplexed_async_connection().await {
            let known = |what: &'static str| {
                let mut conn = conn.clone();
                async move {
                    redis::cmd("SENTINEL")
                        .arg(what)
                        .arg(master)
                        .query_async::<Vec<redis::Value>>(&mut conn)
                        .await
                        .map(|v| v.len())
                        .unwrap_or(0)
                }
            };
            let seen_replicas = known("replicas").await;
            let seen_sentinels = known("sentinels").await;
            if seen_replicas >= replicas && seen_sentinels >= other_sentinels {
                return Ok(());
            }
            seen = (seen_replicas, seen_sentinels);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "sentinel {addr} did not see {replicas} replicas and {other_sentinels} other sentinels within {within:?} \
                 (it saw {} and {})",
                seen.0, seen.1
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
