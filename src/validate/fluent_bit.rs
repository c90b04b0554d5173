//! Fluent Bit's spelling rules, applied before its schema is checked.
//!
//! Fluent Bit matches section, property and plugin names without regard to
//! case (`strcasecmp` in `flb_cf_yaml.c`, `prop_key_check` and
//! `flb_config_map_properties_check`), so `Mem_Buf_Limit` and `Name: Tail`
//! are the canonical `mem_buf_limit` and `name: tail`. The bundled schema
//! (`scripts/gen-fluent-bit-schema.py`) lists the canonical lower-case
//! names; this folds a configuration's names the way Fluent Bit reads them,
//! keeping every key's span, so findings still point at what was written.
//! `service` keys go through `flb_cf_key_translate` first, which turns a
//! YAML camelCase key (`httpServer`) into snake_case. Values are never
//! folded, except a plugin's `name`; nested values (`condition`, `routes`,
//! `telemetry`) are left as written.

use crate::load::{Key, Node, Value};
use serde_json::{Map, Value as Json};

/// The schema key of Fluent Bit's YAML configuration.
pub const FORMAT: &str = "config/fluent-bit";

/// `node` as Fluent Bit reads its names.
pub fn fold(node: &Node) -> Node {
    let mut out = node.clone();
    for (key, value) in entries(&mut out) {
        lower(key);
        match key.name.as_str() {
            "service" => {
                for (k, _) in entries(value) {
                    k.name = translate(&k.name);
                }
            }
            "pipeline" => {
                for (k, list) in entries(value) {
                    lower(k);
                    for plugin in items(list) {
                        fold_plugin(plugin);
                    }
                }
            }
            "customs" | "parsers" | "multiline_parsers" => {
                for plugin in items(value) {
                    fold_plugin(plugin);
                }
            }
            _ => {}
        }
    }
    out
}

/// A plugin entry: its keys, its `name`, and its processor units.
fn fold_plugin(node: &mut Node) {
    for (key, value) in entries(node) {
        lower(key);
        match key.name.as_str() {
            "name" => {
                if let Value::Str(s) = &mut value.value {
                    *s = s.to_ascii_lowercase();
                }
            }
            "processors" => {
                for (signal, units) in entries(value) {
                    lower(signal);
                    for unit in items(units) {
                        fold_plugin(unit);
                    }
                }
            }
            _ => {}
        }
    }
}

/// [`fold`] of a configuration's JSON form: `fold(node).to_json()` is
/// `fold_json(&node.to_json())`. Validation folds this first and checks it
/// against the schema; only a configuration with findings is folded as a
/// tree, for their spans.
pub fn fold_json(json: &Json) -> Json {
    let Json::Object(map) = json else {
        return json.clone();
    };
    let mut out = Map::with_capacity(map.len());
    for (key, value) in map {
        let key = key.to_ascii_lowercase();
        let value = match key.as_str() {
            "service" => object_with(value, |k, v| (translate(k), v.clone())),
            "pipeline" => object_with(value, |k, list| {
                (k.to_ascii_lowercase(), array_with(list, fold_plugin_json))
            }),
            "customs" | "parsers" | "multiline_parsers" => array_with(value, fold_plugin_json),
            _ => value.clone(),
        };
        out.insert(key, value);
    }
    Json::Object(out)
}

/// Whether [`fold_json`] would leave `json` as it is (no name to fold: a
/// configuration dify-gen renders is written folded), so that validation
/// checks it without a folded copy.
pub fn is_folded(json: &Json) -> bool {
    let Json::Object(map) = json else {
        return true;
    };
    map.iter().all(|(key, value)| {
        !has_upper(key)
            && match key.as_str() {
                "service" => keys_folded(value, |_| true),
                "pipeline" => keys_folded(value, |list| items_folded(list, plugin_folded)),
                "customs" | "parsers" | "multiline_parsers" => items_folded(value, plugin_folded),
                _ => true,
            }
    })
}

fn plugin_folded(plugin: &Json) -> bool {
    let Json::Object(map) = plugin else {
        return true;
    };
    map.iter().all(|(key, value)| {
        !has_upper(key)
            && match (key.as_str(), value) {
                ("name", Json::String(s)) => !has_upper(s),
                ("processors", _) => keys_folded(value, |units| items_folded(units, plugin_folded)),
                _ => true,
            }
    })
}

/// An object whose keys have no upper case and whose values pass `f`, or
/// anything else.
fn keys_folded(value: &Json, f: impl Fn(&Json) -> bool) -> bool {
    match value {
        Json::Object(map) => map.iter().all(|(k, v)| !has_upper(k) && f(v)),
        _ => true,
    }
}

fn items_folded(value: &Json, f: impl Fn(&Json) -> bool) -> bool {
    match value {
        Json::Array(items) => items.iter().all(f),
        _ => true,
    }
}

/// Lower case and [`translate`] change only a name with an ASCII capital.
fn has_upper(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_uppercase())
}

fn fold_plugin_json(plugin: &Json) -> Json {
    object_with(plugin, |key, value| {
        let key = key.to_ascii_lowercase();
        let value = match (key.as_str(), value) {
            ("name", Json::String(s)) => Json::String(s.to_ascii_lowercase()),
            ("processors", _) => object_with(value, |signal, units| {
                (
                    signal.to_ascii_lowercase(),
                    array_with(units, fold_plugin_json),
                )
            }),
            _ => value.clone(),
        };
        (key, value)
    })
}

