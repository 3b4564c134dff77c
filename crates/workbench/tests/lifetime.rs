//! No private process outlives the workbench that started it: a `workbench` that is killed
//! outright (SIGKILL, no chance to clean up) takes its private `redis-server` with it.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The pids of the processes whose parent is `parent` and whose command is `name`.
fn children_named(parent: u32, name: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces, so split after the last ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head.split_once('(').map(|(_, c)| c).unwrap_or_default();
        let ppid = rest.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(parent) && comm.starts_with(name) {
            found.push(pid);
        }
    }
    found
}

/// Gone, or a zombie waiting to be reaped by whoever inherited it.
fn is_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    }
}

#[test]
fn a_killed_workbench_takes_its_private_redis_server_with_it() {
    assert!(
        redis_locator::find_on_path("redis-server").is_some(),
        "this test needs redis-server on PATH (apt-get install redis-server)"
    );
    // Arrange: the teaching page starts a private Redis when REDIS_URL is not set.
    let mut child = Command::new(env!("CARGO_BIN_EXE_workbench"))
        .args(["demo", "web"])
        .env_remove("REDIS_URL")
        .env_remove("AUTHBENCH_REDIS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("workbench runs");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("teaching page: "), "{line:?}");
    let redis = children_named(child.id(), "redis-server");
    assert_eq!(
        redis.len(),
        1,
        "expected one private redis-server, found {redis:?}"
    );

    // Act: kill the workbench without warning.
    child.kill().unwrap();
    child.wait().unwrap();

    // Assert: its redis-server is gone within 2 s.
    let deadline = Instant::now() + Duration::from_secs(2);
    while !is_gone(redis[0]) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        is_gone(redis[0]),
        "redis-server {} outlived its workbench",
        redis[0]
    );
}
