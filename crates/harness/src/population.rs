//! A user directory of many users for a load run: where the keys of each user's sessions
//! sit matters (a Redis Cluster keeps each user's in one slot), so a load from two demo
//! users would land on two shards at most.

use std::path::{Path, PathBuf};

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};

/// `count` users (`bench-00000`, ...), all with the role `user` and one random password,
/// in a users file of their own; the file's folder is removed on drop.
pub struct Population {
    dir: PathBuf,
    file: PathBuf,
    names: Vec<String>,
    password: SecretString,
}

impl Population {
    /// Writes the users file. The password is hashed once (argon2id, as the directory
    /// expects) and the hash shared: logging the users in costs what it always does, and
    /// writing the file costs one hash.
    pub fn create(count: usize) -> anyhow::Result<Population> {
        let password = authbench_core::secret::random_secret();
        let hash = authbench_core::users::hash_password(&password)
            .map_err(|e| anyhow::anyhow!("cannot hash the population's password: {e}"))?;
        let dir = std::env::temp_dir().join(format!(
            "authbench-population-{}-{}",
            std::process::id(),
            authbench_core::secret::random_id()
        ));
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let names: Vec<String> = (0..count.max(1)).map(|i| format!("bench-{i:05}")).collect();
        let mut yaml = String::from("users:\n");
        for name in &names {
            yaml.push_str(&format!(
                "  - username: {name}\n    password_hash: \"{hash}\"\n    roles: [user]\n"
            ));
        }
        let file = dir.join("users.yaml");
        std::fs::write(&file, yaml).with_context(|| format!("cannot write {}", file.display()))?;
        Ok(Population {
            dir,
            file,
            names,
            password,
        })
    }

    /// The users file, for `APP_USERS_FILE`.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// User `i`'s name and password (the users taken in turn).
    pub fn credentials(&self, i: usize) -> (&str, &str) {
        (&self.names[i % self.names.len()], self.password.expose_secret())
    }
}

impl Drop for Population {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_population_is_a_users_file_the_directory_loads_and_that_goes_away() {
        let population = Population::create(3).unwrap();
        let directory = authbench_core::users::UserDirectory::load(population.file()).unwrap();
        assert_eq!(
            directory.roles_of("bench-00002").await.unwrap(),
            Some(vec!["user".to_string()])
        );
        assert_eq!(population.credentials(4).0, "bench-00001");
        let dir = population.file().parent().unwrap().to_path_buf();
        drop(population);
        assert!(!dir.exists());
    }
}
