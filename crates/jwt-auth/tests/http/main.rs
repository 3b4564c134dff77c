//! The JWT auth server over real HTTP, with a real Redis for refresh-token families, the
//! denylist and role changes.

mod helpers;
mod jwks;
mod login;
mod oauth;
mod refresh;
