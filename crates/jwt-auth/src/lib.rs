//! The JWT auth server of the design note's Self-Contained Token architecture.
//!
//! It checks a user's password, fetches the roles, and signs them into a short-lived
//! access token and a longer refresh token (steps 1-2 of the note's process). It keeps
//! no per-user state: the API server verifies access tokens on its own with the shared
//! secret (HS256) or the public keys this server publishes as a JWKS.
//!
//! Routes: `POST /login`, `POST /refresh`, `GET /.well-known/jwks.json`, `GET /healthz`,
//! `GET /readyz`.

pub mod keys;
pub mod routes;
pub mod startup;
pub mod tokens;

pub use startup::{Application, BuildError};
