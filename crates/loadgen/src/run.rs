//! Running a plan: the generator's threads, the virtual users on them, and the merge.
//!
//! Each generator thread runs its own single-threaded event loop, tied to its own CPU when
//! the plan names one, and holds its share of the virtual users with all their connections:
//! no request is handed from one thread to another. In open loop each virtual user keeps its
//! own schedule (its share of the rate, as wrk2 does); the thread waits for the earliest due
//! time on one microsecond timer ([`crate::timer`]) and spins the last 50 µs.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::time::Instant;

use crate::client::{Answer, Connection, Failure};
use crate::plan::{Balance, Mode, Plan, Stop, Target};
use crate::record::{BucketAcc, Recorder};
use crate::report::{
    Bucket, Generator, Latency, RunResult, Schedule, TIMELINE_STEP_MS, encode_histogram, percentile_curve,
};
use crate::timer::{PreciseTimer, settle_thread, thread_cpu};

/// How many connections an open-loop virtual user may hold to each target. A request due
/// while the user's connections all wait for answers goes out on a new one, so a slow answer
/// does not hold back the next request (an open loop sends on time whatever the server
/// does); past this many it waits for a free one and counts as late. k6's constant-arrival-
/// rate executor grows its virtual users the same way, up to `maxVUs`.
pub const OPEN_CONNECTIONS_PER_USER: usize = 8;

/// How close to a due time the open loop stops sleeping on its timer and spins. A timer's
/// wake-up comes late by tens of microseconds on a virtual machine (41 µs for a 5 µs timer on
/// the 2-core machine the reference report ran on) and costs about as much CPU; the timer is
/// set this much early and the rest of the wait is spun, so requests leave on time.
const SPIN_WITHIN: Duration = Duration::from_micros(50);

/// How long after the end of the measured window a request still waiting for its virtual
/// user may be sent; after that it counts as unsent.
const DRAIN_GRACE: Duration = Duration::from_millis(250);

/// The lead before the first request is due, for the threads to start and every virtual
/// user to open its connections.
const LEAD: Duration = Duration::from_millis(100);

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("a run needs at least one target")]
    NoTargets,
    #[error("a run needs at least one virtual user")]
    NoUsers,
    #[error("the open-loop rate must be a positive number of requests per second, not {0}")]
    BadRate(f64),
    #[error("a closed-loop run stopped by request count needs a count above zero")]
    NoRequests,
    #[error("cannot start a generator thread: {0}")]
    Thread(String),
}

/// The fixed points in time of a run.
#[derive(Clone, Copy)]
struct Clock {
    start: Instant,
    measure_start: Instant,
    /// `None`: a closed-loop run stopped by request count.
    end: Option<Instant>,
}

impl Clock {
    fn measured(&self, t: Instant) -> bool {
        t >= self.measure_start
    }
    fn offset(&self, t: Instant) -> Duration {
        t.saturating_duration_since(self.measure_start)
    }
}

#[derive(Default)]
struct UserOutcome {
    recorder: Option<Recorder>,
    sent: u64,
    unsent: u64,
    /// Requests due in the measured window (open loop).
    intended: u64,
    /// The most connections held at once (open loop).
    peak_connections: usize,
    /// Time spent spinning towards a due time (open loop).
    spun: Duration,
}

/// What one generator thread brings back.
struct ThreadOutcome {
    users: Vec<UserOutcome>,
    cpu: Duration,
    pinned: bool,
}

