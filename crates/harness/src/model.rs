//! Two ways to explain the scale experiment's points, and to extend them past 8 replicas:
//!
//! - the **capacity model**: each tier can do (its CPUs × 10⁶ / its CPU µs per request)
//!   requests per second; the system does what its tightest tier allows. The CPU costs come
//!   from the measurement itself: for each tier, what it costs when it is the bottleneck,
//!   the median of its costs over the points where it ran out (at least [`SATURATED`] of
//!   its quota), or its cost at its busiest point where it never did; one cost vector for
//!   the whole series. The CPUs come from the quotas;
//! - the **Universal Scalability Law** (Gunther): X(N) = λN / (1 + σ(N−1) + κN(N−1)),
//!   fitted to the measured points: λ the throughput of one replica, σ the share that
//!   serialises (contention), κ the cost of keeping replicas coherent (crosstalk).

use std::collections::BTreeMap;

use results::median;

pub use results::scale::{Capacity, Costs, ModelPoint, ScaleModel, Usl};

/// What a series of points ran with.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// CPUs each limited server process gets.
    pub cpus_per_server: f64,
    /// CPUs each Redis process gets (the same as the others, except where the
    /// `api+auth+redis` scenario gives its shards a quota of their own).
    pub redis_cpus: f64,
    /// The machine's cores (the generator gets what the quotas leave).
    pub cores: f64,
    /// Whether the auth servers grow with the API replicas (scenario `api+auth`).
    pub auth_grows: bool,
    /// When the series grows by Redis Cluster shards (scenario `api+auth+redis`): the API
    /// replicas and the auth servers added with each shard. Its size is then the shards.
    pub per_shard: Option<PerShard>,
}

/// What each shard of the `api+auth+redis` scenario comes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerShard {
    pub api: usize,
    pub auth: usize,
}

impl Budget {
    /// The size a series grows by at a point: shards when it grows by shards, else API
    /// replicas.
    fn size(&self, m: &Measured) -> usize {
        if self.per_shard.is_some() {
            m.shards
        } else {
            m.replicas
        }
    }
}

/// One measured point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    pub replicas: usize,
    pub auth_servers: usize,
    /// Redis Cluster primaries (1: one Redis).
    pub shards: usize,
    pub throughput: f64,
}

/// Below this a tier is not doing per-request work (the idle JWT auth server).
const IDLE_US: f64 = 0.5;

/// The capacity model: the least of each tier's capacity. `with_generator` false drops the
/// generator's share of the machine (for extrapolation, where the servers and the load
/// come from separate machines).
pub fn capacity(
    costs: &Costs,
    budget: &Budget,
    replicas: usize,
    auth_servers: usize,
    shards: usize,
    with_generator: bool,
) -> Capacity {
    let q = budget.cpus_per_server;
    let mut tiers: Vec<(&str, f64)> = Vec::new();
    let cpus = |tier: &str| match tier {
        "api" => replicas as f64 * q,
        "auth" => auth_servers as f64 * q,
        // One PostgreSQL, held to the store's quota (the database flows).
        "postgres" => budget.redis_cpus,
        _ => shards.max(1) as f64 * budget.redis_cpus,
    };
    for tier in ["api", "auth", "redis", "postgres"] {
        if let Some(us) = costs.get(tier).filter(|us| **us > IDLE_US) {
            tiers.push((tier, cpus(tier) * 1e6 / us));
        }
    }
    if with_generator && let Some(us) = costs.get("generator").filter(|us| **us > IDLE_US) {
        let store = |tier: &str| if costs.contains_key(tier) { cpus(tier) } else { 0.0 };
        let left = (budget.cores - (replicas + auth_servers) as f64 * q - store("redis") - store("postgres"))
            .max(0.05);
        tiers.push(("generator", left * 1e6 / us));
    }
    tiers
        .into_iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(bound, rps)| Capacity {
            rps,
            bound: bound.to_string(),
        })
        .unwrap_or(Capacity {
            rps: 0.0,
            bound: "none".into(),
        })
}

