//! The compiled form of a schema bundle and its byte encoding.
//!
//! A bundle is an arena of [`Schema`] nodes (each a set of JSON Schema
//! keywords whose subschemas are node ids), the `apiVersion/Kind` keys that
//! name its roots, and tables of regular expressions and CEL rules. The
//! build script compiles the bundled JSON Schemas into this form and
//! [`encode`]s them; at run time a bundle is the encoded bytes themselves,
//! and a node is decoded only when validation first reaches it, so loading
//! a bundle costs nothing and validating a Deployment touches only the nodes
//! a Deployment uses.
//!
//! This file is shared with `build.rs` (through `#[path]`), so it uses
//! nothing but `std`.

/// Instance types, as bits of [`Schema::types`].
pub const NULL: u8 = 1;
pub const BOOLEAN: u8 = 2;
pub const INTEGER: u8 = 4;
pub const NUMBER: u8 = 8;
pub const STRING: u8 = 16;
pub const ARRAY: u8 = 32;
pub const OBJECT: u8 = 64;

/// The JSON Schema names of the type bits, in bit order.
pub const TYPE_NAMES: [&str; 7] = [
    "null", "boolean", "integer", "number", "string", "array", "object",
];

/// What an object may hold beyond `properties` and `patternProperties`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Additional {
    Any,
    Forbidden,
    Schema(u32),
}

/// A numeric limit on a value, its length or its size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    MinLength,
    MaxLength,
    MinItems,
    MaxItems,
    MinProperties,
    MaxProperties,
    Minimum,
    Maximum,
    ExclusiveMinimum,
    ExclusiveMaximum,
    MultipleOf,
}

const BOUNDS: [Bound; 11] = [
    Bound::MinLength,
    Bound::MaxLength,
    Bound::MinItems,
    Bound::MaxItems,
    Bound::MinProperties,
    Bound::MaxProperties,
    Bound::Minimum,
    Bound::Maximum,
    Bound::ExclusiveMinimum,
    Bound::ExclusiveMaximum,
    Bound::MultipleOf,
];

/// A literal of `enum` or `const`: a string as itself, anything else as
/// JSON text.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal<S> {
    Str(S),
    Json(S),
}

/// One `x-kubernetes-validations` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule<S> {
    pub rule: S,
    pub message: Option<S>,
    pub message_expression: Option<S>,
    pub field_path: Option<S>,
    pub reason: Option<S>,
}

/// One schema node. `S` is `String` while compiling and `&str` (borrowed
/// from the encoded bundle) when decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema<S> {
    /// Allowed instance types (bits above); 0 allows any.
    pub types: u8,
    /// The `false` schema: nothing is valid.
    pub never: bool,
    pub reference: Option<u32>,
    /// Sorted by name.
    pub properties: Vec<(S, u32)>,
    pub additional: Additional,
    /// (pattern id, schema)
    pub pattern_properties: Vec<(u32, u32)>,
    pub property_names: Option<u32>,
    pub required: Vec<S>,
    pub dependent_required: Vec<(S, Vec<S>)>,
    pub items: Option<u32>,
    pub prefix_items: Vec<u32>,
    pub contains: Option<u32>,
    pub unique_items: bool,
    pub enumeration: Option<Vec<Literal<S>>>,
    pub constant: Option<Literal<S>>,
    pub bounds: Vec<(Bound, f64)>,
    /// Pattern id.
    pub pattern: Option<u32>,
    pub format: Option<S>,
    pub all_of: Vec<u32>,
    pub any_of: Vec<u32>,
    pub one_of: Vec<u32>,
    pub not: Option<u32>,
    /// `if`, `then`, `else`.
    pub condition: Option<(u32, Option<u32>, Option<u32>)>,
    /// CEL rule ids.
    pub rules: Vec<u32>,
    /// The default value as JSON text (applied before CEL rules run, as the
    /// API server defaults before it validates).
    pub default: Option<S>,
    /// The `description` of a node with an `enum` or a `pattern`: what a
    /// message names instead of a long list or a regex.
    pub description: Option<S>,
}

impl<S> Default for Schema<S> {
    fn default() -> Self {
        Schema::empty()
    }
}

