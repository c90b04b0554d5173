//! PromQL, read with a real parser (`promql-parser`, the grammar of
//! Prometheus itself): whether an expression parses, and what it selects,
//! for the topology's and the plan's checks of alert rules. Shared by both
//! stages, like `secret_scan`.

use promql_parser::label::MatchOp;
use promql_parser::parser::{self, Expr, VectorSelector};

/// One series selector of an expression: `metric{label="value", ...}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    pub metric: Option<String>,
    /// Equality matchers (`label="value"`), the ones that name things.
    pub equal: Vec<(String, String)>,
    /// Regex matchers (`label=~"re"`), with the regex as written.
    pub regex: Vec<(String, String)>,
}

impl Selector {
    pub fn value(&self, label: &str) -> Option<&str> {
        self.equal
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.as_str())
    }
}

/// The selectors of an expression, in the order written; `Err` is the
/// parser's message when it is not valid PromQL.
pub fn selectors(expr: &str) -> Result<Vec<Selector>, String> {
    let ast = parser::parse(expr)?;
    let mut out = Vec::new();
    walk(&ast, &mut out);
    Ok(out)
}

fn walk(expr: &Expr, out: &mut Vec<Selector>) {
    match expr {
        Expr::Aggregate(a) => {
            walk(&a.expr, out);
            if let Some(p) = &a.param {
                walk(p, out);
            }
        }
        Expr::Unary(u) => walk(&u.expr, out),
        Expr::Binary(b) => {
            walk(&b.lhs, out);
            walk(&b.rhs, out);
        }
        Expr::Paren(p) => walk(&p.expr, out),
        Expr::Subquery(s) => walk(&s.expr, out),
        Expr::VectorSelector(vs) => out.push(selector(vs)),
        Expr::MatrixSelector(ms) => out.push(selector(&ms.vs)),
        Expr::Call(c) => c.args.args.iter().for_each(|a| walk(a, out)),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

fn selector(vs: &VectorSelector) -> Selector {
    let mut s = Selector {
        metric: vs.name.clone(),
        equal: Vec::new(),
        regex: Vec::new(),
    };
    for m in &vs.matchers.matchers {
        match &m.op {
            MatchOp::Equal if m.name == "__name__" => s.metric = Some(m.value.clone()),
            MatchOp::Equal => s.equal.push((m.name.clone(), m.value.clone())),
            MatchOp::Re(_) => s.regex.push((m.name.clone(), m.value.clone())),
            MatchOp::NotEqual | MatchOp::NotRe(_) => {}
        }
    }
    s
}

/// Whether a Prometheus regex (anchored, as Prometheus anchors it) matches
/// `value`; `None` when the regex does not compile.
pub fn regex_matches(regex: &str, value: &str) -> Option<bool> {
    let anchored = format!("^(?:{regex})$");
    regex::Regex::new(&anchored)
        .ok()
        .map(|re| re.is_match(value))
}

/// Seconds of a Prometheus duration (`1h30m`, `90s`, `500ms` rounds down).
pub fn duration_seconds(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let mut total_ms: u64 = 0;
    // The digits before the unit at `i` are `text[start..i]`.
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let n: u64 = text[start..i].parse().ok()?;
        let (ms, len) = match (bytes[i], bytes.get(i + 1)) {
            (b'm', Some(b's')) => (1, 2),
            (b's', _) => (1_000, 1),
            (b'm', _) => (60_000, 1),
            (b'h', _) => (3_600_000, 1),
            (b'd', _) => (86_400_000, 1),
            (b'w', _) => (604_800_000, 1),
            (b'y', _) => (31_536_000_000, 1),
            _ => return None,
        };
        total_ms = total_ms.checked_add(n.checked_mul(ms)?)?;
        i += len;
        start = i;
    }
    (start == bytes.len()).then_some(total_ms / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_of_nested_expressions() {
        let s = selectors(
            r#"max by (pod) (rate(kube_pod_container_status_restarts_total{job="ksm",container="api",pod=~"dify-api-.*"}[5m])) > 1 and on () up{job="x"}"#,
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].metric.as_deref(),
            Some("kube_pod_container_status_restarts_total")
        );
        assert_eq!(s[0].value("container"), Some("api"));
        assert_eq!(s[0].regex, [("pod".to_string(), "dify-api-.*".to_string())]);
        assert_eq!(s[1].value("job"), Some("x"));
        assert!(selectors("sum(rate(x[5m]) by").is_err());
    }

    #[test]
    fn regexes_are_anchored() {
        assert_eq!(
            regex_matches("dify-api-[a-z0-9]+-[a-z0-9]+", "dify-api-7d9f-x2x9k"),
            Some(true)
        );
        assert_eq!(regex_matches("api", "dify-api"), Some(false));
        assert_eq!(regex_matches("(", "x"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(duration_seconds("5m"), Some(300));
        assert_eq!(duration_seconds("1h30m"), Some(5400));
        assert_eq!(duration_seconds("90s"), Some(90));
        assert_eq!(duration_seconds("500ms"), Some(0));
        assert_eq!(duration_seconds("5"), None);
        assert_eq!(duration_seconds("5x"), None);
    }

    /// The way `duration_seconds` was written before (a string for the
    /// digits and one for the unit), as the oracle of the one above.
    fn duration_seconds_by_strings(text: &str) -> Option<u64> {
        let mut total_ms: u64 = 0;
        let mut digits = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let mut unit = c.to_string();
            if c == 'm' && chars.peek() == Some(&'s') {
                unit.push(chars.next()?);
            }
            let n: u64 = digits.parse().ok()?;
            digits.clear();
            let ms = match unit.as_str() {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                "w" => 604_800_000,
                "y" => 31_536_000_000,
                _ => return None,
            };
            total_ms = total_ms.checked_add(n.checked_mul(ms)?)?;
        }
        digits.is_empty().then_some(total_ms / 1000)
    }

    /// Both agree on every string of up to four characters from digits,
    /// the units, other ASCII and a character beyond it, and on long and
    /// overflowing numbers.
    #[test]
    fn durations_agree_with_strings() {
        let alphabet = [
            "0", "1", "9", "m", "s", "h", "d", "w", "y", "x", "+", " ", "é",
        ];
        let mut texts = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..4 {
            last = last
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(last.iter().cloned());
        }
        texts.extend(
            [
                "18446744073709551615ms",
                "18446744073709551616ms",
                "99999999999999y",
                "1h30m15s500ms",
                "1msm",
                "1mss",
            ]
            .map(String::from),
        );
        for t in &texts {
            assert_eq!(duration_seconds(t), duration_seconds_by_strings(t), "{t:?}");
        }
    }
}
