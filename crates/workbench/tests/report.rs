//! `workbench report` as a user runs it, on a small committed results folder
//! (`tests/fixtures/results`, a real tiny run): every chart is drawn as SVG and PNG at the
//! stated size with visible content and text, and the README shows every chart, the key
//! figures read from the results, and the method.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results")
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("authbench-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn workbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workbench"))
        .args(args)
        .output()
        .expect("workbench runs")
}

/// A criterion output folder with the token benchmarks, shaped like criterion 0.8 writes it.
fn criterion_folder(dir: &Path) {
    for (alg, op, median) in [
        ("HS256", "verify", 3070.0),
        ("HS256", "raw_verify", 400.0),
        ("ES256", "verify", 49_900.0),
        ("ES256", "raw_verify", 38_600.0),
        ("ES256", "raw_verify_parse_key", 40_100.0),
    ] {
        let new = dir.join(format!("jwt_{alg}")).join(op).join("new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            format!(r#"{{"group_id":"jwt/{alg}","function_id":"{op}","value_str":null,"throughput":null,"full_id":"jwt/{alg}/{op}","directory_name":"jwt_{alg}/{op}","title":"jwt/{alg}/{op}"}}"#),
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            format!(r#"{{"median":{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":{},"upper_bound":{}}},"point_estimate":{median},"standard_error":1.0}}}}"#, median * 0.98, median * 1.02),
        )
        .unwrap();
    }
}

fn report(name: &str) -> PathBuf {
    let out = tempdir(name);
    let criterion = out.join("criterion-output");
    criterion_folder(&criterion);
    let report = out.join("report");
    let output = workbench(&[
        "report",
        fixtures().to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
        "--criterion",
        criterion.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "report failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    report
}

const CHARTS: [(&str, &str); 19] = [
    ("state-sessions", "Redis memory against live sessions"),
    ("state-token-size", "Authorization header size against roles"),
    ("fault-redis", "Every flow under load while redis is away"),
    (
        "fault-session-auth",
        "Every flow under load while session-auth is away",
    ),
    (
        "failover-primary-killed-wait-1",
        "Every flow under load: primary killed, WAIT 1",
    ),
    (
        "failover-restart-aof-everysec",
        "Every flow under load: restart, AOF everysec",
    ),
    ("throughput", "Maximum throughput per flow"),
    ("cpu-per-request", "CPU time per answered request"),
    ("note-steps", "CPU time per request, by step of the design note"),
    ("login-cost", "CPU time per login, by tier"),
    ("refresh-cost", "CPU time per refresh, by tier"),
    ("latency-50", "Latency by percentile at 50%"),
    ("scale-api", "Maximum throughput against API replicas (api)"),
    (
        "scale-api-auth",
        "Maximum throughput against API replicas (api+auth)",
    ),
    ("link-delay", "Median latency against the delay"),
    ("token-verify", "Verifying one access token"),
    ("token-verify-criterion", "Verifying one access token"),
    ("revocation", "Revocation lag against requests per second"),
    ("bill", "CPUs each architecture needs for a target rate"),
];

struct Image {
    width: u32,
    height: u32,
    /// RGB triples, row by row.
    pixels: Vec<[u8; 3]>,
}

fn decode_png(path: &Path) -> Image {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{}: {:?}", path.display(), info.color_type);
    let pixels = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    Image {
        width: info.width,
        height: info.height,
        pixels,
    }
}

#[test]
fn every_chart_is_drawn_as_svg_and_png_at_1200_px_with_content_and_text() {
    let report = report("charts");
    for (name, title) in CHARTS {
        let png = report.join("charts").join(format!("{name}.png"));
        let image = decode_png(&png);
        assert_eq!((image.width, image.height), (1200, 675), "{name}");

        // Not blank: a real share of the picture is not white, in several colours.
        let inked = image.pixels.iter().filter(|p| **p != [255, 255, 255]).count();
        let share = inked as f64 / image.pixels.len() as f64;
        assert!(
            share > 0.03,
            "{name}: only {:.1} % of the pixels are drawn",
            share * 100.0
        );
        let mut colours: Vec<[u8; 3]> = image.pixels.clone();
        colours.sort();
        colours.dedup();
        assert!(colours.len() > 20, "{name}: {} colours", colours.len());

        // The title band holds dark pixels: text rendered with the embedded font.
        let title_band = &image.pixels[..(image.width * 45) as usize];
        let dark = title_band.iter().filter(|p| p.iter().all(|c| *c < 100)).count();
        assert!(
            dark > 300,
            "{name}: the title did not render ({dark} dark pixels)"
        );

        let svg = std::fs::read_to_string(report.join("charts").join(format!("{name}.svg"))).unwrap();
        assert!(svg.contains("<svg"), "{name}");
        assert!(svg.contains(title), "{name}: the SVG lacks its title");
    }
}

#[test]
fn the_report_shows_every_chart_the_key_figures_from_the_results_and_the_method() {
    let report = report("readme");
    let readme = std::fs::read_to_string(report.join("README.md")).unwrap();
    for (name, _) in CHARTS {
        assert!(
            readme.contains(&format!("(charts/{name}.png)")),
            "no {name} chart"
        );
        assert!(
            readme.contains(&format!("(charts/{name}.svg)")),
            "no {name} SVG link"
        );
    }
    for heading in [
        "## Key figures",
        "## Method",
        "### Noise",
        "## The load generator beside wrk",
        "## Scale-out: API replicas added, one auth server and one Redis",
        "## The bill: what each architecture needs",
        "| 100 000 | 1 000 000 | session |",
        "## Link delay",
        "Extrapolated to 64 API replicas",
        "## Login cost",
        "## Token refresh cost",
        "## Revocation lag",
        "Every experiment of the suite has results in this report.",
        "## What a latency figure is worth: the generator against a known answer time",
        "| oha | 500µs | 20 000 |",
        "## Failover and restart: the acknowledged writes",
        "| primary killed, WAIT 1 |",
    ] {
        assert!(readme.contains(heading), "no {heading}");
    }

    // The figures in the text are the results' own: the baseline's median maximum over
    // its two rounds, formatted as the report formats numbers.
    let throughput: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("throughput.json")).unwrap()).unwrap();
    let mut baseline: Vec<f64> = throughput["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["flow"] == "baseline")
        .map(|r| r["result"]["throughput_rps"].as_f64().unwrap())
        .collect();
    assert_eq!(baseline.len(), 2);
    baseline.sort_by(f64::total_cmp);
    let median = (baseline[0] + baseline[1]) / 2.0;
    let shown = results::units::number(median);
    assert!(
        readme.contains(&format!("answered {shown} requests per second at most")),
        "the baseline's median {shown} is not in the text"
    );
    assert!(readme.contains(&format!("| baseline | {shown} | 1.00 |")));

    // A login's server CPU is the fixture's: every tier but the load generator.
    let logins: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("logins.json")).unwrap()).unwrap();
    let session_login = logins["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["flow"] == "session" && r["label"] == "login")
        .expect("a session login run");
    let server_us: f64 = session_login["cpu_us_per_request"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(tier, _)| *tier != "generator" && *tier != "total")
        .map(|(_, us)| us.as_f64().unwrap())
        .sum();
    let ms = server_us / 1000.0;
    assert!((10.0..100.0).contains(&ms), "the fixture's login took {ms} ms");
    assert!(
        readme.contains(&format!("session {ms:.1} ms")),
        "the session login's {ms:.1} ms is not in the text"
    );

    // Revocation: plain JWT's lag is the fixture's, scaled from 1 s to 1 min per minute of
    // lifetime; the session flow is denied at the next request.
    let revocation: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("revocation.json")).unwrap()).unwrap();
    let arms = revocation["revocation"]["arms"].as_array().unwrap();
    let jwt = arms
        .iter()
        .find(|a| a["flow"] == "jwt-hs256")
        .expect("a plain JWT arm");
    let logout = jwt["trials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["event"] == "logout")
        .unwrap();
    let scaled_s = logout["lag_ms"].as_f64().unwrap() * 60.0 / 1000.0;
    assert!(
        readme.contains(&format!(
            "after a logout the credential was denied after {scaled_s:.1} s"
        )),
        "plain JWT's scaled lag of {scaled_s:.1} s is not in the text"
    );
    assert!(readme.contains("**session** ("));
    assert!(readme.contains("after a logout the credential was denied at the next request"));
    // The denylist's bytes per entry are the state fixture's.
    assert!(readme.contains("jwt-denylist keeps one entry per revoked, unexpired token"));

    // The method names the machine and the commit the results came from.
    let method = &throughput["method"];
    assert!(readme.contains(&format!("commit `{}`", method["commit"].as_str().unwrap())));
    assert!(readme.contains(&format!("{} cores", method["machine"]["cores"])));

    // The report carries the results it was drawn from, criterion's included.
    for file in report::file_names(&experiments::report_parts()) {
        assert!(
            report.join("results").join(format!("{file}.json")).exists(),
            "{file}.json"
        );
    }
}

