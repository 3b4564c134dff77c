//! The third place the locator looks: a PostgreSQL container through testcontainers.

use std::path::Path;

/// Whether a Docker engine answers here: DOCKER_HOST is set, or the local socket accepts a
/// connection (the same condition under which docker/container-tests.sh runs).
fn docker_answers() -> bool {
    std::env::var_os("DOCKER_HOST").is_some()
        || std::os::unix::net::UnixStream::connect(Path::new("/var/run/docker.sock")).is_ok()
}

#[tokio::test]
async fn a_postgres_container_answers_with_its_password_and_is_removed_when_dropped() {
    if !docker_answers() {
        eprintln!("skipped: no Docker engine answers (the container path needs one)");
        return;
    }
    let postgres = pg_locator::start_container().await.unwrap_or_else(|e| {
        panic!(
            "a Docker engine is here but the postgres:15 container did not start: {e}\n\
             Where no registry answers, build the image with `sudo docker/offline-images.sh`."
        )
    });
    assert_eq!(postgres.source(), pg_locator::Source::Container);
    assert_eq!(postgres.pid(), None);
    let client = pg_locator::connect(postgres.url()).await.unwrap();
    let row = client.query_one("SELECT current_user", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), pg_locator::SUPERUSER);
    // The password is asked for: the URL without it is refused.
    let (without, _) = postgres.url().split_once('@').unwrap();
    let (user_part, _) = without.rsplit_once(':').unwrap();
    let rest = postgres.url().split_once('@').unwrap().1;
    let no_password = format!("{user_part}@{rest}");
    assert!(pg_locator::connect(&no_password).await.is_err());
    let url = postgres.create_database("authbench_probe").await.unwrap();
    assert!(pg_locator::connect(&url).await.is_ok());
    drop(client);
    drop(postgres);
}
