//! CEL validation rules (`x-kubernetes-validations`), evaluated as the API
//! server does for custom resources: on the value of the node that carries
//! the rule, as `self`, after the schema's defaults have been applied.
//!
//! Rules are compiled on first use with the `cel` crate (the standard
//! library plus its strings, lists and math extensions, which cover what
//! Kubernetes' CEL environment adds for the rules we bundle). A rule is
//! not evaluated, and never reported, when it cannot be judged offline:
//! transition rules (they read `oldSelf`, the object before an update), and
//! rules calling a function outside [`FUNCTIONS`] (the Kubernetes-only
//! libraries: `url`, `ip`, `cidr`, `quantity`, `authorizer`, ...). A rule
//! that converts a timestamp into a named time zone other than UTC is not
//! evaluated either: the binary carries no zone tables.
//! `docs/validate.md` says how many bundled rules that leaves out.

use super::ir::Additional;
use super::Store;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// A compiled rule: its program and its message program, or why it is not
/// evaluated.
pub struct Program {
    compiled: Result<(cel::Program, Option<cel::Program>), Skip>,
}

/// Why a rule is not evaluated.
#[derive(Clone, Debug, PartialEq)]
pub enum Skip {
    /// Reads `oldSelf`: only meaningful on update.
    Transition,
    /// Calls functions the library lacks.
    Unsupported(Vec<String>),
    /// Does not parse.
    Syntax(String),
}

/// What evaluating a rule on a value found.
pub enum Outcome {
    Pass,
    NotEvaluated,
    /// The rule is false: its message, and the field it names (`fieldPath`)
    /// relative to the node, as keys.
    Fail {
        message: String,
        field: Vec<String>,
    },
    /// The rule could not be evaluated on this value (the API server
    /// rejects the object too).
    Error(String),
}

/// Every function and macro the environment provides (CEL's standard
/// library and the strings, lists and math extensions).
pub const FUNCTIONS: &[&str] = &[
    "has",
    "size",
    "all",
    "exists",
    "exists_one",
    "map",
    "filter",
    "matches",
    "contains",
    "startsWith",
    "endsWith",
    "duration",
    "timestamp",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "dyn",
    "type",
    "getFullYear",
    "getMonth",
    "getDate",
    "getDayOfMonth",
    "getDayOfWeek",
    "getDayOfYear",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
    "charAt",
    "indexOf",
    "lastIndexOf",
    "join",
    "lowerAscii",
    "upperAscii",
    "trim",
    "replace",
    "split",
    "substring",
    "format",
    "reverse",
    "quote",
    "flatten",
    "slice",
    "distinct",
    "sort",
    "sortBy",
    "range",
    "first",
    "last",
    "greatest",
    "least",
    "abs",
    "ceil",
    "floor",
    "round",
    "trunc",
    "sign",
    "isNaN",
    "isInf",
    "isFinite",
    "sqrt",
    "max",
    "min",
];

fn env() -> &'static Arc<cel::Env> {
    static ENV: OnceLock<Arc<cel::Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = cel::Env::stdlib();
        for ext in [
            cel::extensions::strings as fn(&mut cel::Env) -> Result<(), cel::DeclarationError>,
            cel::extensions::lists,
            cel::extensions::math,
        ] {
            env.add_extension(ext)
                .expect("the cel extensions declare distinct overloads");
        }
        Arc::new(env)
    })
}

/// Compiles a rule, or says why it is not evaluated.
pub fn compile(rule: &str, message_expression: Option<&str>) -> Program {
    let compiled = (|| {
        let program = env()
            .compile(rule)
            .map_err(|e| Skip::Syntax(e.to_string()))?;
        let refs = program.references();
        if refs.has_variable("oldSelf") {
            return Err(Skip::Transition);
        }
        let mut missing: Vec<String> = refs
            .functions()
            .into_iter()
            .filter(|f| {
                f.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
            })
            .filter(|f| !FUNCTIONS.contains(f))
            .map(str::to_string)
            .collect();
        if !missing.is_empty() {
            missing.sort();
            return Err(Skip::Unsupported(missing));
        }
        let message = message_expression.and_then(|m| env().compile(m).ok());
        Ok((program, message))
    })();
    Program { compiled }
}