#[test]
fn a_folder_without_results_files_is_refused_with_a_hint() {
    let empty = tempdir("empty");
    let output = workbench(&[
        "report",
        empty.to_str().unwrap(),
        "--out",
        empty.join("r").to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("holds no results files"), "{stderr}");
    assert!(stderr.contains("workbench compare"), "{stderr}");
}

#[test]
fn a_results_file_of_another_schema_is_refused_by_name() {
    let dir = tempdir("schema");
    let mut file: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("tokens.json")).unwrap()).unwrap();
    file["schema"] = "authbench.results/99".into();
    std::fs::write(dir.join("tokens.json"), file.to_string()).unwrap();
    let output = workbench(&[
        "report",
        dir.to_str().unwrap(),
        "--out",
        dir.join("r").to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("authbench.results/99"), "{stderr}");
}

/// The committed reference report, drawn again from its own results folder: the same
/// README and the same charts, byte for byte.
#[test]
fn the_reference_report_is_redrawn_byte_for_byte_from_its_committed_results() {
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reports/reference");
    let out = tempdir("reference");
    experiments::write_report(&report::ReportOptions {
        results: reference.join("results"),
        out: Some(out.clone()),
        criterion: None,
    })
    .expect("the reference results make a report");
    let readme = std::fs::read_to_string(out.join("README.md")).unwrap();
    let committed = std::fs::read_to_string(reference.join("README.md")).unwrap();
    if readme != committed {
        let first = readme
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(readme.lines().count().min(committed.lines().count()));
        panic!(
            "reports/reference/README.md differs from its results at line {}:\n  drawn:     {:?}\n  committed: {:?}",
            first + 1,
            readme.lines().nth(first),
            committed.lines().nth(first)
        );
    }
    let mut charts = 0;
    for entry in std::fs::read_dir(reference.join("charts")).unwrap().flatten() {
        let name = entry.file_name();
        let drawn = std::fs::read(out.join("charts").join(&name)).unwrap_or_default();
        assert!(drawn == std::fs::read(entry.path()).unwrap(), "{name:?} differs");
        charts += 1;
    }
    assert_eq!(charts, std::fs::read_dir(out.join("charts")).unwrap().count());
}

