//! What both architectures share: typed settings, telemetry, the user directory and
//! password hashing, the one `Identity` type handlers see, JWT claims, the Redis session
//! store, the JWT denylist, role changes every server sees, bearer-credential parsing,
//! and the mapping of authentication failures to HTTP answers (RFC 6750).
//!
//! It owns no server: the session auth server, the JWT auth server and the API server
//! are separate crates built on these pieces, so a difference measured between the two
//! flows comes from the architecture and not from two copies of the same code.

pub mod claims;
pub mod credential;
pub mod csrf;
pub mod database;
pub mod denylist;
pub mod error;
pub mod flows;
pub mod identity;
pub mod jws;
pub mod openapi;
pub mod redis_conn;
pub mod roles;
pub mod secret;
pub mod server;
pub mod session_store;
pub mod settings;
pub mod telemetry;
pub mod throttle;
pub mod time;
pub mod users;

pub use error::AuthError;
pub use identity::Identity;
pub use settings::{Profile, Settings};