impl<S> Schema<S> {
    /// A node without keywords (anything is valid).
    pub const fn empty() -> Self {
        Schema {
            types: 0,
            never: false,
            reference: None,
            properties: Vec::new(),
            additional: Additional::Any,
            pattern_properties: Vec::new(),
            property_names: None,
            required: Vec::new(),
            dependent_required: Vec::new(),
            items: None,
            prefix_items: Vec::new(),
            contains: None,
            unique_items: false,
            enumeration: None,
            constant: None,
            bounds: Vec::new(),
            pattern: None,
            format: None,
            all_of: Vec::new(),
            any_of: Vec::new(),
            one_of: Vec::new(),
            not: None,
            condition: None,
            rules: Vec::new(),
            default: None,
            description: None,
        }
    }
}

/// A compiled bundle before encoding.
#[derive(Default, Debug)]
pub struct Compiled {
    pub nodes: Vec<Schema<String>>,
    /// `apiVersion/Kind` (or `config/<format>`) → root node.
    pub kinds: Vec<(String, u32)>,
    pub patterns: Vec<String>,
    pub rules: Vec<Rule<String>>,
}

const MAGIC: &[u8; 4] = b"DGS1";
const NONE: u32 = u32::MAX;

// Node keyword tags in the encoding.
const T_END: u8 = 0;
const T_TYPES: u8 = 1;
const T_NEVER: u8 = 2;
const T_REF: u8 = 3;
const T_PROPS: u8 = 4;
const T_ADDL_FORBIDDEN: u8 = 5;
const T_ADDL_SCHEMA: u8 = 6;
const T_PATTERN_PROPS: u8 = 7;
const T_PROPERTY_NAMES: u8 = 8;
const T_REQUIRED: u8 = 9;
const T_DEPENDENT: u8 = 10;
const T_ITEMS: u8 = 11;
const T_PREFIX: u8 = 12;
const T_CONTAINS: u8 = 13;
const T_UNIQUE: u8 = 14;
const T_ENUM: u8 = 15;
const T_CONST: u8 = 16;
const T_BOUND: u8 = 17;
const T_PATTERN: u8 = 18;
const T_FORMAT: u8 = 19;
const T_ALL: u8 = 20;
const T_ANY: u8 = 21;
const T_ONE: u8 = 22;
const T_NOT: u8 = 23;
const T_IF: u8 = 24;
const T_RULES: u8 = 25;
const T_DEFAULT: u8 = 26;
const T_DESCRIPTION: u8 = 27;

struct Writer {
    strings: Vec<String>,
    index: std::collections::HashMap<String, u32>,
}

impl Writer {
    fn string(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.index.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.to_string());
        self.index.insert(s.to_string(), id);
        id
    }
}

