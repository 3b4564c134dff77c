//! The session store behind Sentinel: a real primary, two replicas and three sentinels
//! (private `redis-server` processes), the primary killed with SIGKILL.

use std::time::Duration;

use authbench_core::Settings;
use authbench_core::settings::{DurabilitySettings, SentinelSettings};
use redis_locator::{SentinelOptions, SentinelTopology, find_on_path};

use crate::helpers::{Server, USER, eventually};

async fn topology(min_replicas_to_write: u32) -> SentinelTopology {
    let path = find_on_path("redis-server").expect("this test needs redis-server on PATH");
    SentinelTopology::start(
        &path,
        SentinelOptions {
            min_replicas_to_write,
            ..SentinelOptions::default()
        },
    )
    .await
    .expect("a Sentinel topology starts")
}

fn server_on(topology: &SentinelTopology, wait_replicas: u32) -> Server {
    authbench_core::telemetry::init("warn");
    let mut settings = Settings::loopback("redis://127.0.0.1:1").expect("settings");
    settings.redis.sentinel = Some(SentinelSettings {
        master_name: topology.master_name().to_string(),
        addresses: topology.sentinel_addresses(),
    });
    settings.redis.durability = DurabilitySettings {
        wait_replicas,
        wait_timeout_ms: 1000,
    };
    settings.session_auth.workers = Some(1);
    settings.dependency_timeout_ms = 500;
    Server::start(settings)
}

/// Whether the server answers ready within 10 s: it found the primary through the sentinels.
async fn ready(app: &Server) -> bool {
    eventually(Duration::from_secs(10), || async {
        app.get("/readyz").await.status() == 200
    })
    .await
}

#[tokio::test]
async fn sessions_acknowledged_after_wait_survive_a_primary_kill_and_the_server_follows_the_new_primary() {
    let mut topology = topology(0).await;
    let app = server_on(&topology, 1);
    assert!(
        ready(&app).await,
        "the server found the primary through the sentinels"
    );
    let mut sessions = Vec::new();
    for _ in 0..10 {
        sessions.push(app.session_of(USER).await);
    }

    let old = topology.kill_primary().await.expect("the primary is killed");
    // Logins during the failover answer 503 or succeed on the new primary; each one
    // acknowledged must be there afterwards.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let new = loop {
        assert!(
            std::time::Instant::now() < deadline,
            "no replica was promoted within 30 s"
        );
        let response = app.login(USER.0, USER.1).await;
        let status = response.status().as_u16();
        assert!(
            status == 200 || status == 503,
            "a login during the failover answered {status}"
        );
        if status == 200 {
            let body: serde_json::Value = response.json().await.unwrap();
            sessions.push(body["session_id"].as_str().unwrap().to_string());
        }
        if let Some(new) = topology
            .wait_for_new_primary(&old, Duration::from_millis(100))
            .await
        {
            break new;
        }
    };
    assert_ne!(new, old);
    assert!(
        eventually(Duration::from_secs(10), || async {
            app.introspect(&sessions[0]).await.status() == 200
        })
        .await,
        "the server follows the new primary without a restart"
    );
    for id in &sessions {
        assert_eq!(
            app.introspection_of(id).await["active"],
            true,
            "an acknowledged session survived the failover"
        );
    }
    assert_eq!(app.logout(&sessions[0]).await.status(), 204);
    assert_eq!(app.introspection_of(&sessions[0]).await["active"], false);
}

#[tokio::test]
async fn a_login_that_no_replica_confirms_answers_503_instead_of_a_session_a_failover_could_lose() {
    let mut topology = topology(0).await;
    let app = server_on(&topology, 2);
    assert!(
        ready(&app).await,
        "the server found the primary through the sentinels"
    );
    assert_eq!(
        app.login(USER.0, USER.1).await.status(),
        200,
        "both replicas confirm"
    );

    topology.kill_replica().await.expect("a replica is killed");
    let login = app.login(USER.0, USER.1).await;
    assert_eq!(login.status(), 503, "one replica of two cannot confirm");
    assert_eq!(login.headers()["retry-after"], "1");
}

#[tokio::test]
async fn a_primary_with_min_replicas_to_write_refuses_a_login_with_503_once_it_lost_its_replicas() {
    let mut topology = topology(2).await;
    let app = server_on(&topology, 0);
    assert!(
        ready(&app).await,
        "the server found the primary through the sentinels"
    );
    assert_eq!(
        app.login(USER.0, USER.1).await.status(),
        200,
        "both replicas are there"
    );

    topology.kill_replica().await.expect("a replica is killed");
    // The primary notices the replica gone when its link times out (a few seconds), then
    // refuses every write (NOREPLICAS): a login is refused, never acknowledged.
    assert!(
        eventually(Duration::from_secs(30), || async {
            app.login(USER.0, USER.1).await.status() == 503
        })
        .await,
        "the login was refused once the primary had one replica of two"
    );
}
