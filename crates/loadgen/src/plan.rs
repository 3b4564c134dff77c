//! What a run does: the mode, the virtual users, the targets, the request, how long.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use serde::Serialize;

/// How requests are paced.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Mode {
    /// A constant arrival rate (requests per second over all virtual users); latency is
    /// measured from each request's intended send time.
    Open { rate: f64 },
    /// Every virtual user sends as fast as answers come back.
    Closed,
}

/// When the measured part of a run ends (warm-up comes before it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stop {
    After(#[serde(with = "millis")] Duration),
    /// A number of measured requests (in open loop, `n / rate` seconds of arrivals).
    Requests(u64),
}

/// One HTTP server to send to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub addr: SocketAddr,
    /// The `Host` header value.
    pub host: String,
}

#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a target: expected http://IP:PORT (loopback or a project container)")]
pub struct TargetError(String);

impl Target {
    /// Parses `http://127.0.0.1:8080` (a trailing `/` or path is ignored).
    pub fn parse(url: &str) -> Result<Target, TargetError> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| TargetError(url.to_string()))?;
        let host = rest.split('/').next().unwrap_or(rest);
        let addr = host.parse().map_err(|_| TargetError(url.to_string()))?;
        Ok(Target {
            addr,
            host: host.to_string(),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.host)
    }
}

/// The request every virtual user repeats (with its own credential headers added).
#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub method: hyper::Method,
    /// Path and query, e.g. `/api/departments`.
    pub path: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

impl RequestSpec {
    pub fn get(path: &str) -> RequestSpec {
        RequestSpec {
            method: hyper::Method::GET,
            path: path.to_string(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }
}

/// How virtual users spread over several targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Balance {
    /// Every user holds a connection to every target and sends to them in turn (a layer-7
    /// balancer in front of the servers).
    #[default]
    PerRequest,
    /// User `i` holds one connection, to target `i mod targets` (a layer-4 balancer that
    /// pins each client connection to one server): each server sees users / targets
    /// connections.
    PerUser,
}

/// A whole run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub mode: Mode,
    /// Requests sent (open loop) or made (closed loop) but not recorded.
    pub warmup: Duration,
    pub stop: Stop,
    /// Where requests go, as [`Plan::balance`] says.
    pub targets: Vec<Target>,
    pub balance: Balance,
    pub request: RequestSpec,
    /// One entry per virtual user: the headers that carry its credential (empty for none).
    /// The number of entries is the number of virtual users, that is of connections per
    /// target.
    pub users: Vec<Vec<(HeaderName, HeaderValue)>>,
    /// A request with no answer after this long counts as a `timeout` error.
    pub request_timeout: Duration,
    /// The CPUs the generator runs on: one thread tied to each. Empty: one untied thread
    /// per CPU this process may use.
    pub generator_cpus: Vec<usize>,
}

impl Plan {
    pub fn connections(&self) -> usize {
        self.users.len()
    }

    /// The generator's threads: one per entry, tied to that CPU, or untied (`None`).
    pub(crate) fn threads(&self) -> Vec<Option<usize>> {
        if self.generator_cpus.is_empty() {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get());
            vec![None; n.min(self.users.len()).max(1)]
        } else {
            let n = self.generator_cpus.len().min(self.users.len()).max(1);
            self.generator_cpus[..n].iter().copied().map(Some).collect()
        }
    }
}

pub(crate) mod millis {
    use std::time::Duration;

    use serde::Serializer;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }
}