#[test]
fn diff_reads_a_change_beyond_both_runs_spread_and_calls_the_same_run_unchanged() {
    let same = workbench(&["diff", fixtures().to_str().unwrap(), fixtures().to_str().unwrap()]);
    assert!(same.status.success(), "{}", String::from_utf8_lossy(&same.stderr));
    let text = String::from_utf8(same.stdout).unwrap();
    assert!(text.contains("| throughput | baseline max | req/s |"), "{text}");
    assert!(!text.contains("beyond the spread |"), "{text}");

    // The same results with the baseline's throughput doubled in every round.
    let after = tempdir("diff");
    for entry in std::fs::read_dir(fixtures()).unwrap().flatten() {
        std::fs::copy(entry.path(), after.join(entry.file_name())).unwrap();
    }
    let path = after.join("throughput.json");
    let mut throughput: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for run in throughput["runs"].as_array_mut().unwrap() {
        if run["flow"] == "baseline" {
            let rps = run["result"]["throughput_rps"].as_f64().unwrap();
            run["result"]["throughput_rps"] = json!(rps * 2.0);
        }
    }
    std::fs::write(&path, serde_json::to_string(&throughput).unwrap()).unwrap();
    let changed = workbench(&["diff", fixtures().to_str().unwrap(), after.to_str().unwrap()]);
    let text = String::from_utf8(changed.stdout).unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with("| throughput | baseline max | req/s |"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        row.contains("+100.0 %") && row.ends_with("better, beyond the spread |"),
        "{row}"
    );
}
