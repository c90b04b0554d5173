//! `List` documents: `kind: List` and the `*List` kinds `kubectl get -o
//! yaml` prints (`DeploymentList`, ...) stand for their `items`, which are
//! validated one by one with their own locations; an empty list is valid.
//! A `*List` kind is a list when it has `items` (`kind: List` always is).

use crate::load::{Node, Value as Y};
use serde_json::Value;

/// Whether a document is a list of objects.
pub fn is_list(json: &Value) -> bool {
    let kind = json.get("kind").and_then(Value::as_str).unwrap_or_default();
    let items = json.get("items");
    json.get("apiVersion").is_some()
        && (kind == "List" || kind.ends_with("List") && items.is_some())
        && items.is_none_or(|i| i.is_array() || i.is_null())
}

/// The objects a document stands for: a list's items (recursively), or the
/// document itself.
pub fn items(json: &Value) -> Vec<&Value> {
    if !is_list(json) {
        return vec![json];
    }
    json["items"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(items)
        .collect()
}

/// The same over the span-carrying tree: the item nodes of a list
/// document (recursively), or the document itself.
pub fn item_nodes(node: &Node) -> Vec<&Node> {
    if !is_list_node(node) {
        return vec![node];
    }
    match node.get("items").map(|i| &i.value) {
        Some(Y::Seq(items)) => items.iter().flat_map(item_nodes).collect(),
        _ => Vec::new(),
    }
}

/// [`is_list`] over the span-carrying tree.
pub fn is_list_node(node: &Node) -> bool {
    let kind = node.get("kind").and_then(Node::as_str).unwrap_or_default();
    let items = node.get("items");
    node.get("apiVersion").is_some()
        && (kind == "List" || kind.ends_with("List") && items.is_some())
        && items.is_none_or(|i| matches!(i.value, Y::Seq(_) | Y::Null))
}

/// Fields of the list wrapper besides `items` that are not `apiVersion`,
/// `kind` or `metadata`.
pub fn unknown_wrapper_fields(node: &Node) -> Vec<&crate::load::Key> {
    match &node.value {
        Y::Map(entries) => entries
            .iter()
            .map(|(k, _)| k)
            .filter(|k| {
                !matches!(
                    k.name.as_str(),
                    "apiVersion" | "kind" | "metadata" | "items"
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}
