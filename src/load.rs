//! Stage 1, `load`: bytes in, a span-carrying YAML tree out.
//!
//! Input: file contents (or stdin) by name. Output: one [`Node`] per YAML
//! document, where every node and every mapping key knows the file, line and
//! column it came from, so later stages can point at the topology's own text.
//!
//! Invariants enforced here, so no later stage has to think about them:
//! input is UTF-8; mapping keys are unique scalars; aliases expand to at most
//! [`Limits::alias_nodes`] nodes (alias bombs); nesting is at most
//! [`Limits::depth`] deep. Plain scalars resolve by the YAML 1.2 core schema,
//! so `on`, `no` and `0777` stay strings or decimal numbers and never turn
//! into YAML 1.1 booleans or octals behind the user's back.

use crate::diagnostic::{codes, Diagnostic};
use crate::source::{pointer_segments, FileId, Sources, Span};
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;
use std::io::Read as _;

/// How much a single document may expand to. Inputs beyond these are
/// rejected with a diagnostic instead of exhausting memory or the stack.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub depth: usize,
    pub alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            depth: 128,
            alias_nodes: 10_000,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    pub fn entry(&self, key: &str) -> Option<&(Key, Node)> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The node at a JSON pointer (`/components/api/replicas`).
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        let mut node = self;
        for seg in pointer_segments(pointer) {
            node = match &node.value {
                Value::Map(_) => node.get(&seg)?,
                Value::Seq(items) => items.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The span that best marks a JSON pointer: the key of a mapping entry
    /// (so `replicas: -1` is marked at the value, an unknown key at the key),
    /// or the deepest existing ancestor when the path does not exist yet.
    pub fn span_of(&self, pointer: &str) -> Span {
        let mut node = self;
        for seg in pointer_segments(pointer) {
            let next = match &node.value {
                Value::Map(_) => node.get(&seg),
                Value::Seq(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.span
    }

    /// The span of a mapping key at a pointer (for unknown-field errors).
    pub fn key_span(&self, pointer: &str, key: &str) -> Option<Span> {
        self.pointer(pointer)?.entry(key).map(|(k, _)| k.span)
    }

    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    fn count(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::count).sum(),
            Value::Map(entries) => entries.iter().map(|(_, v)| 1 + v.count()).sum(),
            _ => 0,
        }
    }
}

/// Reads a file (or stdin for `-`) as UTF-8. Invalid UTF-8 is a finding
/// at the first bad byte; an unreadable file is an I/O error.
pub fn read(path: &str, sources: &mut Sources) -> Result<FileId, Diagnostic> {
    let (name, bytes) = if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Diagnostic::error(codes::E_IO, format!("cannot read stdin: {e}")))?;
        ("<stdin>".to_string(), buf)
    } else {
        let bytes = std::fs::read(path)
            .map_err(|e| Diagnostic::error(codes::E_IO, format!("cannot read `{path}`: {e}")))?;
        (path.to_string(), bytes)
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(sources.add(name, text)),
        Err(err) => {
            let good = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..good]).into_owned();
            let line = prefix.matches('\n').count() as u32 + 1;
            let col = prefix.rsplit('\n').next().unwrap_or("").chars().count() as u32 + 1;
            let bad = bytes[good];
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            let file = sources.add(name, lossy);
            Err(Diagnostic::error(
                codes::L_NOT_UTF8,
                format!("file is not valid UTF-8 (byte 0x{bad:02x} at offset {good})"),
            )
            .at(Some(Span {
                file,
                line,
                col,
                len: 1,
            }))
            .help("save the file as UTF-8"))
        }
    }
}

/// Parses every document of a source. Errors stop at the first syntax
/// error (the parser cannot recover) but report every duplicate key.
pub fn parse(
    sources: &Sources,
    file: FileId,
    limits: Limits,
) -> Result<Vec<Node>, Vec<Diagnostic>> {
    parse_text(sources.text(file), file, limits)
}

