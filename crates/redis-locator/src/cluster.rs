//! A Redis Cluster from local processes: `shards` primaries, each a private `redis-server`
//! with `cluster-enabled yes` on a free loopback port, the 16 384 hash slots split evenly
//! between them, all stopped when the handle is dropped.
//!
//! The first brick of the store's scale-out: the cluster is formed with Redis's own
//! commands (`CLUSTER ADDSLOTSRANGE`, `CLUSTER MEET`), without `redis-cli`, and is ready
//! when every node reports `cluster_state:ok` and knows every other node. No replicas: the
//! scale-out measures shards, and Sentinel (in [`crate::sentinel`]) measures failover.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::sentinel::{Node, data_node, topology_dir};
use crate::{LocateError, Persistence};

/// The number of hash slots of a Redis Cluster.
pub const SLOTS: u16 = 16_384;

/// The shape of the cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Primaries, each owning an equal share of the slots (at least 1).
    pub shards: usize,
    /// `cluster-node-timeout`: how long a node may be silent before the others mark it
    /// failing.
    pub node_timeout: Duration,
    pub persistence: Persistence,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            shards: 3,
            node_timeout: Duration::from_millis(2000),
            persistence: Persistence::None,
        }
    }
}

impl ClusterOptions {
    /// `3 shards, no replicas, node-timeout 2000 ms, no persistence`.
    pub fn describe(&self) -> String {
        format!(
            "{} shard{}, no replicas, node-timeout {} ms, {}",
            self.shards,
            if self.shards == 1 { "" } else { "s" },
            self.node_timeout.as_millis(),
            self.persistence.describe()
        )
    }
}

/// The slots of shard `i` of `shards`: an even split, the first shards taking one more
/// when 16 384 does not divide evenly.
pub fn slot_range(i: usize, shards: usize) -> (u16, u16) {
    let shards = shards.max(1);
    let base = SLOTS as usize / shards;
    let extra = SLOTS as usize % shards;
    let start = i * base + i.min(extra);
    let len = base + usize::from(i < extra);
    (start as u16, (start + len - 1) as u16)
}

/// A running cluster. Dropping it stops every node and removes its folder.
pub struct ClusterTopology {
    dir: PathBuf,
    options: ClusterOptions,
    nodes: Vec<Node>,
}

impl ClusterTopology {
    /// Starts the nodes, gives each its slots, introduces them to each other and waits until
    /// every node says the cluster is ok.
    pub async fn start(path: &Path, options: ClusterOptions) -> Result<ClusterTopology, LocateError> {
        let failed = |reason: String| LocateError::ProcessFailed {
            path: path.display().to_string(),
            reason,
        };
        let shards = options.shards.max(1);
        let dir = topology_dir("cluster").map_err(|e| failed(e.to_string()))?;
        let mut topology = ClusterTopology {
            dir,
            options: options.clone(),
            nodes: Vec::new(),
        };
        for _ in 0..shards {
            let mut node =
                data_node(&topology.dir, options.persistence).map_err(|e| failed(e.to_string()))?;
            node.command.extend(
                [
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    &options.node_timeout.as_millis().to_string(),
                ]
                .map(String::from),
            );
            node.start(path).map_err(|e| failed(e.to_string()))?;
            topology.nodes.push(node);
        }
        let first = topology.nodes[0].addr();
        for (i, node) in topology.nodes.iter().enumerate() {
            let (from, to) = slot_range(i, shards);
            command_until_up(&node.addr(), |cmd| {
                cmd.arg("CLUSTER").arg("ADDSLOTSRANGE").arg(from).arg(to);
            })
            .await
            .map_err(failed)?;
            if i > 0 {
                command_until_up(&first, |cmd| {
                    cmd.arg("CLUSTER").arg("MEET").arg("127.0.0.1").arg(node.port);
                })
                .await
                .map_err(failed)?;
            }
        }
        let known = format!("cluster_known_nodes:{shards}");
        for node in &topology.nodes {
            wait_for_cluster(&node.addr(), &known, Duration::from_secs(30))
                .await
                .map_err(failed)?;
        }
        tracing::info!(cluster = %options.describe(), "started a Redis Cluster");
        Ok(topology)
    }