fn varint(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn ids(out: &mut Vec<u8>, tag: u8, list: &[u32]) {
    if list.is_empty() {
        return;
    }
    out.push(tag);
    varint(out, list.len() as u32);
    for &id in list {
        varint(out, id);
    }
}

fn literal(out: &mut Vec<u8>, w: &mut Writer, lit: &Literal<String>) {
    match lit {
        Literal::Str(s) => {
            out.push(0);
            varint(out, w.string(s));
        }
        Literal::Json(s) => {
            out.push(1);
            varint(out, w.string(s));
        }
    }
}

fn opt_string(w: &mut Writer, s: &Option<String>) -> u32 {
    s.as_deref().map_or(NONE, |s| w.string(s))
}

fn node_bytes(out: &mut Vec<u8>, w: &mut Writer, s: &Schema<String>) {
    if s.types != 0 {
        out.extend([T_TYPES, s.types]);
    }
    if s.never {
        out.push(T_NEVER);
    }
    if let Some(r) = s.reference {
        out.push(T_REF);
        varint(out, r);
    }
    if !s.properties.is_empty() {
        out.push(T_PROPS);
        varint(out, s.properties.len() as u32);
        for (name, id) in &s.properties {
            varint(out, w.string(name));
            varint(out, *id);
        }
    }
    match s.additional {
        Additional::Any => {}
        Additional::Forbidden => out.push(T_ADDL_FORBIDDEN),
        Additional::Schema(id) => {
            out.push(T_ADDL_SCHEMA);
            varint(out, id);
        }
    }
    if !s.pattern_properties.is_empty() {
        out.push(T_PATTERN_PROPS);
        varint(out, s.pattern_properties.len() as u32);
        for (p, id) in &s.pattern_properties {
            varint(out, *p);
            varint(out, *id);
        }
    }
    if let Some(id) = s.property_names {
        out.push(T_PROPERTY_NAMES);
        varint(out, id);
    }
    if !s.required.is_empty() {
        out.push(T_REQUIRED);
        varint(out, s.required.len() as u32);
        for name in &s.required {
            varint(out, w.string(name));
        }
    }
    if !s.dependent_required.is_empty() {
        out.push(T_DEPENDENT);
        varint(out, s.dependent_required.len() as u32);
        for (name, needs) in &s.dependent_required {
            varint(out, w.string(name));
            varint(out, needs.len() as u32);
            for n in needs {
                varint(out, w.string(n));
            }
        }
    }
    if let Some(id) = s.items {
        out.push(T_ITEMS);
        varint(out, id);
    }
    ids(out, T_PREFIX, &s.prefix_items);
    if let Some(id) = s.contains {
        out.push(T_CONTAINS);
        varint(out, id);
    }
    if s.unique_items {
        out.push(T_UNIQUE);
    }
    if let Some(values) = &s.enumeration {
        out.push(T_ENUM);
        varint(out, values.len() as u32);
        for v in values {
            literal(out, w, v);
        }
    }
    if let Some(c) = &s.constant {
        out.push(T_CONST);
        literal(out, w, c);
    }
    for (bound, value) in &s.bounds {
        out.push(T_BOUND);
        out.push(BOUNDS.iter().position(|b| b == bound).unwrap_or(0) as u8);
        out.extend(value.to_le_bytes());
    }
    if let Some(p) = s.pattern {
        out.push(T_PATTERN);
        varint(out, p);
    }
    if let Some(f) = &s.format {
        out.push(T_FORMAT);
        varint(out, w.string(f));
    }
    ids(out, T_ALL, &s.all_of);
    ids(out, T_ANY, &s.any_of);
    ids(out, T_ONE, &s.one_of);
    if let Some(id) = s.not {
        out.push(T_NOT);
        varint(out, id);
    }
    if let Some((i, t, e)) = s.condition {
        out.push(T_IF);
        varint(out, i);
        varint(out, t.unwrap_or(NONE));
        varint(out, e.unwrap_or(NONE));
    }
    ids(out, T_RULES, &s.rules);
    if let Some(d) = &s.default {
        out.push(T_DEFAULT);
        varint(out, w.string(d));
    }
    if let Some(d) = &s.description {
        out.push(T_DESCRIPTION);
        varint(out, w.string(d));
    }
    out.push(T_END);
}

fn u32s(out: &mut Vec<u8>, values: impl IntoIterator<Item = u32>) {
    for v in values {
        out.extend(v.to_le_bytes());
    }
}

/// Encodes a compiled bundle:
///
/// ```text
/// "DGS1" n_strings n_nodes n_kinds n_patterns n_rules   (u32 LE each)
/// string offsets[n_strings] node offsets[n_nodes]       (u32 LE, into the data)
/// kinds[n_kinds] = (key string, node)  sorted by key
/// patterns[n_patterns] = string
/// rules[n_rules] = (rule, message, messageExpression, fieldPath, reason)
/// data: strings (varint length, bytes), then nodes (tagged keywords)
/// ```
pub fn encode(bundle: &Compiled) -> Vec<u8> {
    let mut w = Writer {
        strings: Vec::new(),
        index: std::collections::HashMap::new(),
    };
    let mut nodes = Vec::new();
    let mut node_offsets = Vec::with_capacity(bundle.nodes.len());
    for node in &bundle.nodes {
        node_offsets.push(nodes.len() as u32);
        node_bytes(&mut nodes, &mut w, node);
    }
    let mut kinds: Vec<(u32, u32, &str)> = bundle
        .kinds
        .iter()
        .map(|(k, id)| (w.string(k), *id, k.as_str()))
        .collect();
    kinds.sort_by(|a, b| a.2.cmp(b.2));
    let patterns: Vec<u32> = bundle.patterns.iter().map(|p| w.string(p)).collect();
    let rules: Vec<[u32; 5]> = bundle
        .rules
        .iter()
        .map(|r| {
            [
                w.string(&r.rule),
                opt_string(&mut w, &r.message),
                opt_string(&mut w, &r.message_expression),
                opt_string(&mut w, &r.field_path),
                opt_string(&mut w, &r.reason),
            ]
        })
        .collect();
    let mut strings = Vec::new();
    let mut string_offsets = Vec::with_capacity(w.strings.len());
    for s in &w.strings {
        string_offsets.push(strings.len() as u32);
        varint(&mut strings, s.len() as u32);
        strings.extend(s.as_bytes());
    }
    let base = strings.len() as u32;
    let mut out = Vec::new();
    out.extend(MAGIC);
    u32s(
        &mut out,
        [
            w.strings.len() as u32,
            bundle.nodes.len() as u32,
            kinds.len() as u32,
            patterns.len() as u32,
            rules.len() as u32,
        ],
    );
    u32s(&mut out, string_offsets);
    u32s(&mut out, node_offsets.iter().map(|o| o + base));
    u32s(&mut out, kinds.iter().flat_map(|(k, id, _)| [*k, *id]));
    u32s(&mut out, patterns);
    u32s(&mut out, rules.into_iter().flatten());
    out.extend(strings);
    out.extend(nodes);
    out
}

/// An encoded bundle, read in place.
#[derive(Clone, Copy)]
pub struct Encoded<'a> {
    bytes: &'a [u8],
    strings: u32,
    nodes: u32,
    kinds: u32,
    patterns: u32,
    rules: u32,
}

