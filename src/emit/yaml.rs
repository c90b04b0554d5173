//! A small, strict YAML writer for JSON values.
//!
//! Why not a YAML library: output must read the same to every YAML parser,
//! 1.1 and 1.2 alike. So strings that a 1.1 parser would turn into booleans,
//! octals or sexagesimals (`on`, `no`, `0777`, `1:30`) are always quoted,
//! multi-line strings are block literals, integers are never written in
//! exponent form, and key order is the order of the value (stable).

use serde_json::Value;
use std::fmt::Write as _;

/// One document, without the `---` separator.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => write_map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0),
        scalar => {
            out.push_str(&scalar_text(scalar, 0));
            out.push('\n');
        }
    }
    out
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    for (i, (key, value)) in map.iter().enumerate() {
        // The first key of a map inside a sequence item shares the `- ` line.
        if i > 0 || !out.ends_with("- ") {
            pad(out, indent);
        }
        out.push_str(&key_text(key));
        out.push(':');
        write_value(out, value, indent);
    }
}

fn write_seq(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        if !out.ends_with("- ") {
            pad(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => write_map(out, m, indent + 2),
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                write_seq(out, a, indent + 2);
            }
            scalar => {
                out.push_str(&scalar_text(scalar, indent + 2));
                out.push('\n');
            }
        }
    }
}

/// The value after `key:`.
fn write_value(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, indent + 2);
        }
        // Sequences under a key are not indented further (the common style).
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_seq(out, a, indent);
        }
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar, indent + 2));
            out.push('\n');
        }
    }
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push(' ');
    }
}

fn scalar_text(value: &Value, indent: usize) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_text(s, indent),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

fn key_text(key: &str) -> String {
    if is_plain_safe(key) {
        key.to_string()
    } else {
        quoted(key)
    }
}

fn string_text(s: &str, indent: usize) -> String {
    if s.contains('\n') && literal_ok(s) {
        return literal(s, indent);
    }
    if is_plain_safe(s) {
        s.to_string()
    } else {
        quoted(s)
    }
}

/// A block literal keeps every character of these strings as written; the
/// rest (leading blanks, several trailing newlines, blank-only lines) are
/// quoted instead.
fn literal_ok(s: &str) -> bool {
    !s.starts_with([' ', '\t', '\n'])
        && !s.ends_with("\n\n")
        && !s.contains('\r')
        && s.split('\n').all(|l| l.is_empty() || !l.trim().is_empty())
        && s.chars().all(|c| c == '\n' || c == '\t' || !c.is_control())
}

fn literal(s: &str, indent: usize) -> String {
    let (chomp, body) = match s.strip_suffix('\n') {
        Some(body) => ("|", body),
        None => ("|-", s),
    };
    let mut out = String::from(chomp);
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            pad(&mut out, indent);
            out.push_str(line);
        }
    }
    out
}

fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Words YAML 1.1 or 1.2 reads as something other than a string.
const RESERVED: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~", "=",
    "<<",
];

/// Whether a string can be written without quotes and still read back as
/// the same string by any YAML parser.
fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if RESERVED.contains(&s) || s != s.trim() {
        return false;
    }
    // Anything number-like (ints, floats, octals, hex, 1:30, .inf, versions)
    // is quoted: cheaper than knowing every resolver's rules.
    if (first.is_ascii_digit() || matches!(first, '+' | '-' | '.'))
        && s.chars().all(|c| {
            c.is_ascii_hexdigit()
                || matches!(
                    c,
                    '.' | '_'
                        | ':'
                        | '+'
                        | '-'
                        | 'x'
                        | 'X'
                        | 'o'
                        | 'O'
                        | 'n'
                        | 'N'
                        | 'i'
                        | 'I'
                        | 'f'
                        | 'F'
                        | 'a'
                        | 'A'
                )
        })
    {
        return false;
    }
    if matches!(
        first,
        '-' | '?'
            | ':'
            | ','
            | '['
            | ']'
            | '{'
            | '}'
            | '#'
            | '&'
            | '*'
            | '!'
            | '|'
            | '>'
            | '\''
            | '"'
            | '%'
            | '@'
            | '`'
            | ' '
    ) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    s.chars()
        .all(|c| c.is_alphanumeric() || " ._/-:=+@(),$%&*^~<>;!?'\"".contains(c))
        && !s.contains(['{', '}', '[', ']', ',', '#', '`', '\''])
        && !s.contains('"')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_1_1_traps_are_quoted() {
        let doc = json!({"a": "on", "b": "no", "c": "0777", "d": "1:30", "e": "1.13.3", "f": "500m", "g": "3600s", "h": "", "i": "y"});
        assert_eq!(
            to_string(&doc),
            "a: \"on\"\nb: \"no\"\nc: \"0777\"\nd: \"1:30\"\ne: \"1.13.3\"\nf: 500m\ng: 3600s\nh: \"\"\ni: \"y\"\n"
        );
    }

    #[test]
    fn multi_line_strings_are_block_literals() {
        let doc = json!({"conf": {"f": "a\n  b\n"}, "g": "x\ny"});
        assert_eq!(
            to_string(&doc),
            "conf:\n  f: |\n    a\n      b\ng: |-\n  x\n  y\n"
        );
    }

    #[test]
    fn sequences_and_nesting() {
        let doc = json!({"items": [{"a": 1, "b": [2, 3]}, "s"], "empty": [], "m": {}});
        assert_eq!(
            to_string(&doc),
            "items:\n- a: 1\n  b:\n  - 2\n  - 3\n- s\nempty: []\nm: {}\n"
        );
    }

    #[test]
    fn big_integers_stay_integers() {
        assert_eq!(to_string(&json!({"count": 1_000_000})), "count: 1000000\n");
        // `n` is "no" to a YAML 1.1 reader, even as a key.
        assert_eq!(to_string(&json!({"n": 1})), "\"n\": 1\n");
    }
}
