//! Credentials in cookies: the `__Host-` prefix when `Secure`, and no state change from
//! another site's page.

use authbench_core::settings::ApiMode;
use serde_json::{Value, json};

use crate::helpers::{ADMIN, TestSystem, spawn_system, spawn_system_with};

async fn create_with_cookie(
    system: &TestSystem,
    mode: ApiMode,
    cookie: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = system
        .client
        .post(format!("{}/api/departments", system.api(mode)))
        .header("cookie", cookie)
        .json(&json!({"name": "Forged"}));
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn cookie_for(system: &TestSystem, mode: ApiMode, credential: &str) -> String {
    let cookies = &system.settings.cookies;
    let name = if mode.takes_session_ids() {
        cookies.session_cookie()
    } else {
        cookies.token_cookie()
    };
    format!("{name}={credential}")
}

#[tokio::test]
async fn a_page_on_another_site_cannot_change_state_with_the_users_cookie() {
    let system = spawn_system().await;

    // API keys are never taken from a cookie (see the next test).
    for mode in ApiMode::ALL.into_iter().filter(|m| *m != ApiMode::ApiKey) {
        let credential = system.credential(mode, ADMIN).await;
        let cookie = cookie_for(&system, mode, &credential);
        let own = system.api(mode).to_string();

        for (case, headers) in [
            ("Origin of another site", vec![("origin", "https://evil.example")]),
            (
                "Referer of another site",
                vec![("referer", "https://evil.example/page")],
            ),
            (
                "Sec-Fetch-Site: cross-site",
                vec![("sec-fetch-site", "cross-site")],
            ),
            ("opaque Origin", vec![("origin", "null")]),
        ] {
            let response = create_with_cookie(&system, mode, &cookie, &headers).await;
            assert_eq!(response.status(), 403, "{mode}: {case}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"], "invalid_request", "{mode}: {case}");
        }
        // The same request from the API's own origin, or with no browser headers at all.
        let response = create_with_cookie(&system, mode, &cookie, &[("origin", own.as_str())]).await;
        assert_eq!(response.status(), 201, "{mode}: own origin");
        assert_eq!(
            create_with_cookie(&system, mode, &cookie, &[]).await.status(),
            201,
            "{mode}: no Origin"
        );
        // A bearer header is never sent by a browser on its own: any origin may use it.
        let response = system
            .client
            .post(format!("{}/api/departments", system.api(mode)))
            .bearer_auth(&credential)
            .header("origin", "https://other.example")
            .json(&json!({"name": "Bearer"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{mode}: bearer");
    }
}

#[tokio::test]
async fn a_cross_site_logout_with_the_cookie_is_refused_and_the_session_lives_on() {
    let system = spawn_system().await;
    let id = system.session_of(ADMIN).await;

    let response = system
        .client
        .post(format!("{}/logout", system.session_auth))
        .header("cookie", format!("session_id={id}"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    assert_eq!(system.get(ApiMode::Session, "/api/me", &id).await.status(), 200);
}

#[tokio::test]
async fn secure_cookies_carry_the_host_prefix_and_the_api_reads_them_by_that_name() {
    let system = spawn_system_with(|s| s.cookies.secure = true).await;

    let response = system
        .client
        .post(format!("{}/login", system.session_auth))
        .json(&json!({"username": ADMIN.0, "password": ADMIN.1}))
        .send()
        .await
        .unwrap();
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
    let id = response.json::<Value>().await.unwrap()["session_id"]
        .as_str()
        .unwrap()
        .to_string();

    assert!(set_cookie.starts_with("__Host-session_id="), "{set_cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{attribute}: {set_cookie}");
    }
    assert!(!set_cookie.contains("Domain"), "{set_cookie}");

    let read = |cookie: String| {
        system
            .client
            .get(format!("{}/api/me", system.api(ApiMode::Session)))
            .header("cookie", cookie)
            .send()
    };
    assert_eq!(
        read(format!("__Host-session_id={id}")).await.unwrap().status(),
        200
    );
    assert_eq!(
        read(format!("session_id={id}")).await.unwrap().status(),
        401,
        "the unprefixed name"
    );

    let tokens: Value = system
        .client
        .post(format!("{}/login", system.jwt_auth))
        .json(&json!({"username": ADMIN.0, "password": ADMIN.1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let response = system
        .client
        .get(format!("{}/api/me", system.api(ApiMode::Jwt)))
        .header("cookie", format!("__Host-access_token={access}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
