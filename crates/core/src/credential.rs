//! Finding the bearer credential in a request: the `Authorization: Bearer` header first,
//! then the login cookie. Only the syntax is checked here; what the credential means is
//! the verifier's business.

use std::borrow::Cow;

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::AuthError;

/// The longest credential accepted. Longer ones are refused with 431 before any parsing or
/// lookup (many servers and proxies refuse request headers past 8 KB anyway).
pub const MAX_CREDENTIAL_LEN: usize = 8 * 1024;

/// `Bearer ` before the token.
const SCHEME_LEN: usize = "Bearer ".len();

fn too_large(what: &str) -> AuthError {
    AuthError::HeaderTooLarge(format!("the {what} is longer than {MAX_CREDENTIAL_LEN} bytes"))
}

/// The credential of a request: the bearer token from `Authorization` (borrowed from the
/// header, no copy), else the value of the cookie named `cookie_name`.
pub fn extract<'r>(req: &'r HttpRequest, cookie_name: &str) -> Result<Cow<'r, str>, AuthError> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        if value.len() > MAX_CREDENTIAL_LEN + SCHEME_LEN {
            return Err(too_large("Authorization header's credential"));
        }
        let value = value
            .to_str()
            .map_err(|_| AuthError::invalid_token("the Authorization header is not ASCII"))?;
        return parse_bearer(value).map(Cow::Borrowed);
    }
    match req.cookie(cookie_name) {
        Some(cookie) => check_syntax(cookie.value()).map(|v| Cow::Owned(v.to_string())),
        None => Err(AuthError::MissingCredential),
    }
}

/// Parses `Bearer <token>` (RFC 6750 section 2.1). Another scheme counts as no credential
/// we understand, which gets the bare challenge telling the client which scheme to use.
pub fn parse_bearer(value: &str) -> Result<&str, AuthError> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::MissingCredential);
    }
    check_syntax(rest.trim())
}

/// RFC 6750 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn check_syntax(token: &str) -> Result<&str, AuthError> {
    if token.is_empty() {
        return Err(AuthError::invalid_token("the bearer token is empty"));
    }
    if token.len() > MAX_CREDENTIAL_LEN {
        return Err(too_large("bearer token"));
    }
    let body = token.trim_end_matches('=');
    let valid = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/'));
    if valid {
        Ok(token)
    } else {
        Err(AuthError::invalid_token(
            "the bearer token has characters RFC 6750 does not allow",
        ))
    }
}

/// The `(client_id, client_secret)` of an `Authorization: Basic` header, if well formed.
pub fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic_encoded(req)?)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Whether the request's HTTP Basic credential is exactly `client_id` and `secret` (the API
/// server's service credential at the auth servers' introspection), compared in constant
/// time.
pub fn is_service_caller(req: &HttpRequest, client_id: &str, secret: &secrecy::SecretString) -> bool {
    use base64::Engine;
    use secrecy::ExposeSecret;
    // Decoded into a stack buffer: the introspection hop runs this on every request.
    let mut decoded = [0u8; 512];
    let Some(encoded) = basic_encoded(req) else {
        return false;
    };
    let Ok(len) = base64::engine::general_purpose::STANDARD.decode_slice(encoded, &mut decoded) else {
        return false;
    };
    let decoded = &decoded[..len];
    let Some(colon) = decoded.iter().position(|&b| b == b':') else {
        return false;
    };
    let id_ok = crate::secret::constant_time_eq(&decoded[..colon], client_id.as_bytes());
    let secret_ok = crate::secret::constant_time_eq(&decoded[colon + 1..], secret.expose_secret().as_bytes());
    id_ok & secret_ok
}

/// The base64 part of an `Authorization: Basic ...` header.
fn basic_encoded(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("basic").then(|| encoded.trim())
}

/// The cookie that carries a credential to the browser: `HttpOnly` (scripts cannot read
/// it), `SameSite=Lax` (not sent on cross-site POSTs), `Path=/`, and `Secure` when the
/// settings ask for it (everywhere but the dev profile).
pub fn credential_cookie(
    name: &str,
    value: &str,
    secure: bool,
    max_age: std::time::Duration,
) -> actix_web::cookie::Cookie<'static> {
    actix_web::cookie::Cookie::build(name.to_string(), value.to_string())
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(actix_web::cookie::time::Duration::seconds(
            max_age.as_secs() as i64
        ))
        .finish()
}

