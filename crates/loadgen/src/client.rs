//! One keep-alive HTTP/1.1 connection, reconnected after an error.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::HOST;
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::plan::{RequestSpec, Target};

/// What happened to one request that got no HTTP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The TCP connection could not be opened.
    Connect,
    /// The connection closed or reset before the answer was complete.
    Closed,
    /// The bytes were not HTTP.
    Protocol,
    /// No answer within the request timeout.
    Timeout,
}

impl Failure {
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Failure::Connect => "connect",
            Failure::Closed => "closed",
            Failure::Protocol => "protocol",
            Failure::Timeout => "timeout",
        }
    }
}

pub(crate) struct Answer {
    pub status: u16,
    pub body_bytes: u64,
}

/// A virtual user's connection to one target.
pub(crate) struct Connection {
    target: Target,
    uri: Uri,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    pub(crate) fn new(target: Target, spec: &RequestSpec) -> Connection {
        let uri = spec.path.parse().unwrap_or_else(|_| Uri::from_static("/"));
        Connection {
            target,
            uri,
            sender: None,
        }
    }

    /// Opens the connection ahead of the first request (a failure is left for that request
    /// to report).
    pub(crate) async fn open(&mut self) {
        let _ = self.connect().await;
    }

    async fn connect(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, Failure> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(self.target.addr)
                .await
                .map_err(|_| Failure::Connect)?;
            let _ = stream.set_nodelay(true);
            let (sender, conn) = http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|_| Failure::Connect)?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("connected above"))
    }

    /// Sends one request and reads the whole answer. On any failure the connection is
    /// dropped, so the next request opens a new one.
    pub(crate) async fn send(
        &mut self,
        spec: &RequestSpec,
        credential: &[(hyper::header::HeaderName, hyper::header::HeaderValue)],
        timeout: std::time::Duration,
    ) -> Result<Answer, Failure> {
        let result = match tokio::time::timeout(timeout, self.exchange(spec, credential)).await {
            Ok(result) => result,
            Err(_) => Err(Failure::Timeout),
        };
        if result.is_err() {
            self.sender = None;
        }
        result
    }

    async fn exchange(
        &mut self,
        spec: &RequestSpec,
        credential: &[(hyper::header::HeaderName, hyper::header::HeaderValue)],
    ) -> Result<Answer, Failure> {
        let mut builder = Request::builder()
            .method(spec.method.clone())
            .uri(self.uri.clone())
            .header(HOST, self.target.host.as_str());
        for (name, value) in spec.headers.iter().chain(credential) {
            builder = builder.header(name, value);
        }
        let request = builder
            .body(Full::new(spec.body.clone()))
            .map_err(|_| Failure::Protocol)?;
        let sender = self.connect().await?;
        sender.ready().await.map_err(classify)?;
        let response = sender.send_request(request).await.map_err(classify)?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.map_err(classify)?;
        Ok(Answer {
            status,
            body_bytes: body.to_bytes().len() as u64,
        })
    }
}

fn classify(error: hyper::Error) -> Failure {
    if error.is_parse() || error.is_parse_status() {
        Failure::Protocol
    } else if error.is_timeout() {
        Failure::Timeout
    } else {
        Failure::Closed
    }
}
