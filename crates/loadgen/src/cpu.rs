//! CPU time per process, read from `/proc/<pid>/stat` (user + system time), grouped into
//! tiers (API server, auth server, Redis, generator), so that a run can say how many CPU
//! microseconds one request cost in each tier.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Clock ticks per second of the `/proc` counters (`getconf CLK_TCK`, 100 on Linux).
pub fn clock_ticks() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as u64 } else { 100 }
}

/// User plus system CPU time the process has used so far (all its threads, live or
/// ended). Resolution: one clock tick (10 ms).
pub fn process_cpu(pid: u32) -> io::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    parse_stat(&stat)
        .map(|ticks| Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64))
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unexpected /proc/<pid>/stat format"))
}

/// utime + stime, in ticks, from the text of `/proc/<pid>/stat`.
fn parse_stat(stat: &str) -> Option<u64> {
    let fields = stat_fields(stat)?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The fields of `/proc/<pid>/stat` after the command name. The name (field 2) is in
/// parentheses and may hold spaces: fields are counted after its closing parenthesis, so
/// field 3 (state) is index 0, ppid (field 4) index 1, utime (field 14) index 11, stime
/// index 12, cutime index 13 and cstime index 14.
fn stat_fields(stat: &str) -> Option<Vec<&str>> {
    let rest = &stat[stat.rfind(')')? + 1..];
    Some(rest.split_whitespace().collect())
}

/// A named group of processes whose CPU time is added up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier {
    pub name: String,
    pub pids: Vec<u32>,
    /// The tier is a process and everything it runs, read afresh at each reading: a server
    /// that forks a process per connection (PostgreSQL) opens some while it is metered.
    family: Option<u32>,
}

impl Tier {
    pub fn new(name: impl Into<String>, pids: Vec<u32>) -> Tier {
        Tier {
            name: name.into(),
            pids,
            family: None,
        }
    }

    /// `root` and its descendants at every reading, `pids` (what runs now) for the record.
    /// Each process counts with the time of the children it has reaped, so a process that
    /// starts and ends between two readings is counted too, in its parent.
    pub fn family(name: impl Into<String>, root: u32, pids: Vec<u32>) -> Tier {
        Tier {
            name: name.into(),
            pids,
            family: Some(root),
        }
    }

    fn cpu(&self) -> Option<Duration> {
        if let Some(root) = self.family {
            return family_cpu(root)
                .map(|ticks| Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64));
        }
        self.pids
            .iter()
            .map(|pid| process_cpu(*pid).ok())
            .sum::<Option<Duration>>()
    }
}

/// CPU ticks of `root` and its descendants now, each with its reaped children's
/// (utime + stime + cutime + cstime), from one pass over `/proc`. `None` when `root` is gone.
fn family_cpu(root: u32) -> Option<u64> {
    let mut processes: Vec<(u32, u32, u64)> = Vec::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some((ppid, ticks)) = parse_family_stat(&stat) {
            processes.push((pid, ppid, ticks));
        }
    }
    let mut family = vec![root];
    let mut total = processes.iter().find(|(pid, _, _)| *pid == root)?.2;
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        for (pid, _, ticks) in processes.iter().filter(|(_, ppid, _)| *ppid == parent) {
            family.push(*pid);
            total += ticks;
        }
        i += 1;
    }
    Some(total)
}

/// (ppid, utime + stime + cutime + cstime) from the text of `/proc/<pid>/stat`.
fn parse_family_stat(stat: &str) -> Option<(u32, u64)> {
    let fields = stat_fields(stat)?;
    let ppid = fields.get(1)?.parse().ok()?;
    let ticks = (11..=14)
        .map(|i| fields.get(i)?.parse::<u64>().ok())
        .sum::<Option<u64>>()?;
    Some((ppid, ticks))
}

/// What one tier used during a measured window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierCpu {
    pub name: String,
    pub pids: Vec<u32>,
    /// CPU time used in the window, in milliseconds (`None`: a process could not be read).
    pub cpu_ms: Option<f64>,
    /// Average cores busy over the window.
    pub cores: Option<f64>,
    /// Cores busy per 100 ms (10 ms tick resolution, so single samples are coarse).
    pub timeline: Vec<f64>,
}

/// Samples the tiers every 100 ms from [`CpuMeter::start`] to [`CpuMeter::finish`].
pub struct CpuMeter {
    tiers: Vec<Tier>,
    baseline: Vec<Option<Duration>>,
    started: Instant,
    stop: Arc<AtomicBool>,
    sampler: Option<JoinHandle<Vec<Vec<f64>>>>,
}

impl CpuMeter {
    pub fn start(tiers: Vec<Tier>) -> CpuMeter {
        let baseline: Vec<_> = tiers.iter().map(Tier::cpu).collect();
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = {
            let tiers = tiers.clone();
            let stop = stop.clone();
            std::thread::spawn(move || sample(&tiers, &stop))
        };
        CpuMeter {
            tiers,
            baseline,
            started: Instant::now(),
            stop,
            sampler: Some(sampler),
        }
    }

