//! Disruption and rollout budgets (`ValidatePodDisruptionBudgetSpec`,
//! `ValidateRollingUpdateDeployment`): a PodDisruptionBudget sets
//! `minAvailable` or `maxUnavailable`, not both; budgets given as
//! percentages are whole numbers from 0% to 100%, as integers at least 0;
//! a rolling update cannot have both `maxSurge` and `maxUnavailable` at 0
//! (it could never make progress).

use super::kind;
use crate::diagnostic::{codes, Diagnostic};
use crate::validate::pointer::At;
use crate::validate::{Doc, Mark};
use serde_json::Value;

/// An int-or-percent value: `Ok(Some(n))` for a number or a percentage
/// (with `percent` set), `Err` for a malformed or negative one.
fn amount(v: &Value) -> Result<(i64, bool), String> {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) if i >= 0 => Ok((i, false)),
            _ => Err(format!("{n} must be 0 or more")),
        },
        Value::String(s) => {
            let digits = s
                .strip_suffix('%')
                .ok_or_else(|| format!("`{s}` must be a number or a percentage like `25%`"))?;
            let p: i64 = digits
                .parse()
                .map_err(|_| format!("`{s}` is not a whole percentage"))?;
            if !(0..=100).contains(&p) {
                return Err(format!("`{s}` must be between 0% and 100%"));
            }
            Ok((p, true))
        }
        _ => Err("must be a number or a percentage".into()),
    }
}

fn checked(
    doc: &Doc,
    json: &Value,
    pointer: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<(i64, bool)> {
    let v = json.at(pointer)?;
    match amount(v) {
        Ok(a) => Some(a),
        Err(why) => {
            let field = pointer.rsplit('/').next().unwrap_or(pointer);
            out.push(doc.diag(
                codes::V_BUDGET,
                format!("invalid `{field}`: {why}"),
                pointer,
                Mark::Value,
            ));
            None
        }
    }
}

pub(super) fn check(doc: &Doc, json: &Value, out: &mut Vec<Diagnostic>) {
    let rolling = match kind(json) {
        "PodDisruptionBudget" => {
            let min = checked(doc, json, "/spec/minAvailable", out);
            let max = checked(doc, json, "/spec/maxUnavailable", out);
            if json.at("/spec/minAvailable").is_some() && json.at("/spec/maxUnavailable").is_some()
            {
                let _ = (min, max);
                out.push(
                    doc.diag(
                        codes::V_BUDGET,
                        "`minAvailable` and `maxUnavailable` cannot both be set",
                        "/spec",
                        Mark::Key("maxUnavailable"),
                    )
                    .help("keep one of them"),
                );
            }
            return;
        }
        "Deployment" => "/spec/strategy/rollingUpdate",
        "DaemonSet" => "/spec/updateStrategy/rollingUpdate",
        "StatefulSet" => {
            checked(
                doc,
                json,
                "/spec/updateStrategy/rollingUpdate/maxUnavailable",
                out,
            );
            return;
        }
        _ => return,
    };
    let surge = checked(doc, json, &format!("{rolling}/maxSurge"), out);
    let unavailable = checked(doc, json, &format!("{rolling}/maxUnavailable"), out);
    if surge.is_some_and(|(n, _)| n == 0) && unavailable.is_some_and(|(n, _)| n == 0) {
        out.push(
            doc.diag(
                codes::V_BUDGET,
                "`maxUnavailable` and `maxSurge` are both 0: the rollout could never proceed",
                &format!("{rolling}/maxUnavailable"),
                Mark::Value,
            )
            .help("allow one extra pod (`maxSurge: 1`) or one unavailable pod"),
        );
    }
}
