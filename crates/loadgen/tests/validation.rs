//! The generator measured against a server whose behaviour is known: a fixed delay, a stall,
//! a rate it cannot keep. Real HTTP over loopback sockets.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hyper::header::{AUTHORIZATION, HeaderValue};
use loadgen::{Balance, Mode, OPEN_CONNECTIONS_PER_USER, Plan, RequestSpec, Stop, Target, run};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// A keep-alive HTTP/1.1 server that answers every request after `delay`, holds every
/// answer back while a stall window is open, and answers 401 to a request whose
/// Authorization header is not `Bearer good`.
#[derive(Clone)]
struct TestServer {
    addr: SocketAddr,
    requests: Arc<AtomicU64>,
}

#[derive(Clone, Copy)]
struct Behaviour {
    delay: Duration,
    stall: Option<(Instant, Instant)>,
    check_credential: bool,
}

impl Behaviour {
    fn delay(delay: Duration) -> Behaviour {
        Behaviour {
            delay,
            stall: None,
            check_credential: false,
        }
    }
}

impl TestServer {
    async fn start(behaviour: Behaviour) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicU64::new(0));
        let counter = requests.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, behaviour, counter.clone()));
            }
        });
        TestServer { addr, requests }
    }

    fn target(&self) -> Target {
        Target::parse(&format!("http://{}", self.addr)).unwrap()
    }
}

async fn serve(mut stream: TcpStream, behaviour: Behaviour, requests: Arc<AtomicU64>) {
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        buf.drain(..head_end);
        requests.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(behaviour.delay).await;
        if let Some((from, until)) = behaviour.stall {
            let now = Instant::now();
            if now >= from && now < until {
                tokio::time::sleep_until(until).await;
            }
        }
        let authorised = !behaviour.check_credential || head.contains("\r\nauthorization: bearer good\r\n");
        let answer: &[u8] = if authorised {
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
        } else {
            b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n"
        };
        if stream.write_all(answer).await.is_err() {
            return;
        }
    }
}

fn plan(mode: Mode, targets: Vec<Target>, users: usize, warmup_ms: u64, stop: Stop) -> Plan {
    Plan {
        mode,
        warmup: Duration::from_millis(warmup_ms),
        stop,
        targets,
        balance: Balance::PerRequest,
        request: RequestSpec::get("/"),
        users: vec![Vec::new(); users],
        request_timeout: Duration::from_secs(10),
        generator_cpus: Vec::new(),
    }
}

