//! Each server serves its OpenAPI 3 document, generated from its handlers, with the bearer
//! and cookie security schemes.

use authbench_core::settings::ApiMode;
use serde_json::Value;

use crate::helpers::spawn_system;

#[tokio::test]
async fn every_server_serves_an_openapi_document_of_its_routes_with_bearer_and_cookie_schemes() {
    let system = spawn_system().await;
    let servers = [
        (
            system.session_auth.clone(),
            vec![
                "/login",
                "/logout",
                "/introspect",
                "/revoke",
                "/healthz",
                "/readyz",
            ],
        ),
        (
            system.jwt_auth.clone(),
            vec![
                "/login",
                "/refresh",
                "/oauth/token",
                "/oauth/revoke",
                "/oauth/introspect",
                "/.well-known/jwks.json",
                "/api-keys",
                "/api-keys/{id}",
                "/healthz",
                "/readyz",
            ],
        ),
        (
            system.api(ApiMode::Jwt).to_string(),
            vec![
                "/api/me",
                "/api/departments",
                "/public/departments",
                "/healthz",
                "/readyz",
            ],
        ),
    ];

    for (url, routes) in servers {
        let doc: Value = system
            .client
            .get(format!("{url}/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();

        assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{url}");
        let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
        let mut documented: Vec<&str> = paths.iter().map(|p| p.as_str()).collect();
        documented.sort_unstable();
        let mut expected = routes.clone();
        expected.sort_unstable();
        assert_eq!(documented, expected, "{url}");
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["bearer"]["scheme"], "bearer", "{url}");
        assert_eq!(schemes["session_cookie"]["in"], "cookie", "{url}");
        assert_eq!(schemes["session_cookie"]["name"], "session_id", "{url}");
        assert_eq!(schemes["token_cookie"]["name"], "access_token", "{url}");
    }

    // A protected route names its schemes; the baseline names none.
    let api: Value = system
        .client
        .get(format!("{}/openapi.json", system.api(ApiMode::Session)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let security = &api["paths"]["/api/departments"]["post"]["security"];
    assert!(security.to_string().contains("bearer"), "{security}");
    assert!(api["paths"]["/public/departments"]["get"]["security"].is_null());
    assert!(api["paths"]["/api/departments"]["post"]["responses"]["403"].is_object());
}
