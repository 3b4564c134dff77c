//! Which CPUs the load generator and the servers ran on.

use serde::{Deserialize, Serialize};

/// The generator's CPUs and the servers' CPUs, as asked and as the kernel took them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// `sched_setaffinity` (every thread of each process), or `none` with the reason.
    pub how: String,
    /// CPUs the generator (the workbench process) was given.
    pub generator: Vec<usize>,
    /// CPUs every server process (API, auth, Redis) was given.
    pub servers: Vec<usize>,
    /// The CPUs this process could use before it placed anything.
    pub machine: Vec<usize>,
}

impl Placement {
    /// Whether the generator and the servers were kept apart.
    pub fn separated(&self) -> bool {
        !self.generator.is_empty() && !self.servers.is_empty()
    }

    /// One sentence for a report's method.
    pub fn describe(&self) -> String {
        if self.separated() {
            format!(
                "generator on CPU {} and every server process (API, auth, Redis) on CPU {}, by {}",
                cpu_list(&self.generator),
                cpu_list(&self.servers),
                self.how
            )
        } else {
            format!(
                "none: the generator and the servers shared CPUs {} ({})",
                cpu_list(&self.machine),
                self.how
            )
        }
    }
}

/// `0-3,6` for a set of CPUs.
pub fn cpu_list(cpus: &[usize]) -> String {
    let mut sorted = cpus.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        parts.push(if j == i {
            sorted[i].to_string()
        } else {
            format!("{}-{}", sorted[i], sorted[j])
        });
        i = j + 1;
    }
    parts.join(",")
}

/// The CPUs of a kernel CPU list (`0-3,6`), as in `Cpus_allowed_list`.
pub fn parse_cpu_list(text: &str) -> Vec<usize> {
    let mut cpus = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.trim().parse::<usize>(), b.trim().parse::<usize>()) {
                    cpus.extend(a..=b);
                }
            }
            None => cpus.extend(part.trim().parse::<usize>().ok()),
        }
    }
    cpus
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_read_and_write_as_the_kernel_writes_them() {
        assert_eq!(parse_cpu_list("0-3,6\n"), vec![0, 1, 2, 3, 6]);
        assert_eq!(cpu_list(&[6, 0, 1, 2, 3]), "0-3,6");
        assert_eq!(cpu_list(&[1]), "1");
        assert_eq!(parse_cpu_list(""), Vec::<usize>::new());
    }
}
