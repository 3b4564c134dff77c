//! The API server in each mode, over real HTTP, with both auth servers, a real Redis and a
//! real PostgreSQL.

mod asymmetric;
mod attacks;
mod cluster;
mod cookies;
mod database;
mod helpers;
mod openapi;
mod outage;
mod properties;
mod revocation;
mod rotation;
mod routes;
mod sessions;
