//! Machine-readable: `{"summary": {...}, "diagnostics": [...]}`, each
//! diagnostic in the shape of `Diagnostic::to_json` (code, severity,
//! message, path, help, file, line, column).

use super::Report;
use serde_json::json;

pub(super) fn render(report: &Report) -> String {
    let diagnostics: Vec<_> = report
        .diagnostics
        .iter()
        .map(|d| d.to_json(report.sources))
        .collect();
    let value = json!({
        "summary": {
            "files": report.files.len(),
            "documents": report.documents,
            "errors": report.errors(),
            "warnings": report.diagnostics.len() - report.errors(),
        },
        "diagnostics": diagnostics,
    });
    let mut out = serde_json::to_string_pretty(&value).expect("JSON values always serialise");
    out.push('\n');
    out
}