/// Why a bundled rule is not evaluated, or `None` when it is.
pub fn skipped(store: &Store, id: u32) -> Option<Skip> {
    program(store, id).compiled.as_ref().err().cloned()
}

fn program(store: &Store, id: u32) -> &Program {
    store.rules[id as usize].get_or_init(|| {
        let rule = store.rule(id);
        compile(rule.rule, rule.message_expression)
    })
}

fn run(program: &cel::Program, this: &Value) -> Result<cel::Value, Failure> {
    let mut cx = cel::Context::with_env(Arc::clone(env()));
    let value = cel::to_value(this).map_err(|e| Failure::Error(e.to_string()))?;
    cx.add_variable_from_value("self", value);
    program.execute(&cx).map_err(|e| match &e {
        cel::ExecutionError::FunctionError { function, message }
            if function == "timezone" && zone_left_out(message) =>
        {
            Failure::ZoneLeftOut
        }
        _ => Failure::Error(e.to_string()),
    })
}

/// Why a rule produced no value.
enum Failure {
    /// The API server would reject the object too.
    Error(String),
    /// The rule converted a timestamp into a named zone that exists but
    /// whose table the binary leaves out (only UTC is compiled in, see
    /// `.cargo/config.toml`): the rule cannot be judged, so it is not.
    ZoneLeftOut,
}

/// `unknown time zone Europe/Paris`, from the library's `timezone`, for a
/// name the IANA database has.
fn zone_left_out(message: &str) -> bool {
    message
        .strip_prefix("unknown time zone ")
        .is_some_and(|zone| crate::names::time_zone::iana(zone).is_ok())
}

/// Evaluates rule `id` of `store` with `this` as `self`.
pub fn evaluate(store: &Store, id: u32, this: &Value) -> Outcome {
    let Ok((program, message_program)) = &program(store, id).compiled else {
        return Outcome::NotEvaluated;
    };
    match run(program, this) {
        Ok(cel::Value::Bool(true)) => Outcome::Pass,
        Ok(cel::Value::Bool(false)) => {
            let rule = store.rule(id);
            let from_expression = message_program.as_ref().and_then(|p| match run(p, this) {
                Ok(cel::Value::String(s)) if !s.is_empty() => Some(s.to_string()),
                _ => None,
            });
            let message = from_expression
                .or(rule.message.map(str::to_string))
                .unwrap_or_else(|| format!("failed rule: {}", rule.rule));
            Outcome::Fail {
                message,
                field: rule.field_path.map(field_path).unwrap_or_default(),
            }
        }
        Ok(other) => Outcome::Error(format!("rule returned {other:?}, not a boolean")),
        Err(Failure::ZoneLeftOut) => Outcome::NotEvaluated,
        Err(Failure::Error(e)) => Outcome::Error(e),
    }
}

/// `.spec.rules['a.b'][0]` → `["spec", "rules", "a.b", "0"]`.
fn field_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            out.push(r[..end].to_string());
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix("['") {
            let end = r.find("']").unwrap_or(r.len());
            out.push(r[..end].to_string());
            rest = r.get(end + 2..).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            out.push(r[..end].to_string());
            rest = r.get(end + 1..).unwrap_or("");
        } else {
            break;
        }
    }
    out
}

/// `v` with the defaults of node `id` (and of the nodes below it) filled
/// in where a field is absent, as the API server defaults an object before
/// it runs the rules.
pub fn with_defaults<'v>(store: &Store, id: u32, v: &'v Value) -> Cow<'v, Value> {
    let mut owned = v.clone();
    if apply_defaults(store, id, &mut owned, 0) {
        Cow::Owned(owned)
    } else {
        Cow::Borrowed(v)
    }
}

fn default_of(store: &Store, id: u32) -> Option<Value> {
    let s = store.node(id);
    match s.default {
        Some(text) => serde_json::from_str(text).ok(),
        None => s.reference.and_then(|r| default_of(store, r)),
    }
}

