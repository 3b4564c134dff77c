//! The session auth server of the design note's Session architecture.
//!
//! It checks a user's password, keeps the session in Redis and hands out an opaque
//! session id (steps 1-2 of the note's Session process), and answers the API server's
//! question "is this session id valid, and whose is it?" (step 5) at `/introspect`, in the
//! shape of RFC 7662. It does not serve the protected API; the `api` crate does.
//!
//! Routes: `POST /login`, `POST /logout`, `POST /introspect`, `POST /revoke` (RFC 7009),
//! `GET /healthz`, `GET /readyz`.

pub mod routes;
pub mod startup;

pub use startup::{Application, BuildError};
