//! Validates a JSON value against a node of a [`Store`].
//!
//! [`is_valid`] answers yes or no and stops at the first problem; [`errors`]
//! collects every problem with its JSON pointer. Both run the same walk
//! (one function, two modes), so they can never disagree. CEL rules
//! (`x-kubernetes-validations`) run on a node once its value has passed
//! the node's structural keywords, as the API server does.

use super::cel;
use super::ir::{
    Additional, Bound, Literal, ARRAY, BOOLEAN, INTEGER, NULL, NUMBER, OBJECT, STRING,
};
use super::{Node, Store};
use serde_json::Value;

/// One problem, at a JSON pointer into the instance.
#[derive(Debug, Clone)]
pub struct Error {
    pub pointer: String,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub enum Kind {
    /// A property `additionalProperties: false` forbids; `node` lists the
    /// allowed ones.
    Unknown {
        key: String,
        node: u32,
    },
    Required(&'static str),
    Type {
        expected: u8,
    },
    Enum {
        node: u32,
    },
    Const,
    Format(&'static str),
    /// A string that does not match the `pattern` of `node`.
    Pattern {
        pattern: &'static str,
        node: u32,
    },
    Bound {
        bound: Bound,
        limit: f64,
    },
    Unique,
    Contains,
    Dependent {
        name: &'static str,
        needs: &'static str,
    },
    AnyOf {
        branches: Vec<Vec<Error>>,
    },
    OneOf {
        branches: Vec<Vec<Error>>,
        matched: usize,
    },
    Not,
    /// The `false` schema (a field forbidden in this context).
    Never,
    /// A CEL rule that evaluated to false.
    Rule {
        message: String,
        rule: &'static str,
    },
    /// A CEL rule that could not be evaluated on this value.
    RuleError {
        error: String,
        rule: &'static str,
    },
    /// A pattern or schema the engine cannot use (a bug in the schema).
    Schema(String),
}

enum Seg<'v> {
    Key(&'v str),
    Index(usize),
    /// A field named by a CEL rule's `fieldPath`.
    Owned(String),
}

struct Cx<'v> {
    collect: bool,
    path: Vec<Seg<'v>>,
    out: Vec<Error>,
    depth: usize,
}

/// Deeper than this, a chain of `$ref`s that consumes no instance is a loop.
const MAX_DEPTH: usize = 400;

impl<'v> Cx<'v> {
    fn pointer(&self) -> String {
        let mut p = String::new();
        for seg in &self.path {
            p.push('/');
            match seg {
                Seg::Key(k) => p.push_str(&k.replace('~', "~0").replace('/', "~1")),
                Seg::Index(i) => p.push_str(&i.to_string()),
                Seg::Owned(k) => p.push_str(&k.replace('~', "~0").replace('/', "~1")),
            }
        }
        p
    }

    /// Steps into a child of the instance; only errors need the path, so
    /// a yes-or-no walk keeps none.
    fn enter(&mut self, seg: Seg<'v>) {
        if self.collect {
            self.path.push(seg);
        }
    }

    fn leave(&mut self) {
        if self.collect {
            self.path.pop();
        }
    }

    fn fail(&mut self, kind: Kind) -> bool {
        if self.collect {
            let pointer = self.pointer();
            self.out.push(Error { pointer, kind });
        }
        false
    }

    fn branch(&self) -> Cx<'v> {
        Cx {
            collect: self.collect,
            path: self
                .path
                .iter()
                .map(|s| match s {
                    Seg::Key(k) => Seg::Key(k),
                    Seg::Index(i) => Seg::Index(*i),
                    Seg::Owned(k) => Seg::Owned(k.clone()),
                })
                .collect(),
            out: Vec::new(),
            depth: self.depth,
        }
    }
}

/// Whether `value` is valid against node `id`.
pub fn is_valid(store: &Store, id: u32, value: &Value) -> bool {
    let mut cx = Cx {
        collect: false,
        path: Vec::new(),
        out: Vec::new(),
        depth: 0,
    };
    eval(store, id, value, &mut cx)
}

/// Every problem of `value` against node `id` (none when it is valid).
pub fn errors(store: &Store, id: u32, value: &Value) -> Vec<Error> {
    if is_valid(store, id, value) {
        return Vec::new();
    }
    let mut cx = Cx {
        collect: true,
        path: Vec::new(),
        out: Vec::new(),
        depth: 0,
    };
    eval(store, id, value, &mut cx);
    cx.out
}

pub fn type_matches(types: u8, v: &Value) -> bool {
    let bit = match v {
        Value::Null => NULL,
        Value::Bool(_) => BOOLEAN,
        Value::Number(n) => {
            let integral = n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0);
            if integral && types & (INTEGER | NUMBER) != 0 {
                return true;
            }
            NUMBER
        }
        Value::String(_) => STRING,
        Value::Array(_) => ARRAY,
        Value::Object(_) => OBJECT,
    };
    types & bit != 0
}

