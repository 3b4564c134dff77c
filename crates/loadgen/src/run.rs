//! Running a plan: the dispatcher (open loop), the virtual users, and the merge.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::client::Connection;
use crate::plan::{Balance, Mode, Plan, Stop};
use crate::record::{BucketAcc, Recorder};
use crate::report::{
    Bucket, Latency, RunResult, Schedule, TIMELINE_STEP_MS, encode_histogram, percentile_curve,
};

/// How long after the end of the measured window a request still waiting for a free
/// connection may be sent; after that it counts as unsent.
const DRAIN_GRACE: Duration = Duration::from_millis(250);

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

struct UserOutcome {
    recorder: Recorder,
    sent: u64,
    unsent: u64,
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
    // A short lead so every virtual user has opened its connections before the first
    // request is due.
    let start = Instant::now() + Duration::from_millis(50);
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

    let (outcomes, dispatch) = match plan.mode {
        Mode::Closed => {
            let quota = match plan.stop {
                Stop::Requests(n) => Some(Arc::new((n, AtomicU64::new(0)))),
                Stop::After(_) => None,
            };
            let tasks: Vec<_> = (0..plan.users.len())
                .map(|i| tokio::spawn(closed_user(i, plan.clone(), clock, quota.clone())))
                .collect();
            (join(tasks).await, None)
        }
        Mode::Open { rate } => {
            let end = end.expect("an open-loop run always has an end");
            let (tx, rx) = async_channel::unbounded::<Instant>();
            let dispatcher = std::thread::spawn(move || dispatch(tx, rate, start, measure_start, end));
            let tasks: Vec<_> = (0..plan.users.len())
                .map(|i| tokio::spawn(open_user(i, plan.clone(), clock, rx.clone())))
                .collect();
            let outcomes = join(tasks).await;
            let (intended, dispatcher_lag) = tokio::task::spawn_blocking(move || dispatcher.join())
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or((0, Duration::ZERO));
            let mut left = 0;
            while let Ok(t) = rx.try_recv() {
                if clock.measured(t) {
                    left += 1;
                }
            }
            (outcomes, Some((rate, intended, dispatcher_lag, left)))
        }
    };

    let mut recorder = Recorder::new();
    let (mut sent, mut unsent) = (0, 0);
    for outcome in outcomes {
        recorder.merge(outcome.recorder);
        sent += outcome.sent;
        unsent += outcome.unsent;
    }
    let duration = match end {
        Some(end) => end - measure_start,
        None => Instant::now() - measure_start,
    };
    let secs = duration.as_secs_f64().max(1e-9);
    let schedule = dispatch.map(|(rate, intended, dispatcher_lag, left)| {
        let unsent = unsent + left;
        Schedule {
            rate,
            intended,
            sent,
            unsent,
            late: recorder.late,
            max_send_lag_us: recorder.max_send_lag.as_micros() as u64,
            dispatcher_max_lag_us: dispatcher_lag.as_micros() as u64,
            achieved_rate: sent as f64 / secs,
            kept_rate: unsent == 0 && recorder.late * 100 <= intended,
        }
    });
    Ok(assemble(&plan, recorder, duration, schedule))
}

async fn join(tasks: Vec<tokio::task::JoinHandle<UserOutcome>>) -> Vec<UserOutcome> {
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        // A virtual user never panics on a server's answer; if one did, its figures are
        // lost, and the run goes on with the others.
        if let Ok(outcome) = task.await {
            outcomes.push(outcome);
        }
    }
    outcomes
}

/// Releases each request at its intended time. Runs on its own thread so that its
/// wake-ups (about 50 µs of timer slack on Linux) do not depend on tokio's 1 ms timer.
/// Returns the number of measured requests due and its own worst lag.
fn dispatch(
    tx: async_channel::Sender<Instant>,
    rate: f64,
    start: Instant,
    measure_start: Instant,
    end: Instant,
) -> (u64, Duration) {
    let (start, measure_start, end) = (start.into_std(), measure_start.into_std(), end.into_std());
    let mut intended_measured = 0u64;
    let mut max_lag = Duration::ZERO;
    for k in 0u64.. {
        let due = start + Duration::from_secs_f64(k as f64 / rate);
        if due >= end {
            break;
        }
        let now = std::time::Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        } else {
            max_lag = max_lag.max(now - due);
        }
        if due >= measure_start {
            intended_measured += 1;
        }
        if tx.send_blocking(Instant::from_std(due)).is_err() {
            break;
        }
    }
    (intended_measured, max_lag)
}

/// User `index`'s connections: one per target, or just its own target with
/// [`Balance::PerUser`].
fn connections(plan: &Plan, index: usize) -> Vec<Connection> {
    match plan.balance {
        Balance::PerRequest => plan
            .targets
            .iter()
            .map(|t| Connection::new(t.clone(), &plan.request))
            .collect(),
        Balance::PerUser => {
            let target = &plan.targets[index % plan.targets.len()];
            vec![Connection::new(target.clone(), &plan.request)]
        }
    }
}

async fn open_user(
    index: usize,
    plan: Arc<Plan>,
    clock: Clock,
    rx: async_channel::Receiver<Instant>,
) -> UserOutcome {
    let mut conns = connections(&plan, index);
    for conn in &mut conns {
        conn.open().await;
    }
    let credential = &plan.users[index];
    let cutoff = clock.end.expect("open loop has an end") + DRAIN_GRACE;
    let mut outcome = UserOutcome {
        recorder: Recorder::new(),
        sent: 0,
        unsent: 0,
    };
    let mut next_target = index;
    while let Ok(intended) = rx.recv().await {
        let now = Instant::now();
        let measured = clock.measured(intended);
        if now > cutoff {
            if measured {
                outcome.unsent += 1;
            }
            break;
        }
        let slot = next_target % conns.len();
        let conn = &mut conns[slot];
        next_target += 1;
        if measured {
            outcome.recorder.send_lag(now - intended);
            outcome.sent += 1;
        }
        let answer = conn.send(&plan.request, credential, plan.request_timeout).await;
        if measured {
            let done = Instant::now();
            let offset = clock.offset(intended);
            match answer {
                Ok(a) => outcome
                    .recorder
                    .answer(offset, done - intended, done - now, a.status, a.body_bytes),
                Err(failure) => outcome.recorder.failure(offset, failure),
            }
        }
    }
    outcome
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
    let mut outcome = UserOutcome {
        recorder: Recorder::new(),
        sent: 0,
        unsent: 0,
    };
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
            let done = Instant::now();
            let offset = clock.offset(sent);
            match answer {
                Ok(a) => outcome
                    .recorder
                    .answer(offset, done - sent, done - sent, a.status, a.body_bytes),
                Err(failure) => outcome.recorder.failure(offset, failure),
            }
        }
    }
    outcome
}

fn assemble(plan: &Plan, recorder: Recorder, duration: Duration, schedule: Option<Schedule>) -> RunResult {
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
        percentiles: percentile_curve(&recorder.corrected),
        histogram: encode_histogram(&recorder.corrected),
        schedule,
        timeline,
    }
}
