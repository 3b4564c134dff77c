use crate::helpers::{USER, spawn_app};

#[tokio::test]
async fn logout_makes_the_session_id_useless_at_once() {
    let app = spawn_app().await;
    let id = app.session_of(USER).await;

    let response = app.logout(&id).await;

    assert_eq!(response.status(), 204);
    assert_eq!(app.introspection_of(&id).await["active"], false);
    assert_eq!(app.sessions_in_redis().await, 0);
}

#[tokio::test]
async fn logout_by_cookie_works_and_clears_the_cookie() {
    let app = spawn_app().await;
    let id = app.session_of(USER).await;

    let response = app
        .client
        .post(format!("{}/logout", app.address))
        .header("cookie", format!("session_id={id}"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 204);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("session_id=;"), "{cookie}");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    assert_eq!(app.introspection_of(&id).await["active"], false);
}

#[tokio::test]
async fn logout_without_a_credential_is_a_401_with_a_bare_challenge() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(format!("{}/logout", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"authbench\""
    );
}

#[tokio::test]
async fn a_second_logout_or_one_with_an_id_that_never_existed_is_refused_as_invalid() {
    let app = spawn_app().await;
    let id = app.session_of(USER).await;
    let never = authbench_core::session_store::new_session_id("bob").unwrap();

    assert_eq!(app.logout(&id).await.status(), 204);
    for credential in [id.as_str(), never.as_str()] {
        let response = app.logout(credential).await;
        assert_eq!(response.status(), 401);
        let challenge = response.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    }
}
