//! The API server: the same protected routes in every mode, so that the session flow and
//! the JWT flow are compared on identical work.
//!
//! How a credential is checked is configuration (`api.mode`), and lives in one
//! [`verifier::Verifier`] per flow:
//! - `session`: ask the session auth server's `/introspect` (the design note's Session
//!   process, steps 4-5), over a pooled keep-alive client;
//! - `session-redis`: read the session from Redis directly;
//! - `session-cached`: like `session`, reusing a positive answer for a configured time;
//! - `jwt`: verify the token's signature and claims locally (Self-Contained Token, step 4);
//! - `jwt-denylist`: like `jwt`, then one Redis read for revoked tokens (the hybrid).
//!
//! The authentication middleware puts one [`authbench_core::Identity`] into the request;
//! handlers read it and never know which mode ran.
//!
//! Routes: `GET /api/me`, `GET /api/departments`, `POST /api/departments` (role `admin`),
//! `GET /healthz`, `GET /readyz`.

pub mod departments;
pub mod middleware;
pub mod routes;
pub mod startup;
pub mod verifier;

pub use startup::{Application, BuildError};
