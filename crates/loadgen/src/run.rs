//! Running a plan: the generator's threads, the virtual users on them, and the merge.
//!
//! Each generator thread runs its own single-threaded event loop, tied to its own CPU when
//! the plan names one, and holds its share of the virtual users with all their connections:
//! no request is handed from one thread to another. In open loop each virtual user keeps its
//! own schedule (its share of the rate, as wrk2 does) and sleeps on a microsecond timer
//! ([`crate::timer`]) until its next request is due.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::client::Connection;
use crate::plan::{Balance, Mode, Plan, Stop};
use crate::record::{BucketAcc, Recorder};
use crate::report::{
    Bucket, Generator, Latency, RunResult, Schedule, TIMELINE_STEP_MS, encode_histogram, percentile_curve,
};
use crate::timer::{PreciseTimer, settle_thread, thread_cpu};

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
    let (mut sent, mut unsent, mut intended) = (0, 0, 0);
    for outcome in outcomes {
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
        }),
        Mode::Closed => None,
    };
    let generator = Generator {
        threads: threads.len(),
        cpus: threads.iter().flatten().copied().collect(),
        pinned,
        cpu_us: cpu.as_micros() as u64,
        busy: cpu.as_secs_f64() / (secs * threads.len() as f64),
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
        let tasks: Vec<_> = users
            .into_iter()
            .map(|i| match plan.mode {
                Mode::Closed => tokio::spawn(closed_user(i, plan.clone(), clock, quota.clone())),
                Mode::Open { rate } => tokio::spawn(open_user(i, plan.clone(), clock, rate)),
            })
            .collect();
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

/// An open-loop virtual user: of `users` users, user `index` sends requests
/// `index, index + users, index + 2 users, ...` of the run's constant-rate schedule, each
/// at its intended time or, when its previous answer came late, at once (late).
async fn open_user(index: usize, plan: Arc<Plan>, clock: Clock, rate: f64) -> UserOutcome {
    let mut conns = connections(&plan, index);
    for conn in &mut conns {
        conn.open().await;
    }
    let credential = &plan.users[index];
    let users = plan.users.len() as f64;
    let end = clock.end.expect("open loop has an end");
    let cutoff = end + DRAIN_GRACE;
    let due_at = |k: u64| clock.start + Duration::from_secs_f64((index as f64 + k as f64 * users) / rate);
    let mut recorder = Recorder::new();
    let mut outcome = UserOutcome::default();
    let timer = match PreciseTimer::new() {
        Ok(timer) => timer,
        Err(_) => return outcome,
    };
    let mut next_target = index;
    let mut k = 0u64;
    loop {
        let intended = due_at(k);
        if intended >= end {
            break;
        }
        let measured = clock.measured(intended);
        if measured {
            outcome.intended += 1;
        }
        let waited = intended > Instant::now();
        let now = if waited {
            match timer.sleep_until(intended.into_std()).await {
                Ok(woke) => Instant::from_std(woke),
                Err(_) => {
                    tokio::time::sleep_until(intended).await;
                    Instant::now()
                }
            }
        } else {
            Instant::now()
        };
        if now > cutoff {
            // The rest of this user's schedule in the window was never sent.
            if measured {
                outcome.unsent += 1;
            }
            let mut rest = k + 1;
            while due_at(rest) < end {
                if clock.measured(due_at(rest)) {
                    outcome.intended += 1;
                    outcome.unsent += 1;
                }
                rest += 1;
            }
            break;
        }
        let slot = next_target % conns.len();
        let conn = &mut conns[slot];
        next_target += 1;
        if measured {
            recorder.send_lag(now - intended, waited);
            outcome.sent += 1;
        }
        let answer = conn.send(&plan.request, credential, plan.request_timeout).await;
        if measured {
            let done = Instant::now();
            let offset = clock.offset(intended);
            match answer {
                Ok(a) => recorder.answer(offset, done - intended, done - now, a.status, a.body_bytes),
                Err(failure) => recorder.failure(offset, failure),
            }
        }
        k += 1;
    }
    outcome.recorder = Some(recorder);
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
            let done = Instant::now();
            let offset = clock.offset(sent);
            match answer {
                Ok(a) => recorder.answer(offset, done - sent, done - sent, a.status, a.body_bytes),
                Err(failure) => recorder.failure(offset, failure),
            }
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
