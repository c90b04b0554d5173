//! SARIF 2.1.0, for code-scanning dashboards: one run, one rule per
//! diagnostic code, one result per diagnostic with its region.

use super::Report;
use crate::diagnostic::Severity;
use serde_json::{json, Value};

pub(super) fn render(report: &Report) -> String {
    let mut codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<Value> = codes.iter().map(|c| json!({ "id": c })).collect();
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str(&format!(" (help: {help})"));
            }
            let mut result = json!({
                "ruleId": d.code,
                "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": { "text": text },
            });
            if let Some(span) = d.span {
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": report.sources.name(span.file) },
                        "region": {
                            "startLine": span.line,
                            "startColumn": span.col,
                            "endColumn": span.col + span.len.max(1),
                        }
                    },
                    "logicalLocations": d.path.as_ref().map(|p| vec![json!({ "fullyQualifiedName": p })]).unwrap_or_default(),
                }]);
            }
            result
        })
        .collect();
    let value = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "dify-gen",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&value).expect("JSON values always serialise");
    out.push('\n');
    out
}