/// Least squares on Gunther's linear form N/X = (1 + σ(N−1) + κN(N−1)) / λ, with σ and
/// κ kept at or above zero. Needs at least two distinct sizes.
pub fn fit_usl(points: &[(f64, f64)]) -> Option<Usl> {
    let points: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(n, x)| *n >= 1.0 && *x > 0.0)
        .collect();
    let mut sizes: Vec<f64> = points.iter().map(|(n, _)| *n).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    if sizes.len() < 2 {
        return None;
    }
    let y: Vec<f64> = points.iter().map(|(n, x)| n / x).collect();
    let columns = |with_sigma: bool, with_kappa: bool| -> Vec<Vec<f64>> {
        points
            .iter()
            .map(|(n, _)| {
                let mut row = vec![1.0];
                if with_sigma {
                    row.push(n - 1.0);
                }
                if with_kappa {
                    row.push(n * (n - 1.0));
                }
                row
            })
            .collect()
    };
    // Try the full model, then drop a term whose coefficient came out negative.
    let fits = [(true, true), (true, false), (false, true), (false, false)];
    for (with_sigma, with_kappa) in fits {
        if with_sigma && with_kappa && sizes.len() < 3 {
            continue;
        }
        let Some(beta) = least_squares(&columns(with_sigma, with_kappa), &y) else {
            continue;
        };
        if beta.iter().any(|b| *b < 0.0) || beta[0] <= 0.0 {
            continue;
        }
        let a = beta[0];
        let mut rest = beta[1..].iter();
        let sigma = if with_sigma {
            rest.next().copied().unwrap_or(0.0) / a
        } else {
            0.0
        };
        let kappa = if with_kappa {
            rest.next().copied().unwrap_or(0.0) / a
        } else {
            0.0
        };
        return Some(Usl {
            lambda: 1.0 / a,
            sigma,
            kappa,
        });
    }
    None
}

