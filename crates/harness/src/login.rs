//! Logging virtual users in through a flow's auth server.

use anyhow::Context;
use loadgen::header::{AUTHORIZATION, HeaderName, HeaderValue};
use serde::Deserialize;

/// The demo users from `configuration/users.yaml`; virtual users take them in turn.
pub const USERS: [(&str, &str); 2] = [("alice", "alice-demo-password"), ("bob", "bob-demo-password")];

/// Logs `count` virtual users in at the auth server `auth` (the demo users in turn) and
/// returns the header each one sends; with no auth server (the baseline), no header.
pub async fn log_in(auth: Option<&str>, count: usize) -> anyhow::Result<Vec<Vec<(HeaderName, HeaderValue)>>> {
    log_in_as(auth, count, |i| {
        let (user, password) = USERS[i % USERS.len()];
        (user.to_string(), password.to_string())
    })
    .await
}

/// [`log_in`] with virtual user `i` logging in as `user(i)` (name, password).
pub async fn log_in_as(
    auth: Option<&str>,
    count: usize,
    user: impl Fn(usize) -> (String, String),
) -> anyhow::Result<Vec<Vec<(HeaderName, HeaderValue)>>> {
    let Some(auth) = auth else {
        return Ok(vec![Vec::new(); count]);
    };
    let client = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let (name, password) = user(i);
        let (client, auth) = (client.clone(), auth.to_string());
        tasks.spawn(async move { anyhow::Ok((i, login(&client, &auth, (&name, &password)).await?)) });
    }
    let mut users = vec![Vec::new(); count];
    while let Some(done) = tasks.join_next().await {
        let (i, body) = done
            .context("a login task failed")?
            .context("a virtual user could not log in")?;
        let credential = body
            .session_id
            .or(body.access_token)
            .context("the login answer held neither session_id nor access_token")?;
        let value = HeaderValue::from_str(&format!("Bearer {credential}"))?;
        users[i] = vec![(AUTHORIZATION, value)];
    }
    Ok(users)
}

/// What a login at either auth server answers (the fields the workbench reads).
#[derive(Deserialize)]
pub struct LoginAnswer {
    pub session_id: Option<String>,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
}

/// One login of `(user, password)` at the auth server `auth`.
pub async fn login(
    client: &reqwest::Client,
    auth: &str,
    (user, password): (&str, &str),
) -> anyhow::Result<LoginAnswer> {
    Ok(client
        .post(format!("{auth}/login"))
        .json(&serde_json::json!({ "username": user, "password": password }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}
