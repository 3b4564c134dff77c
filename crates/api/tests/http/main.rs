//! The API server in each mode, over real HTTP, with both auth servers and a real Redis.

mod asymmetric;
mod helpers;
mod jwt_tokens;
mod outage;
mod revocation;
mod routes;
mod sessions;
