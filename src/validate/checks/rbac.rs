//! RBAC objects the API server checks (`ValidatePolicyRule`,
//! `ValidateRoleBinding`): every rule names at least one verb, resource
//! rules name at least one API group, a namespaced Role cannot grant
//! non-resource URLs, a RoleBinding refers to a `Role` or `ClusterRole`
//! (a ClusterRoleBinding to a `ClusterRole`) in `rbac.authorization.k8s.io`,
//! and a ServiceAccount subject has no API group (and, bound cluster-wide,
//! a namespace).

use super::kind;
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

const GROUP: &str = "rbac.authorization.k8s.io";

fn empty(v: Option<&Value>) -> bool {
    v.and_then(Value::as_array).is_none_or(Vec::is_empty)
}

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    let k = kind(json);
    let mut bad = |pointer: &str, mark: Mark, message: String| {
        out.push(doc.diag(codes::V_RBAC, message, pointer, mark));
    };
    if matches!(k, "Role" | "ClusterRole") {
        let rules = json.get("rules").and_then(Value::as_array);
        for (i, rule) in rules.into_iter().flatten().enumerate() {
            let at = format!("/rules/{i}");
            if empty(rule.get("verbs")) {
                bad(&at, Mark::Entry, "the rule names no verbs".into());
            }
            if !empty(rule.get("resources")) && rule.get("apiGroups").is_none() {
                bad(
                    &at,
                    Mark::Key("resources"),
                    "a rule on resources must list `apiGroups` (`\"\"` for the core group)".into(),
                );
            }
            if k == "Role" && !empty(rule.get("nonResourceURLs")) {
                bad(
                    &at,
                    Mark::Key("nonResourceURLs"),
                    "a namespaced Role cannot grant `nonResourceURLs`; use a ClusterRole".into(),
                );
            }
        }
    }
    if !matches!(k, "RoleBinding" | "ClusterRoleBinding") {
        return;
    }
    let ref_kind = json
        .at("/roleRef/kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let allowed: &[&str] = if k == "RoleBinding" {
        &["Role", "ClusterRole"]
    } else {
        &["ClusterRole"]
    };
    if !allowed.contains(&ref_kind) {
        bad(
            "/roleRef/kind",
            Mark::Value,
            format!(
                "a {k} cannot refer to a `{ref_kind}`: use {}",
                allowed
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        );
    }
    if json
        .at("/roleRef/apiGroup")
        .and_then(Value::as_str)
        .is_some_and(|g| g != GROUP)
    {
        bad(
            "/roleRef/apiGroup",
            Mark::Value,
            format!("`roleRef.apiGroup` must be `{GROUP}`"),
        );
    }
    let subjects = json.get("subjects").and_then(Value::as_array);
    for (i, s) in subjects.into_iter().flatten().enumerate() {
        let at = format!("/subjects/{i}");
        let group = s
            .get("apiGroup")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match s.get("kind").and_then(Value::as_str).unwrap_or_default() {
            "ServiceAccount" => {
                if !group.is_empty() {
                    bad(
                        &format!("{at}/apiGroup"),
                        Mark::Value,
                        "a ServiceAccount subject has no `apiGroup` (use `\"\"`)".into(),
                    );
                }
                if k == "ClusterRoleBinding"
                    && s.get("namespace")
                        .and_then(Value::as_str)
                        .is_none_or(str::is_empty)
                {
                    bad(
                        &at,
                        Mark::Entry,
                        "a ServiceAccount subject of a ClusterRoleBinding needs `namespace`".into(),
                    );
                }
            }
            "User" | "Group" => {
                if group != GROUP {
                    bad(
                        &at,
                        Mark::Key("kind"),
                        format!("a User or Group subject needs `apiGroup: {GROUP}`"),
                    );
                }
            }
            other => bad(
                &format!("{at}/kind"),
                Mark::Value,
                format!("unknown subject kind `{other}`: use `ServiceAccount`, `User` or `Group`"),
            ),
        }
    }
}