/// A cookie that tells the browser to forget the credential cookie `name`.
pub fn removal_cookie(name: &str, secure: bool) -> actix_web::cookie::Cookie<'static> {
    let mut cookie = credential_cookie(name, "", secure, std::time::Duration::ZERO);
    cookie.make_removal();
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn a_bearer_header_gives_its_token() {
        assert_eq!(parse_bearer("Bearer abc.def-ghi").unwrap(), "abc.def-ghi");
        assert_eq!(parse_bearer("bearer   abc").unwrap(), "abc");
    }

    #[test]
    fn another_scheme_counts_as_no_credential() {
        assert!(matches!(
            parse_bearer("Basic dXNlcjpwYXNz"),
            Err(AuthError::MissingCredential)
        ));
    }

    #[test]
    fn an_empty_or_garbled_bearer_token_is_an_invalid_token() {
        assert!(matches!(parse_bearer("Bearer"), Err(AuthError::InvalidToken(_))));
        assert!(matches!(
            parse_bearer("Bearer a b"),
            Err(AuthError::InvalidToken(_))
        ));
        assert!(matches!(
            parse_bearer("Bearer ===="),
            Err(AuthError::InvalidToken(_))
        ));
        assert!(matches!(
            parse_bearer("Bearer {json}"),
            Err(AuthError::InvalidToken(_))
        ));
    }

    #[test]
    fn an_oversized_token_is_refused_before_any_parsing() {
        let long = format!("Bearer {}", "a".repeat(MAX_CREDENTIAL_LEN + 1));
        assert!(matches!(parse_bearer(&long), Err(AuthError::HeaderTooLarge(_))));
    }

    #[test]
    fn the_header_wins_over_the_cookie() {
        let req = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Bearer from-header"))
            .cookie(actix_web::cookie::Cookie::new("session_id", "from-cookie"))
            .to_http_request();
        assert_eq!(extract(&req, "session_id").unwrap(), "from-header");
    }

    #[test]
    fn the_cookie_is_used_when_there_is_no_header() {
        let req = TestRequest::default()
            .cookie(actix_web::cookie::Cookie::new("session_id", "from-cookie"))
            .to_http_request();
        assert_eq!(extract(&req, "session_id").unwrap(), "from-cookie");
    }

    #[test]
    fn no_header_and_no_cookie_is_a_missing_credential() {
        let req = TestRequest::default().to_http_request();
        assert!(matches!(
            extract(&req, "session_id"),
            Err(AuthError::MissingCredential)
        ));
    }

    #[test]
    fn only_the_exact_service_credential_is_a_service_caller() {
        use base64::Engine;
        let secret = secrecy::SecretString::from("s3cret-of-the-service");
        let basic = |raw: &str| {
            let header = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw));
            TestRequest::default()
                .insert_header((header::AUTHORIZATION, header))
                .to_http_request()
        };
        assert!(is_service_caller(
            &basic("api:s3cret-of-the-service"),
            "api",
            &secret
        ));
        // A colon in the secret belongs to the secret (RFC 7617 splits at the first one).
        assert!(!is_service_caller(
            &basic("api:s3cret-of-the-service:"),
            "api",
            &secret
        ));
        assert!(!is_service_caller(
            &basic("api:s3cret-of-the-servicE"),
            "api",
            &secret
        ));
        assert!(!is_service_caller(
            &basic("apx:s3cret-of-the-service"),
            "api",
            &secret
        ));
        assert!(!is_service_caller(&basic("api"), "api", &secret));
        assert!(!is_service_caller(
            &basic(&format!("api:{}", "x".repeat(600))),
            "api",
            &secret
        ));
        let bearer = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Bearer YXBpOnMzY3JldA"))
            .to_http_request();
        assert!(!is_service_caller(&bearer, "api", &secret));
        let garbled = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Basic !!!"))
            .to_http_request();
        assert!(!is_service_caller(&garbled, "api", &secret));
    }
}
