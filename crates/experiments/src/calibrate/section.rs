//! The calibration in the report: the generator's maximum beside wrk's against the same
//! endpoint, and what the ratio means for the maxima above it (no chart).

use report::{Contribution, Part, Section, Suite};
use results::ResultsFile;
use results::units::{number, show_us};

/// The calibration's section, "The load generator beside wrk".
pub struct Sections;

impl Part for Sections {
    fn files(&self) -> &'static [&'static str] {
        &["calibrate"]
    }

    fn plan(&self, suite: &Suite) -> Contribution {
        let mut out = Contribution::default();
        if let Some(file) = suite.get("calibrate") {
            out.sections.push(Section {
                heading: "The load generator beside wrk".into(),
                chart: None,
                reading: vec![read_calibration(file)],
            });
        }
        out
    }
}

fn read_calibration(file: &ResultsFile) -> String {
    let ours: Vec<f64> = file.runs.iter().map(|r| r.result.throughput_rps).collect();
    let Some(c) = &file.calibration else {
        return "The calibration file holds no wrk figures.".into();
    };
    format!(
        "Against the baseline endpoint, in the same run: our generator {} req/s (best of \
         {} runs: {}), wrk {} req/s with the same connections. Ratio {:.2}. p50/p99: wrk \
         {}/{}. {}",
        number(ours.iter().copied().fold(0.0, f64::max)),
        ours.len(),
        ours.iter().map(|r| number(*r)).collect::<Vec<_>>().join(", "),
        number(c.wrk.requests_per_sec),
        c.ratio,
        show_us(c.wrk.p50_us),
        show_us(c.wrk.p99_us),
        if c.ratio >= 0.9 {
            "Within 10 % of wrk: the generator is not what limits the maxima above.".to_string()
        } else {
            format!(
                "wrk got {:.2}× as much from the same server: on these shared cores the \
                 generator's own CPU is part of what limits the maxima above. It weighs \
                 most on the cheapest flows (the baseline above all, see the CPU chart), \
                 so the ratios to the baseline are, if anything, closer to 1 than a \
                 separate load machine would show.",
                1.0 / c.ratio
            )
        }
    )
}