    pub fn options(&self) -> &ClusterOptions {
        &self.options
    }

    /// `host:port` of every primary, in slot order.
    pub fn addresses(&self) -> Vec<String> {
        self.nodes.iter().map(Node::addr).collect()
    }

    /// `redis://host:port` of every primary, in slot order: the seed list of a cluster
    /// client.
    pub fn urls(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| format!("redis://{}", n.addr()))
            .collect()
    }

    /// The process id of each primary, in slot order (for its CPU time in `/proc`).
    pub fn pids(&self) -> Vec<Option<u32>> {
        self.nodes
            .iter()
            .map(|n| n.child.as_ref().map(std::process::Child::id))
            .collect()
    }

    /// Stops shard `i` with `SIGKILL`, as a crash would; its slots stay uncovered.
    pub fn kill_shard(&mut self, i: usize) {
        if let Some(node) = self.nodes.get_mut(i) {
            node.kill();
        }
    }

    /// Starts shard `i` again after [`Self::kill_shard`], on its port, with its cluster
    /// configuration (the node rejoins with its slots).
    pub fn restart_shard(&mut self, i: usize, path: &Path) -> std::io::Result<()> {
        match self.nodes.get_mut(i) {
            Some(node) if node.child.is_none() => node.start(path),
            _ => Ok(()),
        }
    }

    /// The address of the shard that owns `slot`.
    pub fn owner_of_slot(&self, slot: u16) -> String {
        let shards = self.nodes.len();
        let i = (0..shards)
            .find(|&i| slot <= slot_range(i, shards).1)
            .unwrap_or(shards - 1);
        self.nodes[i].addr()
    }
}

impl Drop for ClusterTopology {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs one command at `addr`, retrying while the node is still starting (up to 10 s).
async fn command_until_up(addr: &str, build: impl Fn(&mut redis::Cmd)) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let client = redis::Client::open(format!("redis://{addr}")).map_err(|e| e.to_string())?;
    loop {
        let mut cmd = redis::Cmd::new();
        build(&mut cmd);
        let last = match client.get_multiplexed_async_connection().await {
            Ok(mut conn) => match cmd.query_async::<()>(&mut conn).await {
                Ok(()) => return Ok(()),
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        };
        if Instant::now() > deadline {
            return Err(format!("{addr} refused a cluster command: {last}"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `CLUSTER INFO` at `addr` says `cluster_state:ok` and `known` (the number of
/// nodes it knows).
async fn wait_for_cluster(addr: &str, known: &str, within: Duration) -> Result<(), String> {
    let deadline = Instant::now() + within;
    let client = redis::Client::open(format!("redis://{addr}")).map_err(|e| e.to_string())?;
    let mut seen = String::new();
    loop {
        if let Ok(mut conn) = client.get_multiplexed_async_connection().await
            && let Ok(info) = redis::cmd("CLUSTER")
                .arg("INFO")
                .query_async::<String>(&mut conn)
                .await
        {
            if info.contains("cluster_state:ok") && info.contains(known) {
                return Ok(());
            }
            seen = info
                .lines()
                .filter(|l| l.starts_with("cluster_state") || l.starts_with("cluster_known_nodes"))
                .collect::<Vec<_>>()
                .join(", ");
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{addr} did not report cluster_state:ok and {known} within {within:?} (it said: {seen})"
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slots_are_split_evenly_without_gap_or_overlap() {
        for shards in 1..=7 {
            let mut next = 0u32;
            for i in 0..shards {
                let (from, to) = slot_range(i, shards);
                assert_eq!(u32::from(from), next, "{shards} shards, shard {i}");
                let len = u32::from(to) - u32::from(from) + 1;
                let even = u32::from(SLOTS) / shards as u32;
                assert!(
                    len == even || len == even + 1,
                    "{shards} shards, shard {i}: {len}"
                );
                next = u32::from(to) + 1;
            }
            assert_eq!(next, u32::from(SLOTS), "{shards} shards");
        }
        assert_eq!(slot_range(0, 3), (0, 5461));
        assert_eq!(slot_range(2, 3), (10923, 16383));
    }
}
