//! `workbench accuracy`: the load generator against a server whose answer time is known
//! ([`loadgen::reference::ReferenceServer`]: a fixed wait of 0, 100 or 500 µs on a timer, on
//! the servers' CPU), driven open loop at several rates, beside oha at the same rates when it
//! is installed. The known answer time is the reference's round trip as the simplest client
//! sees it (one request at a time over one socket); a generator's p50 and p99 should land
//! within 50 µs or 10 % of it, up to the rate where the reference server itself queues.

mod section;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use harness::RunOptions;
use loadgen::reference::{ReferenceServer, round_trips};
use loadgen::{Balance, Mode, Plan, RequestSpec, Stop, Target};
use results::ResultsFile;
use results::accuracy::{Accuracy, AccuracyPoint, RoundTrip, lands};
use results::units::show_us;

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// Connections, warm-up and run length (flows are not used).
    pub run: RunOptions,
    pub out: PathBuf,
    /// The reference server's fixed answer times.
    pub delays: Vec<Duration>,
    /// Offered rates, requests per second.
    pub rates: Vec<f64>,
    /// Leave oha out even when it is installed.
    pub no_oha: bool,
}

/// Runs the experiment, writes its results file into `out` and returns it.
pub async fn run(args: Options) -> anyhow::Result<ResultsFile> {
    anyhow::ensure!(
        args.rates.iter().all(|r| r.is_finite() && *r > 0.0),
        "--rates are requests per second above 0"
    );
    let placement = harness::placement::apply(args.run.placement.unwrap_or_default());
    let mut method = args.run.method("accuracy", &["open"], "not used");
    method.placement = Some(placement.clone());
    let mut file = ResultsFile::new(method);
    let server_cpus = if placement.separated() {
        placement.servers.clone()
    } else {
        Vec::new()
    };
    let oha = (!args.no_oha)
        .then(|| redis_locator::find_on_path("oha"))
        .flatten();
    let mut accuracy = Accuracy::default();
    if oha.is_none() && !args.no_oha {
        accuracy
            .missing_tools
            .push("oha (`cargo install oha --locked`)".into());
    }
    let secs = args.run.duration.as_secs_f64();
    let total = args.delays.len() * args.rates.len();
    let mut done = 0;
    for delay in &args.delays {
        let server =
            ReferenceServer::start(*delay, &server_cpus).context("cannot start the reference server")?;
        let addr = server.addr();
        let rtts = tokio::task::spawn_blocking(move || round_trips(addr, 2000))
            .await?
            .context("cannot measure the reference server's round trip")?;
        let quantile = |q: f64| rtts[((rtts.len() - 1) as f64 * q).round() as usize].as_micros() as u64;
        let round_trip = RoundTrip {
            delay_us: delay.as_micros() as u64,
            samples: rtts.len(),
            p50_us: quantile(0.5),
            p99_us: quantile(0.99),
        };
        println!(
            "reference {}: round trip p50 {} p99 {} ({} requests, one at a time)",
            show_us(round_trip.delay_us),
            show_us(round_trip.p50_us),
            show_us(round_trip.p99_us),
            round_trip.samples
        );
        for rate in &args.rates {
            done += 1;
            let plan = Plan {
                mode: Mode::Open { rate: *rate },
                warmup: args.run.warmup,
                stop: Stop::After(args.run.duration),
                targets: vec![Target::parse(&server.url())?],
                balance: Balance::PerRequest,
                request: RequestSpec::get("/"),
                users: vec![Vec::new(); args.run.connections],
                request_timeout: Duration::from_secs(10),
                generator_cpus: harness::placement::generator_cpus(),
            };
            let before = server.cpu();
            let steal_before = harness::run::steal_ticks();
            let result = loadgen::run(plan).await?;
            let steal = harness::run::steal_between(steal_before, harness::run::steal_ticks());
            let busy = (server.cpu() - before).as_secs_f64() / (secs + args.run.warmup.as_secs_f64());
            let generator = result.generator.as_ref();
            let point = AccuracyPoint {
                tool: "authbench".into(),
                delay_us: round_trip.delay_us,
                rate: *rate,
                p50_us: result.latency.p50_us,
                p99_us: result.latency.p99_us,
                max_us: result.latency.max_us,
                expected_p50_us: round_trip.p50_us,
                expected_p99_us: round_trip.p99_us,
                server_busy: busy,
                within: lands(result.latency.p50_us, round_trip.p50_us)
                    && lands(result.latency.p99_us, round_trip.p99_us),
                generator_cpu_us: generator.map(|g| g.cpu_us_per_request(result.responses)),
                kept: result.schedule.as_ref().map(|s| s.kept_rate),
                steal,
            };
            print_point(done, total, &point);
            accuracy.points.push(point);
            if let Some(oha) = &oha {
                let before = server.cpu();
                let steal_before = harness::run::steal_ticks();
                match run_oha(oha, &server.url(), *rate, &args.run, &placement.generator).await {
                    Ok((p50, p99, max)) => {
                        let steal = harness::run::steal_between(steal_before, harness::run::steal_ticks());
                        let busy = (server.cpu() - before).as_secs_f64() / secs;
                        let point = AccuracyPoint {
                            tool: "oha".into(),
                            delay_us: round_trip.delay_us,
                            rate: *rate,
                            p50_us: p50,
                            p99_us: p99,
                            max_us: max,
                            expected_p50_us: round_trip.p50_us,
                            expected_p99_us: round_trip.p99_us,
                            server_busy: busy,
                            within: lands(p50, round_trip.p50_us) && lands(p99, round_trip.p99_us),
                            generator_cpu_us: None,
                            kept: None,
                            steal,
                        };
                        print_point(done, total, &point);
                        accuracy.points.push(point);
                    }
                    Err(e) => file.notes.push(format!("oha at {rate} req/s failed: {e:#}")),
                }
            }
        }
        accuracy.round_trips.push(round_trip);
    }
    file.accuracy = Some(accuracy);
    let path = file.write(&args.out)?;
    println!("results: {}", path.display());
    Ok(file)
}