fn literal_eq(lit: &Literal<&str>, v: &Value) -> bool {
    match (lit, v) {
        (Literal::Str(s), Value::String(t)) => s == t,
        (Literal::Str(_), _) => false,
        (Literal::Json(text), v) => {
            serde_json::from_str::<Value>(text).is_ok_and(|l| json_eq(&l, v))
        }
    }
}

/// JSON Schema equality: numbers compare by value (`1 == 1.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, a)| y.get(k).is_some_and(|b| json_eq(a, b)))
        }
        _ => a == b,
    }
}

fn bound_ok(bound: Bound, limit: f64, v: &Value) -> bool {
    let size = |n: usize| n as f64;
    match (bound, v) {
        (Bound::MinLength, Value::String(s)) => size(s.chars().count()) >= limit,
        (Bound::MaxLength, Value::String(s)) => size(s.chars().count()) <= limit,
        (Bound::MinItems, Value::Array(a)) => size(a.len()) >= limit,
        (Bound::MaxItems, Value::Array(a)) => size(a.len()) <= limit,
        (Bound::MinProperties, Value::Object(m)) => size(m.len()) >= limit,
        (Bound::MaxProperties, Value::Object(m)) => size(m.len()) <= limit,
        (_, Value::Number(n)) => {
            let x = n.as_f64().unwrap_or(0.0);
            match bound {
                Bound::Minimum => x >= limit,
                Bound::Maximum => x <= limit,
                Bound::ExclusiveMinimum => x > limit,
                Bound::ExclusiveMaximum => x < limit,
                Bound::MultipleOf => {
                    if limit == 0.0 {
                        true
                    } else if let (Some(i), true) = (n.as_i64(), limit.fract() == 0.0) {
                        i % (limit as i64) == 0
                    } else {
                        let q = x / limit;
                        (q - q.round()).abs() < 1e-9
                    }
                }
                _ => true,
            }
        }
        _ => true,
    }
}

fn format_ok(format: &str, v: &Value) -> bool {
    match (format, v) {
        ("quantity", Value::String(s)) => super::quantity::is_valid(s),
        _ => true,
    }
}

fn eval<'v>(store: &Store, id: u32, v: &'v Value, cx: &mut Cx<'v>) -> bool {
    let s: &Node = store.node(id);
    if s.never {
        return cx.fail(Kind::Never);
    }
    cx.depth += 1;
    if cx.depth > MAX_DEPTH {
        cx.depth -= 1;
        return cx.fail(Kind::Schema("schema recursion too deep".into()));
    }
    let ok = eval_keywords(store, id, s, v, cx);
    cx.depth -= 1;
    ok
}

