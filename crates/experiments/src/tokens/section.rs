//! The token costs in the report: verifying one access token per algorithm, beside the
//! raw primitive, from `workbench tokens` and from criterion.

use std::fmt::Write;

use report::charts::*;
use report::figures::*;
use report::{Contribution, Part, Section, Suite};
use results::ResultsFile;
use results::units::*;

/// The token-cost sections: `workbench tokens`, and criterion's figures when given.
pub struct Sections;

impl Part for Sections {
    fn files(&self) -> &'static [&'static str] {
        &["tokens", report::criterion::NAME]
    }

    fn plan(&self, suite: &Suite) -> Contribution {
        let mut out = Contribution::default();
        for source in ["workbench tokens", report::criterion::NAME] {
            let name = if source == "workbench tokens" {
                "tokens"
            } else {
                source
            };
            let Some(file) = suite.get(name) else { continue };
            let groups = cost_groups(file, source);
            if groups.is_empty() {
                continue;
            }
            let (name, how) = if source == "criterion" {
                (
                    "token-verify-criterion",
                    "criterion (`cargo bench --bench tokens`), median with its 95 % interval",
                )
            } else {
                (
                    "token-verify",
                    "`workbench tokens`, in-process, median of samples with fastest and slowest",
                )
            };
            let caption = format!("{how}; {} build, one core", file.method.build);
            let suffix = if source == "criterion" { "-criterion" } else { "" };
            out.sections.push(Section::new(
                format!("Token verification cost ({source})"),
                TokenCostChart {
                    name: name.into(),
                    title:
                        "Verifying one access token: the API server's check, jsonwebtoken, the raw primitive"
                            .into(),
                    caption: caption.clone(),
                    groups: groups.clone(),
                    bars: &VERIFY_BARS,
                },
                read_costs(&groups, suite),
            ));
            if groups
                .iter()
                .any(|g| g.get("issue").is_some() && g.get("raw_sign").is_some())
            {
                out.sections.push(Section::new(
                    format!("Token signing cost ({source})"),
                    TokenCostChart {
                        name: format!("token-sign{suffix}"),
                        title: "Signing one access token: the auth server, jsonwebtoken, the raw primitive"
                            .into(),
                        caption,
                        groups: groups.clone(),
                        bars: &SIGN_BARS,
                    },
                    read_signing(&groups),
                ));
            }
        }
        out
    }
}

/// Signing beside the primitive: the target is at most 1.2 times the raw signature for
/// the asymmetric algorithms (a login stops paying a key parse).
fn read_signing(groups: &[CostGroup]) -> Vec<String> {
    let us = |ns: f64| number(ns / 1000.0);
    let mut lines = Vec::new();
    for g in groups {
        let (Some(issue), Some(raw)) = (g.get("issue"), g.get("raw_sign")) else {
            continue;
        };
        let mut line = format!(
            "{}: {} µs, raw signature {} µs ({:.2}×)",
            g.algorithm,
            us(issue.median_ns),
            us(raw.median_ns),
            issue.median_ns / raw.median_ns
        );
        if let Some(library) = g.get("library_issue") {
            let _ = write!(line, ", jsonwebtoken {} µs", us(library.median_ns));
        }
        lines.push(line);
    }
    let mut out = vec![format!(
        "Time to sign one access token (header, claims as JSON, base64url, signature): {}.",
        lines.join("; ")
    )];
    let missed: Vec<String> = groups
        .iter()
        .filter(|g| g.algorithm != "HS256")
        .filter_map(|g| {
            let ratio = g.get("issue")?.median_ns / g.get("raw_sign")?.median_ns;
            (ratio > 1.2).then(|| format!("{} ({ratio:.2}×)", g.algorithm))
        })
        .collect();
    out.push(if missed.is_empty() {
        "Every public-key algorithm signs within 1.2× of its raw signature: the key is parsed \
         once, when the server starts."
            .into()
    } else {
        format!("Above the 1.2× target: {}.", missed.join(", "))
    });
    let names: Vec<&str> = SIGN_BARS.iter().map(|(_, legend, _)| *legend).collect();
    out.push(format!("Bars: {}.", names.join("; ")));
    out
}

