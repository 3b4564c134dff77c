//! authbench: the session architecture and the self-contained token (JWT) architecture of
//! the design note, built side by side and measured.
//!
//! This root package owns the criterion benches in `benches/` (`cargo bench` at the root);
//! the system itself lives in the crates under `crates/`:
//! `core` (shared pieces), `session-auth` and `jwt-auth` (the two auth servers), `api`
//! (the one API server, one verifier per flow), `redis-locator` and `linkproxy` (test and
//! workbench plumbing), and `workbench` (the CLI).
