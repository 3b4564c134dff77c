//! The API server in each mode, over real HTTP, with both auth servers and a real Redis.

mod asymmetric;
mod attacks;
mod cluster;
mod cookies;
mod helpers;
mod openapi;
mod outage;
mod properties;
mod revocation;
mod rotation;
mod routes;
mod sessions;
