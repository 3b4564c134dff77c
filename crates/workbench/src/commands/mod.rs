//! One module per workbench command.

pub mod hash_password;
pub mod serve;
pub mod up;
