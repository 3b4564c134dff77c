//! A server whose answer time is known: it answers every request a fixed time after the
//! request arrived, waiting on a microsecond timer (so the wait costs it no CPU), from one
//! thread of its own tied to the CPUs it is given. Against it, what a load generator reports
//! can be checked against what it should report, and two tools can be told apart from the
//! server they measure.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::timer::{PreciseTimer, settle_thread};

const ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok";

/// The reference server, running until dropped.
pub struct ReferenceServer {
    addr: SocketAddr,
    delay: Duration,
    tid: i32,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ReferenceServer {
    /// Starts a server on a free loopback port that answers `delay` after each request
    /// arrives, on a thread tied to `cpus` (empty: untied).
    pub fn start(delay: Duration, cpus: &[usize]) -> io::Result<ReferenceServer> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (tid_tx, tid_rx) = std::sync::mpsc::channel();
        let cpus = cpus.to_vec();
        let thread = std::thread::Builder::new()
            .name("reference-server".into())
            .spawn(move || {
                // SAFETY: gettid has no preconditions.
                let _ = tid_tx.send(unsafe { libc::gettid() });
                settle_thread(None);
                if !cpus.is_empty() {
                    // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET writes inside it.
                    unsafe {
                        let mut set: libc::cpu_set_t = std::mem::zeroed();
                        for cpu in &cpus {
                            libc::CPU_SET(*cpu, &mut set);
                        }
                        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
                    }
                }
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                    return;
                };
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let accept = async {
                        while let Ok((stream, _)) = listener.accept().await {
                            tokio::spawn(serve(stream, delay));
                        }
                    };
                    tokio::select! {
                        _ = accept => {}
                        _ = stop_rx => {}
                    }
                });
            })?;
        let tid = tid_rx
            .recv()
            .map_err(|_| io::Error::other("the reference server did not start"))?;
        Ok(ReferenceServer {
            addr,
            delay,
            tid,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn delay(&self) -> Duration {
        self.delay
    }

    /// CPU time its thread has used so far (from the scheduler's own count, in ns).
    pub fn cpu(&self) -> Duration {
        let path = format!("/proc/self/task/{}/schedstat", self.tid);
        std::fs::read_to_string(path)
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
            .map(Duration::from_nanos)
            .unwrap_or_default()
    }
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(mut stream: tokio::net::TcpStream, delay: Duration) {
    let _ = stream.set_nodelay(true);
    let Ok(mut timer) = PreciseTimer::new() else {
        return;
    };
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let arrived = Instant::now();
        buf.drain(..head_end);
        if !delay.is_zero() && timer.sleep_until(arrived + delay).await.is_err() {
            return;
        }
        if stream.write_all(ANSWER).await.is_err() {
            return;
        }
    }
}

/// The round trip of `samples` requests to `addr`, one at a time from one blocking socket
/// (the simplest client there is), sorted: what the server's answer time looks like with no
/// load generator in the way.
pub fn round_trips(addr: SocketAddr, samples: usize) -> io::Result<Vec<Duration>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let request = format!("GET / HTTP/1.1\r\nhost: {addr}\r\n\r\n");
    let mut out = Vec::with_capacity(samples);
    let mut buf = [0u8; 512];
    for _ in 0..samples + samples / 10 {
        let sent = Instant::now();
        stream.write_all(request.as_bytes())?;
        let mut got = 0;
        while got < ANSWER.len() {
            let n = stream.read(&mut buf[got..])?;
            if n == 0 {
                return Err(io::Error::other("the reference server closed the connection"));
            }
            got += n;
        }
        out.push(sent.elapsed());
    }
    // The first tenth warms the path up and is left out.
    out.drain(..samples / 10);
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_server_answers_no_sooner_than_its_delay() {
        let server = ReferenceServer::start(Duration::from_micros(500), &[]).unwrap();
        let rtts = round_trips(server.addr(), 200).unwrap();
        assert!(rtts[0] >= Duration::from_micros(500), "fastest {:?}", rtts[0]);
        // The wait is a timer, not work: the thread used far less CPU than it waited.
        assert!(server.cpu() < Duration::from_millis(50), "{:?}", server.cpu());
    }
}
