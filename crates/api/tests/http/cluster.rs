//! Every server on a Redis Cluster of three private `redis-server` shards: each user's
//! keys in one slot, different users on different shards, and logins, logouts, role
//! changes, revocations and login limits working across them.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use authbench_core::denylist::Denylist;
use authbench_core::session_store::SessionStore;
use authbench_core::settings::ApiMode;
use serde_json::json;

use crate::helpers::{ADMIN, Store, TestSystem, USER, spawn_system_on_cluster};

const CAROL: (&str, &str) = ("carol", "carol-demo-password");

/// `CLUSTER KEYSLOT key`, asked of any node.
async fn slot_of(addr: &str, key: &str) -> u16 {
    query(addr, redis::cmd("CLUSTER").arg("KEYSLOT").arg(key)).await
}

async fn query<T: redis::FromRedisValue>(addr: &str, cmd: &redis::Cmd) -> T {
    let client = redis::Client::open(format!("redis://{addr}")).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    cmd.query_async(&mut conn).await.unwrap()
}

/// The shard that owns `key`, and whether the key is there (asked of that shard itself,
/// without redirection).
async fn where_is(system: &TestSystem, key: &str) -> (String, bool) {
    let Store::Cluster(cluster) = &system.store else {
        panic!("a system on a cluster")
    };
    let any = &cluster.addresses()[0];
    let owner = cluster.owner_of_slot(slot_of(any, key).await);
    let exists: u8 = query(&owner, redis::cmd("EXISTS").arg(key)).await;
    (owner, exists == 1)
}

async fn status(system: &TestSystem, mode: ApiMode, path: &str, credential: &str) -> u16 {
    system.get(mode, path, credential).await.status().as_u16()
}

#[tokio::test]
async fn on_a_three_shard_cluster_sessions_role_changes_logouts_and_revocations_work_with_each_users_keys_in_one_slot()
 {
    let system = spawn_system_on_cluster(3).await;
    let prefix = &system.settings.redis.key_prefix;
    let link = system.store_link().await;
    let store = SessionStore::new(link.clone(), prefix, Duration::from_secs(1));

    // Sessions of three users: each session beside its user's index, on its own slot's
    // owner; the users' keys spread over more than one shard.
    let mut shards = BTreeSet::new();
    let mut sessions = Vec::new();
    for user in [ADMIN, USER, CAROL] {
        let id = system.session_of(user).await;
        let (owner, exists) = where_is(&system, &store.key_of(&id)).await;
        assert!(
            exists,
            "{}: the session is on the shard that owns its slot",
            user.0
        );
        let (index_owner, index_exists) = where_is(&system, &store.index_of(user.0)).await;
        assert!(index_exists, "{}: the user's index exists", user.0);
        assert_eq!(
            index_owner, owner,
            "{}: the index shares the session's shard",
            user.0
        );
        shards.insert(owner);
        for mode in [ApiMode::Session, ApiMode::SessionRedis] {
            assert_eq!(status(&system, mode, "/api/me", &id).await, 200, "{mode}");
        }
        sessions.push(id);
    }
    assert!(
        shards.len() >= 2,
        "the users' keys sit on one shard only: {shards:?}"
    );

    // A role change reaches alice's session and cuts off her tokens at once.
    let token = system.credential(ApiMode::Jwt, ADMIN).await;
    let admin_check = |mode: ApiMode, credential: String| {
        let system = &system;
        async move {
            system
                .create_department(mode, &credential, "")
                .await
                .status()
                .as_u16()
        }
    };
    assert_eq!(admin_check(ApiMode::SessionRedis, sessions[0].clone()).await, 400);
    assert_eq!(admin_check(ApiMode::JwtDenylist, token.clone()).await, 400);
    let changed = authbench_core::roles::change_roles(
        link.clone(),
        Some(&system.database),
        prefix,
        Duration::from_secs(1),
        "alice",
        &["user".to_string()],
        Duration::from_secs(system.settings.jwt.access_ttl_secs + system.settings.jwt.leeway_secs),
    )
    .await
    .expect("a role change on the cluster");
    assert_eq!(changed.sessions_updated, 1);
    assert_eq!(admin_check(ApiMode::Session, sessions[0].clone()).await, 403);
    assert_eq!(admin_check(ApiMode::SessionRedis, sessions[0].clone()).await, 403);
    assert_eq!(admin_check(ApiMode::JwtDenylist, token.clone()).await, 401);

    // A logout ends bob's session everywhere; carol's, maybe on another shard, lives on.
    system.logout(&sessions[1]).await;
    for mode in [ApiMode::Session, ApiMode::SessionRedis] {
        assert_eq!(
            status(&system, mode, "/api/me", &sessions[1]).await,
            401,
            "{mode}"
        );
        assert_eq!(
            status(&system, mode, "/api/me", &sessions[2]).await,
            200,
            "{mode}"
        );
    }
    let (_, exists) = where_is(&system, &store.key_of(&sessions[1])).await;
    assert!(!exists, "the logout deleted the session's key");

    // A revoked token of bob: its entry beside bob's cut-off key, refused by jwt-denylist.
    let tokens = system.tokens_of(USER).await;
    let bob_token = tokens["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        status(&system, ApiMode::JwtDenylist, "/api/me", &bob_token).await,
        200
    );
    let revoked = system
        .client
        .post(format!("{}/oauth/revoke", system.jwt_auth))
        .form(&[("token", bob_token.as_str()), ("client_id", "authbench-login")])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    assert_eq!(
        status(&system, ApiMode::JwtDenylist, "/api/me", &bob_token).await,
        401
    );
    assert_eq!(status(&system, ApiMode::Jwt, "/api/me", &bob_token).await, 200);
    let jti = jti_of(&bob_token);
    let denylist = Denylist::new(link.clone(), prefix, Duration::from_secs(1));
    let (_, listed) = where_is(&system, &denylist.token_key(&jti, "bob")).await;
    assert!(listed, "the revoked jti is listed on its slot's shard");
    let Store::Cluster(cluster) = &system.store else {
        unreachable!()
    };
    let any = &cluster.addresses()[0];
    assert_eq!(
        slot_of(any, &denylist.token_key(&jti, "bob")).await,
        slot_of(any, &denylist.subject_key("bob")).await,
        "a jti and its user's cut-off share a slot: one MGET, one shard"
    );
}

