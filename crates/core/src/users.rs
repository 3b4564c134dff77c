//! The user directory: users, their argon2id password hashes and their roles. By default
//! loaded from a settings file and held in memory; given a database ([`crate::database`]),
//! the database the seeds mention ("the server retrieves the user's permissions from the
//! database"): login looks the user up, checks the password and fetches the roles there, and
//! the file only seeds it (`workbench db init`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::database::{Database, DbError};
use crate::error::LoginError;

/// A user as the directory file lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct UserRecord {
    pub username: String,
    /// PHC string, `$argon2id$v=19$m=...,t=...,p=...$salt$hash`.
    pub password_hash: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct UsersFile {
    users: Vec<UserRecord>,
}

/// A user who proved their password: the subject and the roles to put in a session or token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedUser {
    pub sub: String,
    pub roles: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("cannot read the user directory {path}: {source}")]
    Read {
        path: String,
        source: Box<config::ConfigError>,
    },
    #[error("user `{0}` has a password hash that is not a valid PHC string")]
    BadHash(String),
    #[error("user `{0}` is listed twice")]
    Duplicate(String),
    #[error("the user database's settings: {0}")]
    Database(DbError),
}

/// Users by name. Cheap to clone (shared).
#[derive(Clone)]
pub struct UserDirectory {
    /// The file's users (with a database, only what seeded it).
    users: Arc<HashMap<String, UserRecord>>,
    /// Verified instead of a real hash when the user does not exist, so that an unknown
    /// user and a wrong password cost the same time.
    dummy_hash: Arc<String>,
    /// Where the users live when not in the file.
    database: Option<Database>,
}

impl UserDirectory {
    pub fn load(path: &Path) -> Result<Self, DirectoryError> {
        let file: UsersFile = config::Config::builder()
            .add_source(config::File::from(path))
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|source| DirectoryError::Read {
                path: path.display().to_string(),
                source: Box::new(source),
            })?;
        Self::from_records(file.users)
    }

    pub fn from_records(records: Vec<UserRecord>) -> Result<Self, DirectoryError> {
        let mut users = HashMap::with_capacity(records.len());
        for record in records {
            if PasswordHash::new(&record.password_hash).is_err() {
                return Err(DirectoryError::BadHash(record.username));
            }
            let name = record.username.clone();
            if users.insert(name.clone(), record).is_some() {
                return Err(DirectoryError::Duplicate(name));
            }
        }
        // The dummy hash uses the parameters of a real user's hash, so both paths do the
        // same amount of work.
        let template = users.values().next().map(|u| u.password_hash.clone());
        let dummy_hash = match template.and_then(|h| params_of(&h)) {
            Some(params) => hash_with(params, "not a real password"),
            None => hash_password(&SecretString::from("not a real password")).ok(),
        }
        .unwrap_or_default();
        Ok(UserDirectory {
            users: Arc::new(users),
            dummy_hash: Arc::new(dummy_hash),
            database: None,
        })
    }

    /// The directory the settings describe: the users file, and the database when one is
    /// configured (then the database answers and the file is only its seed).
    pub fn from_settings(settings: &crate::Settings) -> Result<Self, DirectoryError> {
        let directory = Self::load(&settings.users_file)?;
        match Database::from_settings(settings).map_err(DirectoryError::Database)? {
            Some(database) => Ok(directory.with_database(database)),
            None => Ok(directory),
        }
    }

    /// This directory with its users in `database` instead of in memory.
    pub fn with_database(mut self, database: Database) -> Self {
        self.database = Some(database);
        self
    }

    /// The database the users live in, if not in the file.
    pub fn database(&self) -> Option<&Database> {
        self.database.as_ref()
    }

    /// The users the file lists (what seeds a database).
    pub fn records(&self) -> Vec<UserRecord> {
        let mut records: Vec<UserRecord> = self.users.values().cloned().collect();
        records.sort_by(|a, b| a.username.cmp(&b.username));
        records
    }

    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The roles of a user who exists (and, in a database, is not disabled), as the
    /// directory lists them now.
    pub async fn roles_of(&self, username: &str) -> Result<Option<Vec<String>>, DbError> {
        match &self.database {
            None => Ok(self.users.get(username).map(|u| u.roles.clone())),
            Some(db) => Ok(db
                .find_user(username)
                .await?
                .filter(|u| !u.disabled)
                .map(|u| u.roles)),
        }
    }

    /// Checks a password. An unknown user and a wrong password take the same time and
    /// give the same error. argon2id is CPU-bound work, so it runs on the blocking pool.
    pub async fn authenticate(
        &self,
        username: &str,
        password: SecretString,
    ) -> Result<AuthenticatedUser, LoginError> {
        let user = match &self.database {
            None => self.users.get(username).cloned(),
            Some(db) => db
                .find_user(username)
                .await
                .map_err(|e| LoginError::Unavailable(format!("the user database: {e}")))?
                // A disabled user is refused like an unknown one, after the same work.
                .filter(|u| !u.disabled)
                .map(|u| UserRecord {
                    username: u.username,
                    password_hash: u.password_hash,
                    roles: u.roles,
                }),
        };
        let hash = match &user {
            Some(u) => u.password_hash.clone(),
            None => self.dummy_hash.as_ref().clone(),
        };
        let verified = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|e| LoginError::Unexpected(anyhow::anyhow!("password check panicked: {e}")))?;
        match (user, verified) {
            (Some(user), true) => Ok(AuthenticatedUser {
                sub: user.username,
                roles: user.roles,
            }),
            _ => Err(LoginError::InvalidCredentials),
        }
    }
}

