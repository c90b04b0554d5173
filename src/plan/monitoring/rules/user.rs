//! The user's own rules (`monitoring.rules`), as rules like the built-in
//! ones; they are checked the same way but carry no generated test case.

use crate::plan::monitoring::{Origin, Rule};
use crate::topology::Monitoring;

pub fn rules(spec: &Monitoring) -> Vec<Rule> {
    spec.rules
        .iter()
        .enumerate()
        .map(|(i, r)| Rule {
            alert: r.alert.clone(),
            expr: r.expr.clone(),
            selectors: None,
            for_: r.for_.clone(),
            severity: r.severity,
            component: r.component.clone(),
            labels: r
                .labels
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "severity" | "component" | "release"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            annotations: r.annotations.clone(),
            origin: Origin::User(i),
        })
        .collect()
}
