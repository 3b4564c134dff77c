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

/// Trades each virtual user's access token (its `Authorization` header) for an API key
/// issued at the JWT auth server `auth`, for the `api-key` flow.
pub async fn trade_for_api_keys(
    auth: &str,
    users: Vec<Vec<(HeaderName, HeaderValue)>>,
) -> anyhow::Result<Vec<Vec<(HeaderName, HeaderValue)>>> {
    let client = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, headers) in users.into_iter().enumerate() {
        let (client, auth) = (client.clone(), auth.to_string());
        tasks.spawn(async move {
            let bearer = headers
                .iter()
                .find(|(name, _)| *name == AUTHORIZATION)
                .map(|(_, value)| value.to_str().unwrap_or_default().to_string())
                .context("a virtual user without an access token")?;
            let key = issue_key(&client, &auth, &bearer).await?;
            anyhow::Ok((
                i,
                vec![(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {key}"))?)],
            ))
        });
    }
    let mut traded = Vec::new();
    while let Some(done) = tasks.join_next().await {
        traded.push(done.context("a key task failed")??);
    }
    traded.sort_by_key(|(i, _)| *i);
    Ok(traded.into_iter().map(|(_, headers)| headers).collect())
}

/// Issues an API key at the JWT auth server `auth` for the holder of `authorization`
/// (`Bearer <access token>`); returns the key.
pub async fn issue_key(client: &reqwest::Client, auth: &str, authorization: &str) -> anyhow::Result<String> {
    let answer: serde_json::Value = client
        .post(format!("{auth}/api-keys"))
        .header(reqwest::header::AUTHORIZATION, authorization)
        .json(&serde_json::json!({ "name": "workbench" }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    answer["key"]
        .as_str()
        .map(str::to_string)
        .context("the key answer held no key")
}
