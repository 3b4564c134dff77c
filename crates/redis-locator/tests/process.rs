//! The second place the locator looks: a private `redis-server`, with or without an
//! append-only file.

use redis_locator::{Persistence, find_on_path, start_process_with};

async fn config(url: &str, name: &str) -> String {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let answer: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg(name)
        .query_async(&mut conn)
        .await
        .unwrap();
    answer.get(1).cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_private_redis_with_an_append_only_file_keeps_it_in_its_own_folder_until_dropped() {
    let path = find_on_path("redis-server").expect("this test needs redis-server on PATH");
    let redis = start_process_with(&path, Persistence::AppendOnly { fsync: "always" })
        .await
        .unwrap();
    assert_eq!(config(redis.url(), "appendonly").await, "yes");
    assert_eq!(config(redis.url(), "appendfsync").await, "always");
    let dir = std::path::PathBuf::from(config(redis.url(), "dir").await);
    assert!(dir.starts_with(std::env::temp_dir()), "{}", dir.display());
    assert!(dir.exists());

    drop(redis);
    assert!(!dir.exists(), "{} outlived its redis-server", dir.display());
}

#[tokio::test]
async fn a_private_redis_without_persistence_keeps_nothing_on_disk() {
    let path = find_on_path("redis-server").expect("this test needs redis-server on PATH");
    let redis = start_process_with(&path, Persistence::None).await.unwrap();
    assert_eq!(config(redis.url(), "appendonly").await, "no");
    assert_eq!(config(redis.url(), "save").await, "");
}