fn read_costs(groups: &[CostGroup], suite: &Suite) -> Vec<String> {
    let mut out = Vec::new();
    let us = |ns: f64| number(ns / 1000.0);
    let mut lines = Vec::new();
    for g in groups {
        let (Some(verify), Some(raw)) = (g.get("verify"), g.get("raw_verify")) else {
            continue;
        };
        let mut line = format!(
            "{}: the API server's check {} µs, raw primitive {} µs ({:.1}×)",
            g.algorithm,
            us(verify.median_ns),
            us(raw.median_ns),
            verify.median_ns / raw.median_ns
        );
        if let Some(library) = g.get("library_verify") {
            let _ = write!(line, ", jsonwebtoken {} µs", us(library.median_ns));
        }
        if let Some(parse) = g.get("raw_verify_parse_key") {
            let _ = write!(
                line,
                ", the primitive with the key parsed per call {} µs",
                us(parse.median_ns)
            );
        }
        lines.push(line);
    }
    if lines.is_empty() {
        out.push(
            "These results hold no figure of the project's own check (`verify`): only \
             jsonwebtoken's and the raw primitive's, charted as bars."
                .into(),
        );
    } else {
        out.push(format!("Time to verify one access token: {}.", lines.join("; ")));
    }
    if let Some(hs) = groups.iter().find(|g| g.algorithm == "HS256")
        && let (Some(v), Some(r)) = (hs.get("verify"), hs.get("raw_verify"))
    {
        let above = v.median_ns - r.median_ns;
        out.push(format!(
            "With HS256 the HMAC itself is the small part: {} µs of the {} µs go to splitting, \
             base64, JSON and the claim checks around it ({} the 1 µs target).",
            us(above),
            us(v.median_ns),
            if above <= 1000.0 { "within" } else { "above" }
        ));
        if let Some(throughput) = suite.get("throughput") {
            let stacks = cpu_stacks(throughput, "max");
            let api = |flow: &str| stacks.iter().find(|s| s.flow == flow).and_then(|s| s.tier("api"));
            if let (Some(b), Some(j)) = (api("baseline"), api("jwt-hs256")) {
                out.push(format!(
                    "In the throughput run, jwt-hs256 cost the API server {} µs more per request \
                     than the baseline; verifying explains {} µs of that, and the rest is the \
                     authentication layer around it (reading the header, the identity, the \
                     larger request).",
                    number(j - b),
                    us(v.median_ns)
                ));
            }
        }
    }
    let shares: Vec<String> = groups
        .iter()
        .filter(|g| g.algorithm != "HS256")
        .filter_map(|g| {
            let (v, r) = (g.get("verify")?, g.get("raw_verify")?);
            Some(format!(
                "{} {:.0} %",
                g.algorithm,
                r.median_ns / v.median_ns * 100.0
            ))
        })
        .collect();
    if !shares.is_empty() {
        out.push(format!(
            "For the public-key algorithms, the signature check alone is this share of the \
             API server's check: {}.",
            shares.join(", ")
        ));
    }
    let names: Vec<&str> = VERIFY_BARS.iter().map(|(_, legend, _)| *legend).collect();
    out.push(format!("Bars: {}.", names.join("; ")));
    out
}

/// Verify and raw verify costs per algorithm from `source` (`workbench tokens` or
/// `criterion`), algorithms in the order they appear.
fn cost_groups(file: &ResultsFile, source: &str) -> Vec<CostGroup> {
    let mut groups: Vec<CostGroup> = Vec::new();
    for cost in file.costs.iter().filter(|c| c.source == source) {
        let bar = CostBar {
            op: cost.op.clone(),
            median_ns: cost.median_ns,
            low_ns: cost.low_ns,
            high_ns: cost.high_ns,
        };
        match groups.iter_mut().find(|g| g.algorithm == cost.algorithm) {
            Some(group) => group.bars.push(bar),
            None => groups.push(CostGroup {
                algorithm: cost.algorithm.clone(),
                bars: vec![bar],
            }),
        }
    }
    groups
}
