//! JUnit XML, for CI test dashboards: one test case per input file, failed
//! with one `<failure>` per error diagnostic in it.

use super::Report;

pub(super) fn render(report: &Report) -> String {
    let mut cases = String::new();
    let mut failed = 0;
    for file in &report.files {
        let found: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.span.map(|s| report.sources.name(s.file)) == Some(*file))
            .collect();
        cases.push_str(&format!(
            "    <testcase classname=\"dify-gen.validate\" name=\"{}\"",
            escape(file)
        ));
        if found.is_empty() {
            cases.push_str("/>\n");
            continue;
        }
        failed += 1;
        cases.push_str(">\n");
        for d in found {
            let loc = d.location(report.sources).unwrap_or_default();
            cases.push_str(&format!(
                "      <failure type=\"{}\" message=\"{}\">{}: {}</failure>\n",
                d.code,
                escape(&d.message),
                escape(&loc),
                escape(&d.render(report.sources)),
            ));
        }
        cases.push_str("    </testcase>\n");
    }
    // Findings not tied to any input file (e.g. an unknown version).
    let loose: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.span.is_none())
        .collect();
    let mut tests = report.files.len();
    if !loose.is_empty() {
        tests += 1;
        failed += 1;
        cases.push_str("    <testcase classname=\"dify-gen.validate\" name=\"(run)\">\n");
        for d in loose {
            cases.push_str(&format!(
                "      <failure type=\"{}\" message=\"{}\"/>\n",
                d.code,
                escape(&d.message)
            ));
        }
        cases.push_str("    </testcase>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"dify-gen validate\" tests=\"{tests}\" failures=\"{failed}\" errors=\"0\">\n{cases}  </testsuite>\n</testsuites>\n"
    )
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}
