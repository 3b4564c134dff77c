//! `workbench state`'s command line, turned into [`state::Options`].

use clap::Args;
use experiments::state::{self, *};

use super::shared::OutArgs;

#[derive(Args, Debug, Clone)]
pub struct StateArgs {
    #[command(flatten)]
    pub output: OutArgs,
    /// Numbers of live sessions to measure Redis at.
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_SESSIONS)]
    pub sessions: Vec<usize>,
    /// Role counts to size tokens at.
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_ROLES)]
    pub roles: Vec<usize>,
    /// Numbers of revoked tokens to measure the denylist at.
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_DENYLIST)]
    pub denylist: Vec<usize>,
    /// Numbers of API keys to measure PostgreSQL at (`--api-keys ''`: none, and no
    /// PostgreSQL needed).
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_API_KEYS)]
    pub api_keys: Vec<usize>,
}

impl From<StateArgs> for state::Options {
    fn from(a: StateArgs) -> Self {
        state::Options {
            out: a.output.out,
            sessions: a.sessions,
            roles: a.roles,
            denylist: a.denylist,
            api_keys: a.api_keys,
        }
    }
}
