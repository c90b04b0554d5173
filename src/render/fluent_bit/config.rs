//! One Fluent Bit configuration, written in both of Fluent Bit's formats:
//! YAML (`fluent-bit.yaml`, 3.2 and later) and the classic format
//! (`fluent-bit.conf` with `parsers.conf`, for older agents). Both come
//! from the same [`Config`], so they cannot disagree.

use crate::render::templates;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// A property value: one, or a property repeated (`add`, `label_field`).
#[derive(Clone, Debug, PartialEq)]
pub enum Prop {
    One(String),
    Many(Vec<String>),
}

/// An input, filter or output: its plugin name and properties in order.
#[derive(Clone, Debug)]
pub struct Plugin {
    pub name: &'static str,
    pub props: Vec<(&'static str, Prop)>,
}

impl Plugin {
    pub fn new(name: &'static str) -> Plugin {
        Plugin {
            name,
            props: Vec::new(),
        }
    }

    pub fn set(mut self, key: &'static str, value: impl Into<String>) -> Plugin {
        self.props.push((key, Prop::One(value.into())));
        self
    }

    pub fn many<S: Into<String>>(
        mut self,
        key: &'static str,
        values: impl IntoIterator<Item = S>,
    ) -> Plugin {
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        match values.len() {
            0 => {}
            1 => self
                .props
                .push((key, Prop::One(values.into_iter().next().expect("one")))),
            _ => self.props.push((key, Prop::Many(values))),
        }
        self
    }
}

/// A regex parser (`parsers:` / `[PARSER]`).
#[derive(Clone, Debug)]
pub struct Parser {
    pub name: String,
    pub regex: String,
}

/// One transition of a multiline parser: in any of `states`, a line
/// matching `regex` continues the record and moves to `next`.
#[derive(Clone, Debug)]
pub struct Rule {
    pub states: &'static str,
    pub regex: String,
    pub next: &'static str,
}

#[derive(Clone, Debug)]
pub struct MultilineParser {
    pub name: String,
    pub flush_timeout_ms: u32,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    pub service: Vec<(&'static str, String)>,
    pub parsers: Vec<Parser>,
    pub multiline_parsers: Vec<MultilineParser>,
    pub inputs: Vec<Plugin>,
    pub filters: Vec<Plugin>,
    pub outputs: Vec<Plugin>,
}

/// Where the classic format's parsers file is mounted beside the main one.
pub const CLASSIC_PARSERS_FILE: &str = "parsers.conf";

impl Config {
    /// The YAML format: `service`, `parsers`, `multiline_parsers` and
    /// `pipeline`, with repeated properties as lists.
    pub fn yaml(&self) -> Value {
        let mut doc = Map::new();
        doc.insert(
            "service".into(),
            Value::Object(
                self.service
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), Value::String(v.clone())))
                    .collect(),
            ),
        );
        if !self.parsers.is_empty() {
            doc.insert(
                "parsers".into(),
                self.parsers
                    .iter()
                    .map(|p| json!({"name": p.name, "format": "regex", "regex": p.regex}))
                    .collect(),
            );
        }
        if !self.multiline_parsers.is_empty() {
            doc.insert(
                "multiline_parsers".into(),
                self.multiline_parsers
                    .iter()
                    .map(|m| {
                        json!({
                            "name": m.name,
                            "type": "regex",
                            "flush_timeout": m.flush_timeout_ms.to_string(),
                            "rules": m.rules.iter().map(|r| json!({
                                "state": r.states,
                                "regex": r.regex,
                                "next_state": r.next,
                            })).collect::<Vec<_>>(),
                        })
                    })
                    .collect(),
            );
        }
        let plugins = |list: &[Plugin]| -> Value {
            list.iter()
                .map(|p| {
                    let mut m = Map::new();
                    m.insert("name".into(), Value::String(p.name.into()));
                    for (k, v) in &p.props {
                        m.insert(
                            (*k).to_string(),
                            match v {
                                Prop::One(s) => Value::String(s.clone()),
                                Prop::Many(l) => {
                                    l.iter().map(|s| Value::String(s.clone())).collect()
                                }
                            },
                        );
                    }
                    Value::Object(m)
                })
                .collect()
        };
        doc.insert(
            "pipeline".into(),
            json!({
                "inputs": plugins(&self.inputs),
                "filters": plugins(&self.filters),
                "outputs": plugins(&self.outputs),
            }),
        );
        Value::Object(doc)
    }

    /// The classic format: the main file and the parsers file (classic
    /// mode allows parsers only in a `parsers_file`).
    pub fn classic(&self) -> (String, String) {
        let mut service: Vec<(String, String)> = self
            .service
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect();
        service.push(("parsers_file".into(), CLASSIC_PARSERS_FILE.into()));
        let plugin_sections = |header: &'static str, list: &[Plugin]| {
            list.iter()
                .map(|p| {
                    let mut entries = vec![("name".to_string(), p.name.to_string())];
                    for (k, v) in &p.props {
                        match v {
                            Prop::One(s) => entries.push(((*k).to_string(), s.clone())),
                            Prop::Many(l) => {
                                entries.extend(l.iter().map(|s| ((*k).to_string(), s.clone())))
                            }
                        }
                    }
                    Section::new(header, entries)
                })
                .collect::<Vec<_>>()
        };
        let mut sections = vec![Section::new("SERVICE", service)];
        sections.extend(plugin_sections("INPUT", &self.inputs));
        sections.extend(plugin_sections("FILTER", &self.filters));
        sections.extend(plugin_sections("OUTPUT", &self.outputs));
        let main = templates::render(
            "fluent-bit/fluent-bit.conf.j2",
            json!({ "sections": sections }),
        );
        let mut parsers: Vec<Section> = self
            .parsers
            .iter()
            .map(|p| {
                Section::new(
                    "PARSER",
                    vec![
                        ("name".into(), p.name.clone()),
                        ("format".into(), "regex".into()),
                        ("regex".into(), p.regex.clone()),
                    ],
                )
            })
            .collect();
        parsers.extend(self.multiline_parsers.iter().map(|m| {
            let mut entries = vec![
                ("name".to_string(), m.name.clone()),
                ("type".to_string(), "regex".to_string()),
                ("flush_timeout".to_string(), m.flush_timeout_ms.to_string()),
            ];
            entries.extend(m.rules.iter().map(|r| {
                (
                    "rule".to_string(),
                    format!("{} {} {}", quote(r.states), quote(&r.regex), quote(r.next)),
                )
            }));
            Section::new("MULTILINE_PARSER", entries)
        }));
        let parsers =
            templates::render("fluent-bit/parsers.conf.j2", json!({ "sections": parsers }));
        (main, parsers)
    }
}

/// A classic rule token: double-quoted, with `"` escaped as `\"` (the
/// only escape Fluent Bit's tokenizer undoes).
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\\\""))
}

/// A classic section, its keys padded so the values line up.
#[derive(Serialize)]
struct Section {
    header: &'static str,
    lines: Vec<String>,
}

impl Section {
    fn new(header: &'static str, entries: Vec<(String, String)>) -> Section {
        let width = entries.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        Section {
            header,
            lines: entries
                .into_iter()
                .map(|(k, v)| format!("{k:width$} {v}"))
                .collect(),
        }
    }
}