    pub fn finish(mut self) -> Vec<TierCpu> {
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-9);
        let now: Vec<_> = self.tiers.iter().map(Tier::cpu).collect();
        self.stop.store(true, Ordering::Relaxed);
        let timelines = self
            .sampler
            .take()
            .and_then(|s| s.join().ok())
            .unwrap_or_default();
        self.tiers
            .iter()
            .enumerate()
            .map(|(i, tier)| {
                let used = match (self.baseline[i], now[i]) {
                    (Some(a), Some(b)) => Some(b.saturating_sub(a).as_secs_f64() * 1000.0),
                    _ => None,
                };
                TierCpu {
                    name: tier.name.clone(),
                    pids: tier.pids.clone(),
                    cpu_ms: used,
                    cores: used.map(|ms| ms / 1000.0 / elapsed),
                    timeline: timelines.get(i).cloned().unwrap_or_default(),
                }
            })
            .collect()
    }
}

impl Drop for CpuMeter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn sample(tiers: &[Tier], stop: &AtomicBool) -> Vec<Vec<f64>> {
    const STEP: Duration = Duration::from_millis(100);
    let mut timelines = vec![Vec::new(); tiers.len()];
    let mut last: Vec<_> = tiers.iter().map(Tier::cpu).collect();
    let mut last_at = Instant::now();
    let mut next = last_at + STEP;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        next += STEP;
        let at = Instant::now();
        let span = (at - last_at).as_secs_f64().max(1e-9);
        for (i, tier) in tiers.iter().enumerate() {
            let now = tier.cpu();
            let cores = match (last[i], now) {
                (Some(a), Some(b)) => b.saturating_sub(a).as_secs_f64() / span,
                _ => 0.0,
            };
            timelines[i].push(cores);
            last[i] = now;
        }
        last_at = at;
    }
    timelines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_name_with_spaces_and_parentheses_is_skipped() {
        let stat = "1234 (my (odd) proc) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 40 0 0 20 0 1 0 5 0 0";
        assert_eq!(parse_stat(stat), Some(290));
        // A family counts the reaped children's time too (cutime 7, cstime 3).
        let stat = "1234 (my (odd) proc) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 40 7 3 20 0 1 0 5 0 0";
        assert_eq!(parse_family_stat(stat), Some((1, 300)));
    }

    #[test]
    fn a_family_tier_counts_children_born_and_gone_while_it_is_metered() {
        // A shell that starts, one after the other, three children that each burn CPU and
        // end: none of them exists when the meter starts, none when it finishes.
        let mut shell = std::process::Command::new("sh")
            .arg("-c")
            .arg("sleep 0.3; for i in 1 2 3; do timeout 0.3 sh -c 'while :; do :; done'; done; exec sleep 5")
            .spawn()
            .unwrap();
        let root = shell.id();
        let meter = CpuMeter::start(vec![
            Tier::family("family", root, vec![root]),
            Tier::new("root only", vec![root]),
        ]);
        std::thread::sleep(Duration::from_millis(1600));
        let tiers = meter.finish();
        let _ = shell.kill();
        let _ = shell.wait();
        let family = tiers[0].cpu_ms.unwrap();
        let root_only = tiers[1].cpu_ms.unwrap();
        // About 0.9 s of the children's busy loops, on a machine that may be loaded.
        assert!(family >= 300.0, "family {family} ms");
        assert!(root_only < 100.0, "root only {root_only} ms");
    }

    /// The kernel's process CPU clock, read through another interface than `/proc`.
    fn cpu_clock() -> Duration {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: ts is a valid timespec to write into.
        unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }

    #[test]
    fn proc_cpu_time_agrees_with_the_process_cpu_clock() {
        let pid = std::process::id();
        let (proc_before, clock_before) = (process_cpu(pid).unwrap(), cpu_clock());
        let mut x = 0u64;
        while cpu_clock() - clock_before < Duration::from_millis(300) {
            for _ in 0..10_000 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        }
        let (proc_used, clock_used) = (
            process_cpu(pid).unwrap() - proc_before,
            cpu_clock() - clock_before,
        );
        // /proc counts whole ticks (10 ms); other test threads running meanwhile add the same
        // time to both readings.
        let diff = proc_used.as_secs_f64() - clock_used.as_secs_f64();
        assert!(
            diff.abs() < 0.025,
            "/proc says {proc_used:?}, the CPU clock {clock_used:?}"
        );
    }

    #[test]
    fn a_meter_reports_every_tier_and_none_for_a_process_that_is_gone() {
        let meter = CpuMeter::start(vec![
            Tier::new("self", vec![std::process::id()]),
            Tier::new("gone", vec![u32::MAX - 1]),
        ]);
        std::thread::sleep(Duration::from_millis(250));
        let tiers = meter.finish();
        assert_eq!(tiers[0].name, "self");
        assert!(tiers[0].cpu_ms.is_some());
        assert!(!tiers[0].timeline.is_empty());
        assert_eq!(tiers[1].cpu_ms, None);
    }
}