/// Runs the plan and returns what it measured.
pub async fn run(plan: Plan) -> Result<RunResult, RunError> {
    if plan.targets.is_empty() {
        return Err(RunError::NoTargets);
    }
    if plan.users.is_empty() {
        return Err(RunError::NoUsers);
    }
    if let Mode::Open { rate } = plan.mode
        && !(rate.is_finite() && rate > 0.0)
    {
        return Err(RunError::BadRate(rate));
    }
    if plan.stop == Stop::Requests(0) {
        return Err(RunError::NoRequests);
    }
    let plan = Arc::new(plan);
    let start = Instant::now() + LEAD;
    let measure_start = start + plan.warmup;
    let end = match (plan.stop, plan.mode) {
        (Stop::After(d), _) => Some(measure_start + d),
        (Stop::Requests(n), Mode::Open { rate }) => {
            Some(measure_start + Duration::from_secs_f64(n as f64 / rate))
        }
        (Stop::Requests(_), Mode::Closed) => None,
    };
    let clock = Clock {
        start,
        measure_start,
        end,
    };
    let quota = match (plan.mode, plan.stop) {
        (Mode::Closed, Stop::Requests(n)) => Some(Arc::new((n, AtomicU64::new(0)))),
        _ => None,
    };

    let threads = plan.threads();
    let mut waiting = Vec::new();
    for (t, cpu) in threads.iter().copied().enumerate() {
        let users: Vec<usize> = (t..plan.users.len()).step_by(threads.len()).collect();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (plan, quota) = (plan.clone(), quota.clone());
        std::thread::Builder::new()
            .name(format!("loadgen-{t}"))
            .spawn(move || {
                let _ = tx.send(generator_thread(cpu, users, plan, clock, quota));
            })
            .map_err(|e| RunError::Thread(e.to_string()))?;
        waiting.push(rx);
    }
    let mut outcomes = Vec::new();
    let (mut cpu, mut pinned) = (Duration::ZERO, true);
    for rx in waiting {
        // A thread that died (it never panics on a server's answer) loses its users'
        // figures; the run goes on with the others.
        if let Ok(Ok(thread)) = rx.await {
            outcomes.extend(thread.users);
            cpu += thread.cpu;
            pinned &= thread.pinned;
        }
    }

    let mut recorder = Recorder::new();
    let (mut sent, mut unsent, mut intended, mut peak_connections) = (0, 0, 0, 0);
    let mut spun = Duration::ZERO;
    for outcome in outcomes {
        peak_connections += outcome.peak_connections;
        spun += outcome.spun;
        if let Some(r) = outcome.recorder {
            recorder.merge(r);
        }
        sent += outcome.sent;
        unsent += outcome.unsent;
        intended += outcome.intended;
    }
    let duration = match end {
        Some(end) => end - measure_start,
        None => Instant::now() - measure_start,
    };
    let secs = duration.as_secs_f64().max(1e-9);
    let schedule = match plan.mode {
        Mode::Open { rate } => Some(Schedule {
            rate,
            intended,
            sent,
            unsent,
            late: recorder.late,
            late_generator: recorder.late_generator,
            max_send_lag_us: recorder.max_send_lag.as_micros() as u64,
            dispatcher_max_lag_us: recorder.max_wake_lag.as_micros() as u64,
            achieved_rate: sent as f64 / secs,
            kept_rate: unsent == 0 && recorder.late * 100 <= intended,
            peak_connections,
        }),
        Mode::Closed => None,
    };
    let generator = Generator {
        threads: threads.len(),
        cpus: threads.iter().flatten().copied().collect(),
        pinned,
        cpu_us: cpu.as_micros() as u64,
        busy: cpu.as_secs_f64() / (secs * threads.len() as f64),
        spin_us: spun.as_micros() as u64,
    };
    Ok(assemble(&plan, recorder, duration, schedule, generator))
}

/// One generator thread: its own event loop, tied to `cpu`, running `users`. Its CPU time
/// is counted from the start of the measured window.
fn generator_thread(
    cpu: Option<usize>,
    users: Vec<usize>,
    plan: Arc<Plan>,
    clock: Clock,
    quota: Option<Arc<(u64, AtomicU64)>>,
) -> Result<ThreadOutcome, std::io::Error> {
    let pinned = settle_thread(cpu);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let cpu_at_window = tokio::spawn(async move {
            tokio::time::sleep_until(clock.measure_start).await;
            thread_cpu()
        });
        let tasks: Vec<_> = match plan.mode {
            Mode::Closed => users
                .into_iter()
                .map(|i| tokio::spawn(closed_user(i, plan.clone(), clock, quota.clone())))
                .collect(),
            Mode::Open { rate } => vec![tokio::spawn(open_thread(users, plan.clone(), clock, rate))],
        };
        let mut outcomes = Vec::with_capacity(tasks.len());
        for task in tasks {
            if let Ok(outcome) = task.await {
                outcomes.push(outcome);
            }
        }
        let window_start = if cpu_at_window.is_finished() {
            cpu_at_window.await.unwrap_or_default()
        } else {
            cpu_at_window.abort();
            thread_cpu()
        };
        Ok(ThreadOutcome {
            users: outcomes,
            cpu: thread_cpu().saturating_sub(window_start),
            pinned,
        })
    })
}

