//! Allocations per request on the JWT route, counted by a counting allocator (this test
//! binary's own global allocator, counting only the thread under test).
//!
//! The JWT check should allocate nothing but the identity it hands to the handler: the
//! subject, the roles vector and each role. The route as a whole adds a fixed few for the
//! middleware's bookkeeping (the identity's slot in the request's extensions and the
//! `Server-Timing` header value), printed here beside the check's own count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, test as actix_test, web};
use api::middleware::{Authenticator, authenticate};
use api::verifier::{JwtVerifier, KeySource, SharedKey, Verifier};
use authbench_core::Identity;
use authbench_core::jws::VerifyKey;
use jwt_auth::keys::SigningKey;
use jwt_auth::tokens::{TokenIssuer, TokenPolicy};
use secrecy::SecretString;

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    // `try_with`: the thread's slots may already be gone while it exits.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations made on this thread while `run` runs.
fn allocations_in<T>(run: impl FnOnce() -> T) -> (usize, T) {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|on| on.set(true));
    let out = run();
    COUNTING.with(|on| on.set(false));
    (COUNT.with(Cell::get), out)
}

const SECRET: &str = "a-shared-secret-of-at-least-32-bytes!";
const ISSUER: &str = "https://auth.test";
const AUDIENCE: &str = "authbench-api";

fn token(roles: &[&str]) -> String {
    let issuer = TokenIssuer::new(
        SigningKey::hs256(&SecretString::from(SECRET)),
        TokenPolicy {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            access_ttl: Duration::from_secs(300),
            refresh_ttl: Duration::from_secs(3600),
            leeway: Duration::from_secs(0),
        },
    );
    let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
    issuer.issue_access("alice", &roles).unwrap().token
}

fn verifier() -> JwtVerifier {
    JwtVerifier::new(
        KeySource::Shared(vec![SharedKey {
            kid: authbench_core::secret::hmac_kid(&SecretString::from(SECRET)),
            key: VerifyKey::hs256(SECRET.as_bytes()),
            accepted_until: None,
        }]),
        ISSUER.into(),
        AUDIENCE.into(),
        Duration::from_secs(0),
    )
}

/// Polls a future that completes without waiting (the HS256 check never waits).
fn at_once<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the check waited"),
    }
}

#[test]
fn the_jwt_check_allocates_only_the_identity_it_hands_on() {
    let verifier = verifier();
    for roles in [vec!["user"], vec!["admin", "user"], vec![]] {
        let token = token(&roles);
        // Once before counting: lazily made statics are not a per-request cost.
        drop(at_once(verifier.verify(&token)).unwrap());
        let (count, identity) = allocations_in(|| at_once(verifier.verify(&token)).unwrap());
        let identity_allocations = 1 + usize::from(!roles.is_empty()) + roles.len();
        println!(
            "roles {roles:?}: the check made {count} allocations, the identity holds {identity_allocations}"
        );
        assert_eq!(identity.sub, "alice");
        assert_eq!(
            count, identity_allocations,
            "the check allocates exactly the subject, the roles vector and each role"
        );
    }
}

#[test]
fn a_refused_token_costs_no_more_than_its_error_message() {
    let verifier = verifier();
    let good = token(&["user"]);
    let (head, _) = good.rsplit_once('.').unwrap();
    let forged = format!("{head}.{}", "A".repeat(43));
    drop(at_once(verifier.verify(&forged)));
    let (count, verdict) = allocations_in(|| at_once(verifier.verify(&forged)));
    assert!(verdict.is_err());
    // The refusal's description is one String.
    assert_eq!(count, 1, "a forged token is refused before its claims are read");
}

async fn open() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// A layer that does nothing, to tell the authentication layer's allocations from those
/// of any `from_fn` layer.
async fn passthrough(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    next.call(req).await
}

async fn checked(identity: Identity) -> HttpResponse {
    drop(identity);
    HttpResponse::NoContent().finish()
}

#[actix_web::test]
async fn the_jwt_route_adds_the_identity_and_three_bookkeeping_allocations_to_an_open_route() {
    let auth = web::Data::new(Authenticator {
        verifier: Verifier::Jwt(Box::new(verifier())),
        cookie_name: "access_token".into(),
    });
    let app = actix_test::init_service(
        App::new()
            .service(
                web::scope("/plain")
                    .wrap(from_fn(passthrough))
                    .route("/open", web::get().to(open)),
            )
            .service(
                web::scope("/api")
                    .app_data(auth)
                    .wrap(from_fn(authenticate))
                    .route("/checked", web::get().to(checked)),
            ),
    )
    .await;
    let token = token(&["admin", "user"]);
    let mut counts = Vec::new();
    for path in ["/plain/open", "/api/checked"] {
        let call = || {
            actix_test::TestRequest::get()
                .uri(path)
                .insert_header(("Authorization", format!("Bearer {token}")))
                .to_request()
        };
        // Warm the service once, then count the calls themselves (the request is built
        // before counting: the client's allocations are not the server's).
        assert_eq!(actix_test::call_service(&app, call()).await.status(), 204);
        let mut least = usize::MAX;
        for _ in 0..5 {
            let request = call();
            COUNT.with(|c| c.set(0));
            COUNTING.with(|on| on.set(true));
            let response = actix_test::call_service(&app, request).await;
            COUNTING.with(|on| on.set(false));
            assert_eq!(response.status(), 204, "{path}");
            least = least.min(COUNT.with(Cell::get));
            drop(response);
        }
        counts.push(least);
    }
    let (open, checked) = (counts[0], counts[1]);
    let identity = 1 + 1 + 2;
    println!(
        "allocations per request: open route behind a pass-through layer {open}, JWT route {checked} \
         (the identity {identity}, the rest the layer's bookkeeping)"
    );
    // The bookkeeping: the request's extension map and the identity's box in it, and the
    // Server-Timing header value.
    assert!(
        checked <= open + identity + 3,
        "the JWT route made {checked} allocations against {open} on the open route: more than the \
         identity ({identity}), the extension map and slot and the Server-Timing value"
    );
}