/// [`parse`] of a text that is not (yet) in the run's sources; spans name
/// `file`.
pub fn parse_text(text: &str, file: FileId, limits: Limits) -> Result<Vec<Node>, Vec<Diagnostic>> {
    let mut builder = Builder {
        file,
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        docs: Vec::new(),
        diags: Vec::new(),
        expanded: 0,
    };
    for event in Parser::new_from_str(text) {
        match event {
            Ok((event, span)) => {
                let span = builder.span(span);
                if let Err(diag) = builder.event(event, span) {
                    builder.diags.push(diag);
                    return Err(builder.diags);
                }
            }
            Err(err) => {
                let m = err.marker();
                builder.diags.push(
                    Diagnostic::error(codes::L_SYNTAX, format!("invalid YAML: {}", err.info())).at(
                        Some(Span {
                            file,
                            line: m.line() as u32,
                            col: m.col() as u32 + 1,
                            len: 1,
                        }),
                    ),
                );
                return Err(builder.diags);
            }
        }
    }
    if builder.diags.is_empty() {
        Ok(builder.docs)
    } else {
        Err(builder.diags)
    }
}

/// Parses a source that must hold exactly one non-empty document.
pub fn parse_one(sources: &Sources, file: FileId, what: &str) -> Result<Node, Vec<Diagnostic>> {
    let docs = parse(sources, file, Limits::default())?;
    let start = Span {
        file,
        line: 1,
        col: 1,
        len: 1,
    };
    let mut docs = docs.into_iter().filter(|d| d.value != Value::Null);
    let Some(doc) = docs.next() else {
        return Err(vec![Diagnostic::error(
            codes::L_EMPTY,
            format!("{what} is empty"),
        )
        .at(Some(start))
        .help("start from `dify-gen init --profile ha`")]);
    };
    if let Some(extra) = docs.next() {
        return Err(vec![Diagnostic::error(
            codes::L_MULTIPLE_DOCUMENTS,
            format!("{what} holds more than one YAML document"),
        )
        .at(Some(extra.span))
        .help("pass each layer as its own `-f` file")]);
    }
    Ok(doc)
}

enum Frame {
    Seq {
        span: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        span: Span,
        anchor: usize,
        entries: Vec<(Key, Node)>,
        key: Option<Key>,
        /// Key name to entry position, built once a mapping grows past
        /// [`LINEAR_KEYS`] keys, so duplicate detection stays linear on
        /// huge mappings (a 60,000-key map took 4 s with a scan per key).
        index: HashMap<String, usize>,
    },
}

/// Mappings up to this many keys are searched linearly for duplicates.
const LINEAR_KEYS: usize = 32;

struct Builder {
    file: FileId,
    limits: Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    docs: Vec<Node>,
    diags: Vec<Diagnostic>,
    expanded: usize,
}