/// User `index`'s connections: one per target, or just its own target with
/// [`Balance::PerUser`].
fn connections(plan: &Plan, index: usize) -> Vec<Connection> {
    user_targets(plan, index)
        .iter()
        .map(|t| Connection::new(t.clone(), &plan.request))
        .collect()
}

/// The targets user `index` sends to, in its round-robin order.
fn user_targets(plan: &Plan, index: usize) -> Vec<Target> {
    match plan.balance {
        Balance::PerRequest => plan.targets.clone(),
        Balance::PerUser => vec![plan.targets[index % plan.targets.len()].clone()],
    }
}

/// An open-loop virtual user on a generator thread. Of `users` users, user `index` sends
/// requests `index, index + users, index + 2 users, ...` of the run's constant-rate
/// schedule. A request due while all of the user's connections to its target are waiting for
/// answers goes out on a further connection, up to [`OPEN_CONNECTIONS_PER_USER`]; past that
/// it waits for the first free one (late).
struct OpenUser {
    index: usize,
    /// The next request of its schedule (0, 1, 2, ...).
    k: u64,
    targets: Vec<Target>,
    next_slot: usize,
    /// Idle connections, by target.
    idle: Vec<Vec<Connection>>,
    /// Connections held (idle or waiting for an answer), by target.
    held: Vec<usize>,
    /// Requests due and waiting for a connection: intended time and target.
    backlog: VecDeque<(Instant, usize)>,
}

impl OpenUser {
    /// A connection to `slot`'s target: an idle one, or a new one while the user holds
    /// fewer than the limit.
    fn take(&mut self, slot: usize, request: &crate::plan::RequestSpec) -> Option<Connection> {
        if let Some(conn) = self.idle[slot].pop() {
            return Some(conn);
        }
        (self.held[slot] < OPEN_CONNECTIONS_PER_USER).then(|| {
            self.held[slot] += 1;
            Connection::new(self.targets[slot].clone(), request)
        })
    }
}

/// A request's way out and back, on a connection it owns until it lands.
struct Landed {
    conn: Connection,
    user: usize,
    slot: usize,
    intended: Instant,
    sent: Instant,
    done: Instant,
    answer: Result<Answer, Failure>,
}

async fn flight(
    mut conn: Connection,
    plan: &Plan,
    user: usize,
    index: usize,
    slot: usize,
    intended: Instant,
    sent: Instant,
) -> Landed {
    let answer = conn
        .send(&plan.request, &plan.users[index], plan.request_timeout)
        .await;
    Landed {
        conn,
        user,
        slot,
        intended,
        sent,
        done: Instant::now(),
        answer,
    }
}

