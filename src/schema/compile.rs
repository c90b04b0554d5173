//! JSON Schema documents in, a [`Compiled`] bundle out.
//!
//! Understands the keywords of drafts 4 to 2020-12 that Kubernetes and
//! CRD schemas use (see `docs/validate.md`): types (with OpenAPI's
//! `nullable` and `x-kubernetes-int-or-string`), `$ref` to any JSON pointer
//! in the same document or, through the caller's loader, in another file,
//! the object, array, string and number keywords, the combinators, `enum`
//! and `const`, `format`, `default`, and `x-kubernetes-validations` (CEL
//! rules, evaluated by the validator). Unknown keywords are ignored, as
//! JSON Schema requires. Each subschema is compiled once, however many
//! `$ref`s reach it; recursive schemas are fine.
//!
//! Shared with `build.rs` (through `#[path]`): it uses only `std`,
//! `serde_json` and its sibling `ir.rs`.

use super::ir::{
    Additional, Bound, Compiled, Literal, Rule, Schema, ARRAY, BOOLEAN, INTEGER, NULL, NUMBER,
    OBJECT, STRING,
};
use serde_json::Value;
use std::collections::HashMap;
use std::rc::Rc;

/// Reads another schema file named by a `$ref` (its path joined to the
/// referring file's directory).
pub type Loader<'a> = dyn FnMut(&str) -> Result<Value, String> + 'a;

pub struct Compiler<'a> {
    docs: Vec<(String, Rc<Value>)>,
    memo: HashMap<(usize, String), u32>,
    patterns: HashMap<String, u32>,
    out: Compiled,
    loader: Option<Box<Loader<'a>>>,
}

impl Default for Compiler<'_> {
    fn default() -> Self {
        Compiler::new(None)
    }
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn type_bit(name: &str) -> u8 {
    match name {
        "null" => NULL,
        "boolean" => BOOLEAN,
        "integer" => INTEGER,
        "number" => NUMBER,
        "string" => STRING,
        "array" => ARRAY,
        "object" => OBJECT,
        _ => 0,
    }
}

fn literal(v: &Value) -> Literal<String> {
    match v {
        Value::String(s) => Literal::Str(s.clone()),
        other => Literal::Json(other.to_string()),
    }
}

const BOUND_KEYWORDS: [(&str, Bound); 10] = [
    ("minLength", Bound::MinLength),
    ("maxLength", Bound::MaxLength),
    ("minItems", Bound::MinItems),
    ("maxItems", Bound::MaxItems),
    ("minProperties", Bound::MinProperties),
    ("maxProperties", Bound::MaxProperties),
    ("minimum", Bound::Minimum),
    ("maximum", Bound::Maximum),
    ("multipleOf", Bound::MultipleOf),
    ("exclusiveMinimum", Bound::ExclusiveMinimum),
];

impl<'a> Compiler<'a> {
    pub fn new(loader: Option<Box<Loader<'a>>>) -> Self {
        Compiler {
            docs: Vec::new(),
            memo: HashMap::new(),
            patterns: HashMap::new(),
            out: Compiled::default(),
            loader,
        }
    }

    /// Adds a document under a name (its path, for relative `$ref`s) and
    /// returns its index.
    pub fn add_document(&mut self, name: &str, doc: Value) -> usize {
        self.docs.push((name.to_string(), Rc::new(doc)));
        self.docs.len() - 1
    }

    /// Compiles the schema at `pointer` in document `doc` as the root of
    /// `key` (`apps/v1/Deployment`) and returns its node.
    pub fn kind(&mut self, key: &str, doc: usize, pointer: &str) -> Result<u32, String> {
        let id = self.node(doc, pointer)?;
        self.out.kinds.push((key.to_string(), id));
        Ok(id)
    }

    pub fn finish(self) -> Compiled {
        self.out
    }

    fn document_named(&mut self, name: &str) -> Result<usize, String> {
        if let Some(i) = self.docs.iter().position(|(n, _)| n == name) {
            return Ok(i);
        }
        let loader = self
            .loader
            .as_mut()
            .ok_or_else(|| format!("`$ref` to another file (`{name}`) is not supported here"))?;
        let doc = loader(name)?;
        Ok(self.add_document(name, doc))
    }

    /// Resolves a `$ref` written in document `doc`.
    fn resolve(&mut self, doc: usize, reference: &str) -> Result<(usize, String), String> {
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let target = if file.is_empty() {
            doc
        } else {
            let base = &self.docs[doc].0;
            let dir = base.rfind('/').map_or("", |i| &base[..=i]);
            let path = if file.starts_with('/') || file.contains("://") {
                file.to_string()
            } else {
                format!("{dir}{file}")
            };
            self.document_named(&path)?
        };
        let fragment = percent_decode(fragment);
        if !fragment.is_empty() && !fragment.starts_with('/') {
            return Err(format!("`$ref` `{reference}`: anchors are not supported"));
        }
        Ok((target, fragment))
    }

