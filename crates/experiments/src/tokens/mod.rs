//! `workbench tokens`: the CPU time of one token operation per algorithm, through
//! jsonwebtoken and as the raw primitive, timed in-process with the kernels the criterion
//! bench runs (`crates/token-costs`). The comparison suite uses it so the report can chart
//! verify costs without a bench build; `cargo bench --bench tokens` gives criterion's
//! statistics for the same kernels.

mod section;

use std::path::PathBuf;
use std::time::Duration;

use authbench_core::settings::SigningAlgorithm;
use results::Method;
use results::{OpCost, ResultsFile};

pub const SAMPLES: usize = 21;
pub const SAMPLE_TIME: Duration = Duration::from_millis(20);

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// Samples per operation; the median is kept.
    pub samples: usize,
    /// Length of each sample (and of the warm-up before them), e.g. 20ms.
    pub sample_time: Duration,
    /// Folder the results file is written to.
    pub out: PathBuf,
}

/// Runs the experiment, writes its results file into `out` and returns it.
pub async fn run(args: Options) -> anyhow::Result<ResultsFile> {
    let mut method = Method::new("tokens");
    method.modes = vec!["in-process".into()];
    method.duration_ms = args.sample_time.as_millis() as u64 * args.samples as u64;
    let mut file = ResultsFile::new(method);
    if cfg!(debug_assertions) {
        file.notes
            .push("measured with a debug build: not comparable with release figures".into());
    }
    file.notes.push(format!(
        "each operation: {} ms warm-up, then {} samples of about {} ms each; median per call, \
         with the fastest and slowest sample as the spread; one thread, the machine otherwise idle",
        args.sample_time.as_millis(),
        args.samples,
        args.sample_time.as_millis()
    ));
    let (samples, sample_time) = (args.samples, args.sample_time);
    // The kernels hold keys and closures that stay on one thread.
    let costs = tokio::task::spawn_blocking(move || measure_all(samples, sample_time)).await?;
    file.costs = costs;
    let path = file.write(&args.out)?;
    println!("results: {}", path.display());
    Ok(file)
}

fn measure_all(samples: usize, sample_time: Duration) -> Vec<OpCost> {
    let mut costs = Vec::new();
    let kernels: Vec<token_costs::Kernel> = SigningAlgorithm::ALL
        .into_iter()
        .flat_map(token_costs::kernels)
        .collect();
    let count = kernels.len();
    for (done, mut kernel) in kernels.into_iter().enumerate() {
        let alg = kernel.algorithm;
        {
            let timing = token_costs::sample(&mut kernel.run, samples, sample_time);
            println!(
                "[{:>2}/{count}] {alg:<6} {:<22} {:>10.2} µs  ({:.2}-{:.2})",
                done + 1,
                kernel.op.name(),
                timing.median_ns / 1000.0,
                timing.min_ns / 1000.0,
                timing.max_ns / 1000.0
            );
            costs.push(OpCost {
                algorithm: alg.to_string(),
                op: kernel.op.name().to_string(),
                median_ns: timing.median_ns,
                low_ns: timing.min_ns,
                high_ns: timing.max_ns,
                source: "workbench tokens".into(),
            });
        }
    }
    costs
}

/// `workbench tokens` in the registry.
pub struct Tokens;

impl crate::experiment::Experiment for Tokens {
    fn name(&self) -> &'static str {
        "tokens"
    }

    fn step(&self) -> Option<&'static str> {
        Some("token verification cost per algorithm (in-process)")
    }

    fn compare<'a>(&'a self, plan: &'a crate::experiment::Compare) -> crate::experiment::Step<'a> {
        Box::pin(async move {
            run(Options {
                samples: SAMPLES,
                sample_time: SAMPLE_TIME,
                out: plan.results.clone(),
            })
            .await
            .map(drop)
        })
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::Sections)
    }
}

/// criterion's token benchmarks (`cargo bench --bench tokens`), read by `workbench report
/// --criterion` into `criterion.json`: an input, not an experiment. Its section is drawn by
/// [`Tokens`]' part, beside the workbench's own figures.
pub struct Criterion;

impl crate::experiment::Experiment for Criterion {
    fn name(&self) -> &'static str {
        report::criterion::NAME
    }

    fn kind(&self) -> crate::experiment::Kind {
        crate::experiment::Kind::Input
    }
}