/// The open loop of one generator thread: the schedules of its virtual users, driven by one
/// timer, and every request in flight polled by this one task (no task or thread per
/// request). A due request goes out at once when its user has a free connection; the timer
/// is armed only for the earliest next due time.
async fn open_thread(users: Vec<usize>, plan: Arc<Plan>, clock: Clock, rate: f64) -> UserOutcome {
    let end = clock.end.expect("open loop has an end");
    let cutoff = end + DRAIN_GRACE;
    let total = plan.users.len() as f64;
    let due_at = |index: usize, k: u64| {
        clock.start + Duration::from_secs_f64((index as f64 + k as f64 * total) / rate)
    };

    let mut open: Vec<OpenUser> = users
        .iter()
        .map(|&index| {
            let targets = user_targets(&plan, index);
            OpenUser {
                index,
                k: 0,
                next_slot: index,
                idle: connections(&plan, index).into_iter().map(|c| vec![c]).collect(),
                held: vec![1; targets.len()],
                targets,
                backlog: VecDeque::new(),
            }
        })
        .collect();
    futures_util::future::join_all(
        open.iter_mut()
            .flat_map(|u| u.idle.iter_mut().flatten())
            .map(|c| c.open()),
    )
    .await;
    let mut held: usize = open.iter().map(|u| u.targets.len()).sum();
    let mut peak = held;

    let mut due: BinaryHeap<Reverse<(Instant, usize)>> = open
        .iter()
        .enumerate()
        .map(|(u, user)| (due_at(user.index, 0), u))
        .filter(|(at, _)| *at < end)
        .map(Reverse)
        .collect();
    let mut timer = Timer::new();
    let mut flights = FuturesUnordered::new();
    let mut recorder = Recorder::new();
    let mut outcome = UserOutcome::default();
    let mut waiting = 0usize;

    loop {
        let now = Instant::now();
        if now > cutoff {
            // What is still due, or waiting for a connection, was never sent.
            for user in &mut open {
                for (at, _) in user.backlog.drain(..) {
                    if clock.measured(at) {
                        outcome.unsent += 1;
                    }
                }
            }
            while let Some(Reverse((at, u))) = due.pop() {
                let user = &mut open[u];
                let mut at = at;
                while at < end {
                    if clock.measured(at) {
                        outcome.intended += 1;
                        outcome.unsent += 1;
                    }
                    user.k += 1;
                    at = due_at(user.index, user.k);
                }
            }
            break;
        }
        // Release every request due by now.
        while let Some(&Reverse((at, u))) = due.peek() {
            if at > now {
                break;
            }
            due.pop();
            let user = &mut open[u];
            user.k += 1;
            let next = due_at(user.index, user.k);
            if next < end {
                due.push(Reverse((next, u)));
            }
            let measured = clock.measured(at);
            if measured {
                outcome.intended += 1;
            }
            let slot = user.next_slot % user.targets.len();
            user.next_slot += 1;
            let before = user.held[slot];
            match user.take(slot, &plan.request) {
                Some(conn) => {
                    held += user.held[slot] - before;
                    peak = peak.max(held);
                    if measured {
                        recorder.send_lag(now - at, true);
                        outcome.sent += 1;
                    }
                    flights.push(flight(conn, &plan, u, user.index, slot, at, now));
                }
                None => {
                    user.backlog.push_back((at, slot));
                    waiting += 1;
                }
            }
        }
        if due.is_empty() && flights.is_empty() {
            break;
        }
        let wake = due.peek().map(|r| r.0.0).or((waiting > 0).then_some(cutoff));
        // A wait shorter than the timer's own overshoot is spun: the event loop is polled
        // between turns, so answers are still read as they come.
        let spin = wake.is_some_and(|w| w <= now + SPIN_WITHIN);
        let turn = Instant::now();
        tokio::select! {
            biased;
            Some(landed) = flights.next(), if !flights.is_empty() => {
                record(&mut recorder, &clock, landed.intended, landed.sent, landed.done, &landed.answer);
                let Landed { conn, user: u, slot, .. } = landed;
                let user = &mut open[u];
                match user.backlog.iter().position(|(_, s)| *s == slot) {
                    Some(i) => {
                        let (at, slot) = user.backlog.remove(i).expect("found above");
                        waiting -= 1;
                        let now = Instant::now();
                        if clock.measured(at) {
                            recorder.send_lag(now - at, false);
                            outcome.sent += 1;
                        }
                        flights.push(flight(conn, &plan, u, user.index, slot, at, now));
                    }
                    None => user.idle[slot].push(conn),
                }
            }
            _ = timer.until(wake.unwrap_or(cutoff) - SPIN_WITHIN), if wake.is_some() && !spin => {}
            _ = tokio::task::yield_now(), if spin => outcome.spun += turn.elapsed(),
            else => break,
        }
    }
    while let Some(landed) = flights.next().await {
        record(
            &mut recorder,
            &clock,
            landed.intended,
            landed.sent,
            landed.done,
            &landed.answer,
        );
    }
    outcome.recorder = Some(recorder);
    outcome.peak_connections = peak;
    outcome
}
/// Records an answer (or its failure) to a request due at `intended` and sent at `sent`,
/// when it was due in the measured window; both loops record through here.
fn record(
    recorder: &mut Recorder,
    clock: &Clock,
    intended: Instant,
    sent: Instant,
    done: Instant,
    answer: &Result<Answer, Failure>,
) {
    if !clock.measured(intended) {
        return;
    }
    let offset = clock.offset(intended);
    match answer {
        Ok(a) => recorder.answer(offset, done - intended, done - sent, a.status, a.body_bytes),
        Err(failure) => recorder.failure(offset, *failure),
    }
}

