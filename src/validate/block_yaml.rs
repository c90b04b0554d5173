//! A reader of the plain block YAML that configuration files inside
//! ConfigMaps are written in (`key: value`, `- item`, nested by
//! indentation, plain, single- and double-quoted scalars on one line), to
//! their JSON, without building the span-carrying tree of [`crate::load`].
//!
//! It is only a shortcut: [`documents`] answers `None` for anything beyond
//! that subset (flow collections, block scalars, anchors, tags, scalars over
//! several lines, comments after a value, several documents, duplicate keys,
//! tabs, ...), and the caller then parses the text with [`crate::load`].
//! Where it answers, it gives what `load::parse_text` gives as JSON (the
//! tests compare the two on generated texts and on rendered configurations),
//! scalars resolved by the same YAML 1.2 core schema.

use crate::load::{self, Value};
use serde_json::{Map, Value as Json};

/// The non-null documents of `text` as JSON, when it is in the subset.
pub fn documents(text: &str) -> Option<Vec<Json>> {
    if has_refused(text) {
        return None;
    }
    let mut lines = Vec::new();
    for line in text.split('\n') {
        let content = line.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        if content.ends_with(' ')
            || (indent == 0 && ["---", "...", "%"].iter().any(|m| content.starts_with(m)))
        {
            return None;
        }
        lines.push(Line { indent, content });
    }
    let mut reader = Reader { lines, at: 0 };
    let Some(first) = reader.lines.first() else {
        return Some(Vec::new());
    };
    if first.indent != 0 || !(is_item(first.content) || key_of(first.content).is_some()) {
        return None;
    }
    let doc = reader.block(0, 0)?;
    (reader.at == reader.lines.len()).then(|| vec![doc])
}

/// Whether `text` has a character the subset leaves to the YAML parser:
/// tabs, carriage returns and the other control characters (`U+0000` to
/// `U+001F` but the line feed, `U+007F` to `U+009F`), the line and
/// paragraph separators, the byte order mark and the non-characters
/// `U+FFFE` and `U+FFFF`. Read from the bytes of their UTF-8 forms.
fn has_refused(text: &str) -> bool {
    let b = text.as_bytes();
    (0..b.len()).any(|i| match b[i] {
        b'\n' => false,
        0..0x20 | 0x7f => true,
        0xc2 => matches!(b.get(i + 1), Some(0x80..=0x9f)),
        0xe2 => b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xa8 | 0xa9)),
        0xef => matches!(
            (b.get(i + 1), b.get(i + 2)),
            (Some(0xbb), Some(0xbf)) | (Some(0xbf), Some(0xbe | 0xbf))
        ),
        _ => false,
    })
}

struct Line<'t> {
    indent: usize,
    content: &'t str,
}

struct Reader<'t> {
    lines: Vec<Line<'t>>,
    at: usize,
}

/// Nesting deeper than this is left to the parser (and its limit).
const MAX_DEPTH: usize = 64;

