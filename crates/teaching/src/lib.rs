//! The teaching demos. `workbench demo <scenario>`: the design note's two processes, live in the terminal,
//! numbered as the note numbers them (Session: 1-6; Self-Contained Token: 1-4). Each step
//! shows the real HTTP exchange, who talked to whom and how long each hop took.
//!
//! `demo web` serves the teaching page instead ([`web`]).
//!
//! The demo starts its own system in this process, like `workbench up`, with Redis behind
//! a link the `outage` scenario can cut, and with short lifetimes where a scenario waits
//! for something to expire.

mod narrator;
mod run;
mod scenarios;
mod system;
pub mod web;

pub use narrator::Lang;
pub use run::{Options, Scenario, run};
pub use system::{DemoSystem, SHORT_LIFETIME_SECS, WEB_LIFETIME_SECS, tampered};
