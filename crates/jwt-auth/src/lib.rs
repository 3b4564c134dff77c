//! The JWT auth server of the design note's Self-Contained Token architecture.
//!
//! It checks a user's password, fetches the roles, and signs them into a short-lived
//! access token and a longer refresh token (steps 1-2 of the note's process). A login
//! writes nothing: the API server verifies access tokens on its own with the shared
//! secret (HS256) or the public keys this server publishes as a JWKS. Redis holds only
//! what revocation needs: refresh-token families, the denylist of revoked access tokens,
//! and role changes.
//!
//! Routes: `POST /login` and `POST /refresh` (simple JSON), `POST /oauth/token`,
//! `POST /oauth/revoke`, `POST /oauth/introspect` (RFC 6749, 7009, 7662),
//! `GET /.well-known/jwks.json`, `GET /healthz`, `GET /readyz`.

pub mod clients;
pub mod families;
pub mod keys;
pub mod routes;
pub mod startup;
pub mod tokens;

pub use startup::{Application, BuildError};
