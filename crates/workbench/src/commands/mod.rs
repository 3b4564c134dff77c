//! One module per workbench command.

pub mod compare;
pub mod db;
pub mod hash_password;
pub mod probe;
pub mod serve;
pub mod up;
