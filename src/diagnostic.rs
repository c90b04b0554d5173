//! Diagnostics: one struct for every problem any stage reports.
//!
//! A diagnostic carries a stable code (registered in [`codes`]), a severity,
//! a lowercase headline, an optional source span, the field path it concerns
//! and an optional hint. Line and column live in the span; the source text is
//! looked up only when printing, so a diagnostic is cheap to build and to sort.

pub mod codes;

use crate::source::{Sources, Span};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    #[serde(skip)]
    pub span: Option<Span>,
    /// Dotted field path in the document (`components.api.replicas`).
    pub path: Option<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span: None,
            path: None,
            help: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, span: Option<Span>) -> Self {
        self.span = span;
        self
    }

    pub fn path(mut self, path: impl Into<String>) -> Self {
        let path = path.into();
        self.path = (!path.is_empty()).then_some(path);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col` of the span, if there is one.
    pub fn location(&self, sources: &Sources) -> Option<String> {
        self.span
            .map(|s| format!("{}:{}:{}", sources.name(s.file), s.line, s.col))
    }

    /// The human form: headline, location, source line with carets, hints.
    pub fn render(&self, sources: &Sources) -> String {
        let mut out = String::new();
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(out, "{level}[{}]: {}", self.code, self.message);
        if let Some(span) = self.span {
            let line_no = span.line.to_string();
            let pad = " ".repeat(line_no.len());
            let _ = writeln!(
                out,
                "{pad}--> {}:{}:{}",
                sources.name(span.file),
                span.line,
                span.col
            );
            if let Some(text) = sources.line(span.file, span.line) {
                let col = span.col.saturating_sub(1) as usize;
                let width = text.chars().count().saturating_sub(col).max(1);
                let len = (span.len as usize).clamp(1, width);
                // A suspected secret is never printed: its excerpt shows `*`
                // in the marked place.
                let shown: String = if self.code == codes::T_INLINE_SECRET {
                    text.chars()
                        .enumerate()
                        .map(|(i, c)| if i >= col && i < col + len { '*' } else { c })
                        .collect()
                } else {
                    text.to_string()
                };
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{line_no} | {shown}");
                let _ = writeln!(out, "{pad} | {}{}", " ".repeat(col), "^".repeat(len));
            }
        }
        let pad = self.span.map_or(0, |s| s.line.to_string().len());
        let pad = " ".repeat(pad);
        if let Some(path) = &self.path {
            let _ = writeln!(out, "{pad} = field: {path}");
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{pad} = help: {help}");
        }
        out
    }

    /// The machine form used by `--diagnostics-format json`.
    pub fn to_json(&self, sources: &Sources) -> serde_json::Value {
        let mut value =
            serde_json::to_value(self).expect("a diagnostic is plain data and always serialises");
        if let (Some(span), Some(obj)) = (self.span, value.as_object_mut()) {
            obj.insert("file".into(), sources.name(span.file).into());
            obj.insert("line".into(), span.line.into());
            obj.insert("column".into(), span.col.into());
        }
        value
    }
}

/// Sort diagnostics by file, line and column so output is stable whatever
/// order the checks ran in, and drop exact repeats (one message per problem).
pub fn normalise(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.span.map_or((usize::MAX, u32::MAX, u32::MAX), |s| {
                (s.file, s.line, s.col)
            })
        };
        key(a)
            .cmp(&key(b))
            .then(a.severity.cmp(&b.severity))
            .then(a.code.cmp(b.code))
            .then(a.message.cmp(&b.message))
    });
    diags.dedup();
}

/// `did you mean ...?` for a misspelt name, from a set of valid names.
pub fn suggest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(wrong, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3) || c.eq_ignore_ascii_case(wrong))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}
