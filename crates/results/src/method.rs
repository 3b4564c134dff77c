//! The method beside every figure: the machine, the build, the commit and the crate
//! versions a run used.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Machine {
    pub cores: usize,
    pub cpu_model: String,
    pub kernel: String,
    pub memory_gib: f64,
}

impl Machine {
    pub fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')))
            .map(|(_, m)| m.trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|r| r.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        Machine {
            // The machine's CPUs, not this process's: once the generator is placed on its
            // own CPU, its affinity no longer says how many the machine has.
            cores: match cpuinfo.lines().filter(|l| l.starts_with("processor")).count() {
                0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
                n => n,
            },
            cpu_model,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "unknown".into()),
            memory_gib: (memory_kib / 1024.0 / 1024.0 * 10.0).round() / 10.0,
        }
    }
}

/// What every results file records about how it was made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Method {
    pub experiment: String,
    /// `closed` or `open`, or both for a sweep.
    pub modes: Vec<String>,
    pub connections: usize,
    pub warmup_ms: u64,
    pub duration_ms: u64,
    /// How many times each measurement ran (interleaved rounds).
    #[serde(default = "one")]
    pub rounds: usize,
    /// actix-web workers per server process.
    pub server_workers: usize,
    /// How the servers were limited in CPU: `none` unless an experiment applied cgroup
    /// quotas.
    pub cpu_limits: String,
    /// Which CPUs the generator and the servers ran on, as asked and as read back from the
    /// kernel (absent in results written before the workbench placed them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<crate::placement::Placement>,
    pub link_delay: String,
    pub redis: String,
    /// Where the database flows' PostgreSQL came from (empty when no flow used one).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub database: String,
    pub machine: Machine,
    /// `release` or `debug`: numbers from a debug build are not comparable.
    pub build: String,
    pub commit: String,
    pub crate_versions: BTreeMap<String, String>,
    /// UTC, RFC 3339.
    pub started_at: String,
    /// The command line that made the file.
    pub command: String,
}

impl Method {
    pub fn new(experiment: &str) -> Method {
        Method {
            experiment: experiment.to_string(),
            modes: Vec::new(),
            connections: 0,
            warmup_ms: 0,
            duration_ms: 0,
            rounds: 1,
            server_workers: 1,
            cpu_limits: "none: every process may use every core".into(),
            placement: None,
            link_delay: "none: loopback".into(),
            redis: String::new(),
            database: String::new(),
            machine: Machine::read(),
            build: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
            .into(),
            commit: commit(),
            crate_versions: crate_versions(),
            started_at: rfc3339_now(),
            command: std::env::args().collect::<Vec<_>>().join(" "),
        }
    }
}

fn one() -> usize {
    1
}

fn commit() -> String {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match run(&["rev-parse", "--short=12", "HEAD"]) {
        Some(rev) => {
            let dirty =
                run(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
            if dirty { format!("{rev}-dirty") } else { rev }
        }
        None => "unknown".to_string(),
    }
}

/// The versions of the crates that decide the figures, from Cargo.lock at build time.
fn crate_versions() -> BTreeMap<String, String> {
    env!("AUTHBENCH_CRATE_VERSIONS")
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Now, in UTC, as `2026-11-22T10:04:05Z`.
pub fn rfc3339_now() -> String {
    let secs = authbench_core::time::now_secs() as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}
