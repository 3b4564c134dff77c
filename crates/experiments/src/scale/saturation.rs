//! Which tier ran out first at a scale-out point, read from the run's utilisation.

use results::FlowRun;

/// A tier counts as saturated at this share of its quota (the capacity model's threshold).
pub use harness::model::SATURATED;

/// The tier that ran out first: the limited tier closest to its quota when it is above
/// [`SATURATED`], else the generator when it used most of the cores the quotas leave.
pub fn saturated(run: &FlowRun, cores: f64) -> String {
    if run.limits.is_empty() {
        return "unknown (no CPU limits)".into();
    }
    let busiest = run
        .utilisation
        .iter()
        .filter(|(name, _)| name.as_str() != "generator")
        .max_by(|a, b| a.1.total_cmp(b.1));
    if let Some((name, share)) = busiest
        && *share >= SATURATED
    {
        return format!("{name} ({:.0} % of its quota)", share * 100.0);
    }
    let quotas: f64 = run.limits.iter().map(|l| l.cpus).sum();
    let left = cores - quotas;
    if let Some(generator) = run.utilisation.get("generator")
        && *generator >= SATURATED * left
    {
        return format!("generator ({generator:.2} of the {left:.1} cores the quotas leave)");
    }
    match busiest {
        Some((name, share)) => format!("none (busiest: {name} at {:.0} %)", share * 100.0),
        None => "none".into(),
    }
}
