//! `workbench calibrate`: the generator beside `wrk` (Debian's package) against the same
//! endpoint (the no-auth baseline) in the same run, so its maximum rate and latencies can
//! be stated as a ratio to an established tool.

mod section;

use std::path::PathBuf;

use anyhow::{Context, bail};
use harness::{RunOptions, begin, measure, start_flow};
use loadgen::Mode;
use results::Flow;
use results::Topology;
use results::calibrate::{Calibration, WrkResult};
use results::{FlowRun, ResultsFile};

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The load options every experiment shares (flows, connections, run lengths).
    pub run: RunOptions,
    /// Folder the results file is written to.
    pub out: PathBuf,
    /// wrk threads (`-t`).
    pub wrk_threads: usize,
}

/// Runs the experiment, writes its results file into `out` and returns it.
pub async fn run(args: Options) -> anyhow::Result<ResultsFile> {
    let wrk = redis_locator::find_on_path("wrk")
        .context("wrk is not on PATH: install it with `apt-get install wrk`")?;
    let threads = args.wrk_threads;
    let out = args.out;
    let mut args = args.run;
    args.flows = vec![Flow::Baseline];
    let (redis, mut file) = begin(&args, "calibrate", &["closed"]).await?;
    let (system, users) = start_flow(Flow::Baseline, &redis, &args, Topology::single()).await?;
    let url = format!("{}{}", system.api_url(), Flow::Baseline.path());

    // Ours, wrk, ours again: the order effect shows as the gap between our two runs.
    let first = measure(&system, &users, Mode::Closed, &args, "ours-1", "[1/3]").await?;
    println!(
        "[2/3] wrk -t{threads} -c{} -d{:?} --latency",
        args.connections, args.duration
    );
    let output = tokio::process::Command::new(&wrk)
        .arg(format!("-t{threads}"))
        .arg(format!("-c{}", args.connections))
        .arg(format!("-d{}s", args.duration.as_secs().max(1)))
        .arg("--latency")
        .arg(&url)
        .output()
        .await
        .context("cannot run wrk")?;
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    if !output.status.success() {
        bail!("wrk failed: {}{}", text, String::from_utf8_lossy(&output.stderr));
    }
    let wrk_result = parse_wrk(&text).with_context(|| format!("cannot read wrk's output:\n{text}"))?;
    let second = measure(&system, &users, Mode::Closed, &args, "ours-2", "[3/3]").await?;

    let ours_best = best(&first, &second);
    let ours = ours_best.result.throughput_rps;
    let ratio = ours / wrk_result.requests_per_sec;
    let line = format!(
        "maximum rate against {url}: ours {ours:.0} req/s (best of two runs), wrk {:.0} req/s: ratio {ratio:.2}",
        wrk_result.requests_per_sec
    );
    println!("{line}");
    file.notes.push(line);
    file.notes.push(format!(
        "p50/p99: ours {}/{} µs, wrk {}/{} µs (wrk's closed-loop latencies, same connections)",
        ours_best.result.latency.p50_us,
        ours_best.result.latency.p99_us,
        wrk_result.p50_us,
        wrk_result.p99_us
    ));
    file.runs.push(first);
    file.runs.push(second);
    let calibration = Calibration {
        wrk: wrk_result,
        ratio,
    };
    file.calibration = Some(calibration);
    let path = file.write(&out)?;
    println!("results: {}", path.display());
    Ok(file)
}

fn best<'a>(a: &'a FlowRun, b: &'a FlowRun) -> &'a FlowRun {
    if a.result.throughput_rps >= b.result.throughput_rps {
        a
    } else {
        b
    }
}

/// Reads `Requests/sec:` and the `Latency Distribution` of `wrk --latency`.
pub fn parse_wrk(text: &str) -> Option<WrkResult> {
    let rps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))?
        .trim()
        .parse()
        .ok()?;
    let percentile = |p: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(p).map(str::trim))
            .and_then(wrk_duration_us)
    };
    Some(WrkResult {
        requests_per_sec: rps,
        p50_us: percentile("50%")?,
        p75_us: percentile("75%")?,
        p90_us: percentile("90%")?,
        p99_us: percentile("99%")?,
        output: text.to_string(),
    })
}

/// `635.91us`, `1.02ms`, `2.00s` in microseconds.
fn wrk_duration_us(s: &str) -> Option<u64> {
    let (number, factor) = if let Some(n) = s.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60e6)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1e6)
    } else {
        return None;
    };
    Some((number.trim().parse::<f64>().ok()? * factor).round() as u64)
}

/// `workbench calibrate` in the registry.
pub struct Calibrate;

impl crate::experiment::Experiment for Calibrate {
    fn name(&self) -> &'static str {
        "calibrate"
    }

    fn step(&self) -> Option<&'static str> {
        Some("the load generator beside wrk")
    }

    fn compare<'a>(&'a self, plan: &'a crate::experiment::Compare) -> crate::experiment::Step<'a> {
        Box::pin(async move {
            run(Options {
                run: plan.run.clone(),
                out: plan.results.clone(),
                wrk_threads: 2,
            })
            .await
            .map(drop)
        })
    }

    fn unavailable(&self) -> Option<String> {
        redis_locator::find_on_path("wrk")
            .is_none()
            .then(|| "wrk is not on PATH; `apt-get install wrk` adds it".into())
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::Sections)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_latency_output_is_read() {
        let text = "Running 5s test @ http://127.0.0.1:1/public/departments
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   635.91us  200.00us   3.03ms   90.00%
  Latency Distribution
     50%  635.91us
     75%  712.00us
     90%    1.02ms
     99%    3.03ms
  242163 requests in 5.00s, 30.02MB read
Requests/sec:  48432.56
Transfer/sec:      6.00MB
";
        let r = parse_wrk(text).unwrap();
        assert_eq!(r.requests_per_sec, 48432.56);
        assert_eq!((r.p50_us, r.p75_us, r.p90_us, r.p99_us), (636, 712, 1020, 3030));
        assert!(parse_wrk("nothing here").is_none());
    }
}
