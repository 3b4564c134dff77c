//! `workbench probe <url>`: exits 0 when the URL answers 2xx within the timeout, 1
//! otherwise. The compose file's health checks use it, so the image needs no curl.

use std::time::Duration;

use clap::Args;
use results::units::parse_duration;

#[derive(Args)]
pub struct ProbeArgs {
    /// The URL to GET, e.g. http://127.0.0.1:8080/readyz.
    url: String,
    /// How long to wait for the answer.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    timeout: Duration,
}

pub async fn run(args: ProbeArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().timeout(args.timeout).build()?;
    let response = client.get(&args.url).send().await?;
    let status = response.status();
    anyhow::ensure!(status.is_success(), "{} answered {status}", args.url);
    Ok(())
}
