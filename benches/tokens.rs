//! Per-credential CPU cost, away from HTTP, with criterion's statistics: the kernels of
//! `crates/token-costs` (issue and verify as the servers do them, the same through
//! jsonwebtoken, and the raw aws-lc-rs primitive on the same signing input) for every
//! algorithm, and making a session id (as the session auth server does at login).
//!
//! Per algorithm, in the group `jwt/<alg>`: `issue`, `verify`, `library_issue`,
//! `library_verify`, `raw_sign`, `raw_verify`, and for asymmetric keys
//! `raw_verify_parse_key`. `workbench report --criterion
//! target/criterion` charts these results.
//!
//! Run: `cargo bench --bench tokens`. Medians and spreads are criterion's own.

use authbench_core::session_store::new_session_id;
use authbench_core::settings::SigningAlgorithm;
use criterion::{Criterion, criterion_group, criterion_main};

fn tokens(c: &mut Criterion) {
    for alg in SigningAlgorithm::ALL {
        let mut group = c.benchmark_group(format!("jwt/{alg}"));
        for mut kernel in token_costs::kernels(alg) {
            group.bench_function(kernel.op.name(), |b| b.iter(&mut kernel.run));
        }
        group.finish();
    }
    c.bench_function("session/new_id", |b| b.iter(|| new_session_id("bench-00000")));
}

criterion_group!(benches, tokens);
criterion_main!(benches);