const MS: u64 = 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_loop_percentiles_land_on_a_known_server_delay() {
    let server = TestServer::start(Behaviour::delay(Duration::from_millis(20))).await;
    let result = run(plan(
        Mode::Open { rate: 200.0 },
        vec![server.target()],
        16,
        300,
        Stop::After(Duration::from_secs(2)),
    ))
    .await
    .unwrap();

    let l = result.latency;
    assert!(l.min_us >= 20 * MS, "nothing can be faster than the delay: {l:?}");
    assert!(l.p50_us < 25 * MS, "p50 should sit on the 20 ms delay: {l:?}");
    assert!(l.p99_us < 45 * MS, "p99 should stay near the delay: {l:?}");
    assert_eq!(result.success, result.responses);
    let schedule = result.schedule.unwrap();
    assert_eq!(schedule.intended, 400);
    assert_eq!(schedule.sent, 400);
    assert_eq!(schedule.unsent, 0);
    assert_eq!(result.responses, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_loop_throughput_follows_from_users_and_delay() {
    let server = TestServer::start(Behaviour::delay(Duration::from_millis(10))).await;
    let result = run(plan(
        Mode::Closed,
        vec![server.target()],
        4,
        200,
        Stop::After(Duration::from_secs(1)),
    ))
    .await
    .unwrap();

    // 4 users, each waiting 10 ms per answer: at most 400 answers per second.
    assert!(result.throughput_rps <= 400.0, "{}", result.throughput_rps);
    assert!(result.throughput_rps >= 250.0, "{}", result.throughput_rps);
    assert!(
        result.latency.p50_us >= 10 * MS && result.latency.p50_us < 15 * MS,
        "{:?}",
        result.latency
    );
    assert!(result.schedule.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_second_stall_shows_in_open_loop_percentiles_and_timeline_but_hides_in_closed_loop() {
    let stall = |from_ms: u64| {
        let from = Instant::now() + Duration::from_millis(from_ms);
        Behaviour {
            delay: Duration::from_millis(1),
            stall: Some((from, from + Duration::from_secs(1))),
            check_credential: false,
        }
    };
    // The run starts 50 ms after it is called and warms up for 200 ms, so the stall covers
    // about 0.95 s to 1.95 s of the 3 s measured window.
    let open_server = TestServer::start(stall(1200)).await;
    let open = run(plan(
        Mode::Open { rate: 200.0 },
        vec![open_server.target()],
        32,
        200,
        Stop::After(Duration::from_secs(3)),
    ))
    .await
    .unwrap();

    let closed_server = TestServer::start(stall(1200)).await;
    let closed = run(plan(
        Mode::Closed,
        vec![closed_server.target()],
        4,
        200,
        Stop::After(Duration::from_secs(3)),
    ))
    .await
    .unwrap();

    // Open loop: a third of the requests were due during the stall; the ones due at its
    // start waited the whole second.
    assert!(open.latency.max_us >= 900 * MS, "{:?}", open.latency);
    assert!(open.latency.p90_us >= 300 * MS, "{:?}", open.latency);
    // The timeline shows where: buckets before the stall are fast, the stall's are slow.
    let before = &open.timeline[2..8];
    assert!(before.iter().all(|b| b.max_us < 200 * MS), "{before:?}");
    let during = &open.timeline[10..18];
    assert!(during.iter().all(|b| b.max_us >= 200 * MS), "{during:?}");

    // Closed loop: only the 4 requests in flight saw the stall, so only the maximum does.
    assert!(closed.latency.max_us >= 900 * MS, "{:?}", closed.latency);
    assert!(closed.latency.p99_us < 100 * MS, "{:?}", closed.latency);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_the_generator_cannot_keep_is_reported_not_hidden() {
    let server = TestServer::start(Behaviour::delay(Duration::from_millis(10))).await;
    // One virtual user holds at most OPEN_CONNECTIONS_PER_USER connections, each answered in
    // 10 ms: at most 100 requests per second each. Ask for five times that.
    let carried = OPEN_CONNECTIONS_PER_USER as f64 * 100.0;
    let rate = carried * 5.0;
    let result = run(plan(
        Mode::Open { rate },
        vec![server.target()],
        1,
        0,
        Stop::After(Duration::from_secs(1)),
    ))
    .await
    .unwrap();

    let schedule = result.schedule.unwrap();
    assert!(!schedule.kept_rate, "{schedule:?}");
    assert_eq!(schedule.intended, rate as u64);
    assert!(schedule.unsent as f64 >= rate / 2.0, "{schedule:?}");
    assert!(schedule.late >= 50, "{schedule:?}");
    assert_eq!(schedule.sent + schedule.unsent, schedule.intended);
    assert!(schedule.achieved_rate < carried * 1.5, "{schedule:?}");
    assert_eq!(schedule.peak_connections, OPEN_CONNECTIONS_PER_USER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_does_not_hold_back_the_next_request_in_open_loop() {
    let server = TestServer::start(Behaviour::delay(Duration::from_millis(5))).await;
    // Two users at 250 requests per second each: a request is due every 4 ms, an answer
    // takes 5, so one connection per user could not keep the schedule; a second one can.
    let result = run(plan(
        Mode::Open { rate: 500.0 },
        vec![server.target()],
        2,
        200,
        Stop::After(Duration::from_secs(2)),
    ))
    .await
    .unwrap();

    let schedule = result.schedule.unwrap();
    assert_eq!(schedule.unsent, 0, "{schedule:?}");
    // No request waited for a connection (a late one, if any, is the generator's own timer
    // on a busy machine).
    assert_eq!(schedule.late, schedule.late_generator, "{schedule:?}");
    assert!(schedule.peak_connections > 2, "{schedule:?}");
    assert!(
        schedule.peak_connections <= 2 * OPEN_CONNECTIONS_PER_USER,
        "{schedule:?}"
    );
    // With one connection per user the queue would grow by a request every 20 ms and the
    // later answers wait hundreds of milliseconds; here they take the server's 5 ms.
    assert!(result.latency.p50_us >= 5 * MS, "{:?}", result.latency);
    assert!(result.latency.p90_us < 50 * MS, "{:?}", result.latency);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_go_round_robin_over_the_targets_and_a_count_stops_the_run() {
    let a = TestServer::start(Behaviour::delay(Duration::ZERO)).await;
    let b = TestServer::start(Behaviour::delay(Duration::ZERO)).await;
    let result = run(plan(
        Mode::Closed,
        vec![a.target(), b.target()],
        2,
        0,
        Stop::Requests(200),
    ))
    .await
    .unwrap();

    assert_eq!(result.responses, 200);
    let (ra, rb) = (
        a.requests.load(Ordering::Relaxed),
        b.requests.load(Ordering::Relaxed),
    );
    assert_eq!(ra + rb, 200);
    assert!(ra.abs_diff(rb) <= 2, "a got {ra}, b got {rb}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_user_balance_pins_each_user_to_one_target() {
    let servers = [
        TestServer::start(Behaviour::delay(Duration::ZERO)).await,
        TestServer::start(Behaviour::delay(Duration::ZERO)).await,
        TestServer::start(Behaviour::delay(Duration::ZERO)).await,
    ];
    let targets: Vec<Target> = servers.iter().map(TestServer::target).collect();
    // Two users over three targets: users 0 and 1 go to the first two, the third gets none.
    let mut p = plan(Mode::Closed, targets, 2, 0, Stop::Requests(300));
    p.balance = Balance::PerUser;
    let result = run(p).await.unwrap();

    assert_eq!(result.responses, 300);
    assert_eq!(result.balance, Balance::PerUser);
    let counts: Vec<u64> = servers
        .iter()
        .map(|s| s.requests.load(Ordering::Relaxed))
        .collect();
    assert_eq!(counts.iter().sum::<u64>(), 300, "{counts:?}");
    assert!(counts[0] > 0 && counts[1] > 0, "{counts:?}");
    assert_eq!(counts[2], 0, "{counts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_virtual_user_sends_its_own_credential_and_statuses_are_counted() {
    let server = TestServer::start(Behaviour {
        delay: Duration::ZERO,
        stall: None,
        check_credential: true,
    })
    .await;
    let mut p = plan(Mode::Closed, vec![server.target()], 2, 0, Stop::Requests(100));
    p.users = vec![
        vec![(AUTHORIZATION, HeaderValue::from_static("Bearer good"))],
        vec![(AUTHORIZATION, HeaderValue::from_static("Bearer forged"))],
    ];
    let result = run(p).await.unwrap();

    assert_eq!(result.responses, 100);
    let ok = result.statuses.get(&200).copied().unwrap_or(0);
    let refused = result.statuses.get(&401).copied().unwrap_or(0);
    assert_eq!(ok + refused, 100);
    assert!(ok > 0 && refused > 0, "{:?}", result.statuses);
    assert_eq!(result.success, ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_refuses_connections_is_counted_as_connect_errors() {
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let target = Target::parse(&format!("http://127.0.0.1:{closed_port}")).unwrap();
    let result = run(plan(
        Mode::Open { rate: 100.0 },
        vec![target],
        2,
        0,
        Stop::After(Duration::from_millis(500)),
    ))
    .await
    .unwrap();

    assert_eq!(result.responses, 0);
    assert_eq!(result.errors.get("connect").copied(), Some(50));
    assert_eq!(result.timeline.iter().map(|b| b.errors).sum::<u64>(), 50);
}

#[test]
fn a_target_must_be_an_http_ip_and_port() {
    assert!(Target::parse("http://127.0.0.1:8080/").is_ok());
    assert!(Target::parse("https://127.0.0.1:8080").is_err());
    assert!(Target::parse("127.0.0.1:8080").is_err());
}
