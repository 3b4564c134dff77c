//! One verifier per flow. Each turns a credential into an [`Identity`] or a refusal.

mod api_key;
mod cached;
mod denylist;
mod introspection;
mod jwt;
mod redis_session;
mod userdb;

pub use api_key::ApiKeyVerifier;
pub use cached::CachedIntrospectionVerifier;
pub use denylist::DenylistVerifier;
pub use introspection::{IntrospectionSetupError, IntrospectionVerifier};
pub use jwt::{JwksCache, JwtVerifier, KeySource, SharedKey};
pub use redis_session::RedisSessionVerifier;
pub use userdb::UserDbVerifier;

use authbench_core::settings::ApiMode;
use authbench_core::{AuthError, Identity};

/// How this API server checks credentials.
pub enum Verifier {
    Introspection(IntrospectionVerifier),
    RedisSession(RedisSessionVerifier),
    Jwt(Box<JwtVerifier>),
    CachedIntrospection(CachedIntrospectionVerifier),
    Denylist(Box<DenylistVerifier>),
    ApiKey(ApiKeyVerifier),
    UserDb(Box<UserDbVerifier>),
}

impl Verifier {
    pub fn mode(&self) -> ApiMode {
        match self {
            Verifier::Introspection(_) => ApiMode::Session,
            Verifier::RedisSession(_) => ApiMode::SessionRedis,
            Verifier::Jwt(_) => ApiMode::Jwt,
            Verifier::CachedIntrospection(_) => ApiMode::SessionCached,
            Verifier::Denylist(_) => ApiMode::JwtDenylist,
            Verifier::ApiKey(_) => ApiMode::ApiKey,
            Verifier::UserDb(_) => ApiMode::JwtUserdb,
        }
    }

    pub async fn verify(&self, credential: &str) -> Result<Identity, AuthError> {
        match self {
            Verifier::Introspection(v) => v.verify(credential).await,
            Verifier::RedisSession(v) => v.verify(credential).await,
            Verifier::Jwt(v) => v.verify(credential).await,
            Verifier::CachedIntrospection(v) => v.verify(credential).await,
            Verifier::Denylist(v) => v.verify(credential).await,
            Verifier::ApiKey(v) => v.verify(credential).await,
            Verifier::UserDb(v) => v.verify(credential).await,
        }
    }

    /// `Ok` when whatever this verifier depends on answers.
    pub async fn ready(&self) -> Result<(), AuthError> {
        match self {
            Verifier::Introspection(v) => v.ready().await,
            Verifier::RedisSession(v) => v.ready().await,
            Verifier::Jwt(v) => v.ready().await,
            Verifier::CachedIntrospection(v) => v.ready().await,
            Verifier::Denylist(v) => v.ready().await,
            Verifier::ApiKey(v) => v.ready().await,
            Verifier::UserDb(v) => v.ready().await,
        }
    }
}

/// The refusal for a session id that is not (or no longer) a live session.
pub(crate) fn inactive_session() -> AuthError {
    AuthError::invalid_token("the session is unknown, expired or logged out")
}
