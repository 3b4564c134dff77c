//! `jwt-floor`: the shortest path a Rust server can take to check an HS256 access token,
//! as a reference beside the API server's JWT route.
//!
//! One actix-web route, `GET /api/departments`, with the answer the API server gives; the
//! token checked in the handler with jsonwebtoken, its key and `Validation` built once at
//! start, and the same checks as the API server (signature by HS256 only, `typ: at+jwt`,
//! the active key's `kid`, issuer, audience, `nbf`, the required claims, and expiry exact
//! to the millisecond). Nothing else: no authentication layer, no identity handed on, no
//! CSRF guard, no `Server-Timing`, no key rotation. What the API server's JWT route costs
//! above this server is what its layering costs; what this server costs above its own
//! no-auth route (`/public/departments`) is the check itself.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, ResponseError, web};
use api::departments::Departments;
use authbench_core::claims::{is_access_typ, jwt_validation, unexpired};
use authbench_core::server::RunningServer;
use authbench_core::{AuthError, Settings};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::ExposeSecret;

/// What a token must satisfy, prepared once.
struct Check {
    key: DecodingKey,
    kid: String,
    validation: Validation,
    leeway: Duration,
}

/// The claims the floor reads: no more than the checks need.
#[derive(serde::Deserialize)]
struct Claims {
    exp: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Secret(#[from] authbench_core::secret::SecretError),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
}

pub struct Application;

impl Application {
    /// The floor server on the API server's listen settings (`api.listen`), checking tokens
    /// of the configured HS256 secret, issuer and audience.
    pub fn build(settings: &Settings) -> Result<RunningServer, BuildError> {
        let secret = settings.jwt_secret()?;
        let jwt = &settings.jwt;
        let leeway = Duration::from_secs(jwt.leeway_secs);
        let check = web::Data::new(Check {
            key: DecodingKey::from_secret(secret.expose_secret().as_bytes()),
            kid: authbench_core::secret::hmac_kid(&secret),
            validation: jwt_validation(Algorithm::HS256, &jwt.issuer, &jwt.audience, leeway),
            leeway,
        });
        let departments = web::Data::new(Departments::default());
        let server = authbench_core::serve!(&settings.api.listen, move || {
            App::new()
                .app_data(check.clone())
                .app_data(departments.clone())
                .route("/api/departments", web::get().to(list))
                .route("/public/departments", web::get().to(public))
                .route("/healthz", web::get().to(ok))
                .route("/readyz", web::get().to(ok))
        })?;
        tracing::info!(url = %server.url(), "JWT floor server listening");
        Ok(server)
    }
}

async fn list(
    req: HttpRequest,
    check: web::Data<Check>,
    departments: web::Data<Departments>,
) -> HttpResponse {
    match verify(&req, &check) {
        Ok(()) => HttpResponse::Ok().json(departments.list()),
        Err(refusal) => refusal.error_response(),
    }
}

async fn public(departments: web::Data<Departments>) -> HttpResponse {
    HttpResponse::Ok().json(departments.list())
}

async fn ok() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn verify(req: &HttpRequest, check: &Check) -> Result<(), AuthError> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(AuthError::MissingCredential)?;
    let data = jsonwebtoken::decode::<Claims>(token, &check.key, &check.validation)
        .map_err(|e| AuthError::invalid_token(authbench_core::claims::describe(&e)))?;
    if !is_access_typ(data.header.typ.as_deref()) {
        return Err(AuthError::invalid_token("this is not an access token"));
    }
    if data.header.kid.as_deref() != Some(check.kid.as_str()) {
        return Err(AuthError::invalid_token("the token names an unknown key (kid)"));
    }
    if !unexpired(data.claims.exp, check.leeway) {
        return Err(AuthError::invalid_token("the token has expired"));
    }
    Ok(())
}
