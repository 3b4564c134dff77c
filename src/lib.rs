//! authbench
