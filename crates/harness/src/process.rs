//! One server as its own `workbench serve` process: started (tied to the workbench's life),
//! waited for until it answers on its own port, stopped with SIGTERM, its log kept for the
//! error when it fails.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

pub(crate) struct ServerProcess {
    pub(crate) name: &'static str,
    child: Child,
    pub(crate) url: String,
    log: PathBuf,
}

impl ServerProcess {
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: VecDeque<&str> = text.lines().collect();
        let skip = lines.len().saturating_sub(10);
        lines.into_iter().skip(skip).collect::<Vec<_>>().join("\n")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                let _ = std::fs::remove_file(&self.log);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A server's pre-picked port was taken by another process before it could bind it.
#[derive(Debug)]
pub(crate) struct PortTaken {
    name: &'static str,
    port: u16,
}

impl std::fmt::Display for PortTaken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "port {} was taken by another process before the {} server could bind it",
            self.port, self.name
        )
    }
}

impl std::error::Error for PortTaken {}

/// Whether process `pid` holds a listening TCP socket on `port` (Linux: the socket inodes
/// of `/proc/net/tcp{,6}` against the process's open files). Without `/proc/net/tcp` it
/// cannot tell, and says yes.
fn listens_on(pid: u32, port: u16) -> bool {
    let Ok(v4) = std::fs::read_to_string("/proc/net/tcp") else {
        return true;
    };
    let v6 = std::fs::read_to_string("/proc/net/tcp6").unwrap_or_default();
    let sockets: Vec<String> = v4
        .lines()
        .chain(v6.lines())
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields.get(1)?.rsplit(':').next()?;
            let listening = fields.get(3) == Some(&"0A");
            let inode = fields.get(9)?;
            (listening && u16::from_str_radix(local_port, 16).ok()? == port)
                .then(|| format!("socket:[{inode}]"))
        })
        .collect();
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path())
            .is_ok_and(|target| sockets.iter().any(|s| target.as_os_str() == s.as_str()))
    })
}

/// `host:port` of a `redis://host:port[/db]` URL, for a delay link in front of it.
pub(crate) async fn spawn(
    exe: &std::path::Path,
    name: &'static str,
    env: &[(String, String)],
    url: &str,
) -> anyhow::Result<ServerProcess> {
    let log = std::env::temp_dir().join(format!(
        "authbench-{name}-{}-{}.log",
        std::process::id(),
        authbench_core::secret::random_id()
    ));
    let stderr = std::fs::File::create(&log).context("cannot create a server log file")?;
    let mut command = Command::new(exe);
    command
        .args(["serve", name])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr);
    // Every thread the server will have starts on the servers' CPUs (placement).
    if let Some(cpus) = crate::placement::server_cpus_for_children() {
        use std::os::unix::process::CommandExt;
        // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET writes inside it.
        let set = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            for cpu in &cpus {
                libc::CPU_SET(*cpu, &mut set);
            }
            set
        };
        // SAFETY: between fork and exec the closure only calls sched_setaffinity, which is
        // async-signal-safe, and allocates nothing.
        unsafe {
            command.pre_exec(move || {
                if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    // A server dies with the workbench, even when the workbench is killed.
    let child = redis_locator::tied::spawn_tied(command)
        .with_context(|| format!("cannot start `workbench serve {name}`"))?;
    let mut process = ServerProcess {
        name,
        child,
        url: url.to_string(),
        log,
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(status)) = process.child.try_wait() {
            bail!("the {name} server exited ({status}):\n{}", process.log_tail());
        }
        if let Ok(r) = client.get(format!("{url}/readyz")).send().await
            && r.status().is_success()
        {
            // The answer may come from another process that took the port first.
            let port = url.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(0);
            if listens_on(process.pid(), port) {
                return Ok(process);
            }
            return Err(PortTaken { name, port }.into());
        }
        if Instant::now() > deadline {
            bail!(
                "the {name} server was not ready within 20 s:\n{}",
                process.log_tail()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_counts_as_a_processs_only_while_that_process_listens_on_it() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut other = Command::new("sleep").arg("5").spawn().unwrap();

        assert!(listens_on(std::process::id(), port));
        assert!(!listens_on(other.id(), port), "another process's port");

        drop(listener);
        assert!(!listens_on(std::process::id(), port));
        let _ = other.kill();
        let _ = other.wait();
    }
}
