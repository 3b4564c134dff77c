//! `workbench logins`'s command line, turned into [`logins::Options`].

use clap::Args;
use experiments::logins::{self, *};

use super::shared::{OutArgs, RunArgs};

#[derive(Args, Debug, Clone)]
pub struct LoginsArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Virtual users of the login runs (`--connections` sets the refresh runs'). A login
    /// hashes with argon2id, 19 MiB of memory each by default: many at once on a few cores
    /// measure cache thrashing more than the login.
    #[arg(long, default_value_t = DEFAULT_LOGIN_CONNECTIONS)]
    pub login_connections: usize,
    #[command(flatten)]
    pub output: OutArgs,
}

impl From<LoginsArgs> for logins::Options {
    fn from(a: LoginsArgs) -> Self {
        logins::Options {
            run: a.run.into(),
            login_connections: a.login_connections,
            out: a.output.out,
        }
    }
}