/// The open loop's wait for the next due time: the thread's precise timer, or tokio's
/// millisecond one where no timerfd could be made.
struct Timer(Option<PreciseTimer>);

impl Timer {
    fn new() -> Timer {
        Timer(PreciseTimer::new().ok())
    }

    async fn until(&mut self, deadline: Instant) {
        if let Some(timer) = &mut self.0
            && timer.sleep_until(deadline.into_std()).await.is_ok()
        {
            return;
        }
        tokio::time::sleep_until(deadline).await;
    }
}

async fn closed_user(
    index: usize,
    plan: Arc<Plan>,
    clock: Clock,
    quota: Option<Arc<(u64, AtomicU64)>>,
) -> UserOutcome {
    let mut conns = connections(&plan, index);
    for conn in &mut conns {
        conn.open().await;
    }
    let credential = &plan.users[index];
    let mut recorder = Recorder::new();
    let mut outcome = UserOutcome::default();
    tokio::time::sleep_until(clock.start).await;
    let mut next_target = index;
    loop {
        let sent = Instant::now();
        if clock.end.is_some_and(|end| sent >= end) {
            break;
        }
        let measured = clock.measured(sent);
        if measured
            && let Some(quota) = &quota
            && quota.1.fetch_add(1, Ordering::Relaxed) >= quota.0
        {
            break;
        }
        let slot = next_target % conns.len();
        let conn = &mut conns[slot];
        next_target += 1;
        let answer = conn.send(&plan.request, credential, plan.request_timeout).await;
        if measured {
            outcome.sent += 1;
            record(&mut recorder, &clock, sent, sent, Instant::now(), &answer);
        }
    }
    outcome.recorder = Some(recorder);
    outcome
}

fn assemble(
    plan: &Plan,
    recorder: Recorder,
    duration: Duration,
    schedule: Option<Schedule>,
    generator: Generator,
) -> RunResult {
    let responses: u64 = recorder.statuses.values().sum();
    let success: u64 = recorder
        .statuses
        .iter()
        .filter(|(s, _)| (200..300).contains(*s))
        .map(|(_, n)| n)
        .sum();
    let timeline = recorder
        .timeline
        .iter()
        .enumerate()
        .map(|(i, b): (usize, &BucketAcc)| Bucket {
            t_ms: i as u64 * TIMELINE_STEP_MS,
            responses: b.responses,
            success: b
                .statuses
                .iter()
                .filter(|(s, _)| (200..300).contains(*s))
                .map(|(_, n)| n)
                .sum(),
            statuses: b.statuses.clone(),
            errors: b.errors,
            mean_us: if b.responses == 0 {
                0.0
            } else {
                b.latency_sum_us as f64 / b.responses as f64
            },
            max_us: b.latency_max_us,
            max_service_us: b.service_max_us,
        })
        .collect();
    RunResult {
        mode: match plan.mode {
            Mode::Open { .. } => "open".into(),
            Mode::Closed => "closed".into(),
        },
        connections: plan.connections(),
        targets: plan.targets.iter().map(|t| t.url()).collect(),
        balance: plan.balance,
        method: plan.request.method.to_string(),
        path: plan.request.path.clone(),
        warmup_ms: plan.warmup.as_millis() as u64,
        duration_ms: duration.as_millis() as u64,
        responses,
        success,
        statuses: recorder.statuses.clone(),
        errors: recorder.errors.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
        body_bytes: recorder.body_bytes,
        throughput_rps: responses as f64 / duration.as_secs_f64().max(1e-9),
        latency: Latency::of(&recorder.corrected),
        service_time: Latency::of(&recorder.service),
        refused_service_time: (!recorder.refused.is_empty()).then(|| Latency::of(&recorder.refused)),
        percentiles: percentile_curve(&recorder.corrected),
        histogram: encode_histogram(&recorder.corrected),
        schedule,
        timeline,
        generator: Some(generator),
    }
}