fn apply_defaults(store: &Store, id: u32, v: &mut Value, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    let s = store.node(id);
    let mut changed = false;
    if let Some(r) = s.reference {
        changed |= apply_defaults(store, r, v, depth + 1);
    }
    for &a in &s.all_of {
        changed |= apply_defaults(store, a, v, depth + 1);
    }
    match v {
        Value::Object(map) => {
            for (name, child) in &s.properties {
                match map.get_mut(*name) {
                    Some(value) => changed |= apply_defaults(store, *child, value, depth + 1),
                    None => {
                        if let Some(mut d) = default_of(store, *child) {
                            apply_defaults(store, *child, &mut d, depth + 1);
                            map.insert((*name).to_string(), d);
                            changed = true;
                        }
                    }
                }
            }
            if let Additional::Schema(rest) = s.additional {
                for (key, value) in map.iter_mut() {
                    if s.properties
                        .binary_search_by(|(n, _)| (*n).cmp(key))
                        .is_err()
                    {
                        changed |= apply_defaults(store, rest, value, depth + 1);
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(each) = s.items {
                for item in items {
                    changed |= apply_defaults(store, each, item, depth + 1);
                }
            }
        }
        _ => {}
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths() {
        assert_eq!(field_path(".spec.rules"), ["spec", "rules"]);
        assert_eq!(field_path(".a['b.c'][0]"), ["a", "b.c", "0"]);
    }

    #[test]
    fn skips() {
        assert!(matches!(
            compile("self == oldSelf", None).compiled,
            Err(Skip::Transition)
        ));
        assert!(matches!(
            compile("isURL(self)", None).compiled,
            Err(Skip::Unsupported(f)) if f == ["isURL"]
        ));
        assert!(compile("self.split('/').size() < 3", None).compiled.is_ok());
    }

    #[test]
    fn evaluates_on_json() {
        let p = compile("!has(self.a) || self.a.all(x, x.startsWith('p'))", None);
        let Ok((p, _)) = &p.compiled else { panic!() };
        let ok = serde_json::json!({"a": ["pa", "pb"]});
        let bad = serde_json::json!({"a": ["pa", "b"]});
        assert!(matches!(run(p, &ok), Ok(cel::Value::Bool(true))));
        assert!(matches!(run(p, &bad), Ok(cel::Value::Bool(false))));
        assert!(matches!(
            run(p, &serde_json::json!({})),
            Ok(cel::Value::Bool(true))
        ));
    }

    #[test]
    fn named_zones_other_than_utc_are_not_evaluated() {
        // The build leaves the zone tables out; if this fails, the filter
        // in .cargo/config.toml is gone and every run pays for them again.
        assert!("Europe/Paris".parse::<chrono_tz::Tz>().is_err());
        let this = serde_json::json!({"t": "2026-01-01T10:00:00Z"});
        let outcome = |rule: &str| {
            let p = compile(rule, None);
            let Ok((p, _)) = &p.compiled else {
                panic!("{rule}")
            };
            run(p, &this)
        };
        let hours = |zone: &str| outcome(&format!("timestamp(self.t).getHours('{zone}') >= 0"));
        assert!(matches!(hours("Europe/Paris"), Err(Failure::ZoneLeftOut)));
        assert!(matches!(hours("US/Eastern"), Err(Failure::ZoneLeftOut)));
        // Not a zone at all: the API server rejects the object too.
        assert!(matches!(hours("Nowhere/Bad"), Err(Failure::Error(_))));
        assert!(matches!(
            outcome("timestamp(self.t).getHours('UTC') == 10"),
            Ok(cel::Value::Bool(true))
        ));
        assert!(matches!(
            outcome("timestamp(self.t).getHours('+02:00') == 12"),
            Ok(cel::Value::Bool(true))
        ));
        assert!(matches!(
            outcome("timestamp(self.t).getHours() == 10"),
            Ok(cel::Value::Bool(true))
        ));
    }
}