fn eval_keywords<'v>(store: &Store, id: u32, s: &Node, v: &'v Value, cx: &mut Cx<'v>) -> bool {
    let mut ok = true;
    macro_rules! check {
        ($e:expr) => {
            if !$e {
                ok = false;
                if !cx.collect {
                    return false;
                }
            }
        };
    }
    if let Some(r) = s.reference {
        check!(eval(store, r, v, cx));
    }
    if s.types != 0 && !type_matches(s.types, v) {
        cx.fail(Kind::Type { expected: s.types });
        return false;
    }
    if let Some(values) = &s.enumeration {
        check!(values.iter().any(|l| literal_eq(l, v)) || cx.fail(Kind::Enum { node: id }));
    }
    if let Some(c) = &s.constant {
        check!(literal_eq(c, v) || cx.fail(Kind::Const));
    }
    for &(bound, limit) in &s.bounds {
        check!(bound_ok(bound, limit, v) || cx.fail(Kind::Bound { bound, limit }));
    }
    match v {
        Value::String(text) => {
            if let Some(p) = s.pattern {
                let matched = match store.pattern(p) {
                    Ok(re) => {
                        re.is_match(text)
                            || cx.fail(Kind::Pattern {
                                pattern: store.pattern_text(p),
                                node: id,
                            })
                    }
                    Err(e) => cx.fail(Kind::Schema(e.to_string())),
                };
                check!(matched);
            }
            if let Some(f) = s.format {
                check!(format_ok(f, v) || cx.fail(Kind::Format(f)));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let schema = s.prefix_items.get(i).copied().or(s.items);
                if let Some(schema) = schema {
                    cx.enter(Seg::Index(i));
                    let valid = eval(store, schema, item, cx);
                    cx.leave();
                    check!(valid);
                }
            }
            if let Some(c) = s.contains {
                check!(items.iter().any(|i| is_valid(store, c, i)) || cx.fail(Kind::Contains));
            }
            if s.unique_items {
                let unique = items
                    .iter()
                    .enumerate()
                    .all(|(i, a)| items[i + 1..].iter().all(|b| !json_eq(a, b)));
                check!(unique || cx.fail(Kind::Unique));
            }
        }
        Value::Object(map) => {
            for name in &s.required {
                check!(has(map, name) || cx.fail(Kind::Required(name)));
            }
            for (name, needs) in &s.dependent_required {
                if has(map, name) {
                    for need in needs {
                        check!(has(map, need) || cx.fail(Kind::Dependent { name, needs: need }));
                    }
                }
            }
            // A yes-or-no walk of a node that says nothing of the other
            // keys (an `if` that tests one field of an object) looks its
            // few properties up in the object rather than every key of the
            // object among them: the same pairs are checked, in another
            // order, which only the errors' order would show.
            let only_named = !cx.collect
                && s.additional == Additional::Any
                && s.pattern_properties.is_empty()
                && s.property_names.is_none()
                && s.properties.len() < map.len();
            if only_named {
                for &(name, schema) in &s.properties {
                    if let Some(value) = field(map, name) {
                        check!(eval(store, schema, value, cx));
                    }
                }
            }
            let mut unknown: Vec<&str> = Vec::new();
            for (key, value) in map.iter().filter(|_| !only_named) {
                let mut matched = false;
                if let Ok(i) = s
                    .properties
                    .binary_search_by(|(n, _)| (*n).cmp(key.as_str()))
                {
                    matched = true;
                    cx.enter(Seg::Key(key));
                    let valid = eval(store, s.properties[i].1, value, cx);
                    cx.leave();
                    check!(valid);
                }
                for &(p, schema) in &s.pattern_properties {
                    let hit = match store.pattern(p) {
                        Ok(re) => re.is_match(key),
                        Err(e) => {
                            check!(cx.fail(Kind::Schema(e.to_string())));
                            false
                        }
                    };
                    if hit {
                        matched = true;
                        cx.enter(Seg::Key(key));
                        let valid = eval(store, schema, value, cx);
                        cx.leave();
                        check!(valid);
                    }
                }
                if !matched {
                    match s.additional {
                        Additional::Any => {}
                        Additional::Forbidden => {
                            if !cx.collect {
                                return false;
                            }
                            ok = false;
                            unknown.push(key);
                        }
                        Additional::Schema(schema) => {
                            cx.enter(Seg::Key(key));
                            let valid = eval(store, schema, value, cx);
                            cx.leave();
                            check!(valid);
                        }
                    }
                }
                if let Some(names) = s.property_names {
                    let name = Value::String(key.clone());
                    check!(
                        is_valid(store, names, &name)
                            || cx.fail(Kind::Pattern {
                                pattern: property_name_pattern(store, names),
                                node: names,
                            })
                    );
                }
            }
            for key in unknown {
                cx.fail(Kind::Unknown {
                    key: key.to_string(),
                    node: id,
                });
            }
        }
        _ => {}
    }
    // A union tagged by a property runs only the branches of the object's
    // tag: the others would find their `if` false and do nothing (unless
    // the walk is as deep as a branch may go, where each fails on its own).
    let union = match v {
        Value::Object(map) if !s.all_of.is_empty() && cx.depth < MAX_DEPTH => {
            store.union(s).map(|u| (u, map))
        }
        _ => None,
    };
    match union {
        Some((union, map)) => {
            let tag = field(map, union.property).and_then(Value::as_str);
            for i in tag.into_iter().flat_map(|tag| union.branches_for(tag)) {
                check!(eval(store, s.all_of[i as usize], v, cx));
            }
        }
        None => {
            for &sub in &s.all_of {
                check!(eval(store, sub, v, cx));
            }
        }
    }
    if !s.any_of.is_empty() && !s.any_of.iter().any(|&b| is_valid(store, b, v)) {
        let branches = branch_errors(store, &s.any_of, v, cx);
        check!(cx.fail(Kind::AnyOf { branches }));
    }
    if !s.one_of.is_empty() {
        let matched = s.one_of.iter().filter(|&&b| is_valid(store, b, v)).count();
        if matched != 1 {
            let branches = match matched {
                0 => branch_errors(store, &s.one_of, v, cx),
                _ => Vec::new(),
            };
            check!(cx.fail(Kind::OneOf { branches, matched }));
        }
    }
    if let Some(n) = s.not {
        check!(!is_valid(store, n, v) || cx.fail(Kind::Not));
    }
    if let Some((cond, then, otherwise)) = s.condition {
        let next = if is_valid(store, cond, v) {
            then
        } else {
            otherwise
        };
        if let Some(next) = next {
            check!(eval(store, next, v, cx));
        }
    }
    // Rules run even when something below failed (the API server prunes
    // unknown fields and still evaluates them), but an evaluation error is
    // reported only on a value that is otherwise valid: on an invalid one it
    // would repeat the structural finding.
    if !s.rules.is_empty() {
        let this = cel::with_defaults(store, id, v);
        let structurally_ok = ok;
        for &rule in &s.rules {
            match cel::evaluate(store, rule, &this) {
                cel::Outcome::Pass | cel::Outcome::NotEvaluated => {}
                cel::Outcome::Fail { message, field } => {
                    let depth = cx.path.len();
                    cx.path.extend(field.into_iter().map(Seg::Owned));
                    let failed = cx.fail(Kind::Rule {
                        message,
                        rule: store.rule(rule).rule,
                    });
                    cx.path.truncate(depth);
                    check!(failed);
                }
                cel::Outcome::Error(_) if !structurally_ok => {}
                cel::Outcome::Error(error) => check!(cx.fail(Kind::RuleError {
                    error,
                    rule: store.rule(rule).rule,
                })),
            }
        }
    }
    ok
}