    fn pattern(&mut self, p: &str) -> u32 {
        if let Some(&id) = self.patterns.get(p) {
            return id;
        }
        let id = self.out.patterns.len() as u32;
        self.out.patterns.push(p.to_string());
        self.patterns.insert(p.to_string(), id);
        id
    }

    fn never(&mut self) -> u32 {
        let id = self.out.nodes.len() as u32;
        self.out.nodes.push(Schema {
            never: true,
            ..Schema::default()
        });
        id
    }

    fn node(&mut self, doc: usize, pointer: &str) -> Result<u32, String> {
        if let Some(&id) = self.memo.get(&(doc, pointer.to_string())) {
            return Ok(id);
        }
        let id = self.out.nodes.len() as u32;
        self.out.nodes.push(Schema::default());
        self.memo.insert((doc, pointer.to_string()), id);
        let root = Rc::clone(&self.docs[doc].1);
        let value = root.pointer(pointer).ok_or_else(|| {
            format!(
                "`$ref` target `{}#{pointer}` does not exist",
                self.docs[doc].0
            )
        })?;
        let schema = self.build(doc, pointer, value)?;
        self.out.nodes[id as usize] = schema;
        Ok(id)
    }

    fn child(&mut self, doc: usize, pointer: &str, key: &str) -> Result<u32, String> {
        self.node(doc, &format!("{pointer}/{}", escape(key)))
    }

    fn children(
        &mut self,
        doc: usize,
        pointer: &str,
        key: &str,
        value: &Value,
    ) -> Result<Vec<u32>, String> {
        let n = value.as_array().map_or(0, Vec::len);
        (0..n)
            .map(|i| self.node(doc, &format!("{pointer}/{key}/{i}")))
            .collect()
    }

