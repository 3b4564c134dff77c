//! The results files of one run, read from a folder by the names the parts give.

use std::path::Path;

use results::ResultsFile;
use results::method::rfc3339_now;

/// The results files of one suite run, by name, in the order of the parts that read them.
#[derive(Debug, Default)]
pub struct Suite {
    files: Vec<(String, ResultsFile)>,
}

impl Suite {
    /// Reads every results file of `names` (`throughput` is `throughput.json`) that `dir`
    /// holds.
    pub fn read(dir: &Path, names: &[&str]) -> anyhow::Result<Suite> {
        let mut suite = Suite::default();
        for name in names {
            let path = dir.join(format!("{name}.json"));
            if path.exists() {
                suite.insert(name, ResultsFile::read(&path)?);
            }
        }
        anyhow::ensure!(
            !suite.files.is_empty(),
            "{} holds no results files ({}): run `workbench compare`, or an experiment with \
             `--out {}`",
            dir.display(),
            names
                .iter()
                .map(|e| format!("{e}.json"))
                .collect::<Vec<_>>()
                .join(", "),
            dir.display()
        );
        Ok(suite)
    }

    /// Adds (or replaces) the file called `name`; a new name goes last.
    pub fn insert(&mut self, name: &str, file: ResultsFile) {
        match self.files.iter_mut().find(|(n, _)| n == name) {
            Some((_, slot)) => *slot = file,
            None => self.files.push((name.to_string(), file)),
        }
    }

    /// Puts the files in the order of `names` (the parts' order).
    pub(crate) fn sort(&mut self, names: &[&str]) {
        self.files
            .sort_by_key(|(n, _)| names.iter().position(|m| m == n).unwrap_or(usize::MAX));
    }

    /// The file called `name`, if the run has one.
    pub fn get(&self, name: &str) -> Option<&ResultsFile> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, f)| f)
    }

    /// The files present, in the parts' order.
    pub fn files(&self) -> Vec<&ResultsFile> {
        self.files.iter().map(|(_, f)| f).collect()
    }

    /// The earliest start time of the files, `2026-11-22T10:04:05Z`.
    pub fn started_at(&self) -> String {
        self.files
            .iter()
            .map(|(_, f)| f.method.started_at.clone())
            .min()
            .unwrap_or_else(rfc3339_now)
    }
}
