//! The method line under a load chart: loop, connections, run length, machine, build.

use results::ResultsFile;

/// `closed loop, 32 connections, 5 s per run after 1 s warm-up; 2 cores, release build; …`.
pub fn load_caption(file: &ResultsFile, mode: &str, extra: &str) -> String {
    load_caption_with(file, file.method.connections, mode, extra)
}

/// [`load_caption`] for runs that used another number of connections than the file's.
pub fn load_caption_with(file: &ResultsFile, connections: usize, mode: &str, extra: &str) -> String {
    let m = &file.method;
    let rounds = if m.rounds > 1 {
        format!(", {} rounds", m.rounds)
    } else {
        String::new()
    };
    format!(
        "{mode}, {connections} connections, {} s per run after {} s warm-up{rounds}; {} cores, {} build; {extra}",
        m.duration_ms as f64 / 1000.0,
        m.warmup_ms as f64 / 1000.0,
        m.machine.cores,
        m.build
    )
}
