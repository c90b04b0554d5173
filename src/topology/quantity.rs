//! Kubernetes resource quantities (`500m`, `2Gi`), parsed once so later
//! stages can compare and add them.

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize};
use std::borrow::Cow;
use std::fmt;

/// The quantity forms dify-gen accepts: a non-negative decimal with an
/// optional SI or binary suffix. (Kubernetes also takes exponents and signs;
/// nobody sizes a pod that way and they hide typos.)
pub const PATTERN: &str = r"^([0-9]+(\.[0-9]+)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$";

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Quantity(String);

impl Quantity {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The suffix, if any (`Gi` of `2Gi`).
    pub fn suffix(&self) -> &str {
        let end = self.0.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        &self.0[end.len()..]
    }

    /// The value in base units (cores, bytes).
    pub fn value(&self) -> f64 {
        let suffix = self.suffix();
        let number: f64 = self.0[..self.0.len() - suffix.len()].parse().unwrap_or(0.0);
        let scale = crate::schema::quantity::scale(suffix).unwrap_or(1.0);
        number * scale
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // YAML gives `cpu: 1` as a number; Kubernetes accepts both forms.
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Quantity(s)),
            serde_json::Value::Number(n) => Ok(Quantity(n.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a quantity, found {other}"
            ))),
        }
    }
}

impl JsonSchema for Quantity {
    fn schema_name() -> Cow<'static, str> {
        "Quantity".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A Kubernetes quantity such as `500m`, `1`, `512Mi` or `2Gi`.",
            "type": ["string", "number"],
            "pattern": PATTERN,
            "minimum": 0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(Quantity("500m".into()).value(), 0.5);
        assert_eq!(
            Quantity("2Gi".into()).value(),
            2.0 * 1024.0 * 1024.0 * 1024.0
        );
        assert_eq!(Quantity("1".into()).value(), 1.0);
        assert_eq!(Quantity("2Gi".into()).suffix(), "Gi");
    }
}
