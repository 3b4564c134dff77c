//! Keeping the load generator and the servers off each other's CPUs: the workbench process
//! (the generator) on its own CPU(s), every server process it starts (API, auth, Redis) on
//! the rest, by `sched_setaffinity` on every thread of each process. It composes with the
//! scale experiment's cgroup CPU quotas, which limit how much CPU a process gets, not where.
//!
//! Affinity is a property of processes, so the placement in force is kept here, once per
//! workbench process: [`apply`] sets it at the start of each experiment, and the servers a
//! flow starts afterwards are placed by it ([`place_server`]).

use std::sync::{Mutex, OnceLock};

pub use results::placement::{Placement, cpu_list, parse_cpu_list};

/// What the command line asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ask {
    /// One CPU in four for the generator (at least one), the rest for the servers; none on a
    /// machine with one CPU.
    #[default]
    Auto,
    /// Everyone on every CPU, as before the workbench placed anything.
    Off,
    /// This many CPUs for the generator.
    Generator(usize),
}

impl std::str::FromStr for Ask {
    type Err = String;
    fn from_str(s: &str) -> Result<Ask, String> {
        match s {
            "auto" => Ok(Ask::Auto),
            "off" | "0" => Ok(Ask::Off),
            n => n
                .parse()
                .map(Ask::Generator)
                .map_err(|_| format!("`{s}`: auto, off, or a number of CPUs for the generator")),
        }
    }
}

/// The CPUs this process could use when it first asked, before it placed itself.
pub fn machine_cpus() -> Vec<usize> {
    static CPUS: OnceLock<Vec<usize>> = OnceLock::new();
    CPUS.get_or_init(|| affinity_of_task(0).unwrap_or_else(|| vec![0]))
        .clone()
}

/// The split `ask` gives on this machine (nothing applied yet).
pub fn decide(ask: Ask) -> Placement {
    let machine = machine_cpus();
    let n = machine.len();
    let generator = match ask {
        Ask::Off => 0,
        Ask::Auto if n < 2 => 0,
        Ask::Auto => (n / 4).max(1),
        Ask::Generator(g) => g.min(n.saturating_sub(1)),
    };
    if generator == 0 {
        let how = match ask {
            Ask::Off => "none: turned off (--generator-cpus off)".to_string(),
            _ => format!("none: this process may use only {} CPU", n),
        };
        return Placement {
            how,
            generator: Vec::new(),
            servers: Vec::new(),
            machine,
        };
    }
    Placement {
        how: "sched_setaffinity on every thread".into(),
        generator: machine[n - generator..].to_vec(),
        servers: machine[..n - generator].to_vec(),
        machine,
    }
}

fn current_cell() -> &'static Mutex<Option<Placement>> {
    static CURRENT: Mutex<Option<Placement>> = Mutex::new(None);
    &CURRENT
}

/// The placement in force (`None` before any experiment applied one).
pub fn current() -> Option<Placement> {
    current_cell().lock().ok().and_then(|c| c.clone())
}

/// The CPUs the generator's threads should be tied to (empty: untied).
pub fn generator_cpus() -> Vec<usize> {
    current()
        .filter(Placement::separated)
        .map(|p| p.generator)
        .unwrap_or_default()
}

/// Decides and applies `ask`: this process (the generator) onto its CPUs, or back onto all
/// of them. When the kernel refuses, the run goes on unplaced and the placement says why.
pub fn apply(ask: Ask) -> Placement {
    let mut placement = decide(ask);
    let mine = if placement.separated() {
        placement.generator.clone()
    } else {
        placement.machine.clone()
    };
    if let Err(e) = set_process(std::process::id(), &mine)
        && placement.separated()
    {
        eprintln!(
            "note: the generator and the servers cannot be kept on separate CPUs here ({e}); \
             they share every CPU"
        );
        placement = Placement {
            how: format!("none: the kernel refused ({e})"),
            generator: Vec::new(),
            servers: Vec::new(),
            machine: placement.machine,
        };
        let _ = set_process(std::process::id(), &placement.machine);
    }
    if let Ok(mut cell) = current_cell().lock() {
        *cell = Some(placement.clone());
    }
    placement
}

/// The CPUs a server started now should run on: the servers' when placed, every CPU when
/// a placement turned off (the workbench itself may still be on fewer); `None` before any.
pub fn server_cpus_for_children() -> Option<Vec<usize>> {
    current().map(|p| if p.separated() { p.servers } else { p.machine })
}

/// Puts a server process (every thread it has) on the servers' CPUs, or on every CPU when
/// nothing is placed (a server inherits the workbench's own CPUs otherwise).
pub fn place_server(pid: u32) -> std::io::Result<()> {
    match server_cpus_for_children() {
        Some(cpus) => set_process(pid, &cpus),
        None => Ok(()),
    }
}

/// Sets the affinity of every thread of `pid` to `cpus`.
pub fn set_process(pid: u32, cpus: &[usize]) -> std::io::Result<()> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))?;
    for task in tasks.flatten() {
        let Some(tid) = task.file_name().to_str().and_then(|t| t.parse::<i32>().ok()) else {
            continue;
        };
        match set_task(tid, cpus) {
            Ok(()) => {}
            // A thread that ended in between.
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn set_task(tid: i32, cpus: &[usize]) -> std::io::Result<()> {
    // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET writes inside it.
    let result = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for cpu in cpus {
            libc::CPU_SET(*cpu, &mut set);
        }
        libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &set)
    };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn affinity_of_task(tid: i32) -> Option<Vec<usize>> {
    // SAFETY: a zeroed cpu_set_t for the kernel to fill.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return None;
        }
        Some(
            (0..libc::CPU_SETSIZE as usize)
                .filter(|c| libc::CPU_ISSET(*c, &set))
                .collect(),
        )
    }
}

/// The CPUs the threads of `pids` may run on, read back from the kernel: the union over
/// every thread, as a CPU list (`0`, `0-1`); empty when none could be read.
pub fn read_back(pids: &[u32]) -> String {
    let mut cpus = Vec::new();
    for pid in pids {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
            if let Some(line) = status.lines().find(|l| l.starts_with("Cpus_allowed_list:")) {
                cpus.extend(parse_cpu_list(&line["Cpus_allowed_list:".len()..]));
            }
        }
    }
    cpu_list(&cpus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_gives_the_generator_one_cpu_in_four_and_the_servers_the_rest() {
        let machine = machine_cpus();
        let p = decide(Ask::Auto);
        if machine.len() < 2 {
            assert!(!p.separated());
            return;
        }
        assert_eq!(p.generator.len(), (machine.len() / 4).max(1));
        assert_eq!(p.generator.len() + p.servers.len(), machine.len());
        assert!(p.generator.iter().all(|c| !p.servers.contains(c)));
        assert!(!decide(Ask::Off).separated());
        assert_eq!("off".parse::<Ask>().unwrap(), Ask::Off);
        assert_eq!("2".parse::<Ask>().unwrap(), Ask::Generator(2));
        assert!("two".parse::<Ask>().is_err());
    }

    #[test]
    fn a_placed_process_reads_back_the_cpus_it_was_given() {
        let machine = machine_cpus();
        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        let one = *machine.last().unwrap();
        set_process(child.id(), &[one]).unwrap();
        assert_eq!(read_back(&[child.id()]), one.to_string());
        set_process(child.id(), &machine).unwrap();
        assert_eq!(read_back(&[child.id()]), cpu_list(&machine));
        let _ = child.kill();
        let _ = child.wait();
    }
}
