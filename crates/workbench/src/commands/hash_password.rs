//! `workbench hash-password`: reads a password from stdin and prints its argon2id hash,
//! ready to paste into `configuration/users.yaml`.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, bail};
use authbench_core::users::hash_password;
use secrecy::SecretString;

pub fn run() -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password (input is shown; pipe it in to keep it off the screen): ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("failed to read the password from stdin")?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        bail!("the password is empty");
    }
    let hash = hash_password(&SecretString::from(password.to_string()))
        .map_err(|e| anyhow::anyhow!("failed to hash the password: {e}"))?;
    println!("{hash}");
    Ok(())
}
