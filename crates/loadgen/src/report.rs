//! The result of a run, as saved in the results JSON.

use std::collections::BTreeMap;

use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
use serde::{Deserialize, Serialize};

/// Width of one timeline bucket.
pub const TIMELINE_STEP_MS: u64 = 100;

/// Latency figures in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub min_us: u64,
    pub mean_us: f64,
    pub stdev_us: f64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub p9999_us: u64,
    pub max_us: u64,
}

impl Latency {
    pub(crate) fn of(h: &Histogram<u64>) -> Latency {
        if h.is_empty() {
            return Latency {
                min_us: 0,
                mean_us: 0.0,
                stdev_us: 0.0,
                p50_us: 0,
                p90_us: 0,
                p99_us: 0,
                p999_us: 0,
                p9999_us: 0,
                max_us: 0,
            };
        }
        Latency {
            min_us: h.min(),
            mean_us: h.mean(),
            stdev_us: h.stdev(),
            p50_us: h.value_at_quantile(0.5),
            p90_us: h.value_at_quantile(0.9),
            p99_us: h.value_at_quantile(0.99),
            p999_us: h.value_at_quantile(0.999),
            p9999_us: h.value_at_quantile(0.9999),
            max_us: h.max(),
        }
    }
}

/// 100 ms of a run, by intended send time from the start of the measured window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub t_ms: u64,
    pub responses: u64,
    /// Answers with a 2xx status.
    pub success: u64,
    pub statuses: BTreeMap<u16, u64>,
    /// Requests with no HTTP answer (connect, closed, protocol, timeout).
    pub errors: u64,
    pub mean_us: f64,
    pub max_us: u64,
    /// Slowest answer from its actual send time: what the server itself took, without the
    /// wait for a free connection.
    #[serde(default)]
    pub max_service_us: u64,
}

/// How well the open-loop schedule was kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    pub rate: f64,
    /// Requests due in the measured window.
    pub intended: u64,
    pub sent: u64,
    /// Due but never sent: the run ended with them still waiting for a free connection.
    pub unsent: u64,
    /// Sent more than 1 ms after their intended time (all connections busy, or the
    /// generator itself too slow). Their latency still counts from the intended time.
    pub late: u64,
    pub max_send_lag_us: u64,
    /// The generator's own worst wake-up: how long after a due time an idle virtual user's
    /// timer fired (a busy generator CPU shows here; a slow server does not). Called the
    /// dispatcher's lag in results written before each user kept its own schedule.
    pub dispatcher_max_lag_us: u64,
    /// Requests sent more than 1 ms late although their virtual user was idle and waiting:
    /// lateness that is the generator's own, not the server's.
    #[serde(default)]
    pub late_generator: u64,
    /// Requests sent per second in the measured window.
    pub achieved_rate: f64,
    /// False when requests were left unsent or more than 1 % were late.
    pub kept_rate: bool,
    /// The most connections the virtual users held at once: each opens further ones, up to
    /// a limit, when a request is due while its others wait for answers (0 in results
    /// written before the open loop could).
    #[serde(default)]
    pub peak_connections: usize,
}

/// Everything one run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// `open` or `closed`.
    pub mode: String,
    /// Virtual users, each with its own connection(s).
    pub connections: usize,
    pub targets: Vec<String>,
    /// How the users spread over the targets.
    #[serde(default)]
    pub balance: crate::plan::Balance,
    pub method: String,
    pub path: String,
    pub warmup_ms: u64,
    /// Length of the measured window.
    pub duration_ms: u64,
    /// Answers received for requests due in the measured window (any status).
    pub responses: u64,
    /// Answers with a 2xx status.
    pub success: u64,
    pub statuses: BTreeMap<u16, u64>,
    /// Requests with no HTTP answer, by kind.
    pub errors: BTreeMap<String, u64>,
    pub body_bytes: u64,
    /// Answers per second over the measured window.
    pub throughput_rps: f64,
    /// From the intended send time (coordinated-omission corrected). In closed loop the
    /// intended time is the send time, so this equals `service_time`.
    pub latency: Latency,
    /// From the actual send time (what a closed-loop tool reports).
    pub service_time: Latency,
    /// From the actual send time, of the answers with a 5xx status alone (a 503 while a
    /// dependency is down should come at once); absent when there were none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_service_time: Option<Latency>,
    /// `(percentile, latency_us)` pairs at 0, 50, 75, 87.5 ... 99.999 and 100 %, for
    /// HdrHistogram-style percentile charts.
    pub percentiles: Vec<(f64, u64)>,
    /// The corrected histogram, HdrHistogram V2 + deflate, base64: any other figure can be
    /// recomputed from it.
    pub histogram: String,
    pub schedule: Option<Schedule>,
    pub timeline: Vec<Bucket>,
    /// The generator's threads and what they cost (absent in results written before the
    /// generator measured itself).
    #[serde(default)]
    pub generator: Option<Generator>,
}

/// The generator's own side of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generator {
    /// Threads, each with its own event loop and its share of the virtual users.
    pub threads: usize,
    /// The CPUs they were tied to (empty: untied), as asked.
    pub cpus: Vec<usize>,
    /// Whether the kernel accepted every tie.
    pub pinned: bool,
    /// CPU time of the generator's threads over the measured window and the drain after it.
    pub cpu_us: u64,
    /// `cpu_us` over the window's wall time times the threads: near 1, the generator's own
    /// CPUs were the limit (unless much of it was spun, below).
    pub busy: f64,
    /// Of `cpu_us`, the time the open loop spun towards a due time rather than sleep on a
    /// timer (the last 50 µs before each): waiting, not work, though it keeps the CPU busy.
    #[serde(default)]
    pub spin_us: u64,
}

impl Generator {
    /// The generator's CPU microseconds per answer.
    pub fn cpu_us_per_request(&self, responses: u64) -> f64 {
        self.cpu_us as f64 / responses.max(1) as f64
    }

    /// The same without the time spun waiting for due times: what the requests themselves
    /// cost the generator.
    pub fn work_us_per_request(&self, responses: u64) -> f64 {
        self.work_us() as f64 / responses.max(1) as f64
    }

    /// [`Generator::busy`] without the time spun: how busy the requests alone kept it.
    pub fn work_busy(&self) -> f64 {
        self.busy * self.work_us() as f64 / self.cpu_us.max(1) as f64
    }

    fn work_us(&self) -> u64 {
        self.cpu_us.saturating_sub(self.spin_us)
    }
}

impl RunResult {
    /// The corrected latency histogram, decoded from [`RunResult::histogram`].
    pub fn decode_histogram(&self) -> Option<Histogram<u64>> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&self.histogram)
            .ok()?;
        hdrhistogram::serialization::Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .ok()
    }
}

pub(crate) fn percentile_curve(h: &Histogram<u64>) -> Vec<(f64, u64)> {
    if h.is_empty() {
        return Vec::new();
    }
    let mut points = Vec::new();
    let mut remaining = 1.0f64;
    while 1.0 - remaining <= 0.99999 {
        let q = 1.0 - remaining;
        points.push((q * 100.0, h.value_at_quantile(q)));
        remaining /= 2.0;
    }
    points.push((99.999, h.value_at_quantile(0.99999)));
    points.push((100.0, h.max()));
    points
}

pub(crate) fn encode_histogram(h: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    match V2DeflateSerializer::new().serialize(h, &mut bytes) {
        Ok(_) => base64::engine::general_purpose::STANDARD.encode(bytes),
        Err(_) => String::new(),
    }
}