/// Solves the normal equations of `rows · β ≈ y` by Gaussian elimination.
fn least_squares(rows: &[Vec<f64>], y: &[f64]) -> Option<Vec<f64>> {
    let k = rows.first()?.len();
    let mut a = vec![vec![0.0; k + 1]; k];
    for (row, yi) in rows.iter().zip(y) {
        for i in 0..k {
            for j in 0..k {
                a[i][j] += row[i] * row[j];
            }
            a[i][k] += row[i] * yi;
        }
    }
    for col in 0..k {
        let pivot = (col..k).max_by(|x, y| a[*x][col].abs().total_cmp(&a[*y][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col].clone();
        for (row, values) in a.iter_mut().enumerate() {
            if row != col {
                let factor = values[col] / pivot_row[col];
                for (value, p) in values.iter_mut().zip(&pivot_row).skip(col) {
                    *value -= factor * p;
                }
            }
        }
    }
    Some((0..k).map(|i| a[i][k] / a[i][i]).collect())
}

/// Sizes the report extrapolates to.
pub const EXTRAPOLATE_TO: [usize; 4] = [8, 16, 32, 64];

/// Share of its quota each tier used at a point (the generator: cores).
pub type Utilisation = BTreeMap<String, f64>;

/// A tier has run out at this share of its quota (the scale experiment's reading too).
pub const SATURATED: f64 = 0.85;

/// Per tier, its cost as the bottleneck: the median of its costs over the points where its
/// utilisation reached [`SATURATED`] (one noisy point does not set it), else its cost at
/// the point where its utilisation was highest; the median over all the points for a tier
/// with no utilisation figures (no CPU limits).
pub fn busiest_costs(points: &[(Costs, Utilisation)]) -> Costs {
    let costs: Vec<Costs> = points.iter().map(|(c, _)| c.clone()).collect();
    let mut out = median_costs(&costs);
    for (tier, cost) in out.iter_mut() {
        let measured: Vec<(f64, f64)> = points
            .iter()
            .filter_map(|(c, u)| Some((*u.get(tier)?, *c.get(tier)?)))
            .collect();
        let saturated: Vec<f64> = measured
            .iter()
            .filter(|(u, _)| *u >= SATURATED)
            .map(|(_, us)| *us)
            .collect();
        if !saturated.is_empty() {
            *cost = median(&saturated);
        } else if let Some((_, us)) = measured.iter().max_by(|a, b| a.0.total_cmp(&b.0)) {
            *cost = *us;
        }
    }
    out
}

/// Per tier, the median of the points' costs.
pub fn median_costs(points: &[Costs]) -> Costs {
    let mut tiers: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for costs in points {
        for (tier, us) in costs {
            tiers.entry(tier.clone()).or_default().push(*us);
        }
    }
    tiers
        .into_iter()
        .map(|(tier, values)| (tier, median(&values)))
        .collect()
}

/// Both models for one series. `point_costs` holds each measured point's CPU µs per request
/// and utilisation by tier, in the order of `measured`.
pub fn build(
    flow: &str,
    scenario: &str,
    point_costs: &[(Costs, Utilisation)],
    budget: &Budget,
    measured: &[Measured],
) -> ScaleModel {
    let costs = &busiest_costs(point_costs);
    let point_costs: Vec<&Costs> = point_costs.iter().map(|(c, _)| c).collect();
    let cost_range_us = match (point_costs.first(), point_costs.last()) {
        (Some(first), Some(last)) => first
            .iter()
            .filter_map(|(tier, a)| Some((tier.clone(), (*a, *last.get(tier)?))))
            .collect(),
        _ => BTreeMap::new(),
    };
    let usl = fit_usl(
        &measured
            .iter()
            .map(|m| (budget.size(m) as f64, m.throughput))
            .collect::<Vec<_>>(),
    );
    let points: Vec<ModelPoint> = measured
        .iter()
        .map(|m| ModelPoint {
            replicas: m.replicas,
            auth_servers: m.auth_servers,
            shards: m.shards,
            measured_rps: Some(m.throughput),
            capacity: capacity(costs, budget, m.replicas, m.auth_servers, m.shards, true),
            usl_rps: usl.map(|u| u.at(budget.size(m) as f64)),
        })
        .collect();
    let worst = |model: &dyn Fn(&ModelPoint) -> Option<f64>| {
        points
            .iter()
            .filter_map(|p| Some(((model(p)? - p.measured_rps?) / p.measured_rps?).abs()))
            .reduce(f64::max)
    };
    let capacity_error = worst(&|p| Some(p.capacity.rps));
    let usl_error = worst(&|p| p.usl_rps);
    let efficiency = match measured.first() {
        Some(first) if first.throughput > 0.0 => measured
            .iter()
            .map(|m| {
                let ideal = first.throughput * budget.size(m) as f64 / budget.size(first) as f64;
                (budget.size(m), m.throughput / ideal)
            })
            .collect(),
        _ => Vec::new(),
    };
    let extrapolated = EXTRAPOLATE_TO
        .iter()
        .map(|&n| {
            let (api, auth, shards) = match budget.per_shard {
                Some(per) => (per.api * n, per.auth * n, n),
                None if budget.auth_grows => (n, n, 1),
                None => (n, 1, 1),
            };
            ModelPoint {
                replicas: api,
                auth_servers: auth,
                shards,
                measured_rps: None,
                capacity: capacity(costs, budget, api, auth, shards, false),
                usl_rps: usl.map(|u| u.at(n as f64)),
            }
        })
        .collect();
    let assumptions = vec![
        format!(
            "every server process gets {} CPU{}, as in the measurement, and each tier's CPU cost \
             per request stays what it was where that tier ran out (the median over such \
             points; where it never did, its busiest point)",
            budget.cpus_per_server,
            if budget.redis_cpus == budget.cpus_per_server {
                String::new()
            } else {
                format!(" (each Redis shard {})", budget.redis_cpus)
            }
        ),
        if let Some(per) = budget.per_shard {
            format!(
                "{} API replica(s) and {} auth server(s) with every Redis Cluster shard, the keys \
                 spread evenly over the shards",
                per.api, per.auth
            )
        } else if budget.auth_grows {
            "one auth server per API replica; one Redis throughout".into()
        } else {
            "one auth server and one Redis throughout, whatever the number of API replicas".into()
        },
        "the load comes from elsewhere: the generator's share of this machine is not a limit \
         past the measured sizes, and the network adds no per-request CPU"
            .into(),
        "the USL line only continues the measured curve: it knows nothing of which tier is shared".into(),
    ];
    ScaleModel {
        flow: flow.to_string(),
        scenario: scenario.to_string(),
        costs_us: costs.clone(),
        cost_range_us,
        cpus_per_server: budget.cpus_per_server,
        redis_cpus: (budget.redis_cpus != budget.cpus_per_server).then_some(budget.redis_cpus),
        cores: budget.cores,
        points,
        usl,
        capacity_error,
        usl_error,
        efficiency,
        extrapolated,
        assumptions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn costs(pairs: &[(&str, f64)]) -> Costs {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    const BUDGET: Budget = Budget {
        cpus_per_server: 0.1,
        redis_cpus: 0.1,
        cores: 2.0,
        auth_grows: false,
        per_shard: None,
    };

    #[test]
    fn the_model_uses_the_median_cost_of_each_tier() {
        let points = [
            costs(&[("api", 20.0), ("auth", 30.0)]),
            costs(&[("api", 24.0), ("auth", 20.0)]),
            costs(&[("api", 40.0), ("auth", 25.0)]),
        ];
        assert_eq!(median_costs(&points), costs(&[("api", 24.0), ("auth", 25.0)]));
    }

    #[test]
    fn a_tier_that_ran_out_at_several_points_is_costed_by_their_median() {
        let util = |pairs: &[(&str, f64)]| -> Utilisation {
            pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
        };
        let points = [
            (costs(&[("redis", 18.0)]), util(&[("redis", 0.95)])),
            (costs(&[("redis", 23.0)]), util(&[("redis", 1.03)])),
            (costs(&[("redis", 19.0)]), util(&[("redis", 0.95)])),
            (costs(&[("redis", 40.0)]), util(&[("redis", 0.3)])),
        ];
        assert_eq!(busiest_costs(&points), costs(&[("redis", 19.0)]));
    }

    #[test]
    fn each_tier_is_costed_where_it_was_busiest() {
        let util = |pairs: &[(&str, f64)]| -> Utilisation {
            pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
        };
        let points = [
            (
                costs(&[("api", 40.0), ("auth", 22.0)]),
                util(&[("api", 1.0), ("auth", 0.5)]),
            ),
            (
                costs(&[("api", 70.0), ("auth", 28.0)]),
                util(&[("api", 0.6), ("auth", 0.97)]),
            ),
        ];
        assert_eq!(busiest_costs(&points), costs(&[("api", 40.0), ("auth", 28.0)]));
    }

    #[test]
    fn capacity_is_the_tightest_tier() {
        // 20 µs per request in each API replica, 12.5 µs in the one auth server.
        let c = costs(&[
            ("api", 20.0),
            ("auth", 12.5),
            ("redis", 10.0),
            ("generator", 15.0),
        ]);
        let one = capacity(&c, &BUDGET, 1, 1, 1, true);
        assert_eq!(one.bound, "api");
        assert!((one.rps - 5000.0).abs() < 1e-6);
        let four = capacity(&c, &BUDGET, 4, 1, 1, true);
        assert_eq!(four.bound, "auth");
        assert!((four.rps - 8000.0).abs() < 1e-6);
    }

    #[test]
    fn an_idle_auth_server_does_not_bound_the_jwt_flow() {
        let c = costs(&[("api", 20.0), ("auth", 0.0), ("generator", 15.0)]);
        let eight = capacity(&c, &BUDGET, 8, 1, 1, true);
        assert_eq!(eight.bound, "api");
        assert!((eight.rps - 40_000.0).abs() < 1e-6);
        // 64 replicas on this machine would leave the generator nothing; without it, the
        // API tier keeps growing.
        assert_eq!(capacity(&c, &BUDGET, 64, 1, 1, true).bound, "generator");
        let far = capacity(&c, &BUDGET, 64, 1, 1, false);
        assert_eq!(far.bound, "api");
        assert!((far.rps - 320_000.0).abs() < 1e-6);
    }

    #[test]
    fn one_postgresql_bounds_the_api_key_flow_however_many_replicas() {
        // 120 µs per request in each API replica, 40 µs in the one PostgreSQL (0.1 CPU each).
        let c = costs(&[("api", 120.0), ("postgres", 40.0), ("generator", 15.0)]);
        let one = capacity(&c, &BUDGET, 1, 1, 1, true);
        assert_eq!(one.bound, "api");
        assert!((one.rps - 833.333).abs() < 1e-2);
        for replicas in [4, 8, 64] {
            let far = capacity(&c, &BUDGET, replicas, 1, 1, false);
            assert_eq!(far.bound, "postgres");
            assert!((far.rps - 2500.0).abs() < 1e-6);
        }
        // The generator's share leaves out the database's quota as it leaves out Redis's:
        // 2 cores - 8 replicas x 0.1 - the auth server's 0.1 - 0.1 = 1.0 CPU, at 1 ms a
        // request 1000 req/s (1100 if PostgreSQL's share were forgotten).
        let slow = costs(&[("api", 120.0), ("postgres", 40.0), ("generator", 1000.0)]);
        let eight = capacity(&slow, &BUDGET, 8, 1, 1, true);
        assert_eq!(eight.bound, "generator");
        assert!((eight.rps - 1000.0).abs() < 1e-6, "{}", eight.rps);
    }

    #[test]
    fn usl_fit_recovers_known_parameters() {
        let truth = Usl {
            lambda: 1000.0,
            sigma: 0.05,
            kappa: 0.002,
        };
        let points: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 6.0, 8.0]
            .iter()
            .map(|&n| (n, truth.at(n)))
            .collect();
        let fit = fit_usl(&points).unwrap();
        assert!((fit.lambda - 1000.0).abs() < 1e-6, "{fit:?}");
        assert!((fit.sigma - 0.05).abs() < 1e-9, "{fit:?}");
        assert!((fit.kappa - 0.002).abs() < 1e-9, "{fit:?}");
        assert!((fit.peak().unwrap() - (0.95f64 / 0.002).sqrt()).abs() < 1e-6);
    }

    #[test]
    fn usl_fit_keeps_contention_and_coherency_non_negative() {
        // Better than linear (a warm cache, noise): the law cannot do that, so σ = κ = 0.
        let points = [(1.0, 1000.0), (2.0, 2100.0), (4.0, 4300.0)];
        let fit = fit_usl(&points).unwrap();
        assert!(fit.sigma >= 0.0 && fit.kappa >= 0.0, "{fit:?}");
        assert!(fit_usl(&[(1.0, 1000.0)]).is_none());
    }

    #[test]
    fn a_flat_series_is_contention_and_the_model_reports_its_error() {
        let c = costs(&[
            ("api", 20.0),
            ("auth", 25.0),
            ("redis", 10.0),
            ("generator", 15.0),
        ]);
        let measured: Vec<Measured> = [(1, 4800.0), (2, 3950.0), (4, 4000.0), (8, 3900.0)]
            .iter()
            .map(|&(n, x)| Measured {
                replicas: n,
                auth_servers: 1,
                shards: 1,
                throughput: x,
            })
            .collect();
        let model = build(
            "session",
            "api",
            &vec![(c.clone(), Utilisation::new()); measured.len()],
            &BUDGET,
            &measured,
        );
        assert_eq!(model.points[3].capacity.bound, "auth");
        // The auth server bounds every size at 4000; the worst point is N=1 (4800 measured).
        assert!((model.capacity_error.unwrap() - 800.0 / 4800.0).abs() < 1e-9);
        let usl = model.usl.unwrap();
        assert!(usl.sigma > 0.5, "{usl:?}");
        assert!((model.efficiency[3].1 - 3900.0 / (8.0 * 4800.0)).abs() < 1e-9);
        // Extrapolated with one auth server, the session flow stays at the auth tier.
        let at64 = model.extrapolated.last().unwrap();
        assert_eq!((at64.replicas, at64.capacity.bound.as_str()), (64, "auth"));
    }

    #[test]
    fn a_series_that_grows_by_shards_counts_every_tier_by_its_processes() {
        // Per request: 20 µs in an API replica, 40 in an auth server, 30 in Redis; two API
        // replicas and two auth servers come with each shard, 0.05 CPU each.
        let c = costs(&[("api", 20.0), ("auth", 40.0), ("redis", 30.0)]);
        let budget = Budget {
            cpus_per_server: 0.05,
            redis_cpus: 0.05,
            cores: 2.0,
            auth_grows: true,
            per_shard: Some(PerShard { api: 2, auth: 2 }),
        };
        let one = capacity(&c, &budget, 2, 2, 1, false);
        assert_eq!(one.bound, "redis");
        assert!((one.rps - 0.05e6 / 30.0).abs() < 1e-6);
        let three = capacity(&c, &budget, 6, 6, 3, false);
        assert!((three.rps - 3.0 * 0.05e6 / 30.0).abs() < 1e-6);

        let measured: Vec<Measured> = [(1, 1600.0), (2, 3100.0), (3, 4500.0)]
            .iter()
            .map(|&(n, x)| Measured {
                replicas: 2 * n,
                auth_servers: 2 * n,
                shards: n,
                throughput: x,
            })
            .collect();
        let model = build(
            "session",
            "api+auth+redis",
            &vec![(c.clone(), Utilisation::new()); measured.len()],
            &budget,
            &measured,
        );
        // Efficiency and the USL count shards, not API replicas.
        assert_eq!(model.efficiency[2].0, 3);
        assert!((model.efficiency[2].1 - 4500.0 / (3.0 * 1600.0)).abs() < 1e-9);
        assert!((model.usl.unwrap().lambda - 1600.0).abs() < 200.0);
        let at8 = &model.extrapolated[0];
        assert_eq!((at8.replicas, at8.auth_servers, at8.shards), (16, 16, 8));
        assert_eq!(at8.capacity.bound, "redis");
    }
}
