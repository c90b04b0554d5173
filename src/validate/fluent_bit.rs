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