/// The value of a key. The objects of manifests are small, and comparing
/// a few keys costs less than hashing one with the map's SipHash.
fn field<'v>(map: &'v serde_json::Map<String, Value>, key: &str) -> Option<&'v Value> {
    match map.len() <= 16 {
        true => map.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
        false => map.get(key),
    }
}

fn has(map: &serde_json::Map<String, Value>, key: &str) -> bool {
    field(map, key).is_some()
}

/// The pattern a `propertyNames` schema imposes, for its message.
fn property_name_pattern(store: &Store, id: u32) -> &'static str {
    store.node(id).pattern.map_or("", |p| store.pattern_text(p))
}

fn branch_errors<'v>(
    store: &Store,
    branches: &[u32],
    v: &'v Value,
    cx: &Cx<'v>,
) -> Vec<Vec<Error>> {
    if !cx.collect {
        return Vec::new();
    }
    branches
        .iter()
        .map(|&b| {
            let mut sub = cx.branch();
            eval(store, b, v, &mut sub);
            sub.out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::compile::Compiler;
    use serde_json::json;

    /// A union of plugins tagged by `name`; with `tagged` false, each `if`
    /// also allows every type (the same test) so it is not seen as a union.
    fn plugins(tagged: bool) -> (Store, u32) {
        let branch = |name: &str, then: serde_json::Value| {
            let mut test = json!({"properties": {"name": {"const": name}}, "required": ["name"]});
            if !tagged {
                test["type"] = json!(["null", "boolean", "object", "array", "number", "string"]);
            }
            json!({"if": test, "then": then})
        };
        let doc = json!({
            "type": "array",
            "items": {"allOf": [
                branch("tail", json!({"properties": {"path": {"type": "string"}}, "required": ["path"]})),
                branch("dummy", json!({"additionalProperties": false, "properties": {"name": {}, "rate": {"type": "integer"}}})),
                branch("tail", json!({"properties": {"refresh": {"minimum": 1}}})),
                branch("never", false.into()),
            ]},
        });
        let mut c = Compiler::default();
        let d = c.add_document("plugins", doc);
        let root = c.kind("plugins", d, "").unwrap();
        (Store::from_compiled(&c.finish()), root)
    }

    /// Dispatching by the tag finds the same errors, in the same order, as
    /// trying every branch, on plugins that pass and fail, objects without
    /// or with a non-string tag, and values that are not objects (where
    /// every branch applies).
    #[test]
    fn a_tagged_union_runs_only_the_tags_branches() {
        let (tagged, root) = plugins(true);
        let (plain, plain_root) = plugins(false);
        assert!(tagged
            .union(tagged.node(tagged.node(root).items.unwrap()))
            .is_some());
        assert!(plain
            .union(plain.node(plain.node(plain_root).items.unwrap()))
            .is_none());
        let value = json!([
            {"name": "tail", "path": "/x", "refresh": 5},
            {"name": "tail", "refresh": 0},
            {"name": "tail", "path": 3},
            {"name": "dummy", "rate": 1},
            {"name": "dummy", "rate": "x", "other": 1},
            {"name": "never"},
            {"name": "other", "path": 3},
            {"name": 3},
            {"path": 3},
            "tail",
            3,
            null,
        ]);
        let show = |errors: Vec<Error>| -> Vec<String> {
            errors
                .iter()
                .map(|e| format!("{} {:?}", e.pointer, e.kind))
                .collect()
        };
        let items = value.as_array().unwrap();
        for item in items.iter().chain([&value]) {
            let one = json!([item]);
            assert_eq!(
                is_valid(&tagged, root, &one),
                is_valid(&plain, plain_root, &one),
                "{item}"
            );
            assert_eq!(
                show(errors(&tagged, root, &one)),
                show(errors(&plain, plain_root, &one)),
                "{item}"
            );
        }
        assert!(errors(&tagged, root, &value).len() >= 8);
    }
}
