//! The session auth server over real HTTP, with a real Redis.

mod failover;
mod helpers;
mod introspect;
mod login;
mod logout;
mod outage;
mod revoke;
mod throttle;