fn word(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.bytes[self.at];
        self.at += 1;
        b
    }

    fn varint(&mut self) -> u32 {
        let mut n = 0u32;
        let mut shift = 0;
        loop {
            let b = self.byte();
            n |= u32::from(b & 0x7f) << shift;
            if b < 0x80 {
                return n;
            }
            shift += 7;
        }
    }

    fn opt(&mut self) -> Option<u32> {
        Some(self.varint()).filter(|&v| v != NONE)
    }

    fn ids(&mut self) -> Vec<u32> {
        let n = self.varint();
        (0..n).map(|_| self.varint()).collect()
    }
}

impl<'a> Encoded<'a> {
    /// Reads the header of an encoded bundle; `None` if it is not one.
    pub fn new(bytes: &'a [u8]) -> Option<Encoded<'a>> {
        if bytes.len() < 24 || &bytes[..4] != MAGIC {
            return None;
        }
        Some(Encoded {
            bytes,
            strings: word(bytes, 4),
            nodes: word(bytes, 8),
            kinds: word(bytes, 12),
            patterns: word(bytes, 16),
            rules: word(bytes, 20),
        })
    }

    fn tables(&self) -> usize {
        24
    }

    fn data(&self) -> usize {
        self.tables()
            + 4 * (self.strings + self.nodes + 2 * self.kinds + self.patterns + 5 * self.rules)
                as usize
    }

    pub fn node_count(&self) -> usize {
        self.nodes as usize
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns as usize
    }

    pub fn rule_count(&self) -> usize {
        self.rules as usize
    }

    pub fn kind_count(&self) -> usize {
        self.kinds as usize
    }

    pub fn string(&self, id: u32) -> &'a str {
        let offset = word(self.bytes, self.tables() + 4 * id as usize) as usize;
        let mut r = Reader {
            bytes: self.bytes,
            at: self.data() + offset,
        };
        let len = r.varint() as usize;
        std::str::from_utf8(&self.bytes[r.at..r.at + len])
            .expect("the encoder writes strings as UTF-8")
    }