fn is_item(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

impl<'t> Reader<'t> {
    fn peek(&self) -> Option<&Line<'t>> {
        self.lines.get(self.at)
    }

    /// The indentation of the next line, 0 at the end.
    fn next_indent(&self) -> usize {
        self.peek().map_or(0, |l| l.indent)
    }

    /// A mapping or a sequence whose first line is the next, at `indent`.
    fn block(&mut self, indent: usize, depth: usize) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek() {
            Some(l) if is_item(l.content) => self.sequence(indent, depth),
            Some(_) => self.mapping(indent, depth),
            None => None,
        }
    }

    fn sequence(&mut self, indent: usize, depth: usize) -> Option<Json> {
        let mut items = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent != indent || !is_item(line.content) {
                break;
            }
            let rest = line.content.get(2..).unwrap_or("");
            if rest.starts_with(' ') || is_item(rest) {
                return None;
            }
            if rest.is_empty() {
                self.at += 1;
                items.push(self.nested(indent, depth, false)?);
            } else if key_of(rest).is_some() {
                // `- key: value`: a mapping whose keys are in the column
                // after `- `.
                self.lines[self.at] = Line {
                    indent: indent + 2,
                    content: rest,
                };
                items.push(self.mapping(indent + 2, depth + 1)?);
            } else {
                self.at += 1;
                items.push(scalar(rest)?);
                if self.next_indent() > indent {
                    return None;
                }
            }
        }
        self.end_of(indent)?;
        Some(Json::Array(items))
    }

    fn mapping(&mut self, indent: usize, depth: usize) -> Option<Json> {
        let mut map = Map::new();
        while let Some(line) = self.peek() {
            if line.indent != indent || is_item(line.content) {
                break;
            }
            let (key, rest) = key_of(line.content)?;
            self.at += 1;
            let value = if rest.is_empty() {
                self.nested(indent, depth, true)?
            } else {
                let value = scalar(rest)?;
                if self.next_indent() > indent {
                    return None;
                }
                value
            };
            if map.insert(key, value).is_some() {
                return None;
            }
        }
        self.end_of(indent)?;
        Some(Json::Object(map))
    }

    /// The value after `key:` or `-` alone on a line at `indent`: a block
    /// below it, a sequence at the same indentation after a key, or null.
    fn nested(&mut self, indent: usize, depth: usize, after_key: bool) -> Option<Json> {
        match self.peek() {
            Some(l) if l.indent > indent => {
                let inner = l.indent;
                self.block(inner, depth + 1)
            }
            Some(l) if after_key && l.indent == indent && is_item(l.content) => {
                self.sequence(indent, depth + 1)
            }
            _ => Some(Json::Null),
        }
    }

    /// A block at `indent` ends at a line less indented (or the end); a
    /// line more indented than it but not in it is beyond the subset.
    fn end_of(&self, indent: usize) -> Option<()> {
        match self.peek() {
            Some(l) if l.indent > indent => None,
            _ => Some(()),
        }
    }
}

/// A line's mapping key (plain and a string by the core schema, or
/// quoted) and what follows `:` (empty for a value on the next lines).
fn key_of(content: &str) -> Option<(String, &str)> {
    let bytes = content.as_bytes();
    let (key, after) = match bytes.first()? {
        b'"' | b'\'' => {
            let (key, len) = quoted(content)?;
            if len > 1024 {
                return None;
            }
            (key, &content[len..])
        }
        _ => {
            let colon = (0..bytes.len())
                .find(|&i| bytes[i] == b':' && bytes.get(i + 1).is_none_or(|&b| b == b' '))?;
            let text = &content[..colon];
            // YAML bounds an implicit key at 1024 characters.
            if !plain_ok(text) || text.len() > 1024 {
                return None;
            }
            let Value::Str(key) = load::resolve_plain(text) else {
                return None;
            };
            (key, &content[colon..])
        }
    };
    let rest = after.strip_prefix(':')?;
    match rest {
        "" => Some((key, "")),
        _ => {
            let value = rest.strip_prefix(' ')?;
            (!value.starts_with([' ', '#'])).then_some((key, value))
        }
    }
}

/// Whether `text` is a plain scalar of the subset: no indicator first
/// (`-` only before a character other than a space), no `: ` or ` #`
/// inside, no `:` last, no space first or last.
fn plain_ok(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    // YAML's indicators but `-`, and a space.
    let indicator = first != '-' && "?:,[]{}#&*!|>'\"%@` ".contains(first);
    let dash = first == '-' && text[1..].is_empty() || text.starts_with("- ");
    let b = text.as_bytes();
    let inside = (1..b.len()).any(|i| matches!((b[i - 1], b[i]), (b':', b' ') | (b' ', b'#')));
    !indicator && !dash && !inside && !text.ends_with([':', ' '])
}

/// A value written on its line: quoted (nothing after it), or plain.
fn scalar(text: &str) -> Option<Json> {
    if text.starts_with(['"', '\'']) {
        let (s, len) = quoted(text)?;
        return (len == text.len()).then_some(Json::String(s));
    }
    if !plain_ok(text) {
        return None;
    }
    Some(match load::resolve_plain(text) {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(b),
        Value::Int(i) => Json::from(i),
        Value::Float(f) => serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s),
        Value::Seq(_) | Value::Map(_) => return None,
    })
}