/// An object with each entry mapped (later duplicates of a key win, in the
/// first one's place, as when a tree becomes JSON); anything else as it is.
fn object_with(value: &Json, f: impl Fn(&str, &Json) -> (String, Json)) -> Json {
    match value {
        Json::Object(map) => Json::Object(map.iter().map(|(k, v)| f(k, v)).collect()),
        other => other.clone(),
    }
}

fn array_with(value: &Json, f: impl Fn(&Json) -> Json) -> Json {
    match value {
        Json::Array(items) => Json::Array(items.iter().map(f).collect()),
        other => other.clone(),
    }
}

fn entries(node: &mut Node) -> std::slice::IterMut<'_, (Key, Node)> {
    match &mut node.value {
        Value::Map(entries) => entries.iter_mut(),
        _ => [].iter_mut(),
    }
}

fn items(node: &mut Node) -> std::slice::IterMut<'_, Node> {
    match &mut node.value {
        Value::Seq(items) => items.iter_mut(),
        _ => [].iter_mut(),
    }
}

fn lower(key: &mut Key) {
    key.name = key.name.to_ascii_lowercase();
}

/// `flb_cf_key_translate` for YAML, then lower case: a key that starts
/// lower case and has no `_` is camelCase (`httpServer` is `http_server`);
/// any other key is only lowered (`HTTP_Server`).
fn translate(key: &str) -> String {
    let camel = key.starts_with(|c: char| c.is_ascii_lowercase()) && !key.contains('_');
    let mut out = String::with_capacity(key.len() + 4);
    for (i, c) in key.chars().enumerate() {
        if camel && i > 0 && c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Folding the JSON form gives the JSON of the folded tree, names that
    /// fold together included.
    #[test]
    fn json_fold_is_the_tree_fold() {
        let text = "Service:\n  httpServer: On\n  Log_Level: info\n  flush: 1\n\
            Pipeline:\n  Inputs:\n    - Name: Tail\n      Path: /x\n      Processors:\n\
            \x20       Logs:\n          - Name: Content_Modifier\n            Action: Insert\n\
            \x20   - 3\n  Outputs: none\n  outputs:\n    - name: Stdout\n\
            Parsers:\n  - Name: JSON\n    Format: JSON\n  - x\n\
            multiline_parsers: {}\nenv:\n  Big: Value\nservice:\n  Grace: 5\n";
        let mut sources = crate::source::Sources::default();
        let file = sources.add("fluent-bit.yaml".to_string(), text.to_string());
        let docs = crate::load::parse(&sources, file, crate::load::Limits::default()).unwrap();
        for node in &docs {
            let json = node.to_json();
            assert_eq!(fold_json(&json), fold(node).to_json());
            assert!(!is_folded(&json));
            assert!(is_folded(&fold_json(&json)));
        }
        for json in [
            Json::Null,
            Json::from(3),
            Json::from("a"),
            serde_json::json!([1]),
        ] {
            assert_eq!(fold_json(&json), json);
        }
    }

    /// `is_folded` says exactly whether folding changes a configuration:
    /// each name that folds, alone, makes it false.
    #[test]
    fn folded_is_what_folding_leaves_alone() {
        let folded = serde_json::json!({
            "service": {"http_server": "on", "flush": 1},
            "pipeline": {"inputs": [{"name": "tail", "path": "/X",
                "processors": {"logs": [{"name": "content_modifier", "key": "K"}]}}],
                "outputs": "none"},
            "parsers": [{"name": "json", "format": "JSON"}, "x"],
            "env": {"Big": "Value"},
        });
        assert!(is_folded(&folded));
        assert_eq!(fold_json(&folded), folded);
        for pointer in [
            "/service/http_server",
            "/pipeline/inputs",
            "/pipeline/inputs/0/path",
            "/pipeline/inputs/0/processors",
            "/pipeline/inputs/0/processors/logs",
            "/pipeline/inputs/0/processors/logs/0/key",
            "/parsers/0/format",
        ] {
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            let mut changed = folded.clone();
            let map = changed
                .pointer_mut(parent)
                .unwrap()
                .as_object_mut()
                .unwrap();
            let value = map.shift_remove(key).unwrap();
            map.insert(key.to_ascii_uppercase(), value);
            assert!(!is_folded(&changed), "{pointer}");
            assert_ne!(fold_json(&changed), changed, "{pointer}");
        }
        for (pointer, value) in [
            ("/pipeline/inputs/0/name", "Tail"),
            (
                "/pipeline/inputs/0/processors/logs/0/name",
                "Content_modifier",
            ),
            ("/parsers/0/name", "JSON"),
        ] {
            let mut changed = folded.clone();
            *changed.pointer_mut(pointer).unwrap() = Json::from(value);
            assert!(!is_folded(&changed), "{pointer}");
            assert_ne!(fold_json(&changed), changed, "{pointer}");
        }
        // Values other than a plugin's name are not folded.
        let mut changed = folded.clone();
        *changed.pointer_mut("/pipeline/inputs/0/path").unwrap() = Json::from("/Y");
        assert!(is_folded(&changed));
    }

    #[test]
    fn service_keys_are_translated_like_fluent_bit() {
        assert_eq!(translate("httpServer"), "http_server");
        assert_eq!(translate("HTTP_Server"), "http_server");
        assert_eq!(
            translate("storage.backlog.mem_limit"),
            "storage.backlog.mem_limit"
        );
        assert_eq!(translate("flush"), "flush");
        // Fluent Bit reads `storage.Type` as `storage._type`, an unknown key.
        assert_eq!(translate("storage.Type"), "storage._type");
    }
}
