//! The third place the locator looks: a Redis container through testcontainers.

use std::path::Path;

/// Whether a Docker engine answers here: DOCKER_HOST is set, or the local socket accepts a
/// connection (the same condition under which docker/container-tests.sh runs).
fn docker_answers() -> bool {
    std::env::var_os("DOCKER_HOST").is_some()
        || std::os::unix::net::UnixStream::connect(Path::new("/var/run/docker.sock")).is_ok()
}

#[tokio::test]
async fn a_redis_container_answers_and_is_removed_when_dropped() {
    if !docker_answers() {
        eprintln!("skipped: no Docker engine answers (the container path needs one)");
        return;
    }
    let redis = redis_locator::start_container().await.unwrap_or_else(|e| {
        panic!(
            "a Docker engine is here but the redis:{} container did not start: {e}\n\
             Where no registry answers, build the image with `sudo docker/offline-images.sh`.",
            redis_locator::CONTAINER_TAG
        )
    });
    assert_eq!(redis.source(), redis_locator::Source::Container);
    assert_eq!(redis.pid(), None);
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query_async(&mut conn)
        .await
        .unwrap();
    let value: String = redis::cmd("GET").arg("k").query_async(&mut conn).await.unwrap();
    assert_eq!(value, "v");
    let addr = redis.socket_addr().await.unwrap();
    drop(conn);
    drop(redis);
    // testcontainers removes the container on drop; its port stops answering.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "the container still answered 15 s after it was dropped"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
