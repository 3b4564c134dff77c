//! What an experiment hands the report: its sections and what it lacks. The report
//! defines this interface, so it never imports an experiment.

use crate::charts::Drawable;
use crate::suite::Suite;

/// What an experiment gives the report: the sections it draws from the results files
/// present, and what "Not in this report" says of the ones it lacks.
pub trait Part: Sync {
    /// The results files it reads, by name (`throughput` is `throughput.json`); its own
    /// file first.
    fn files(&self) -> &'static [&'static str];
    /// Its sections, given the files present (empty when its files are absent).
    fn plan(&self, suite: &Suite) -> Contribution;
}

/// One experiment's share of a report.
#[derive(Default)]
pub struct Contribution {
    pub sections: Vec<Section>,
    /// For "Not in this report": what a reader misses, and the command that measures it.
    pub missing: Vec<&'static str>,
}

impl Contribution {
    /// Adds `section` when there is one; otherwise says what is missing.
    pub fn add(&mut self, section: Option<Section>, missing: &'static str) {
        match section {
            Some(section) => self.sections.push(section),
            None => self.missing.push(missing),
        }
    }
}

/// One section of the README: its heading, its chart (if it has one) and its reading.
pub struct Section {
    pub heading: String,
    pub chart: Option<Box<dyn Drawable>>,
    /// Plain-language reading, one paragraph or list item per entry.
    pub reading: Vec<String>,
}

impl Section {
    pub fn new(heading: impl Into<String>, chart: impl Drawable + 'static, reading: Vec<String>) -> Section {
        Section {
            heading: heading.into(),
            chart: Some(Box::new(chart)),
            reading,
        }
    }
}

/// Every results file the parts read, each once, in their order.
pub fn file_names(parts: &[&dyn Part]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for name in parts.iter().flat_map(|p| p.files().iter().copied()) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}
