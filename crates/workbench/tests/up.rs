//! `workbench up` as a user runs it: the printed commands work, and Ctrl-C stops
//! everything, including the Redis it started.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Reads the banner until its last line, with a deadline; returns the `export` values.
fn read_banner(stdout: impl std::io::Read) -> (Vec<(String, String)>, String) {
    let mut exports = Vec::new();
    let mut redis_url = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a banner line");
        if let Some(rest) = line.strip_prefix("export ") {
            for pair in rest.split_whitespace() {
                let (name, value) = pair.split_once('=').expect("NAME=value");
                exports.push((name.to_string(), value.to_string()));
            }
        }
        if let Some(rest) = line.strip_prefix("Teaching page: ") {
            let url = rest.split_whitespace().next().unwrap_or_default();
            exports.push(("TEACHING_PAGE".to_string(), url.to_string()));
        }
        if let Some((_, rest)) = line.split_once("(primary now: ") {
            exports.push(("PRIMARY".to_string(), rest.trim_end_matches(')').to_string()));
        }
        if let Some(rest) = line.strip_prefix("authbench is up. Redis: ") {
            redis_url = rest.split_whitespace().next().unwrap_or_default().to_string();
        }
        if line.starts_with("Ctrl-C stops everything") {
            break;
        }
    }
    (exports, redis_url)
}

/// A running `workbench up` and what its banner said.
struct Up {
    child: std::process::Child,
    exports: Vec<(String, String)>,
    redis_url: String,
}

impl Up {
    /// Starts `workbench <args>` and reads its banner.
    async fn start(args: &[&str]) -> Up {
        let mut child = Command::new(env!("CARGO_BIN_EXE_workbench"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("workbench starts");
        let stdout = child.stdout.take().unwrap();
        let (exports, redis_url) = tokio::task::spawn_blocking(move || read_banner(stdout))
            .await
            .unwrap();
        Up {
            child,
            exports,
            redis_url,
        }
    }

    /// The value the banner exported as `name`.
    fn url(&self, name: &str) -> String {
        self.exports
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .expect(name)
    }

    /// Sends Ctrl-C (SIGINT) and waits up to 20 s for the exit.
    async fn interrupt(&mut self) -> std::process::ExitStatus {
        let interrupted = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(interrupted.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "workbench up did not stop on Ctrl-C");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn up_prints_working_addresses_and_ctrl_c_stops_everything_it_started() {
    let mut up = Up::start(&["up"]).await;
    let url = |name: &str| up.url(name);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let login = |server: String| {
        let request = client.post(format!("{server}/login")).json(&json!({
            "username": "alice",
            "password": "alice-demo-password",
        }));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };

    let page = client.get(url("TEACHING_PAGE")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<svg"));

    let session = login(url("SESSION_AUTH")).await;
    let tokens = login(url("JWT_AUTH")).await;
    for (api, credential) in [
        ("API_SESSION", session["session_id"].as_str().unwrap()),
        ("API_SESSION_REDIS", session["session_id"].as_str().unwrap()),
        ("API_JWT", tokens["access_token"].as_str().unwrap()),
        ("API_SESSION_CACHED", session["session_id"].as_str().unwrap()),
        ("API_JWT_DENYLIST", tokens["access_token"].as_str().unwrap()),
    ] {
        let status = client
            .get(format!("{}/api/departments", url(api)))
            .bearer_auth(credential)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "{api}");
    }

    let api_jwt = url("API_JWT");
    let status = up.interrupt().await;

    assert!(status.success(), "{status}");
    assert!(
        client.get(format!("{api_jwt}/healthz")).send().await.is_err(),
        "the servers are gone"
    );
    // A Redis from REDIS_URL belongs to the user and stays; one that `up` started must go.
    if std::env::var("REDIS_URL").is_err() {
        let redis = redis::Client::open(up.redis_url.as_str()).unwrap();
        assert!(
            redis.get_multiplexed_async_connection().await.is_err(),
            "the Redis it started is gone"
        );
    }
}

#[tokio::test]
async fn up_with_a_sentinel_store_keeps_its_sessions_through_a_killed_primary() {
    let mut up = Up::start(&["up", "--store", "sentinel"]).await;
    let url = |name: &str| up.url(name);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let session = log_in_as_alice(&client, &url("SESSION_AUTH")).await;
    let id = session["session_id"]
        .as_str()
        .expect("a session through the sentinels")
        .to_string();
    let call = || {
        client
            .get(format!("{}/api/me", url("API_SESSION_REDIS")))
            .bearer_auth(&id)
            .send()
    };
    assert_eq!(call().await.unwrap().status(), 200);

    // Kill the primary as a crash would.
    let primary = redis::Client::open(format!("redis://{}", url("PRIMARY"))).unwrap();
    let mut conn = primary.get_multiplexed_async_connection().await.unwrap();
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query_async(&mut conn)
        .await
        .unwrap();
    let pid = info
        .lines()
        .find_map(|l| l.strip_prefix("process_id:"))
        .expect("the primary's pid")
        .trim()
        .to_string();
    assert!(
        Command::new("kill")
            .args(["-KILL", &pid])
            .status()
            .unwrap()
            .success()
    );

    // The login waited for a replica, so the promoted one has the session.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = call().await.unwrap().status();
        if status == 200 {
            break;
        }
        assert_eq!(status, 503, "only 503 while the sentinels fail over");
        assert!(
            Instant::now() < deadline,
            "the session did not answer again within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    up.interrupt().await;
}

#[tokio::test]
async fn up_with_a_cluster_store_serves_sessions_and_revocations_from_its_shards() {
    let mut up = Up::start(&["up", "--store", "cluster"]).await;
    let url = |name: &str| up.url(name);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let session = log_in_as_alice(&client, &url("SESSION_AUTH")).await;
    let id = session["session_id"].as_str().expect("a session on the cluster");
    for api in ["API_SESSION", "API_SESSION_REDIS"] {
        let status = client
            .get(format!("{}/api/me", url(api)))
            .bearer_auth(id)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "{api}");
    }
    let tokens = log_in_as_alice(&client, &url("JWT_AUTH")).await;
    let token = tokens["access_token"].as_str().unwrap();
    let revoked = client
        .post(format!("{}/oauth/revoke", url("JWT_AUTH")))
        .form(&[("token", token), ("client_id", "authbench-login")])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let refused = client
        .get(format!("{}/api/me", url("API_JWT_DENYLIST")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert!(up.interrupt().await.success());
}

/// alice's login answer at the auth server `auth`.
async fn log_in_as_alice(client: &reqwest::Client, auth: &str) -> Value {
    client
        .post(format!("{auth}/login"))
        .json(&json!({"username": "alice", "password": "alice-demo-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
