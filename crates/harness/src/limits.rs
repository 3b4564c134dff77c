//! CPU quotas per server process through cgroups (v2 `cpu.max`, or v1
//! `cpu.cfs_quota_us`), so that "one server" means a fixed amount of CPU however many run
//! on the machine. Needs write access to the cgroup filesystem (root, usually); when it is
//! missing, [`CpuLimits::open`] says why and the experiment runs unlimited and says so.

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use results::limits::GroupLimit;

/// Which cgroup interface the machine offers for CPU.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Hierarchy {
    /// The unified hierarchy: `cpu.max` holds `quota period`.
    V2,
    /// The v1 `cpu` controller: `cpu.cfs_quota_us` and `cpu.cfs_period_us`.
    V1,
}

/// A parent cgroup of our own, holding one child group per limited process set; removed
/// (processes moved back to the parent's own group) on drop.
pub struct CpuLimits {
    hierarchy: Hierarchy,
    /// Where our processes were before: the group they go back to.
    home: PathBuf,
    root: PathBuf,
    groups: Vec<(PathBuf, GroupLimit)>,
}

impl CpuLimits {
    /// Creates `authbench-<pid>` under this process's own CPU cgroup. The error says, in a
    /// sentence, why limits cannot be applied here.
    pub fn open() -> Result<CpuLimits, String> {
        let (hierarchy, home) = find_home()?;
        remove_stale(&home);
        let root = home.join(format!("authbench-{}", std::process::id()));
        std::fs::create_dir_all(&root)
            .map_err(|e| format!("cannot create the cgroup {} ({e}); run as root", root.display()))?;
        if hierarchy == Hierarchy::V2 {
            // Children of `root` need the cpu controller enabled in `root`.
            write(&root.join("cgroup.subtree_control"), "+cpu")?;
        }
        Ok(CpuLimits {
            hierarchy,
            home,
            root,
            groups: Vec::new(),
        })
    }

    /// Puts `pids` in a new group `name` allowed `cpus` CPUs per `period`.
    pub fn limit(&mut self, name: &str, pids: &[u32], cpus: f64, period: Duration) -> Result<(), String> {
        let path = self.root.join(name);
        std::fs::create_dir_all(&path).map_err(|e| format!("cannot create {} ({e})", path.display()))?;
        let period_us = period.as_micros().max(1000) as u64;
        // The kernel refuses quotas under 1 ms.
        let quota_us = ((cpus * period_us as f64).round() as u64).max(1000);
        match self.hierarchy {
            Hierarchy::V2 => write(&path.join("cpu.max"), &format!("{quota_us} {period_us}"))?,
            Hierarchy::V1 => {
                write(&path.join("cpu.cfs_period_us"), &period_us.to_string())?;
                write(&path.join("cpu.cfs_quota_us"), &quota_us.to_string())?;
            }
        }
        for pid in pids {
            write(&path.join("cgroup.procs"), &pid.to_string())?;
        }
        let (quota, period) = self.read_limit(&path)?;
        self.groups.push((
            path.clone(),
            GroupLimit {
                name: name.to_string(),
                path: path.display().to_string(),
                pids: pids.to_vec(),
                cpus: quota as f64 / period as f64,
                period_us: period,
                throttled_periods: None,
            },
        ));
        Ok(())
    }

    /// Adds `pids` to the existing group `name`, as many as are still running: a process
    /// that ended since it was listed is refused by the kernel and skipped. Returns how many
    /// joined.
    pub fn join(&mut self, name: &str, pids: &[u32]) -> usize {
        let Some((path, limit)) = self.groups.iter_mut().find(|(_, g)| g.name == name) else {
            return 0;
        };
        let mut joined = 0;
        for pid in pids {
            if limit.pids.contains(pid) {
                continue;
            }
            if write(&path.join("cgroup.procs"), &pid.to_string()).is_ok() {
                limit.pids.push(*pid);
                joined += 1;
            }
        }
        joined
    }

    /// What the groups' files say now, with the throttling counters.
    pub fn report(&self) -> Vec<GroupLimit> {
        self.groups
            .iter()
            .map(|(path, limit)| {
                let stat = std::fs::read_to_string(path.join("cpu.stat")).unwrap_or_default();
                let throttled = stat
                    .lines()
                    .find_map(|l| l.strip_prefix("nr_throttled "))
                    .and_then(|v| v.trim().parse().ok());
                GroupLimit {
                    throttled_periods: throttled,
                    ..limit.clone()
                }
            })
            .collect()
    }

    fn read_limit(&self, path: &Path) -> Result<(u64, u64), String> {
        let read = |file: &str| {
            std::fs::read_to_string(path.join(file))
                .map_err(|e| format!("cannot read {} ({e})", path.join(file).display()))
        };
        let parse = |s: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| format!("unexpected cgroup value `{}` in {}", s.trim(), path.display()))
        };
        match self.hierarchy {
            Hierarchy::V2 => {
                let max = read("cpu.max")?;
                let (quota, period) = max
                    .trim()
                    .split_once(' ')
                    .ok_or_else(|| format!("unexpected cpu.max `{}`", max.trim()))?;
                Ok((parse(quota)?, parse(period)?))
            }
            Hierarchy::V1 => Ok((
                parse(&read("cpu.cfs_quota_us")?)?,
                parse(&read("cpu.cfs_period_us")?)?,
            )),
        }
    }

    /// Moves every process back home and removes the groups.
    pub fn release(&mut self) {
        for (path, _) in self.groups.drain(..).rev() {
            let procs = std::fs::read_to_string(path.join("cgroup.procs")).unwrap_or_default();
            for pid in procs.lines() {
                let _ = std::fs::write(self.home.join("cgroup.procs"), pid);
            }
            let _ = std::fs::remove_dir(&path);
        }
    }

    /// Describes the hierarchy in use, for the results file.
    pub fn describe(&self) -> String {
        match self.hierarchy {
            Hierarchy::V2 => format!("cgroup v2 (cpu.max) under {}", self.root.display()),
            Hierarchy::V1 => format!("cgroup v1 (cpu.cfs_quota_us) under {}", self.root.display()),
        }
    }
}

