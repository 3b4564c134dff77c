//! A TCP proxy on loopback that the tests and the workbench put on a link (API server to
//! auth server, auth server to Redis) to cut it or stall it, the way a crashed or frozen
//! dependency would, without touching the dependency itself.
//!
//! Modes:
//! - [`Mode::Pass`]: bytes flow both ways;
//! - [`Mode::Refuse`]: the port stops listening (connection refused) and open connections
//!   are closed: what a stopped process looks like;
//! - [`Mode::Blackhole`]: connections are accepted and kept open, but nothing is
//!   forwarded or answered: what a frozen or overloaded process looks like.
//!
//! [`DelayLink`] is the other kind of link: it forwards everything, each way a configured
//! time late, for what a real network hop adds.

pub mod delay;

pub use delay::DelayLink;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Pass,
    Refuse,
    Blackhole,
}

/// A running proxy. Dropping it closes the port and every connection.
pub struct LinkProxy {
    addr: SocketAddr,
    mode: watch::Sender<Mode>,
    accepted: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl LinkProxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> io::Result<LinkProxy> {
        let listener = listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = listener.local_addr()?;
        let (mode, mode_rx) = watch::channel(Mode::Pass);
        let accepted = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(supervise(
            Some(listener),
            addr,
            upstream,
            mode_rx,
            accepted.clone(),
        ));
        Ok(LinkProxy {
            addr,
            mode,
            accepted,
            task,
        })
    }

    /// Where clients should connect instead of the upstream.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn set_mode(&self, mode: Mode) {
        let _ = self.mode.send(mode);
    }

    pub fn mode(&self) -> Mode {
        *self.mode.borrow()
    }

    /// How many connections the proxy has accepted so far: how a test sees whether a
    /// client reuses its connections or opens new ones.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }
}

impl Drop for LinkProxy {
    fn drop(&mut self) {
        let _ = self.mode.send(Mode::Refuse);
        self.task.abort();
    }
}

fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    // The port is reopened after a Refuse period; do not wait for TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

async fn supervise(
    mut listener: Option<TcpListener>,
    addr: SocketAddr,
    upstream: SocketAddr,
    mut mode_rx: watch::Receiver<Mode>,
    accepted: Arc<AtomicU64>,
) {
    loop {
        let mode = *mode_rx.borrow_and_update();
        if mode == Mode::Refuse {
            listener = None;
            if mode_rx.changed().await.is_err() {
                return;
            }
            continue;
        }
        if listener.is_none() {
            match listen(addr) {
                Ok(l) => listener = Some(l),
                Err(e) => {
                    tracing::warn!(%addr, error = %e, "link proxy cannot reopen its port; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            }
        }
        let Some(active) = listener.as_ref() else { continue };
        tokio::select! {
            accepted_connection = active.accept() => {
                if let Ok((client, _)) = accepted_connection {
                    accepted.fetch_add(1, Ordering::Relaxed);
                    let _ = client.set_nodelay(true);
                    tokio::spawn(connection(client, upstream, mode_rx.clone()));
                }
            }
            changed = mode_rx.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

async fn connection(mut client: TcpStream, upstream: SocketAddr, mut mode_rx: watch::Receiver<Mode>) {
    let mode = *mode_rx.borrow_and_update();
    if mode == Mode::Pass {
        let Ok(mut server) = TcpStream::connect(upstream).await else {
            return;
        };
        let _ = server.set_nodelay(true);
        tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => return,
            _ = mode_rx.changed() => {}
        }
        if *mode_rx.borrow_and_update() != Mode::Blackhole {
            return;
        }
        drop(server);
    }
    // Blackhole: hold the client's connection open, swallow what it sends, answer nothing,
    // until the mode changes (then close it).
    let mut sink = [0u8; 4096];
    loop {
        tokio::select! {
            read = client.read(&mut sink) => {
                if matches!(read, Ok(0) | Err(_)) {
                    return;
                }
            }
            _ = mode_rx.changed() => return,
        }
    }
}

/// Polls `check` every 100 ms until it returns true or `within` passes; `true` if it did.
/// What a test uses to wait for a system to notice that a link changed.
pub async fn eventually<F, Fut>(within: std::time::Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;

    async fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = s.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        addr
    }

    async fn round_trip(addr: SocketAddr) -> io::Result<Vec<u8>> {
        let mut s = TcpStream::connect(addr).await?;
        s.write_all(b"ping").await?;
        let mut buf = [0u8; 4];
        tokio::time::timeout(Duration::from_millis(300), s.read_exact(&mut buf))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no answer"))??;
        Ok(buf.to_vec())
    }

    #[tokio::test]
    async fn pass_forwards_refuse_refuses_blackhole_stalls_and_pass_recovers() {
        let proxy = LinkProxy::start(echo_server().await).await.unwrap();
        assert_eq!(round_trip(proxy.addr()).await.unwrap(), b"ping");

        proxy.set_mode(Mode::Refuse);
        tokio::time::sleep(Duration::from_millis(50)).await;
        let refused = TcpStream::connect(proxy.addr()).await;
        assert_eq!(refused.unwrap_err().kind(), io::ErrorKind::ConnectionRefused);

        proxy.set_mode(Mode::Blackhole);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            round_trip(proxy.addr()).await.unwrap_err().kind(),
            io::ErrorKind::TimedOut
        );

        proxy.set_mode(Mode::Pass);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(round_trip(proxy.addr()).await.unwrap(), b"ping");
    }
}