/// A quoted scalar at the start of `text` that closes on the line: its
/// value and length. Double-quoted escapes beyond the common ones are left
/// to the parser.
fn quoted(text: &str) -> Option<(String, usize)> {
    let b = text.as_bytes();
    let quote = *b.first()?;
    let mut out = String::new();
    let mut i = 1;
    loop {
        let j = i + b[i..]
            .iter()
            .position(|&c| c == quote || (quote == b'"' && c == b'\\'))?;
        out.push_str(&text[i..j]);
        match b[j] {
            b'\'' if b.get(j + 1) == Some(&b'\'') => {
                out.push('\'');
                i = j + 2;
            }
            b'\\' => {
                let hex = |n: usize| -> Option<char> {
                    let digits = text.get(j + 2..j + 2 + n)?;
                    if !digits.bytes().all(|d| d.is_ascii_hexdigit()) {
                        return None;
                    }
                    char::from_u32(u32::from_str_radix(digits, 16).ok()?)
                };
                let (c, len) = match b.get(j + 1)? {
                    b'\\' => ('\\', 2),
                    b'"' => ('"', 2),
                    b'/' => ('/', 2),
                    b'n' => ('\n', 2),
                    b't' => ('\t', 2),
                    b'r' => ('\r', 2),
                    b'0' => ('\0', 2),
                    b'x' => (hex(2)?, 4),
                    b'u' => (hex(4)?, 6),
                    _ => return None,
                };
                out.push(c);
                i = j + len;
            }
            _ => return Some((out, j + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Limits;
    use crate::source::FileId;

    /// What the YAML parser makes of a text, as JSON.
    fn parsed(text: &str) -> Option<Vec<Json>> {
        let docs = load::parse_text(text, FileId::default(), Limits::default()).ok()?;
        Some(
            docs.iter()
                .filter(|n| n.value != Value::Null)
                .map(load::Node::to_json)
                .collect(),
        )
    }

    /// The bytes' test is the characters' one.
    #[test]
    fn refused_characters_by_their_bytes() {
        let refused = |c: char| {
            (c.is_control() && c != '\n')
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                )
        };
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let text = format!("a{c}b");
            assert_eq!(has_refused(&text), refused(c), "{:x}", c as u32);
            assert_eq!(has_refused(&c.to_string()), refused(c), "{:x}", c as u32);
        }
    }

    fn agrees(text: &str) -> bool {
        match documents(text) {
            Some(fast) => {
                assert_eq!(Some(fast), parsed(text), "{text:?}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn reads_block_yaml() {
        let text = "service:\n  flush: \"1\"\n  log_level: info\n  storage.path: /var/x\n\
            pipeline:\n  inputs:\n  - name: tail\n    path: /var/log/*.log\n    tag: 'it''s'\n\
            \x20   processors:\n      logs:\n        - name: lua\n          call: f\n\
            \x20 outputs:\n    -\n    - name: stdout\n      match: \"*\"\n      n: -1\n      f: 1.5e3\n\
            \x20     t: true\n      z: ~\n      x: 0x1f\n      u: \"\\u00e9\\x41\\\\\\\"\\n\"\n\
            # a comment\n\nlist:\n- a\n- 'b'\n- key: v\n  other:\n  - 1\nnull_value:\n";
        assert!(agrees(text));
        assert!(agrees(""));
        assert!(agrees("# only a comment\n"));
    }

    #[test]
    fn leaves_the_rest_to_the_parser() {
        for text in [
            "a: [1, 2]\n",
            "a: {b: 1}\n",
            "a: |\n  text\n",
            "a: >\n  text\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: b\n  c\n",
            "a: \"b\n  c\"\n",
            "a: 1 # comment\n",
            "a: 1\na: 2\n",
            "a:\tb\n",
            "---\na: 1\n",
            "a: 1\n---\nb: 2\n",
            "1: a\n",
            "true: a\n",
            "? a\n: b\n",
            "a: b: c\n",
            "  a: 1\n",
            "a:\n    b: 1\n  c: 2\n",
            "- a\n   b: 1\n",
            "a: \"\\q\"\n",
            "a: 'x' y\n",
            "a: -\n",
            "scalar\n",
            "a: 1\r\n",
        ] {
            assert_eq!(documents(text), None, "{text:?}");
        }
    }

    /// Every configuration file the profiles render into a ConfigMap is in
    /// the subset (so validation reads it without parsing), and read as the
    /// parser reads it.
    #[test]
    fn reads_the_rendered_configurations() {
        let mut read = 0;
        for profile in [
            "profiles/ha.yaml",
            "profiles/dev.yaml",
            "examples/day-one.yaml",
        ] {
            let mut sources = crate::source::Sources::default();
            let files = [format!("{}/{profile}", env!("CARGO_MANIFEST_DIR"))];
            let (user, removals) = crate::topology::layered(&files, &[], &mut sources).unwrap();
            let loaded = crate::topology::finish(user, removals, &mut sources).unwrap();
            let plan = crate::plan::Plan::objects_only(&loaded.topology);
            for artifact in crate::render::render_with(&plan, crate::render::FAMILIES) {
                let crate::render::Content::Object(json) = &artifact.content else {
                    continue;
                };
                if json["kind"] != "ConfigMap" {
                    continue;
                }
                for (key, text) in json["data"].as_object().into_iter().flatten() {
                    if crate::validate::config_format_by_name(key).is_some() {
                        assert!(agrees(text.as_str().unwrap()), "{profile}: {key}");
                        read += 1;
                    }
                }
            }
        }
        assert!(read >= 2, "{read} configurations");
    }

    /// On texts built from lines of keys, items, scalars and indentations
    /// (many of them not YAML at all), whatever the reader answers is what
    /// the parser gives.
    #[test]
    fn agrees_with_the_parser_on_generated_texts() {
        let keys = [
            "a", "b", "name", "x.y", "\"q k\"", "'s'", "k-1", "-k", "a b", "a:b", "1",
        ];
        let values = [
            "",
            "1",
            "-2",
            "1.5",
            "on",
            "true",
            "null",
            "~",
            "x y",
            "\"s\\n\"",
            "'t''u'",
            "a:b",
            "http://h:1/p",
            "#x",
            "a #b",
            "- c",
            "[1]",
            "{}",
            "\"open",
            "'open",
            "é⨯",
            "a'b\"c",
            "0o17",
            ".inf",
            "-.5",
            "1e3",
            "- ",
            "-",
            "b: c",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut read, mut total) = (0, 0);
        for _ in 0..20_000 {
            let mut text = String::new();
            // Indentations open so far; the last line opened a block.
            let mut open = vec![0usize];
            let mut opened = false;
            for _ in 0..1 + next(10) {
                let mut indent = match (opened, next(4)) {
                    (true, 0 | 1) => open.last().unwrap() + 2,
                    (_, 2) if open.len() > 1 => {
                        open.truncate(1 + next(open.len() - 1));
                        *open.last().unwrap()
                    }
                    _ => *open.last().unwrap(),
                };
                if next(20) == 0 {
                    indent += 1;
                }
                if open.last() != Some(&indent) {
                    open.push(indent);
                }
                text.push_str(&" ".repeat(indent));
                let item = match next(5) {
                    0 => "- ",
                    1 if next(2) == 0 => "-",
                    _ => "",
                };
                text.push_str(item);
                opened = item == "-";
                if item == "- " && next(2) == 0 {
                    open.push(indent + 2);
                }
                if item != "-" {
                    if next(4) > 0 {
                        text.push_str(keys[next(keys.len())]);
                        text.push(':');
                        let v = match next(3) {
                            0 => "",
                            _ => values[next(values.len())],
                        };
                        if !v.is_empty() {
                            text.push(' ');
                        }
                        text.push_str(v);
                        opened = v.is_empty();
                    } else {
                        text.push_str(values[next(values.len())]);
                    }
                }
                text.push('\n');
            }
            total += 1;
            if agrees(&text) {
                read += 1;
            }
        }
        // The generator reaches both sides of the subset.
        assert!(read > total / 20 && read < total, "{read} of {total} read");
    }
}