    fn build(&mut self, doc: usize, p: &str, value: &Value) -> Result<Schema<String>, String> {
        let mut s = Schema::default();
        let map = match value {
            Value::Bool(true) => return Ok(s),
            Value::Bool(false) => {
                s.never = true;
                return Ok(s);
            }
            Value::Object(map) => map,
            _ => return Err(format!("schema at `{p}` is not an object or a boolean")),
        };
        match map.get("type") {
            Some(Value::String(t)) => s.types = type_bit(t),
            Some(Value::Array(list)) => {
                s.types = list
                    .iter()
                    .filter_map(Value::as_str)
                    .map(type_bit)
                    .fold(0, |a, b| a | b)
            }
            _ => {}
        }
        if map.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
            s.types = INTEGER | STRING | (s.types & NULL);
        }
        if s.types != 0 && map.get("nullable") == Some(&Value::Bool(true)) {
            s.types |= NULL;
        }
        if let Some(Value::String(r)) = map.get("$ref") {
            let (target, fragment) = self.resolve(doc, r)?;
            s.reference = Some(self.node(target, &fragment)?);
        }
        if let Some(Value::Object(props)) = map.get("properties") {
            let mut list = Vec::with_capacity(props.len());
            for name in props.keys() {
                let id = self.node(doc, &format!("{p}/properties/{}", escape(name)))?;
                list.push((name.clone(), id));
            }
            list.sort_by(|a, b| a.0.cmp(&b.0));
            s.properties = list;
        }
        match map.get("additionalProperties") {
            Some(Value::Bool(false)) => s.additional = Additional::Forbidden,
            Some(Value::Object(_)) => {
                s.additional = Additional::Schema(self.child(doc, p, "additionalProperties")?)
            }
            _ => {}
        }
        if let Some(Value::Object(props)) = map.get("patternProperties") {
            for pattern in props.keys() {
                let id = self.node(doc, &format!("{p}/patternProperties/{}", escape(pattern)))?;
                let pid = self.pattern(pattern);
                s.pattern_properties.push((pid, id));
            }
        }
        if map.contains_key("propertyNames") {
            s.property_names = Some(self.child(doc, p, "propertyNames")?);
        }
        if let Some(Value::Array(req)) = map.get("required") {
            s.required = req
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
        }
        for key in ["dependentRequired", "dependencies"] {
            if let Some(Value::Object(deps)) = map.get(key) {
                for (name, needs) in deps {
                    if let Value::Array(needs) = needs {
                        let needs = needs
                            .iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect();
                        s.dependent_required.push((name.clone(), needs));
                    }
                }
            }
        }
        match map.get("items") {
            Some(items @ Value::Array(_)) => {
                s.prefix_items = self.children(doc, p, "items", items)?;
                match map.get("additionalItems") {
                    Some(Value::Bool(false)) => s.items = Some(self.never()),
                    Some(Value::Object(_)) => {
                        s.items = Some(self.child(doc, p, "additionalItems")?)
                    }
                    _ => {}
                }
            }
            Some(Value::Bool(false)) => s.items = Some(self.never()),
            Some(Value::Object(_)) => s.items = Some(self.child(doc, p, "items")?),
            _ => {}
        }
        if let Some(prefix @ Value::Array(_)) = map.get("prefixItems") {
            s.prefix_items = self.children(doc, p, "prefixItems", prefix)?;
        }
        if map.contains_key("contains") {
            s.contains = Some(self.child(doc, p, "contains")?);
        }
        s.unique_items = map.get("uniqueItems") == Some(&Value::Bool(true));
        if let Some(Value::Array(values)) = map.get("enum") {
            s.enumeration = Some(values.iter().map(literal).collect());
        }
        if let Some(c) = map.get("const") {
            s.constant = Some(literal(c));
        }
        for (keyword, bound) in BOUND_KEYWORDS {
            if let Some(n) = map.get(keyword).and_then(Value::as_f64) {
                s.bounds.push((bound, n));
            }
        }
        if let Some(n) = map.get("exclusiveMaximum").and_then(Value::as_f64) {
            s.bounds.push((Bound::ExclusiveMaximum, n));
        }
        // Draft 4: `exclusiveMinimum: true` makes `minimum` exclusive.
        for (flag, plain, exclusive) in [
            ("exclusiveMinimum", Bound::Minimum, Bound::ExclusiveMinimum),
            ("exclusiveMaximum", Bound::Maximum, Bound::ExclusiveMaximum),
        ] {
            if map.get(flag) == Some(&Value::Bool(true)) {
                for (b, _) in &mut s.bounds {
                    if *b == plain {
                        *b = exclusive;
                    }
                }
            }
        }
        if let Some(Value::String(pattern)) = map.get("pattern") {
            s.pattern = Some(self.pattern(pattern));
        }
        if let Some(Value::String(format)) = map.get("format") {
            s.format = Some(format.clone());
        }
        if s.enumeration.is_some() || s.pattern.is_some() {
            s.description = map
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        for (key, list) in [("allOf", 0), ("anyOf", 1), ("oneOf", 2)] {
            if let Some(v @ Value::Array(_)) = map.get(key) {
                let ids = self.children(doc, p, key, v)?;
                match list {
                    0 => s.all_of = ids,
                    1 => s.any_of = ids,
                    _ => s.one_of = ids,
                }
            }
        }
        if map.contains_key("not") {
            s.not = Some(self.child(doc, p, "not")?);
        }
        if map.contains_key("if") {
            let cond = self.child(doc, p, "if")?;
            let then = match map.contains_key("then") {
                true => Some(self.child(doc, p, "then")?),
                false => None,
            };
            let otherwise = match map.contains_key("else") {
                true => Some(self.child(doc, p, "else")?),
                false => None,
            };
            s.condition = Some((cond, then, otherwise));
        }
        if let Some(Value::Array(rules)) = map.get("x-kubernetes-validations") {
            for r in rules {
                let Some(rule) = r.get("rule").and_then(Value::as_str) else {
                    continue;
                };
                let text = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
                let id = self.out.rules.len() as u32;
                self.out.rules.push(Rule {
                    rule: rule.to_string(),
                    message: text("message"),
                    message_expression: text("messageExpression"),
                    field_path: text("fieldPath"),
                    reason: text("reason"),
                });
                s.rules.push(id);
            }
        }
        if let Some(d) = map.get("default") {
            s.default = Some(d.to_string());
        }
        Ok(s)
    }
}

/// Compiles a bundle document (`{"kinds": {key: definition}, "$defs":
/// {...}}`, see `docs/schemas.md`): every kind, and everything they reach.
pub fn bundle(name: &str, doc: Value) -> Result<Compiled, String> {
    let kinds: Vec<(String, String)> = doc
        .get("kinds")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{name}: no `kinds` object"))?
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    let mut c = Compiler::default();
    let d = c.add_document(name, doc);
    for (key, def) in kinds {
        c.kind(&key, d, &format!("/$defs/{}", escape(&def)))
            .map_err(|e| format!("{name}: {key}: {e}"))?;
    }
    Ok(c.finish())
}
