//! The authentication layer in front of `/api`: find the credential, have the verifier
//! check it, and put the resulting [`Identity`] into the request for the handlers.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use std::io::Write;
use std::time::Instant;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpMessage, web};
use authbench_core::settings::ApiMode;
use authbench_core::{AuthError, credential};

/// `Server-Timing` (W3C): actix-web has no constant for it.
const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

use crate::verifier::Verifier;

/// What the authentication layer needs: the verifier and the cookie to look in.
pub struct Authenticator {
    pub verifier: Verifier,
    pub cookie_name: String,
}

pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let auth = req
        .app_data::<web::Data<Authenticator>>()
        .cloned()
        .ok_or_else(|| AuthError::unavailable("the authentication layer is not configured"))?;
    let (identity, took) = {
        let credential = credential::extract(req.request(), &auth.cookie_name)?;
        let started = Instant::now();
        (auth.verifier.verify(&credential).await?, started.elapsed())
    };
    req.extensions_mut().insert(identity);
    let mut response = next.call(req).await?;
    // How long checking the credential took, as a browser's devtools and the teaching demos
    // read it: the hop to the auth server, the read from Redis, or the local verification.
    // Written into a stack buffer: the header value is the one copy.
    let mut timing = [0u8; 128];
    let mut cursor = std::io::Cursor::new(&mut timing[..]);
    let written = write!(
        cursor,
        "auth;desc=\"{}\";dur={:.3}",
        hop(auth.verifier.mode()),
        took.as_secs_f64() * 1000.0
    );
    let len = cursor.position() as usize;
    if written.is_ok()
        && let Ok(value) = HeaderValue::from_bytes(&timing[..len])
    {
        response.headers_mut().insert(SERVER_TIMING, value);
    }
    Ok(response)
}

/// What checking a credential means in each mode, for the `Server-Timing` header.
fn hop(mode: ApiMode) -> &'static str {
    match mode {
        ApiMode::Session => "introspection at the session auth server",
        ApiMode::SessionRedis => "session read from Redis",
        ApiMode::Jwt => "signature verified locally",
        ApiMode::SessionCached => "introspection at the session auth server, or its cached answer",
        ApiMode::JwtDenylist => "signature verified locally, then the denylist read from Redis",
        ApiMode::ApiKey => "API key looked up in PostgreSQL",
        ApiMode::JwtUserdb => "signature verified locally, then the user read from PostgreSQL",
    }
}