    fn opt_string(&self, id: u32) -> Option<&'a str> {
        (id != NONE).then(|| self.string(id))
    }

    /// The `index`th kind: its key and root node.
    pub fn kind_at(&self, index: usize) -> (&'a str, u32) {
        let at = self.tables() + 4 * (self.strings + self.nodes) as usize + 8 * index;
        (self.string(word(self.bytes, at)), word(self.bytes, at + 4))
    }

    /// The root node of a kind.
    pub fn kind(&self, key: &str) -> Option<u32> {
        let (mut lo, mut hi) = (0, self.kinds as usize);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let (k, id) = self.kind_at(mid);
            match k.cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(id),
            }
        }
        None
    }

    pub fn pattern(&self, id: u32) -> &'a str {
        let at = self.tables() + 4 * (self.strings + self.nodes + 2 * self.kinds + id) as usize;
        self.string(word(self.bytes, at))
    }

    pub fn rule(&self, id: u32) -> Rule<&'a str> {
        let at = self.tables()
            + 4 * (self.strings + self.nodes + 2 * self.kinds + self.patterns + 5 * id) as usize;
        let f = |i: usize| word(self.bytes, at + 4 * i);
        Rule {
            rule: self.string(f(0)),
            message: self.opt_string(f(1)),
            message_expression: self.opt_string(f(2)),
            field_path: self.opt_string(f(3)),
            reason: self.opt_string(f(4)),
        }
    }

    fn literal(&self, r: &mut Reader) -> Literal<&'a str> {
        let json = r.byte() == 1;
        let s = self.string(r.varint());
        if json {
            Literal::Json(s)
        } else {
            Literal::Str(s)
        }
    }

    /// Decodes one node.
    pub fn node(&self, id: u32) -> Schema<&'a str> {
        let offset = word(self.bytes, self.tables() + 4 * (self.strings + id) as usize) as usize;
        let mut r = Reader {
            bytes: self.bytes,
            at: self.data() + offset,
        };
        let mut s = Schema::default();
        loop {
            match r.byte() {
                T_END => return s,
                T_TYPES => s.types = r.byte(),
                T_NEVER => s.never = true,
                T_REF => s.reference = Some(r.varint()),
                T_PROPS => {
                    let n = r.varint();
                    s.properties = (0..n)
                        .map(|_| (self.string(r.varint()), r.varint()))
                        .collect();
                }
                T_ADDL_FORBIDDEN => s.additional = Additional::Forbidden,
                T_ADDL_SCHEMA => s.additional = Additional::Schema(r.varint()),
                T_PATTERN_PROPS => {
                    let n = r.varint();
                    s.pattern_properties = (0..n).map(|_| (r.varint(), r.varint())).collect();
                }
                T_PROPERTY_NAMES => s.property_names = Some(r.varint()),
                T_REQUIRED => {
                    let n = r.varint();
                    s.required = (0..n).map(|_| self.string(r.varint())).collect();
                }
                T_DEPENDENT => {
                    let n = r.varint();
                    s.dependent_required = (0..n)
                        .map(|_| {
                            let name = self.string(r.varint());
                            let m = r.varint();
                            (name, (0..m).map(|_| self.string(r.varint())).collect())
                        })
                        .collect();
                }
                T_ITEMS => s.items = Some(r.varint()),
                T_PREFIX => s.prefix_items = r.ids(),
                T_CONTAINS => s.contains = Some(r.varint()),
                T_UNIQUE => s.unique_items = true,
                T_ENUM => {
                    let n = r.varint();
                    s.enumeration = Some((0..n).map(|_| self.literal(&mut r)).collect());
                }
                T_CONST => s.constant = Some(self.literal(&mut r)),
                T_BOUND => {
                    let bound = BOUNDS[r.byte() as usize];
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&r.bytes[r.at..r.at + 8]);
                    r.at += 8;
                    s.bounds.push((bound, f64::from_le_bytes(b)));
                }
                T_PATTERN => s.pattern = Some(r.varint()),
                T_FORMAT => s.format = Some(self.string(r.varint())),
                T_ALL => s.all_of = r.ids(),
                T_ANY => s.any_of = r.ids(),
                T_ONE => s.one_of = r.ids(),
                T_NOT => s.not = Some(r.varint()),
                T_IF => {
                    let i = r.varint();
                    s.condition = Some((i, r.opt(), r.opt()));
                }
                T_RULES => s.rules = r.ids(),
                T_DEFAULT => s.default = Some(self.string(r.varint())),
                T_DESCRIPTION => s.description = Some(self.string(r.varint())),
                other => {
                    panic!("unknown schema keyword tag {other}: the encoder and decoder disagree")
                }
            }
        }
    }
}
