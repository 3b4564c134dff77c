//! The workbench's load generator: the method of wrk2 and HdrHistogram, on tokio.
//!
//! - **Open loop** ([`Mode::Open`]): requests are due at a constant arrival rate, whatever the
//!   server does. Each virtual user keeps its share of the schedule (as wrk2 does) and sends
//!   each request at its *intended* time, on a further connection when its others still
//!   wait for answers (up to [`OPEN_CONNECTIONS_PER_USER`]). Latency counts from the
//!   intended time, so a server stall is seen by every request that was due during it
//!   (coordinated-omission correction, as wrk2 and `oha --latency-correction` do). Requests
//!   the generator could not send on time are counted (`late`, `unsent`), never hidden.
//! - **Closed loop** ([`Mode::Closed`]): each virtual user sends its next request as soon as
//!   the previous answer is in, for the maximum throughput. Its latencies are service times
//!   and hide stalls; the validation tests show both side by side.
//!
//! Each virtual user holds one keep-alive HTTP/1.1 connection per target (more in open loop,
//! as above) and its own credential, and sends to the targets in round robin
//! ([`Balance::PerRequest`]), or holds one connection to one target ([`Balance::PerUser`]).
//! Warm-up is excluded. Results are HdrHistograms (1 µs to 60 s, 3 significant digits),
//! per-status counts, error kinds and a per-100 ms timeline ([`RunResult`]), with
//! per-process CPU time read from `/proc` ([`cpu`]).

mod client;
pub mod cpu;
mod plan;
mod record;
pub mod reference;
mod report;
mod run;
mod timer;

pub use hyper::{Method, header};
pub use plan::{Balance, Mode, Plan, RequestSpec, Stop, Target, TargetError};
pub use report::{Bucket, Generator, Latency, RunResult, Schedule, TIMELINE_STEP_MS};
pub use run::{OPEN_CONNECTIONS_PER_USER, RunError, run};
