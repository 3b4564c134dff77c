//! A Redis Cluster of private `redis-server` processes: formed, its slots where the
//! topology says, keys with one hash tag on one shard, and nothing left when dropped.

use redis_locator::{ClusterOptions, ClusterTopology, find_on_path};

async fn query<T: redis::FromRedisValue>(addr: &str, cmd: &redis::Cmd) -> redis::RedisResult<T> {
    let client = redis::Client::open(format!("redis://{addr}")).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await?;
    cmd.query_async(&mut conn).await
}

fn cmd(args: &[&str]) -> redis::Cmd {
    let mut cmd = redis::Cmd::new();
    for arg in args {
        cmd.arg(*arg);
    }
    cmd
}

#[tokio::test]
async fn three_shards_form_a_cluster_whose_owners_take_their_keys_and_redirect_the_rest() {
    let path = find_on_path("redis-server").expect("this test needs redis-server on PATH");
    let cluster = ClusterTopology::start(&path, ClusterOptions::default())
        .await
        .unwrap();
    let addresses = cluster.addresses();
    assert_eq!(addresses.len(), 3);
    assert_eq!(cluster.urls().len(), 3);
    assert!(cluster.pids().iter().all(Option::is_some));

    for addr in &addresses {
        let info: String = query(addr, &cmd(&["CLUSTER", "INFO"])).await.unwrap();
        assert!(info.contains("cluster_state:ok"), "{addr}: {info}");
        assert!(info.contains("cluster_slots_assigned:16384"), "{addr}: {info}");
        assert!(info.contains("cluster_known_nodes:3"), "{addr}: {info}");
    }

    // Keys with one hash tag share a slot, so one script or MGET may touch them all.
    let slot_of = |key: &str| cmd(&["CLUSTER", "KEYSLOT", key]);
    let index: u16 = query(&addresses[0], &slot_of("ab:{user:alice}:sessions"))
        .await
        .unwrap();
    let session: u16 = query(&addresses[0], &slot_of("ab:{user:alice}:session:x1"))
        .await
        .unwrap();
    assert_eq!(index, session);

    // The owner the topology names takes the key; another shard answers MOVED to it.
    let owner = cluster.owner_of_slot(index);
    let _: () = query(&owner, &cmd(&["SET", "ab:{user:alice}:sessions", "1"]))
        .await
        .unwrap();
    let other = addresses.iter().find(|a| **a != owner).unwrap();
    let moved = query::<()>(other, &cmd(&["SET", "ab:{user:alice}:sessions", "2"]))
        .await
        .unwrap_err();
    assert!(moved.to_string().contains(&owner), "{moved}");
    let value: String = query(&owner, &cmd(&["GET", "ab:{user:alice}:sessions"]))
        .await
        .unwrap();
    assert_eq!(value, "1");

    // Keys spread: a thousand untagged keys land on every shard.
    let mut per_shard = std::collections::HashMap::new();
    for i in 0..1000 {
        let slot: u16 = query(&addresses[0], &slot_of(&format!("ab:session:{i}")))
            .await
            .unwrap();
        *per_shard.entry(cluster.owner_of_slot(slot)).or_insert(0) += 1;
    }
    assert_eq!(per_shard.len(), 3, "{per_shard:?}");
    assert!(per_shard.values().all(|n| *n > 250), "{per_shard:?}");

    let dir: Vec<String> = query(&owner, &cmd(&["CONFIG", "GET", "dir"])).await.unwrap();
    let folder = std::path::PathBuf::from(&dir[1]);
    assert!(folder.exists());
    drop(cluster);
    assert!(!folder.exists(), "{} outlived its cluster", folder.display());
}
