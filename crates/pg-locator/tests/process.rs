//! The second place the locator looks: a private cluster made by `initdb` and served by
//! `postgres`, run as an unprivileged user, gone with its handle or with its parent.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pg_locator::{find_binaries, start_process};

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

fn owner_of(pid: u32) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_private_cluster_answers_loads_pg_stat_statements_and_is_removed_when_dropped() {
    let bin = find_binaries().expect("this test needs PostgreSQL's binaries (apt-get install postgresql)");
    let postgres = start_process(&bin).await.unwrap();
    assert_eq!(postgres.source(), pg_locator::Source::Process);
    let pid = postgres.pid().unwrap();
    let client = pg_locator::connect(postgres.url()).await.unwrap();
    let row = client
        .query_one("SHOW shared_preload_libraries", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "pg_stat_statements");
    let row = client.query_one("SHOW data_directory", &[]).await.unwrap();
    let data = std::path::PathBuf::from(row.get::<_, String>(0));
    assert!(data.starts_with(std::env::temp_dir()), "{}", data.display());
    // PostgreSQL refuses root: run as root, the server is someone else.
    if owner_of(std::process::id()) == 0 {
        assert_ne!(owner_of(pid), 0, "the private server runs as root");
    }
    // A database of its own for each system the workbench starts.
    let url = postgres.create_database("authbench_probe").await.unwrap();
    let probe = pg_locator::connect(&url).await.unwrap();
    let row = probe.query_one("SELECT current_database()", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "authbench_probe");
    assert!(
        postgres.server_pids().len() > 1,
        "the backends are counted with the postmaster"
    );
    drop((client, probe));

    drop(postgres);
    assert!(is_gone(pid), "postgres {pid} outlived its handle");
    assert!(!data.exists(), "{} outlived its server", data.display());
}

/// Run by the next test in a child process of its own: starts a private cluster, prints its
/// pid and folder, and waits to be killed.
#[tokio::test]
#[ignore = "a helper the next test runs in a child process"]
async fn holder() {
    let bin = find_binaries().unwrap();
    let postgres = start_process(&bin).await.unwrap();
    let client = pg_locator::connect(postgres.url()).await.unwrap();
    let row = client.query_one("SHOW data_directory", &[]).await.unwrap();
    println!("HOLDING {} {}", postgres.pid().unwrap(), row.get::<_, String>(0));
    tokio::time::sleep(Duration::from_secs(60)).await;
}

#[test]
fn a_killed_parent_takes_its_private_postgres_with_it() {
    assert!(find_binaries().is_some(), "this test needs PostgreSQL's binaries");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "holder", "--nocapture"])
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("HOLDING") {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "the holder ended without a server"
        );
    }
    let mut parts = line.split_whitespace().skip(1);
    let pid: u32 = parts.next().unwrap().parse().unwrap();
    let data = std::path::PathBuf::from(parts.next().unwrap());
    assert!(!is_gone(pid));

    child.kill().unwrap();
    child.wait().unwrap();

    let deadline = Instant::now() + Duration::from_secs(5);
    while !is_gone(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        is_gone(pid),
        "postgres {pid} outlived the process that started it"
    );

    // The killed process could not remove its folder; the next start does.
    let folder = data.parent().unwrap().to_path_buf();
    assert!(folder.exists());
    let next = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(start_process(&find_binaries().unwrap()))
        .unwrap();
    assert!(!folder.exists(), "{} is left behind", folder.display());
    drop(next);
}
