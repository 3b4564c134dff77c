//! What each virtual user records; merged into one result at the end of a run.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::client::Failure;
use crate::report::TIMELINE_STEP_MS;

/// 1 µs to 60 s at 3 significant digits, as the method asks.
pub(crate) fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

#[derive(Debug, Default, Clone)]
pub(crate) struct BucketAcc {
    pub responses: u64,
    pub statuses: BTreeMap<u16, u64>,
    pub errors: u64,
    pub latency_sum_us: u64,
    pub latency_max_us: u64,
    pub service_max_us: u64,
}

pub(crate) struct Recorder {
    /// Latency from the intended send time (in closed loop, the actual send time).
    pub corrected: Histogram<u64>,
    /// Latency from the actual send time.
    pub service: Histogram<u64>,
    /// The same, of the answers with a 5xx status only: how fast a refusal came.
    pub refused: Histogram<u64>,
    pub statuses: BTreeMap<u16, u64>,
    pub errors: BTreeMap<&'static str, u64>,
    pub body_bytes: u64,
    pub timeline: Vec<BucketAcc>,
    /// Requests sent more than [`LATE`] after their intended time (open loop).
    pub late: u64,
    /// Of those, sent late although the virtual user was idle: its timer woke late.
    pub late_generator: u64,
    pub max_send_lag: Duration,
    /// The worst lag of a timer wake-up past its due time.
    pub max_wake_lag: Duration,
}

/// A request sent later than this after its intended time counts as late.
pub(crate) const LATE: Duration = Duration::from_millis(1);

impl Recorder {
    pub(crate) fn new() -> Recorder {
        Recorder {
            corrected: new_histogram(),
            service: new_histogram(),
            refused: new_histogram(),
            statuses: BTreeMap::new(),
            errors: BTreeMap::new(),
            body_bytes: 0,
            timeline: Vec::new(),
            late: 0,
            late_generator: 0,
            max_send_lag: Duration::ZERO,
            max_wake_lag: Duration::ZERO,
        }
    }

    fn bucket(&mut self, offset: Duration) -> &mut BucketAcc {
        let index = (offset.as_millis() / u128::from(TIMELINE_STEP_MS)) as usize;
        if self.timeline.len() <= index {
            self.timeline.resize(index + 1, BucketAcc::default());
        }
        &mut self.timeline[index]
    }

    /// A request sent `lag` after its intended time; `woke` when the user was idle and its
    /// timer fired that late (the lag is then the generator's own).
    pub(crate) fn send_lag(&mut self, lag: Duration, woke: bool) {
        if lag > LATE {
            self.late += 1;
            if woke {
                self.late_generator += 1;
            }
        }
        if woke {
            self.max_wake_lag = self.max_wake_lag.max(lag);
        }
        self.max_send_lag = self.max_send_lag.max(lag);
    }

    /// `offset` is the intended send time, from the start of the measured window.
    pub(crate) fn answer(
        &mut self,
        offset: Duration,
        latency: Duration,
        service: Duration,
        status: u16,
        body_bytes: u64,
    ) {
        let us = latency.as_micros().max(1) as u64;
        self.corrected.saturating_record(us);
        self.service.saturating_record(service.as_micros().max(1) as u64);
        if status >= 500 {
            self.refused.saturating_record(service.as_micros().max(1) as u64);
        }
        *self.statuses.entry(status).or_default() += 1;
        self.body_bytes += body_bytes;
        let bucket = self.bucket(offset);
        bucket.responses += 1;
        *bucket.statuses.entry(status).or_default() += 1;
        bucket.latency_sum_us += us;
        bucket.latency_max_us = bucket.latency_max_us.max(us);
        bucket.service_max_us = bucket.service_max_us.max(service.as_micros() as u64);
    }

    pub(crate) fn failure(&mut self, offset: Duration, failure: Failure) {
        *self.errors.entry(failure.kind()).or_default() += 1;
        self.bucket(offset).errors += 1;
    }

    pub(crate) fn merge(&mut self, other: Recorder) {
        self.corrected
            .add(&other.corrected)
            .expect("same histogram bounds");
        self.service.add(&other.service).expect("same histogram bounds");
        self.refused.add(&other.refused).expect("same histogram bounds");
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        for (kind, n) in other.errors {
            *self.errors.entry(kind).or_default() += n;
        }
        self.body_bytes += other.body_bytes;
        if self.timeline.len() < other.timeline.len() {
            self.timeline.resize(other.timeline.len(), BucketAcc::default());
        }
        for (mine, theirs) in self.timeline.iter_mut().zip(other.timeline) {
            mine.responses += theirs.responses;
            for (status, n) in theirs.statuses {
                *mine.statuses.entry(status).or_default() += n;
            }
            mine.errors += theirs.errors;
            mine.latency_sum_us += theirs.latency_sum_us;
            mine.latency_max_us = mine.latency_max_us.max(theirs.latency_max_us);
            mine.service_max_us = mine.service_max_us.max(theirs.service_max_us);
        }
        self.late += other.late;
        self.late_generator += other.late_generator;
        self.max_send_lag = self.max_send_lag.max(other.max_send_lag);
        self.max_wake_lag = self.max_wake_lag.max(other.max_wake_lag);
    }
}