impl Drop for CpuLimits {
    fn drop(&mut self) {
        self.release();
        let _ = std::fs::remove_dir(&self.root);
    }
}

/// Removes the groups left by workbench processes that are gone: a run stopped by a signal
/// never drops its [`CpuLimits`], so its `authbench-<pid>` folder stays behind (its server
/// processes die with it). Any process still in one goes back to `home` first.
fn remove_stale(home: &Path) {
    let Ok(entries) = std::fs::read_dir(home) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("authbench-"))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let dir = entry.path();
        for group in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if group.path().is_dir() {
                let procs = std::fs::read_to_string(group.path().join("cgroup.procs")).unwrap_or_default();
                for pid in procs.lines() {
                    let _ = std::fs::write(home.join("cgroup.procs"), pid);
                }
                let _ = std::fs::remove_dir(group.path());
            }
        }
        if std::fs::remove_dir(&dir).is_ok() {
            tracing::info!(group = %dir.display(), "removed the CPU groups of a run that was stopped");
        }
    }
}

fn write(path: &Path, value: &str) -> Result<(), String> {
    std::fs::write(path, value).map_err(|e| format!("cannot write `{value}` to {} ({e})", path.display()))
}

/// The CPU cgroup this process is in, and which interface it uses.
fn find_home() -> Result<(Hierarchy, PathBuf), String> {
    let mine = std::fs::read_to_string("/proc/self/cgroup")
        .map_err(|e| format!("cannot read /proc/self/cgroup ({e}): not Linux?"))?;
    // v1: a line `N:cpu,cpuacct:/path` or `N:cpu:/path`, with the controller mounted.
    for line in mine.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (
            parts.next(),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        if controllers.split(',').any(|c| c == "cpu") {
            for mount in ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"] {
                let home = Path::new(mount).join(path.trim_start_matches('/'));
                if home.join("cpu.cfs_quota_us").exists() {
                    return Ok((Hierarchy::V1, home));
                }
            }
        }
    }
    // v2: `0::/path` with `cpu` among the available controllers.
    if let Some(path) = mine.lines().find_map(|l| l.strip_prefix("0::")) {
        let home = Path::new("/sys/fs/cgroup").join(path.trim_start_matches('/'));
        let controllers = std::fs::read_to_string(home.join("cgroup.controllers")).unwrap_or_default();
        if controllers.split_whitespace().any(|c| c == "cpu") {
            return Ok((Hierarchy::V2, home));
        }
    }
    Err(
        "no cgroup CPU controller is available to this process (neither cgroup v2 with `cpu` \
         nor the v1 `cpu` controller)"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_groups_of_a_stopped_run_are_removed_and_a_live_runs_kept() {
        let home = std::env::temp_dir().join(format!(
            "authbench-limits-test-{}",
            authbench_core::secret::random_id()
        ));
        // A pid above any pid_max: no such process. And this test's own.
        let stale = home.join("authbench-4294967290");
        let live = home.join(format!("authbench-{}", std::process::id()));
        std::fs::create_dir_all(stale.join("api-0")).unwrap();
        std::fs::create_dir_all(stale.join("redis")).unwrap();
        std::fs::create_dir_all(live.join("api-0")).unwrap();
        std::fs::create_dir_all(home.join("someone-else")).unwrap();
        remove_stale(&home);
        assert!(!stale.exists(), "the stopped run's groups are gone");
        assert!(
            live.join("api-0").exists(),
            "a running workbench keeps its groups"
        );
        assert!(home.join("someone-else").exists(), "other groups are left alone");
        std::fs::remove_dir_all(&home).unwrap();
    }

    /// CPU seconds used by `pid` so far, from /proc.
    fn cpu_secs(pid: u32) -> f64 {
        loadgen::cpu::process_cpu(pid)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    }

    #[test]
    fn a_busy_process_in_a_limited_group_gets_no_more_than_its_quota() {
        let mut limits = match CpuLimits::open() {
            Ok(limits) => limits,
            Err(reason) => {
                // Not every machine lets a test write cgroups; the experiments say so in
                // their results. Here, say it and check the reason reads as a sentence.
                eprintln!("skipped: {reason}");
                assert!(reason.len() > 20);
                return;
            }
        };
        let mut busy = std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .unwrap();
        let pid = busy.id();
        let result = (|| {
            limits.limit("busy", &[pid], 0.1, Duration::from_millis(10))?;
            let report = limits.report();
            assert_eq!(report.len(), 1);
            assert!((report[0].cpus - 0.1).abs() < 1e-9, "{report:?}");
            assert_eq!(report[0].period_us, 10_000);
            let before = cpu_secs(pid);
            std::thread::sleep(Duration::from_millis(1000));
            let used = cpu_secs(pid) - before;
            let throttled = limits.report()[0].throttled_periods;
            Ok::<_, String>((used, throttled))
        })();
        let _ = busy.kill();
        let _ = busy.wait();
        let (used, throttled) = result.unwrap();
        // 0.1 CPU over one second, with the 10 ms clock tick of /proc as slack.
        assert!(used <= 0.13, "the process used {used:.3} CPU-seconds in 1 s");
        assert!(used >= 0.05, "the process barely ran: {used:.3} CPU-seconds");
        assert!(throttled.unwrap_or(0) > 10, "{throttled:?}");
        limits.release();
        assert!(limits.report().is_empty());
    }
}
