//! Cross-site request protection for routes that accept a cookie.
//!
//! Cookies are `SameSite=Lax`, so browsers leave them off cross-site POSTs already; this
//! check is the second layer OWASP recommends: a state-changing request (any method but
//! GET, HEAD, OPTIONS) that carries a cookie and no `Authorization` header must come from
//! this server's own origin or one the settings allow. The browser says where it comes
//! from in `Origin` (or `Referer`, or `Sec-Fetch-Site`); a request with none of them is not
//! from a browser page, so it cannot be a cross-site forgery, and passes. A bearer header is
//! never sent by a browser on its own, so requests that carry one pass too.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web;

use crate::error::json_error;

/// The origins allowed besides the server's own (`scheme://host[:port]`).
#[derive(Debug, Clone, Default)]
pub struct CsrfPolicy {
    pub allowed_origins: Vec<String>,
}

impl CsrfPolicy {
    /// Why this request is refused, if it is.
    pub fn refusal(&self, req: &actix_web::HttpRequest) -> Option<String> {
        if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
            return None;
        }
        let headers = req.headers();
        if !headers.contains_key(header::COOKIE) || headers.contains_key(header::AUTHORIZATION) {
            return None;
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let said = headers
            .get(header::ORIGIN)
            .or_else(|| headers.get(header::REFERER))
            .and_then(|v| v.to_str().ok());
        match said {
            Some(origin) => {
                let authority = authority_of(origin);
                let own = !host.is_empty() && authority.eq_ignore_ascii_case(host);
                let allowed = self
                    .allowed_origins
                    .iter()
                    .any(|o| authority_of(o).eq_ignore_ascii_case(authority));
                (!own && !allowed).then(|| format!("a cross-site request from {origin} was refused"))
            }
            None => {
                let site = headers
                    .get("sec-fetch-site")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("none");
                (site == "cross-site").then(|| "a cross-site request was refused".to_string())
            }
        }
    }
}

/// `host[:port]` of `scheme://host[:port][/path]` (`null` and other opaque origins give
/// themselves, which matches nothing).
fn authority_of(origin: &str) -> &str {
    let rest = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

/// The middleware: 403 `{"error": "invalid_request"}` for a refused request. Without a
/// `CsrfPolicy` in the app data, only the server's own origin is allowed.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let refusal = match req.app_data::<web::Data<CsrfPolicy>>() {
        Some(policy) => policy.refusal(req.request()),
        None => CsrfPolicy::default().refusal(req.request()),
    };
    if let Some(why) = refusal {
        tracing::warn!(path = %req.path(), "{why}");
        let response = json_error(StatusCode::FORBIDDEN, "invalid_request", &why);
        return Ok(req.into_response(response));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn post() -> TestRequest {
        TestRequest::post()
            .insert_header((header::HOST, "api.example:8080"))
            .insert_header((header::COOKIE, "session_id=abc"))
    }

    #[test]
    fn a_cookie_post_from_another_origin_is_refused() {
        let req = post()
            .insert_header((header::ORIGIN, "https://evil.example"))
            .to_http_request();
        assert!(CsrfPolicy::default().refusal(&req).is_some());
    }

    #[test]
    fn a_cookie_post_from_the_own_or_an_allowed_origin_passes() {
        let own = post()
            .insert_header((header::ORIGIN, "http://api.example:8080"))
            .to_http_request();
        assert!(CsrfPolicy::default().refusal(&own).is_none());
        let other = post()
            .insert_header((header::ORIGIN, "https://app.example"))
            .to_http_request();
        let policy = CsrfPolicy {
            allowed_origins: vec!["https://app.example".into()],
        };
        assert!(policy.refusal(&other).is_none());
    }

    #[test]
    fn a_cross_site_fetch_without_origin_is_refused() {
        let req = post()
            .insert_header(("sec-fetch-site", "cross-site"))
            .to_http_request();
        assert!(CsrfPolicy::default().refusal(&req).is_some());
    }

    #[test]
    fn bearer_requests_safe_methods_and_cookieless_requests_pass() {
        let evil = (header::ORIGIN, "https://evil.example");
        let bearer = post()
            .insert_header(evil.clone())
            .insert_header((header::AUTHORIZATION, "Bearer x"))
            .to_http_request();
        let get = TestRequest::get()
            .insert_header((header::COOKIE, "session_id=abc"))
            .insert_header(evil.clone())
            .to_http_request();
        let no_cookie = TestRequest::post().insert_header(evil).to_http_request();
        for req in [bearer, get, no_cookie] {
            assert!(CsrfPolicy::default().refusal(&req).is_none());
        }
    }
}
