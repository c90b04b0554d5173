//! Human-readable: each diagnostic with its snippet, then a summary line.

use super::Report;

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    for d in report.diagnostics {
        out.push_str(&d.render(report.sources));
        out.push('\n');
    }
    let errors = report.errors();
    let warnings = report.diagnostics.len() - errors;
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    out.push_str(&format!(
        "{}, {}: {}, {}\n",
        plural(report.files.len(), "file"),
        plural(report.documents, "document"),
        plural(errors, "error"),
        plural(warnings, "warning"),
    ));
    out
}
