//! A sleep precise to microseconds on a generator thread: a Linux `timerfd` (a high-resolution
//! timer with no slack) registered with the thread's own tokio reactor. tokio's own timer
//! wheel ticks in whole milliseconds, which would add up to 1 ms to every open-loop request
//! and, since latency counts from the intended send time, to every figure (the mark of
//! wrk2's millisecond timer in its percentiles).

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use tokio::io::unix::AsyncFd;

/// A generator thread's timer (or one connection's, in the reference server).
pub(crate) struct PreciseTimer {
    fd: AsyncFd<OwnedFd>,
    /// The deadline the timer is set for, so that waiting again for the same one (after
    /// something else woke the thread first) costs no system call.
    armed: Option<Instant>,
}

impl PreciseTimer {
    /// Must be called inside a tokio runtime with IO enabled.
    pub(crate) fn new() -> io::Result<PreciseTimer> {
        // SAFETY: timerfd_create has no memory preconditions; the fd is owned below.
        let raw =
            unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_NONBLOCK | libc::TFD_CLOEXEC) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a new, valid descriptor that nothing else owns.
        let owned = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: an OwnedFd's descriptor stays open and the same until it is dropped,
        // which happens only with the AsyncFd.
        let fd = unsafe { AsyncFd::register_with_interest(owned, tokio::io::Interest::READABLE) }
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(PreciseTimer { fd, armed: None })
    }

    /// Waits until `deadline` (returns at once when it has passed) and returns when it woke.
    pub(crate) async fn sleep_until(&mut self, deadline: Instant) -> io::Result<Instant> {
        let now = Instant::now();
        if deadline <= now {
            return Ok(now);
        }
        if self.armed != Some(deadline) {
            self.arm(deadline, now)?;
        }
        // Readiness is trusted only with the clock: it may be left over from an earlier
        // expiration. The expiration count is never read (one system call less per
        // request): the next `timerfd_settime` resets it, and each expiration wakes the
        // reactor afresh (epoll reports it as a new edge).
        loop {
            let mut guard = self.fd.readable().await?;
            guard.clear_ready();
            let now = Instant::now();
            if now >= deadline {
                return Ok(now);
            }
        }
    }

    fn arm(&mut self, deadline: Instant, now: Instant) -> io::Result<()> {
        // `Instant` is CLOCK_MONOTONIC on Linux; a relative timer set now is off by the few
        // nanoseconds between the two calls.
        let wait = (deadline - now).max(Duration::from_nanos(1));
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: wait.as_secs() as libc::time_t,
                tv_nsec: wait.subsec_nanos() as libc::c_long,
            },
        };
        let fd = self.fd.get_ref().as_raw_fd();
        // SAFETY: a valid timerfd and a valid itimerspec; the old value is not asked for.
        if unsafe { libc::timerfd_settime(fd, 0, &spec, std::ptr::null_mut()) } < 0 {
            self.armed = None;
            return Err(io::Error::last_os_error());
        }
        self.armed = Some(deadline);
        Ok(())
    }
}

/// CPU time this thread has used so far.
pub(crate) fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid timespec to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Ties this thread to `cpu` (false when the kernel refused) and removes its timer slack, so
/// that the reactor's own waits are not rounded up by the default 50 µs.
pub(crate) fn settle_thread(cpu: Option<usize>) -> bool {
    // SAFETY: PR_SET_TIMERSLACK takes a number of nanoseconds.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0) };
    let Some(cpu) = cpu else { return true };
    // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET writes inside it; 0 is this thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_sleep_ends_after_its_deadline_and_not_a_millisecond_tick_later() {
        runtime().block_on(async {
            let mut timer = PreciseTimer::new().unwrap();
            let mut overshoots = Vec::new();
            for _ in 0..200 {
                let due = Instant::now() + Duration::from_micros(300);
                let woke = timer.sleep_until(due).await.unwrap();
                assert!(woke >= due, "woke before the deadline");
                overshoots.push(woke - due);
            }
            overshoots.sort();
            // A millisecond timer would overshoot by up to 1 ms most of the time; the median
            // of a high-resolution one stays far below, even on a loaded machine.
            assert!(
                overshoots[100] < Duration::from_micros(500),
                "median overshoot {:?}",
                overshoots[100]
            );
        });
    }

    #[test]
    fn a_deadline_in_the_past_returns_at_once() {
        runtime().block_on(async {
            let mut timer = PreciseTimer::new().unwrap();
            let past = Instant::now() - Duration::from_millis(5);
            let woke = timer.sleep_until(past).await.unwrap();
            assert!(woke - past >= Duration::from_millis(5));
        });
    }
}
