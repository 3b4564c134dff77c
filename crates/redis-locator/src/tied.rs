//! Child processes whose life is tied to this process: when it ends, however it ends
//! (SIGKILL included), the kernel kills them (`PR_SET_PDEATHSIG`).
//!
//! The kernel sends that signal when the *thread* that forked the child exits, not the
//! process. Children are therefore forked from one thread that lives as long as the process
//! (`child-spawner`), never from a tokio worker or a test thread that may end first.

use std::io;
use std::process::{Child, Command};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Mutex, OnceLock};

type Request = (Command, Sender<io::Result<Child>>);

/// Starts `command` as a child that dies with this process.
pub fn spawn_tied(mut command: Command) -> io::Result<Child> {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: between fork and exec the closure only makes async-signal-safe calls
    // (prctl, getppid) and allocates nothing.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died between the fork and the prctl.
            if libc::getppid() != parent {
                return Err(io::Error::other("the parent exited before the child started"));
            }
            Ok(())
        });
    }
    let (reply, answer) = channel();
    spawner()
        .lock()
        .map_err(|_| io::Error::other("the child spawner panicked"))?
        .send((command, reply))
        .map_err(|_| io::Error::other("the child spawner is gone"))?;
    answer
        .recv()
        .map_err(|_| io::Error::other("the child spawner is gone"))?
}

/// The long-lived thread that forks every tied child.
fn spawner() -> &'static Mutex<Sender<Request>> {
    static SPAWNER: OnceLock<Mutex<Sender<Request>>> = OnceLock::new();
    SPAWNER.get_or_init(|| {
        let (requests, incoming) = channel::<Request>();
        // If the thread cannot start, `incoming` is dropped with it and every spawn
        // answers "the child spawner is gone".
        let _ = std::thread::Builder::new()
            .name("child-spawner".into())
            .spawn(move || {
                for (mut command, reply) in incoming {
                    let _ = reply.send(command.spawn());
                }
            });
        Mutex::new(requests)
    })
}
