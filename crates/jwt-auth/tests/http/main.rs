//! The JWT auth server over real HTTP. It keeps no state, so no Redis is involved.

mod helpers;
mod jwks;
mod login;
mod refresh;
