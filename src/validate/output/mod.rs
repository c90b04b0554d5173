//! Report formats for `dify-gen validate`, one module per format, all
//! rendering the same [`Report`].

mod json;
mod junit;
mod sarif;
mod text;

use crate::diagnostic::Diagnostic;
use crate::source::Sources;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
}

/// What one validation run found.
pub struct Report<'a> {
    pub sources: &'a Sources,
    pub diagnostics: &'a [Diagnostic],
    /// Names of every input file, in order (JUnit reports one case per file).
    pub files: Vec<&'a str>,
    pub documents: usize,
}

impl Report<'_> {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => text::render(self),
            Format::Json => json::render(self),
            Format::Sarif => sarif::render(self),
            Format::Junit => junit::render(self),
        }
    }
}