impl Builder {
    fn span(&self, s: saphyr_parser::Span) -> Span {
        let len = if s.start.line() == s.end.line() {
            s.end.col().saturating_sub(s.start.col()).max(1)
        } else {
            1
        };
        Span {
            file: self.file,
            line: s.start.line() as u32,
            col: s.start.col() as u32 + 1,
            len: len as u32,
        }
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Diagnostic> {
        match event {
            Event::DocumentStart(_) => self.expanded = 0,
            Event::Scalar(text, style, anchor, tag) => {
                let plain = style == ScalarStyle::Plain;
                let forced_str = tag
                    .as_ref()
                    .is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let value = if plain && !forced_str {
                    resolve_plain(&text)
                } else {
                    Value::Str(text.into_owned())
                };
                self.push(Node { value, span }, anchor)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.check_depth(span)?;
                self.stack.push(Frame::Seq {
                    span,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                self.check_depth(span)?;
                self.stack.push(Frame::Map {
                    span,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                    index: HashMap::new(),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        span,
                        anchor,
                        items,
                    }) => (
                        Node {
                            value: Value::Seq(items),
                            span,
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        span,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            value: Value::Map(entries),
                            span,
                        },
                        anchor,
                    ),
                    None => return Ok(()),
                };
                self.push(node, anchor)?;
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(Diagnostic::error(
                        codes::L_UNKNOWN_ANCHOR,
                        "alias refers to an unknown anchor",
                    )
                    .at(Some(span)));
                };
                self.expanded += target.count();
                if self.expanded > self.limits.alias_nodes {
                    return Err(Diagnostic::error(
                        codes::L_ALIAS_LIMIT,
                        format!("aliases expand to more than {} nodes", self.limits.alias_nodes),
                    )
                    .at(Some(span))
                    .help("this looks like an alias bomb; write the values out instead of nesting aliases"));
                }
                let mut node = target.clone();
                node.span = span;
                self.push(node, 0)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn check_depth(&self, span: Span) -> Result<(), Diagnostic> {
        if self.stack.len() >= self.limits.depth {
            return Err(Diagnostic::error(
                codes::L_DEPTH_LIMIT,
                format!(
                    "document is nested more than {} levels deep",
                    self.limits.depth
                ),
            )
            .at(Some(span)));
        }
        Ok(())
    }

    fn push(&mut self, node: Node, anchor: usize) -> Result<(), Diagnostic> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                index,
                ..
            }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => {
                    let name = match node.value {
                        Value::Str(s) => s,
                        Value::Null => "null".to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Int(i) => i.to_string(),
                        Value::Float(f) => f.to_string(),
                        Value::Seq(_) | Value::Map(_) => {
                            return Err(Diagnostic::error(
                                codes::L_COMPLEX_KEY,
                                "mapping keys must be plain scalars",
                            )
                            .at(Some(node.span)));
                        }
                    };
                    if entries.len() == LINEAR_KEYS {
                        for (i, (k, _)) in entries.iter().enumerate() {
                            index.entry(k.name.clone()).or_insert(i);
                        }
                    }
                    let first = if entries.len() < LINEAR_KEYS {
                        entries.iter().find(|(k, _)| k.name == name)
                    } else {
                        let at = *index.entry(name.clone()).or_insert(entries.len());
                        entries.get(at)
                    };
                    if let Some((first, _)) = first {
                        self.diags.push(
                            Diagnostic::error(
                                codes::L_DUPLICATE_KEY,
                                format!("duplicate key `{name}`"),
                            )
                            .at(Some(node.span))
                            .help(format!(
                                "`{name}` is already set at line {}; remove one of them",
                                first.line()
                            )),
                        );
                    }
                    *key = Some(Key {
                        name,
                        span: node.span,
                    });
                }
            },
        }
        Ok(())
    }
}

impl Key {
    pub fn line(&self) -> u32 {
        self.span.line
    }
}

/// YAML 1.2 core schema resolution of a plain scalar.
pub(crate) fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = text.parse::<i64>() {
            return Value::Int(i);
        }
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if let Ok(i) = i64::from_str_radix(hex, 16) {
            return Value::Int(i);
        }
    }
    if let Some(oct) = text.strip_prefix("0o") {
        if let Ok(i) = i64::from_str_radix(oct, 8) {
            return Value::Int(i);
        }
    }
    if is_core_float(text) {
        if let Ok(f) = text.parse::<f64>() {
            return Value::Float(f);
        }
    }
    Value::Str(text.to_string())
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_core_float(text: &str) -> bool {
    let t = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            (!a.is_empty() || !b.is_empty())
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
                && !(a.is_empty() && b.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|c| c.is_ascii_digit()),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
    });
    mantissa_ok && exp_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Result<Node, Vec<Diagnostic>> {
        let mut s = Sources::default();
        let f = s.add("t.yaml", text);
        parse_one(&s, f, "topology")
    }

    #[test]
    fn yaml_1_1_traps_stay_strings_or_decimals() {
        let doc = one("a: on\nb: no\nc: 0777\nd: yes\ne: 1.5\nf: '3'\n").unwrap();
        let j = doc.to_json();
        assert_eq!(j["a"], "on");
        assert_eq!(j["b"], "no");
        assert_eq!(j["c"], 777);
        assert_eq!(j["d"], "yes");
        assert_eq!(j["e"], 1.5);
        assert_eq!(j["f"], "3");
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let doc = one("a:\n  bb: 3\n").unwrap();
        let (k, v) = doc.get("a").unwrap().entry("bb").unwrap();
        assert_eq!((k.span.line, k.span.col, k.span.len), (2, 3, 2));
        assert_eq!((v.span.line, v.span.col), (2, 7));
        assert_eq!(doc.span_of("/a/bb/zz").line, 2);
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            text.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let err = one(&text).unwrap_err();
        assert_eq!(err[0].code, codes::L_ALIAS_LIMIT);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(200) + &"]".repeat(200);
        let err = one(&text).unwrap_err();
        assert_eq!(err[0].code, codes::L_DEPTH_LIMIT);
    }
}
