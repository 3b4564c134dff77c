//! Finding the primary through Redis Sentinel.
//!
//! The client side of Sentinel's protocol as its documentation describes it: ask the
//! sentinels in turn for the master's address (`SENTINEL get-master-addr-by-name`), then
//! ask that server its `ROLE` and take it only if it says `master` (a sentinel can still
//! name a demoted primary for a moment after a failover).

use std::time::Duration;

use redis::IntoConnectionInfo;

/// Where the sentinels are and which master they watch.
#[derive(Debug, Clone)]
pub struct SentinelTarget {
    pub master_name: String,
    /// `host:port` of each sentinel.
    pub sentinels: Vec<String>,
    /// Credentials and database for the primary, and the password the sentinels ask for
    /// (the same one); its host and port are not used.
    pub template: redis::ConnectionInfo,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("no sentinel named a primary for {master}: {tried}")]
    NoPrimary { master: String, tried: String },
}

impl SentinelTarget {
    pub fn new(master_name: &str, sentinels: &[String], url: &str) -> redis::RedisResult<SentinelTarget> {
        Ok(SentinelTarget {
            master_name: master_name.to_string(),
            sentinels: sentinels.to_vec(),
            template: url.into_connection_info()?,
        })
    }

    /// The primary's address, as the first sentinel that answers names it and the primary
    /// itself confirms.
    pub async fn primary(&self, timeout: Duration) -> Result<(String, u16), DiscoveryError> {
        let mut tried = Vec::new();
        for sentinel in &self.sentinels {
            match self.ask(sentinel, timeout).await {
                Ok(addr) => return Ok(addr),
                Err(reason) => tried.push(format!("{sentinel}: {reason}")),
            }
        }
        Err(DiscoveryError::NoPrimary {
            master: self.master_name.clone(),
            tried: tried.join("; "),
        })
    }

    /// The connection settings for a server at `host:port`, with the template's credentials.
    pub fn info_for(&self, host: &str, port: u16) -> redis::ConnectionInfo {
        self.template
            .clone()
            .set_addr(redis::ConnectionAddr::Tcp(host.to_string(), port))
    }

    async fn ask(&self, sentinel: &str, timeout: Duration) -> Result<(String, u16), String> {
        let (host, port) = split_addr(sentinel)?;
        let info = self.info_for(&host, port);
        // Sentinels have no databases.
        let redis = info.redis_settings().clone().set_db(0);
        let info = info.set_redis_settings(redis);
        let (host, port) = one_call(info, timeout, |mut conn| async move {
            redis::cmd("SENTINEL")
                .arg("get-master-addr-by-name")
                .arg(&self.master_name)
                .query_async::<Option<(String, u16)>>(&mut conn)
                .await
        })
        .await?
        .ok_or_else(|| format!("does not know {}", self.master_name))?;
        let role = one_call(self.info_for(&host, port), timeout, |mut conn| async move {
            redis::cmd("ROLE").query_async::<redis::Value>(&mut conn).await
        })
        .await?;
        if role_is_master(&role) {
            Ok((host, port))
        } else {
            Err(format!("names {host}:{port}, which is not a master yet"))
        }
    }
}

/// Whether a `ROLE` answer says `master`.
pub fn role_is_master(role: &redis::Value) -> bool {
    match role {
        redis::Value::Array(items) => matches!(
            items.first(),
            Some(redis::Value::BulkString(b)) if b.as_slice() == b"master"
        ),
        _ => false,
    }
}

/// One call on a connection of its own, all within `timeout`.
async fn one_call<T, F, Fut>(info: redis::ConnectionInfo, timeout: Duration, call: F) -> Result<T, String>
where
    F: FnOnce(redis::aio::MultiplexedConnection) -> Fut,
    Fut: std::future::Future<Output = redis::RedisResult<T>>,
{
    let work = async {
        let client = redis::Client::open(info).map_err(|e| e.to_string())?;
        let conn = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| e.to_string())?;
        call(conn).await.map_err(|e| e.to_string())
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| format!("no answer within {timeout:?}"))?
}

pub(super) fn split_addr(addr: &str) -> Result<(String, u16), String> {
    let (host, port) = addr
        .rsplit_once(':')
        .ok_or_else(|| format!("{addr} is not host:port"))?;
    let port = port.parse().map_err(|_| format!("{addr} has no valid port"))?;
    Ok((host.trim_matches(['[', ']']).to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_answer_is_read_as_master_only_when_it_says_so() {
        let answer =
            |role: &str| redis::Value::Array(vec![redis::Value::BulkString(role.as_bytes().to_vec())]);
        assert!(role_is_master(&answer("master")));
        assert!(!role_is_master(&answer("slave")));
        assert!(!role_is_master(&redis::Value::Nil));
    }

    #[test]
    fn sentinel_addresses_are_split_into_host_and_port() {
        assert_eq!(
            split_addr("127.0.0.1:26379").unwrap(),
            ("127.0.0.1".into(), 26379)
        );
        assert_eq!(split_addr("[::1]:26379").unwrap(), ("::1".into(), 26379));
        assert!(split_addr("sentinel").is_err());
    }
}