/// The `jti` of an access token (its payload, unverified: the test made it).
fn jti_of(token: &str) -> String {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["jti"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn on_a_cluster_the_login_limits_count_per_name_and_per_address_on_whichever_shards_they_live() {
    let system = spawn_system_on_cluster(3).await;
    let limit = system.settings.login_limits.max_failures_per_user;
    for _ in 0..limit {
        let response = system
            .client
            .post(format!("{}/login", system.session_auth))
            .json(&json!({"username": "bob", "password": "wrong"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
    let throttled = system
        .client
        .post(format!("{}/login", system.session_auth))
        .json(&json!({"username": USER.0, "password": USER.1}))
        .send()
        .await
        .unwrap();
    assert_eq!(throttled.status(), 429, "the name's counter is full");
    assert!(throttled.headers().contains_key("retry-after"));
    // Another name from the same address is still let in (its address counter is below
    // its own, higher limit).
    assert_eq!(
        system
            .client
            .post(format!("{}/login", system.session_auth))
            .json(&json!({"username": CAROL.0, "password": CAROL.1}))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn a_cluster_shard_that_dies_gets_a_fast_503_from_the_session_flow_and_service_resumes_when_it_returns()
{
    let mut system = spawn_system_on_cluster(3).await;
    let session = system.session_of(USER).await;
    assert_eq!(
        status(&system, ApiMode::SessionRedis, "/api/me", &session).await,
        200
    );

    // Kill the shard that holds the session.
    let store = SessionStore::new(
        system.store_link().await,
        &system.settings.redis.key_prefix,
        Duration::from_secs(1),
    );
    let (owner, _) = where_is(&system, &store.key_of(&session)).await;
    let path = redis_locator::find_on_path("redis-server").unwrap();
    let Store::Cluster(cluster) = &mut system.store else {
        unreachable!()
    };
    let shard = cluster.addresses().iter().position(|a| *a == owner).unwrap();
    cluster.kill_shard(shard);

    // Within a few requests the servers know the store is down and answer at once.
    let mut last = (0, Duration::ZERO);
    for _ in 0..20 {
        let started = Instant::now();
        let status = status(&system, ApiMode::SessionRedis, "/api/me", &session).await;
        last = (status, started.elapsed());
        assert!(
            status == 200 || status == 503,
            "a request while a shard is down answered {status}"
        );
    }
    assert_eq!(last.0, 503, "a store with a shard down is reported");
    assert!(
        last.1 < Duration::from_millis(100),
        "503 at once once the store is known down, not after a timeout: {:?}",
        last.1
    );
    let answer = system.get(ApiMode::SessionRedis, "/api/me", &session).await;
    assert_eq!(answer.headers()["retry-after"], "1");

    let Store::Cluster(cluster) = &mut system.store else {
        unreachable!()
    };
    cluster.restart_shard(shard, &path).unwrap();
    let resumed = crate::helpers::eventually(Duration::from_secs(20), || async {
        // A fresh login: the shard came back empty (no persistence in this test).
        let response = system
            .client
            .post(format!("{}/login", system.session_auth))
            .json(&json!({"username": USER.0, "password": USER.1}))
            .send()
            .await
            .unwrap();
        response.status() == 200
    })
    .await;
    assert!(resumed, "logins resume once every shard answers again");
}