fn print_point(done: usize, total: usize, p: &AccuracyPoint) {
    println!(
        "[{done}/{total}] {:<9} {:>6} at {:>6.0} req/s: p50 {:>8} (expected {:>8})  p99 {:>8} (expected {:>8})  server {:>3.0} % busy  steal {:>3.0} %  {}",
        p.tool,
        show_us(p.delay_us),
        p.rate,
        show_us(p.p50_us),
        show_us(p.expected_p50_us),
        show_us(p.p99_us),
        show_us(p.expected_p99_us),
        p.server_busy * 100.0,
        p.steal.unwrap_or(0.0) * 100.0,
        if p.server_queued() {
            "(the server queues)"
        } else if p.within {
            "lands"
        } else {
            "off"
        }
    );
}

/// oha at a fixed rate with its coordinated-omission correction, tied to the generator's
/// CPUs; returns its p50, p99 and slowest, in µs.
async fn run_oha(
    oha: &std::path::Path,
    url: &str,
    rate: f64,
    run: &RunOptions,
    cpus: &[usize],
) -> anyhow::Result<(u64, u64, u64)> {
    let mut command = std::process::Command::new(oha);
    command
        .arg("-z")
        .arg(format!("{}s", run.duration.as_secs().max(1)))
        .arg("-c")
        .arg(run.connections.to_string())
        .arg("-q")
        .arg(format!("{rate}"))
        .arg("--latency-correction")
        .arg("--no-tui")
        .arg("--output-format")
        .arg("json")
        .arg(url)
        .stdin(std::process::Stdio::null());
    if !cpus.is_empty() {
        let list = harness::placement::cpu_list(cpus);
        command = {
            let mut taskset = std::process::Command::new("taskset");
            taskset
                .arg("-c")
                .arg(list)
                .arg(command.get_program())
                .args(command.get_args());
            taskset.stdin(std::process::Stdio::null());
            taskset
        };
    }
    let output = tokio::process::Command::from(command)
        .output()
        .await
        .context("cannot run oha")?;
    let text = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "oha failed: {}{}",
        text,
        String::from_utf8_lossy(&output.stderr)
    );
    parse_oha(&text).with_context(|| format!("cannot read oha's output:\n{text}"))
}

/// p50, p99 and the slowest answer from oha's JSON (seconds), in µs.
pub fn parse_oha(text: &str) -> Option<(u64, u64, u64)> {
    let json: serde_json::Value = serde_json::from_str(text.trim()).ok()?;
    let us = |v: &serde_json::Value| v.as_f64().map(|s| (s * 1e6).round() as u64);
    let percentiles = json.get("latencyPercentiles")?;
    Some((
        us(percentiles.get("p50")?)?,
        us(percentiles.get("p99")?)?,
        us(json.get("summary")?.get("slowest")?)?,
    ))
}

/// The default rates: from light to where the reference server on one CPU begins to queue.
pub const RATES: [f64; 4] = [1000.0, 5000.0, 20_000.0, 40_000.0];

/// The default answer times of the reference server.
pub const DELAYS_US: [u64; 3] = [0, 100, 500];

/// `workbench accuracy` in the registry.
pub struct AccuracyCheck;

impl crate::experiment::Experiment for AccuracyCheck {
    fn name(&self) -> &'static str {
        "accuracy"
    }

    fn step(&self) -> Option<&'static str> {
        Some("the generator against a server whose answer time is known (and oha)")
    }

    fn compare<'a>(&'a self, plan: &'a crate::experiment::Compare) -> crate::experiment::Step<'a> {
        Box::pin(async move {
            let mut run_options = plan.run.clone();
            run_options.duration = run_options.duration.min(Duration::from_secs(3));
            run(Options {
                run: run_options,
                out: plan.results.clone(),
                delays: DELAYS_US.iter().map(|us| Duration::from_micros(*us)).collect(),
                rates: RATES.to_vec(),
                no_oha: false,
            })
            .await
            .map(drop)
        })
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::Sections)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ohas_json_is_read_in_microseconds() {
        let text = r#"{"summary":{"successRate":1.0,"total":3.0,"slowest":0.0042,"fastest":0.0001,"average":0.0003,"requestsPerSec":20000.0},
            "latencyPercentiles":{"p10":0.0001,"p50":0.000404,"p99":0.00159,"p99.9":0.003}}"#;
        assert_eq!(parse_oha(text), Some((404, 1590, 4200)));
        assert_eq!(parse_oha("not json"), None);
    }
}
