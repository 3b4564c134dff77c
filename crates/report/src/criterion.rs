//! Reads the token benchmarks' results from criterion's output folder
//! (`target/criterion` after `cargo bench --bench tokens`) into per-operation costs.

use std::path::Path;

use anyhow::Context;
use results::OpCost;
use serde::Deserialize;

/// The name criterion's costs go by in a report (`criterion.json`).
pub const NAME: &str = "criterion";

#[derive(Deserialize)]
struct Benchmark {
    group_id: String,
    function_id: Option<String>,
}

#[derive(Deserialize)]
struct Estimates {
    median: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

/// Every `jwt/<alg>/<op>` benchmark under `dir`, with criterion's median and the 95 %
/// confidence interval of the median.
pub fn read(dir: &Path) -> anyhow::Result<Vec<OpCost>> {
    let mut costs = Vec::new();
    let groups = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read criterion's folder {}", dir.display()))?;
    for group in groups.flatten() {
        let Ok(functions) = std::fs::read_dir(group.path()) else {
            continue;
        };
        for function in functions.flatten() {
            let new = function.path().join("new");
            let (Ok(benchmark), Ok(estimates)) = (
                std::fs::read_to_string(new.join("benchmark.json")),
                std::fs::read_to_string(new.join("estimates.json")),
            ) else {
                continue;
            };
            let benchmark: Benchmark = serde_json::from_str(&benchmark)
                .with_context(|| format!("{}: not criterion's benchmark.json", new.display()))?;
            let Some(algorithm) = benchmark.group_id.strip_prefix("jwt/") else {
                continue;
            };
            let Some(op) = benchmark.function_id else {
                continue;
            };
            let estimates: Estimates = serde_json::from_str(&estimates)
                .with_context(|| format!("{}: not criterion's estimates.json", new.display()))?;
            costs.push(OpCost {
                algorithm: algorithm.to_string(),
                op,
                median_ns: estimates.median.point_estimate,
                low_ns: estimates.median.confidence_interval.lower_bound,
                high_ns: estimates.median.confidence_interval.upper_bound,
                source: "criterion".into(),
            });
        }
    }
    anyhow::ensure!(
        !costs.is_empty(),
        "{} holds no jwt/<alg> benchmarks: run `cargo bench --bench tokens` first",
        dir.display()
    );
    // Algorithms in the workbench's usual order, operations in the kernels' order.
    let rank = |alg: &str| {
        ["HS256", "EdDSA", "ES256", "RS256"]
            .iter()
            .position(|a| *a == alg)
    };
    let op_rank = |op: &str| token_costs::Op::parse(op).map(|o| o as usize);
    costs.sort_by_key(|c| (rank(&c.algorithm), op_rank(&c.op)));
    Ok(costs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, group: &str, function: &str, median: f64) {
        let new = dir.join(group.replace('/', "_")).join(function).join("new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            format!(r#"{{"group_id":"{group}","function_id":"{function}","value_str":null,"throughput":null,"full_id":"{group}/{function}","directory_name":"x","title":"{group}/{function}"}}"#),
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            format!(
                r#"{{"mean":{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":2.0}},"point_estimate":1.5,"standard_error":0.1}},"median":{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":{lo},"upper_bound":{hi}}},"point_estimate":{median},"standard_error":0.1}}}}"#,
                lo = median - 10.0,
                hi = median + 10.0
            ),
        )
        .unwrap();
    }

    #[test]
    fn criterion_medians_are_read_for_jwt_groups_only() {
        let dir = std::env::temp_dir().join(format!("authbench-criterion-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write(&dir, "jwt/RS256", "verify", 23_900.0);
        write(&dir, "jwt/HS256", "raw_verify", 400.0);
        write(&dir, "jwt/HS256", "verify", 3_070.0);
        write(&dir, "session", "new_id", 90.0);
        let costs = read(&dir).unwrap();
        let got: Vec<(&str, &str, f64)> = costs
            .iter()
            .map(|c| (c.algorithm.as_str(), c.op.as_str(), c.median_ns))
            .collect();
        assert_eq!(
            got,
            [
                ("HS256", "verify", 3_070.0),
                ("HS256", "raw_verify", 400.0),
                ("RS256", "verify", 23_900.0)
            ]
        );
        assert_eq!((costs[0].low_ns, costs[0].high_ns), (3_060.0, 3_080.0));
        assert!(costs.iter().all(|c| c.source == "criterion"));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(read(&dir).is_err());
    }
}