/// `true` when `password` matches the PHC string `hash`.
pub fn verify_password(password: &SecretString, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Hashes a new password with argon2id and the crate's default parameters
/// (m = 19 MiB, t = 2, p = 1: the OWASP recommendation), with a random salt.
pub fn hash_password(password: &SecretString) -> Result<String, argon2::password_hash::Error> {
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes())
        .map(|h| h.to_string())
}

fn params_of(hash: &str) -> Option<argon2::Params> {
    let parsed = PasswordHash::new(hash).ok()?;
    argon2::Params::try_from(&parsed).ok()
}

fn hash_with(params: argon2::Params, password: &str) -> Option<String> {
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(password.as_bytes())
        .ok()
        .map(|h| h.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory() -> UserDirectory {
        let hash = hash_password(&SecretString::from("right password")).unwrap();
        UserDirectory::from_records(vec![UserRecord {
            username: "carol".into(),
            password_hash: hash,
            roles: vec!["user".into()],
        }])
        .unwrap()
    }

    #[tokio::test]
    async fn the_right_password_gives_the_user_and_roles() {
        let user = directory()
            .authenticate("carol", SecretString::from("right password"))
            .await
            .unwrap();
        assert_eq!(
            user,
            AuthenticatedUser {
                sub: "carol".into(),
                roles: vec!["user".into()]
            }
        );
    }

    #[tokio::test]
    async fn a_wrong_password_and_an_unknown_user_give_the_same_error() {
        let dir = directory();
        let wrong = dir
            .authenticate("carol", SecretString::from("nope"))
            .await
            .unwrap_err();
        let unknown = dir
            .authenticate("mallory", SecretString::from("nope"))
            .await
            .unwrap_err();
        assert_eq!(wrong.to_string(), unknown.to_string());
        assert!(matches!(wrong, LoginError::InvalidCredentials));
        assert!(matches!(unknown, LoginError::InvalidCredentials));
    }

    #[test]
    fn the_dummy_hash_uses_the_same_parameters_as_real_users() {
        let dir = directory();
        let real = params_of(&dir.users["carol"].password_hash).unwrap();
        let dummy = params_of(&dir.dummy_hash).unwrap();
        assert_eq!(
            (real.m_cost(), real.t_cost(), real.p_cost()),
            (dummy.m_cost(), dummy.t_cost(), dummy.p_cost())
        );
    }

    #[test]
    fn a_hash_that_is_not_phc_is_refused_at_load() {
        let err = UserDirectory::from_records(vec![UserRecord {
            username: "dave".into(),
            password_hash: "plaintext".into(),
            roles: vec![],
        }]);
        assert!(matches!(err, Err(DirectoryError::BadHash(_))));
    }

    #[test]
    fn new_hashes_are_argon2id() {
        let hash = hash_password(&SecretString::from("x")).unwrap();
        assert!(hash.starts_with("$argon2id$"));
    }
}
