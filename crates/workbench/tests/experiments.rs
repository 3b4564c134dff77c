//! The experiments as a user runs them, shortened: every flow's servers start as their own
//! processes, every virtual user logs in, and the results file holds the run, the CPU per
//! tier and the method.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn workbench(args: &[&str], out: &Path) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_workbench"))
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .expect("workbench runs");
    assert!(
        output.status.success(),
        "workbench {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let experiment = args[0];
    let text = std::fs::read_to_string(out.join(format!("{experiment}.json"))).expect("a results file");
    serde_json::from_str(&text).expect("valid JSON")
}

fn tier<'a>(run: &'a Value, name: &str) -> Option<&'a Value> {
    run["cpu"].as_array().unwrap().iter().find(|t| t["name"] == name)
}

const SHORT: [&str; 6] = ["--warmup", "200ms", "--duration", "500ms", "--connections", "4"];

#[test]
fn throughput_measures_each_flow_through_its_own_processes_with_cpu_per_tier() {
    let out = tempdir();
    let mut args = vec![
        "throughput",
        "--flows",
        "baseline,session,session-redis,jwt-es256",
    ];
    args.extend(SHORT);
    let file = workbench(&args, &out);

    assert_eq!(file["schema"], "authbench.results/1");
    let method = &file["method"];
    assert_eq!(method["experiment"], "throughput");
    assert_eq!(method["connections"], 4);
    assert_eq!(method["duration_ms"], 500);
    assert!(method["machine"]["cores"].as_u64().unwrap() >= 1);
    assert!(
        method["crate_versions"]["jsonwebtoken"]
            .as_str()
            .unwrap()
            .starts_with("11.")
    );
    assert!(!method["started_at"].as_str().unwrap().is_empty());

    let runs = file["runs"].as_array().unwrap();
    let flows: Vec<&str> = runs.iter().map(|r| r["flow"].as_str().unwrap()).collect();
    assert_eq!(flows, ["baseline", "session", "session-redis", "jwt-es256"]);
    for run in runs {
        let result = &run["result"];
        let responses = result["responses"].as_u64().unwrap();
        assert!(responses > 0, "{}", run["flow"]);
        // Every virtual user logged in through the flow, so every call is accepted.
        assert_eq!(
            result["success"], responses,
            "{}: {}",
            run["flow"], result["statuses"]
        );
        assert_eq!(result["mode"], "closed");
        assert!(result["latency"]["p50_us"].as_u64().unwrap() > 0);
        // The API server and the generator are always metered, and they did work.
        for name in ["api", "generator"] {
            let cpu = tier(run, name).unwrap_or_else(|| panic!("{}: no {name} tier", run["flow"]));
            assert!(cpu["cpu_ms"].as_f64().is_some(), "{}: {name}", run["flow"]);
        }
        assert!(run["cpu_us_per_request"]["total"].as_f64().unwrap() > 0.0);
    }
    // The session flows meter the session auth server and Redis; the JWT flow its auth
    // server; the baseline neither.
    assert!(tier(&runs[0], "session-auth").is_none() && tier(&runs[0], "redis").is_none());
    assert!(tier(&runs[1], "session-auth").is_some() && tier(&runs[1], "redis").is_some());
    assert!(tier(&runs[3], "jwt-auth").is_some() && tier(&runs[3], "redis").is_none());
    // In the session flow the auth server works on every request.
    assert!(
        tier(&runs[1], "session-auth").unwrap()["cpu_ms"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

#[test]
fn latency_runs_open_loop_at_fractions_of_the_measured_maximum_and_at_common_rates() {
    let out = tempdir();
    let mut args = vec![
        "latency",
        "--flows",
        "jwt-hs256",
        "--fractions",
        "20,40",
        "--common-rates",
        "2",
    ];
    args.extend(SHORT);
    let file = workbench(&args, &out);

    let runs = file["runs"].as_array().unwrap();
    let labels: Vec<&str> = runs.iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(labels.len(), 5, "{labels:?}");
    assert_eq!(labels[..3], ["max", "20%", "40%"]);
    let max = runs[0]["result"]["throughput_rps"].as_f64().unwrap();
    // The common rates: the highest at 90 % of the slowest (here the only) flow's maximum,
    // the one below it half that, each to two significant digits.
    let common: Vec<f64> = runs[3..]
        .iter()
        .map(|r| r["target_rate"].as_f64().unwrap())
        .collect();
    assert!(
        (common[1] - max * 0.9).abs() <= max * 0.9 * 0.05 + 1.0,
        "{common:?} vs {max}"
    );
    assert!(
        (common[0] * 2.0 - common[1]).abs() <= common[1] * 0.1 + 1.0,
        "{common:?}"
    );
    assert!(
        labels[3].ends_with("/s") && labels[4].ends_with("/s"),
        "{labels:?}"
    );
    // Where everything ran, read back from the kernel: on a machine with two CPUs or more
    // the generator and the servers are kept apart.
    let placement = &file["method"]["placement"];
    let generator: Vec<u64> = placement["generator"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    let servers: Vec<u64> = placement["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    let cpus = std::thread::available_parallelism().unwrap().get();
    if cpus >= 2 {
        assert!(!generator.is_empty() && !servers.is_empty(), "{placement}");
        // A kernel CPU list (`0-2,5`) as CPUs.
        let cpus_of = |list: &Value| -> Vec<u64> {
            let mut cpus = Vec::new();
            for part in list.as_str().unwrap().split(',') {
                match part.split_once('-') {
                    Some((a, b)) => cpus.extend(a.parse::<u64>().unwrap()..=b.parse::<u64>().unwrap()),
                    None => cpus.push(part.parse::<u64>().unwrap()),
                }
            }
            cpus
        };
        for run in runs {
            let read_back = &run["cpus"];
            assert_eq!(cpus_of(&read_back["api"]), servers, "{read_back}");
            assert_eq!(cpus_of(&read_back["generator"]), generator, "{read_back}");
            assert!(run["result"]["generator"]["pinned"].as_bool().unwrap());
        }
    }
    for (run, fraction) in runs[1..3].iter().zip([0.2, 0.4]) {
        let rate = run["target_rate"].as_f64().unwrap();
        assert!(
            (rate - max * fraction).abs() < 1.0,
            "{rate} vs {max} x {fraction}"
        );
        let schedule = &run["result"]["schedule"];
        assert_eq!(run["result"]["mode"], "open");
        assert!(schedule["intended"].as_u64().unwrap() > 0);
        assert!(!run["result"]["timeline"].as_array().unwrap().is_empty());
    }
}

#[test]
fn calibrate_runs_wrk_and_the_generator_against_the_same_endpoint() {
    let out = tempdir();
    let mut args = vec!["calibrate", "--wrk-threads", "1"];
    args.extend(["--warmup", "200ms", "--duration", "1s", "--connections", "4"]);
    let file = workbench(&args, &out);

    let runs = file["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r["flow"] == "baseline"));
    let calibration = &file["calibration"];
    assert!(calibration["wrk"]["requests_per_sec"].as_f64().unwrap() > 0.0);
    assert!(calibration["ratio"].as_f64().unwrap() > 0.0);
}

#[test]
fn compare_runs_the_suite_in_rounds_and_writes_the_report_beside_its_results() {
    let report = tempdir().join("report");
    let output = Command::new(env!("CARGO_BIN_EXE_workbench"))
        .args([
            "compare",
            "--flows",
            "baseline,session,jwt-hs256",
            "--rounds",
            "2",
        ])
        .args(["--fractions", "50", "--warmup", "100ms", "--duration", "300ms"])
        .args([
            "--connections",
            "2",
            "--no-scale",
            "--no-faults",
            "--skip",
            "failover",
            "--no-revocation",
            "--link-delays",
            "0,1ms",
            "--out",
        ])
        .arg(&report)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "compare failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let read = |name: &str| -> Value {
        let path = report.join("results").join(format!("{name}.json"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    };

    // Throughput: two rounds, interleaved over the flows.
    let throughput = read("throughput");
    assert_eq!(throughput["method"]["rounds"], 2);
    let runs = throughput["runs"].as_array().unwrap();
    let order: Vec<(String, u64)> = runs
        .iter()
        .map(|r| {
            (
                r["flow"].as_str().unwrap().to_string(),
                r["round"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, u64)> = [1, 2]
        .into_iter()
        .flat_map(|round| ["baseline", "session", "jwt-hs256"].map(|f| (f.to_string(), round)))
        .collect();
    assert_eq!(order, expected);

    // Latency: at half of each flow's median maximum, taken from the throughput file.
    let latency = read("latency");
    let runs_at_shares: Vec<&Value> = latency["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["label"].as_str().unwrap().ends_with('%'))
        .collect();
    assert_eq!(runs_at_shares.len(), 3);
    // Every flow also ran at the common rates, the same for all.
    let common: Vec<&Value> = latency["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["label"].as_str().unwrap().ends_with("/s"))
        .collect();
    assert_eq!(common.len(), 3 * 5);
    for run in runs_at_shares {
        assert_eq!(run["label"], "50%");
        let rates: Vec<f64> = runs
            .iter()
            .filter(|r| r["flow"] == run["flow"])
            .map(|r| r["result"]["throughput_rps"].as_f64().unwrap())
            .collect();
        let median = (rates[0] + rates[1]) / 2.0;
        let rate = run["target_rate"].as_f64().unwrap();
        assert!(
            (rate - median / 2.0).abs() < 1.0,
            "{}: {rate} vs {median}",
            run["flow"]
        );
    }

    // The link pass: the session flows at two delays (the baseline is not in it).
    let links = read("links");
    let delays: Vec<(String, u64)> = links["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["flow"].as_str().unwrap().to_string(),
                r["topology"]["link_delay_us"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        delays,
        [
            ("session".to_string(), 0),
            ("jwt-hs256".to_string(), 0),
            ("session".to_string(), 1000),
            ("jwt-hs256".to_string(), 1000)
        ]
    );

    // The logins of the flows that have one (not the baseline), and the JWT refresh.
    let logins: Vec<(String, String)> = read("logins")["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["flow"].as_str().unwrap().to_string(),
                r["label"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        logins,
        [
            ("session".to_string(), "login".to_string()),
            ("jwt-hs256".to_string(), "login".to_string()),
            ("jwt-hs256".to_string(), "refresh".to_string())
        ]
    );

    // Calibration and token costs ran too.
    assert!(read("calibrate")["calibration"]["ratio"].as_f64().unwrap() > 0.0);
    let costs = read("tokens")["costs"].as_array().unwrap().clone();
    assert!(
        costs
            .iter()
            .any(|c| c["algorithm"] == "RS256" && c["op"] == "verify")
    );
    assert!(costs.iter().all(|c| c["median_ns"].as_f64().unwrap() > 0.0));

    // The report sits beside them, with its charts.
    let readme = std::fs::read_to_string(report.join("README.md")).unwrap();
    for chart in [
        "throughput",
        "cpu-per-request",
        "note-steps",
        "latency-50",
        "link-delay",
        "login-cost",
        "refresh-cost",
        "token-verify",
    ] {
        assert!(readme.contains(&format!("charts/{chart}.png")), "{chart}");
        assert!(
            report.join("charts").join(format!("{chart}.png")).exists(),
            "{chart}"
        );
    }
}

#[test]
fn scale_runs_replicas_under_cpu_quotas_read_back_from_the_cgroup_files() {
    let out = tempdir();
    let args = [
        "scale",
        "--flows",
        "session,jwt-hs256",
        "--replicas",
        "1,2",
        "--scenarios",
        "api,api+auth",
        "--warmup",
        "200ms",
        "--duration",
        "500ms",
        "--connections",
        "4",
    ];
    let file = workbench(&args, &out);
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let limited = file["method"]["cpu_limits"]
        .as_str()
        .unwrap()
        .starts_with("0.1 CPU");
    if root {
        // CI runs as root on a machine with a writable cgroup CPU controller.
        assert!(limited, "{}", file["method"]["cpu_limits"]);
    }

    let runs = file["runs"].as_array().unwrap();
    // session: api at 1 and 2, api+auth at 1 and 2; jwt-hs256: api at 1 and 2; a closed and
    // an open run each.
    let points: Vec<(&str, &str, u64, u64, &str)> = runs
        .iter()
        .map(|r| {
            (
                r["flow"].as_str().unwrap(),
                r["scenario"].as_str().unwrap(),
                r["topology"]["api_replicas"].as_u64().unwrap(),
                r["topology"]["auth_servers"].as_u64().unwrap(),
                r["label"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(points.len(), 12);
    assert!(points.contains(&("session", "api+auth", 2, 2, "max")));
    assert!(points.contains(&("session", "api", 2, 1, "open")));
    assert!(points.contains(&("jwt-hs256", "api", 2, 1, "max")));
    assert!(!points.iter().any(|p| p.0 == "jwt-hs256" && p.1 == "api+auth"));

    for run in runs {
        let result = &run["result"];
        assert_eq!(result["success"], result["responses"], "{}", run["flow"]);
        assert!(result["responses"].as_u64().unwrap() > 0);
        // The load spread over every replica.
        let replicas = run["topology"]["api_replicas"].as_u64().unwrap() as usize;
        assert_eq!(result["targets"].as_array().unwrap().len(), replicas);
        assert!(run["utilisation"]["api"].as_f64().unwrap() > 0.0);
        if limited {
            // One group per API replica and per auth server, plus Redis, each read back from
            // its cgroup files as 0.1 CPU per 10 ms.
            let limits = run["limits"].as_array().unwrap();
            let names: Vec<&str> = limits.iter().map(|l| l["name"].as_str().unwrap()).collect();
            for i in 0..replicas {
                assert!(names.contains(&format!("api-{i}").as_str()), "{names:?}");
            }
            assert!(names.contains(&"redis") && names.contains(&"auth-0"), "{names:?}");
            for limit in limits {
                assert!((limit["cpus"].as_f64().unwrap() - 0.1).abs() < 1e-9, "{limit}");
                assert_eq!(limit["period_us"], 10_000);
            }
            // At the maximum, every API replica hit its quota.
            if run["label"] == "max" {
                for limit in limits
                    .iter()
                    .filter(|l| l["name"].as_str().unwrap().starts_with("api-"))
                {
                    assert!(limit["throttled_periods"].as_u64().unwrap() > 0, "{limit}");
                }
            }
        }
    }
    // Both models for each series.
    let models = file["models"].as_array().unwrap();
    let series: Vec<(&str, &str)> = models
        .iter()
        .map(|m| (m["flow"].as_str().unwrap(), m["scenario"].as_str().unwrap()))
        .collect();
    assert_eq!(
        series,
        [("session", "api"), ("session", "api+auth"), ("jwt-hs256", "api")]
    );
    for model in models {
        assert_eq!(model["points"].as_array().unwrap().len(), 2);
        assert!(model["capacity_error"].as_f64().is_some());
        let far = model["extrapolated"].as_array().unwrap();
        assert_eq!(far.last().unwrap()["replicas"], 64);
    }
    // Nothing of ours is left in the cgroup tree.
    for hierarchy in ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup"] {
        if let Ok(entries) = std::fs::read_dir(hierarchy) {
            let left: Vec<String> = entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.starts_with("authbench-"))
                .collect();
            assert!(left.is_empty(), "left behind in {hierarchy}: {left:?}");
        }
    }
}

#[test]
fn the_api_key_flow_scales_against_one_postgresql_held_to_a_server_quota_with_its_backends() {
    let out = tempdir();
    let args = [
        "scale",
        "--flows",
        "api-key",
        "--replicas",
        "1,2",
        "--scenarios",
        "api",
        "--warmup",
        "300ms",
        "--duration",
        "1s",
        "--connections",
        "8",
    ];
    let file = workbench(&args, &out);
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let cpu_limits = file["method"]["cpu_limits"].as_str().unwrap();
    let limited = cpu_limits.starts_with("0.1 CPU");
    if root {
        assert!(limited, "{cpu_limits}");
    }
    assert!(cpu_limits.contains("PostgreSQL"), "{cpu_limits}");
    let runs = file["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    let mut postgres_ms = 0.0;
    for run in runs {
        assert_eq!(run["flow"], "api-key");
        let result = &run["result"];
        assert_eq!(result["success"], result["responses"], "{result}");
        assert!(result["responses"].as_u64().unwrap() > 0);
        // PostgreSQL is metered as a tier of its own: the postmaster and its backends.
        let postgres = run["cpu"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "postgres")
            .unwrap_or_else(|| panic!("no postgres tier in {}", run["cpu"]));
        assert!(postgres["pids"].as_array().unwrap().len() > 1, "{postgres}");
        // Read in every run; /proc counts whole 10 ms ticks per process, so a light open-loop
        // run may add none: the sum over the runs is what must be above zero.
        postgres_ms += postgres["cpu_ms"]
            .as_f64()
            .unwrap_or_else(|| panic!("{postgres}"));
        if limited {
            let limits = run["limits"].as_array().unwrap();
            let group = limits
                .iter()
                .find(|l| l["name"] == "postgres")
                .unwrap_or_else(|| panic!("no postgres group in {limits:?}"));
            assert!((group["cpus"].as_f64().unwrap() - 0.1).abs() < 1e-9, "{group}");
            // The postmaster and, with it, the backends the warm-up opened.
            assert!(group["pids"].as_array().unwrap().len() > 1, "{group}");
            assert!(
                run["utilisation"]["postgres"].as_f64().is_some(),
                "{}",
                run["utilisation"]
            );
        }
    }
    assert!(
        postgres_ms > 0.0,
        "PostgreSQL's CPU over the runs: {postgres_ms} ms"
    );
    let model = &file["models"][0];
    assert_eq!(model["flow"], "api-key");
    let extrapolated = model["extrapolated"].as_array().unwrap();
    assert_eq!(extrapolated.last().unwrap()["replicas"], 64);
}

#[test]
fn the_store_scale_out_grows_redis_cluster_shards_each_with_its_quota_servers_and_users() {
    let out = tempdir();
    let args = [
        "scale",
        "--flows",
        "session",
        "--scenarios",
        "api+auth+redis",
        "--shards",
        "1,2",
        "--warmup",
        "200ms",
        "--duration",
        "500ms",
        "--connections",
        "4",
    ];
    let file = workbench(&args, &out);
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let cpu_limits = file["method"]["cpu_limits"].as_str().unwrap();
    if root {
        assert!(
            cpu_limits.contains("0.02 CPU per Redis shard, 50 ms period"),
            "{cpu_limits}"
        );
    }
    let runs = file["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4, "a closed and an open run at 1 and 2 shards");
    for run in runs {
        assert_eq!(run["scenario"], "api+auth+redis");
        let shards = run["topology"]["shards"].as_u64().unwrap_or(1) as usize;
        // Two API replicas and two auth servers per shard, four virtual users per shard.
        assert_eq!(run["topology"]["api_replicas"], 2 * shards as u64);
        assert_eq!(run["topology"]["auth_servers"], 2 * shards as u64);
        let result = &run["result"];
        assert_eq!(result["success"], result["responses"]);
        assert!(result["responses"].as_u64().unwrap() > 0);
        // Every shard is metered as the Redis tier.
        let redis = run["cpu"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "redis")
            .expect("the shards are metered");
        assert_eq!(redis["pids"].as_array().unwrap().len(), shards);
        if root {
            let limits = run["limits"].as_array().unwrap();
            let shard_limits: Vec<&serde_json::Value> = limits
                .iter()
                .filter(|l| l["name"].as_str().unwrap().starts_with("redis-"))
                .collect();
            assert_eq!(shard_limits.len(), shards);
            for limit in limits {
                let want = if limit["name"].as_str().unwrap().starts_with("redis-") {
                    0.02
                } else {
                    0.05
                };
                assert!((limit["cpus"].as_f64().unwrap() - want).abs() < 1e-9, "{limit}");
                assert_eq!(limit["period_us"], 50_000);
            }
        }
    }
    let model = &file["models"][0];
    assert_eq!(model["scenario"], "api+auth+redis");
    let sizes: Vec<u64> = model["efficiency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[0].as_u64().unwrap())
        .collect();
    assert_eq!(sizes, [1, 2], "efficiency is counted in shards");
    let far = model["extrapolated"].as_array().unwrap();
    assert_eq!(far.last().unwrap()["shards"], 64);
    assert_eq!(far.last().unwrap()["replicas"], 128);
}

#[test]
fn a_link_delay_slows_the_session_flow_and_not_the_jwt_flow() {
    let out = tempdir();
    let args = [
        "latency",
        "--flows",
        "session,jwt-hs256",
        "--fractions",
        "5",
        "--common-rates",
        "0",
        // The tests run side by side: with placement every one's servers would share one
        // CPU, and the loopback median below would be theirs, not the flow's.
        "--generator-cpus",
        "off",
        "--link-delay",
        "0,2ms",
        "--warmup",
        "200ms",
        "--duration",
        "1s",
        "--connections",
        "4",
    ];
    let file = workbench(&args, &out);
    assert!(file["method"]["link_delay"].as_str().unwrap().contains("2.00ms"));
    let p50 = |flow: &str, delay: u64| {
        file["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["flow"] == flow && r["label"] == "5%" && r["topology"]["link_delay_us"] == delay)
            .map(|r| r["result"]["latency"]["p50_us"].as_u64().unwrap())
            .unwrap_or_else(|| panic!("no {flow} run at {delay} µs"))
    };
    // A session check crosses a link four times one way (API→auth→Redis and back), so at
    // 2 ms per crossing no session request can take less than 8 ms: a floor, whatever else
    // runs on the machine. The JWT check crosses none; had it crossed even one link both
    // ways, its median would be 4 ms or more.
    let session = p50("session", 2000);
    let jwt = p50("jwt-hs256", 2000);
    assert!(session >= 8000, "session p50 {session} µs with 2 ms per link");
    assert!(jwt < 4000, "jwt p50 {jwt} µs with 2 ms per link");
    // And it is the links that add it: the same flow on loopback is at least half the
    // added 8 ms faster (a debug build on a busy machine may itself take a few ms).
    assert!(
        p50("session", 0) + 4000 <= session,
        "session p50 {} µs on loopback, {session} µs with 2 ms per link",
        p50("session", 0)
    );
}

#[test]
fn while_redis_is_away_session_flows_answer_503_and_recover_and_jwt_sees_nothing() {
    let out = tempdir();
    let args = [
        "faults",
        "--rate",
        "20",
        "--before",
        "500ms",
        "--outage",
        "1500ms",
        "--after",
        "1500ms",
        "--warmup",
        "200ms",
        "--connections",
        "16",
        "--dependencies",
        "redis,session-auth",
    ];
    let file = workbench(&args, &out);
    let summaries = file["faults"].as_array().unwrap();
    let find = |flow: &str, dependency: &str| {
        summaries
            .iter()
            .find(|s| s["flow"] == flow && s["dependency"] == dependency)
            .unwrap_or_else(|| panic!("no summary for {flow} with {dependency} away"))
    };
    for summary in summaries {
        // Never a 500, never a hang, whatever is away.
        assert_eq!(summary["other_5xx"], 0, "{summary}");
        assert_eq!(summary["hung"], 0, "{summary}");
    }
    // Redis away: both session flows fail with 503, within the 1 s dependency timeout
    // (from sending), and recover within 2 s of its return.
    for flow in ["session", "session-redis"] {
        let s = find(flow, "redis");
        assert!(s["answers_503"].as_u64().unwrap() > 0, "{s}");
        assert!(
            s["max_service_in_outage_us"].as_u64().unwrap() <= 1_200_000,
            "{s}"
        );
        assert!(s["time_to_recover_ms"].as_u64().unwrap() <= 2000, "{s}");
    }
    // The session auth server away: only the session flow notices.
    assert!(find("session", "session-auth")["answers_503"].as_u64().unwrap() > 0);
    for (flow, dependency) in [
        ("jwt-hs256", "redis"),
        ("jwt-hs256", "session-auth"),
        ("session-redis", "session-auth"),
    ] {
        let s = find(flow, dependency);
        assert!(s["time_to_fail_ms"].is_null(), "{s}");
        assert_eq!(s["answers_503"], 0, "{s}");
        assert_eq!(s["no_answer"], 0, "{s}");
    }
}

#[test]
fn a_primary_kill_with_wait_and_a_restart_with_aof_lose_no_acknowledged_write_and_a_restart_without_loses_them()
 {
    let out = tempdir();
    let args = [
        "failover",
        "--rate",
        "20",
        "--before",
        "2s",
        "--after",
        "5s",
        "--warmup",
        "200ms",
        "--connections",
        "8",
        "--trials",
        "kill-wait,restart-aof,restart",
    ];
    let file = workbench(&args, &out);
    let trials = file["failover"]["trials"].as_array().unwrap();
    let trial = |label: &str| {
        trials
            .iter()
            .find(|t| t["label"] == label)
            .unwrap_or_else(|| panic!("no trial {label}"))
    };
    let count = |t: &Value, kind: &str, field: &str| {
        t["writes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} writes in {t}"))[field]
            .as_u64()
            .unwrap()
    };
    const KINDS: [&str; 5] = [
        "session login",
        "session logout",
        "access-token revocation",
        "refresh-family revocation",
        "role change",
    ];
    for label in ["primary killed, WAIT 1", "restart, AOF everysec"] {
        let t = trial(label);
        assert!(t["back_after_ms"].is_u64(), "the store came back: {t}");
        for kind in KINDS {
            assert!(
                count(t, kind, "acknowledged") > 0,
                "{label}: no {kind} was acknowledged"
            );
            assert_eq!(count(t, kind, "lost"), 0, "{label}: {kind} lost: {t}");
            assert_eq!(count(t, kind, "unchecked"), 0, "{label}: {kind} unchecked: {t}");
        }
    }
    // Without persistence a restart forgets the sessions and revocations made before it:
    // the count sees them go.
    let forgetful = trial("restart, no persistence");
    assert!(count(forgetful, "session login", "lost") > 0, "{forgetful}");
    assert!(
        count(forgetful, "access-token revocation", "lost") > 0,
        "{forgetful}"
    );
    assert!(count(forgetful, "role change", "lost") > 0, "{forgetful}");

    let summaries = file["faults"].as_array().unwrap();
    for s in summaries {
        assert_eq!(s["other_5xx"], 0, "{s}");
        assert_eq!(s["hung"], 0, "{s}");
        if s["flow"] == "jwt-hs256" {
            // The self-contained token needs no store.
            assert!(s["time_to_fail_ms"].is_null(), "{s}");
            assert_eq!(s["answers_503"], 0, "{s}");
        }
    }
    // The session flows answered again once Sentinel promoted a replica, without a restart.
    let killed: Vec<&Value> = summaries
        .iter()
        .filter(|s| s["dependency"] == "primary killed, WAIT 1" && s["flow"] == "session")
        .collect();
    assert_eq!(killed.len(), 1);
    assert!(killed[0]["answers_503"].as_u64().unwrap() > 0, "{}", killed[0]);
    assert!(killed[0]["time_to_recover_ms"].is_u64(), "{}", killed[0]);
}

#[test]
fn state_measures_bytes_per_session_token_sizes_and_the_real_credential_limit() {
    let out = tempdir();
    let file = workbench(
        &[
            "state",
            "--sessions",
            "200,2000",
            "--roles",
            "0,8,64",
            "--api-keys",
            "500,2000",
        ],
        &out,
    );
    let state = &file["state"];
    let sessions = state["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    for s in sessions {
        // A session hash with its key costs a few hundred bytes in Redis, not nothing and
        // not kilobytes.
        let per = s["bytes_per_session"].as_f64().unwrap();
        assert!((100.0..2000.0).contains(&per), "{s}");
    }
    // Tokens grow with their roles, for every algorithm, and pass 8 KB somewhere.
    let tokens = state["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 4 * 3);
    for alg in ["HS256", "EdDSA", "ES256", "RS256"] {
        let sizes: Vec<u64> = tokens
            .iter()
            .filter(|t| t["algorithm"] == alg)
            .map(|t| t["header_bytes"].as_u64().unwrap())
            .collect();
        assert!(sizes.windows(2).all(|w| w[0] < w[1]), "{alg}: {sizes:?}");
    }
    for pair in state["header_limit_roles"].as_array().unwrap() {
        let alg = pair[0].as_str().unwrap();
        let roles = pair[1]
            .as_u64()
            .unwrap_or_else(|| panic!("{alg} never passes 8 KB"));
        assert!((100..2000).contains(&roles), "{alg}: {roles}");
    }
    // The API server reads a credential of 8192 bytes as a token and refuses one byte more
    // with 431 (too large), with an RFC 6750 challenge each time.
    let probe = |len: u64| {
        state["limit_probe"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["credential_bytes"] == len)
            .unwrap_or_else(|| panic!("no probe at {len}"))
            .clone()
    };
    let at = probe(8192);
    assert_eq!(at["status"], 401);
    assert!(
        at["www_authenticate"].as_str().unwrap().contains("malformed"),
        "{at}"
    );
    // PostgreSQL's bytes per API key (table and indexes), at each count asked for: more
    // than the 32-byte hash alone, less than a kilobyte, and the table grows with the keys.
    let keys = state["api_keys"].as_array().unwrap();
    assert_eq!(
        keys.iter()
            .map(|k| k["rows"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [500, 2000]
    );
    for k in keys {
        let per = k["bytes_per_key"].as_f64().unwrap();
        assert!((32.0..1024.0).contains(&per), "{k}");
        assert!(k["bytes_per_user"].as_f64().unwrap() > 0.0, "{k}");
    }
    assert!(keys[1]["key_bytes"].as_u64() > keys[0]["key_bytes"].as_u64());
    let over = probe(8193);
    assert_eq!(over["status"], 431);
    assert!(
        over["www_authenticate"]
            .as_str()
            .unwrap()
            .contains("error=\"invalid_request\", error_description=\"the Authorization header's credential is longer than 8192"),
        "{over}"
    );
}

#[test]
fn logins_meter_the_password_hash_in_the_auth_server_and_a_refresh_signs_without_one() {
    let out = tempdir();
    let file = workbench(
        &[
            "logins",
            "--flows",
            "session,jwt-es256",
            "--warmup",
            "100ms",
            "--duration",
            "500ms",
            "--connections",
            "2",
            "--login-connections",
            "2",
        ],
        &out,
    );
    let runs = file["runs"].as_array().unwrap();
    let labels: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| (r["flow"].as_str().unwrap(), r["label"].as_str().unwrap()))
        .collect();
    assert_eq!(
        labels,
        [
            ("session", "login"),
            ("jwt-es256", "login"),
            ("jwt-es256", "refresh")
        ]
    );
    for run in runs {
        let result = &run["result"];
        assert_eq!(result["method"], "POST");
        assert!(result["success"].as_u64().unwrap() > 0, "{run}");
        assert_eq!(
            result["success"], result["responses"],
            "every login and refresh answered 2xx: {}",
            result["statuses"]
        );
    }
    let auth_us = |i: usize, tier: &str| runs[i]["cpu_us_per_request"][tier].as_f64().unwrap();
    // The argon2id hash (19 MiB, 2 passes) takes milliseconds; a refresh verifies one token
    // and signs another, which takes well under one.
    assert!(
        auth_us(0, "session-auth") > 1000.0,
        "{}",
        runs[0]["cpu_us_per_request"]
    );
    assert!(
        auth_us(1, "jwt-auth") > 1000.0,
        "{}",
        runs[1]["cpu_us_per_request"]
    );
    assert!(auth_us(2, "jwt-auth") < auth_us(1, "jwt-auth") / 5.0);
    assert_eq!(runs[0]["result"]["connections"], 2);
    assert_eq!(runs[0]["result"]["path"], "/login");
    assert_eq!(runs[2]["result"]["path"], "/refresh");
    assert!(
        file["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("argon2id hash (m=19456,t=2,p=1"))
    );
}

#[test]
fn an_unknown_flow_is_refused_with_the_choices() {
    let output = Command::new(env!("CARGO_BIN_EXE_workbench"))
        .args(["throughput", "--flows", "kerberos"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown flow `kerberos`"), "{stderr}");
    assert!(stderr.contains("session-redis"), "{stderr}");
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "authbench-experiments-{}",
        authbench_core::secret::random_id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn revocation_reaches_session_flows_and_the_denylist_at_once_the_cache_within_its_lifetime_and_plain_jwt_at_expiry()
 {
    let out = tempdir();
    let file = workbench(
        &[
            "revocation",
            "--lifetimes",
            "2",
            "--cache-ttls",
            "400ms",
            "--trials",
            "2",
            "--duration",
            "300ms",
            "--warmup",
            "100ms",
            "--connections",
            "2",
        ],
        &out,
    );

    let revocation = &file["revocation"];
    assert_eq!(revocation["seconds_per_minute"], 1);
    let arms = revocation["arms"].as_array().unwrap();
    let labels: Vec<&str> = arms.iter().map(|a| a["label"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        [
            "session",
            "session-redis",
            "session-cached (400 ms cache)",
            "jwt-denylist",
            "jwt-userdb",
            "api-key",
            "jwt-hs256 (2 min tokens)"
        ]
    );
    for arm in arms {
        let label = arm["label"].as_str().unwrap();
        let trials = arm["trials"].as_array().unwrap();
        assert_eq!(trials.len(), 4, "{label}: 2 logouts and 2 role removals");
        for t in trials {
            let case = format!("{label} {}", t["event"]);
            let lag = t["lag_ms"]
                .as_f64()
                .unwrap_or_else(|| panic!("{case}: never denied"));
            let bound = t["bound_ms"].as_f64().unwrap();
            assert_eq!(t["regranted"], false, "{case}");
            match label {
                // Not one request is granted after the revocation.
                "session" | "session-redis" | "jwt-denylist" | "jwt-userdb" | "api-key" => {
                    assert_eq!(t["granted_after"], 0, "{case}");
                    assert_eq!(bound, 0.0, "{case}");
                }
                // Granted from the cache for a while, never past its lifetime (plus the
                // call interval and a generous allowance for a loaded machine).
                "session-cached (400 ms cache)" => {
                    assert_eq!(bound, 400.0, "{case}");
                    assert!(lag <= bound + 1000.0, "{case}: {lag} ms");
                }
                // Plain JWT: accepted until the token expires, and not a moment less.
                _ => {
                    assert!(t["granted_after"].as_u64().unwrap() > 0, "{case}");
                    assert!(
                        lag >= bound - 15.0,
                        "{case}: denied after {lag} ms, {bound} ms before expiry"
                    );
                    assert!(lag <= bound + 1000.0, "{case}: {lag} ms against {bound} ms");
                }
            }
        }
    }
    assert_eq!(arms[6]["scale"], 60.0);

    // Each flow priced by its closed-loop maximum.
    let priced: Vec<&str> = file["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["flow"].as_str().unwrap())
        .collect();
    assert_eq!(
        priced,
        [
            "session",
            "session-redis",
            "session-cached-400ms",
            "jwt-denylist",
            "jwt-userdb",
            "api-key",
            "jwt-hs256"
        ]
    );
}

/// A Redis for a test to hand the workbench through `REDIS_URL`, started by the test.
async fn redis_for_redis_url() -> redis_locator::LocalRedis {
    let path = redis_locator::find_on_path("redis-server")
        .expect("these tests need redis-server on PATH (apt-get install redis-server)");
    redis_locator::start_process(&path)
        .await
        .expect("redis-server starts")
}

#[tokio::test]
async fn with_redis_url_set_an_experiment_still_meters_a_private_redis_server() {
    // Arrange: REDIS_URL names a Redis, and redis-server is on PATH.
    let given = redis_for_redis_url().await;
    let out = tempdir();

    // Act
    let mut args = vec!["throughput", "--flows", "session"];
    args.extend(SHORT);
    let output = Command::new(env!("CARGO_BIN_EXE_workbench"))
        .args(&args)
        .arg("--out")
        .arg(&out)
        .env("REDIS_URL", given.url())
        .env_remove("AUTHBENCH_REDIS")
        .output()
        .expect("workbench runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Assert: the run used (and says it used) its own redis-server, and metered it.
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("throughput.json")).unwrap()).unwrap();
    let redis = file["method"]["redis"].as_str().unwrap();
    assert!(
        redis.contains("a private redis-server started by the workbench"),
        "{redis}"
    );
    assert!(!redis.starts_with(given.url()), "{redis}");
    assert!(tier(&file["runs"][0], "redis").is_some());
}

#[tokio::test]
async fn without_redis_server_on_path_an_experiment_uses_redis_url_and_says_it_is_not_metered() {
    // Arrange: REDIS_URL names a Redis, and PATH holds no redis-server (nor anything else).
    let given = redis_for_redis_url().await;
    let out = tempdir();
    let empty_path = tempdir();

    // Act
    let mut args = vec!["throughput", "--flows", "session"];
    args.extend(SHORT);
    let output = Command::new(env!("CARGO_BIN_EXE_workbench"))
        .args(&args)
        .arg("--out")
        .arg(&out)
        .env("REDIS_URL", given.url())
        .env("PATH", &empty_path)
        .env_remove("AUTHBENCH_REDIS")
        .output()
        .expect("workbench runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Assert: the method names the given Redis and says its CPU time is not metered; the
    // run has no Redis tier instead of a wrong one.
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("throughput.json")).unwrap()).unwrap();
    let redis = file["method"]["redis"].as_str().unwrap();
    assert!(redis.starts_with(given.url()), "{redis}");
    assert!(
        redis.contains("REDIS_URL; its CPU time is not metered"),
        "{redis}"
    );
    let run = &file["runs"][0];
    assert_eq!(run["result"]["responses"], run["result"]["success"]);
    assert!(tier(run, "redis").is_none());
    assert!(tier(run, "session-auth").is_some());
}
