//! The parameter catalogue of each PostgreSQL major version dify-gen knows:
//! every row of `pg_settings` (name, type, context, unit, range, enum
//! values, built-in default) and the SQL key words, as
//! `scripts/gen-pg-catalogue.sh` printed them from a real server, embedded
//! in the binary. Version 15 comes from Debian bookworm's `postgresql-15`,
//! version 17 from the upstream 17.6 build that
//! `scripts/install-postgres-17.sh` installs (the image runs 17.6); a test
//! regenerates both and compares. `build.tsv` beside a catalogue adds enum
//! values that the image's build has and the generating build lacks (lz4
//! and zstd compression), each with its reason.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Major versions with a catalogue, oldest first.
pub const MAJORS: &[u32] = &[15, 17];

const SOURCES: &[(u32, &str, &str, &str)] = &[
    (
        15,
        include_str!("catalogue/15/settings.tsv"),
        include_str!("catalogue/15/keywords.tsv"),
        "",
    ),
    (
        17,
        include_str!("catalogue/17/settings.tsv"),
        include_str!("catalogue/17/keywords.tsv"),
        include_str!("catalogue/17/build.tsv"),
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarType {
    Bool,
    Integer,
    Real,
    Enum,
    String,
}

impl VarType {
    pub fn as_str(self) -> &'static str {
        match self {
            VarType::Bool => "boolean",
            VarType::Integer => "integer",
            VarType::Real => "real",
            VarType::Enum => "enum",
            VarType::String => "string",
        }
    }
}

/// One row of `pg_settings`.
#[derive(Clone, Debug)]
pub struct Setting {
    /// As PostgreSQL spells it (`TimeZone`); look-ups ignore case.
    pub name: String,
    pub vartype: VarType,
    /// `internal`, `postmaster`, `sighup`, `superuser`, `user`, ...
    pub context: String,
    /// The base unit (`8kB`, `kB`, `MB`, `B`, `ms`, `s`, `min`), if any.
    pub unit: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Allowed values of an enum, as listed (hidden aliases are not).
    pub enumvals: Vec<String>,
    /// The built-in default (`boot_val`).
    pub boot: String,
}

/// The catalogue of one major version.
#[derive(Debug)]
pub struct Catalogue {
    pub major: u32,
    settings: BTreeMap<String, Setting>,
    keywords: BTreeMap<String, char>,
}

impl Catalogue {
    /// The catalogue of `major`, if dify-gen has one.
    pub fn of(major: u32) -> Option<&'static Catalogue> {
        // Each major is parsed the first time it is asked for: a run
        // mostly needs the one its image runs.
        static ALL: [OnceLock<Catalogue>; SOURCES.len()] =
            [const { OnceLock::new() }; SOURCES.len()];
        let i = SOURCES.iter().position(|s| s.0 == major)?;
        let (major, settings, keywords, build) = SOURCES[i];
        Some(ALL[i].get_or_init(|| Catalogue::parse(major, settings, keywords, build)))
    }

    /// Parses the embedded files. They are generated and tested, so a
    /// malformed row is a bug in the generator, not a user error.
    pub fn parse(major: u32, settings: &str, keywords: &str, build: &str) -> Catalogue {
        let mut out = Catalogue {
            major,
            settings: BTreeMap::new(),
            keywords: BTreeMap::new(),
        };
        for line in settings.lines().skip(1).filter(|l| !l.is_empty()) {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 8, "settings.tsv row has 8 columns: {line}");
            let number =
                |s: &str| (!s.is_empty()).then(|| s.parse::<f64>().expect("numeric range"));
            let setting = Setting {
                name: f[0].to_string(),
                vartype: match f[1] {
                    "bool" => VarType::Bool,
                    "integer" => VarType::Integer,
                    "real" => VarType::Real,
                    "enum" => VarType::Enum,
                    "string" => VarType::String,
                    other => panic!("unknown vartype `{other}` in settings.tsv"),
                },
                context: f[2].to_string(),
                unit: (!f[3].is_empty()).then(|| f[3].to_string()),
                min: number(f[4]),
                max: number(f[5]),
                enumvals: if f[1] == "enum" {
                    f[6].split(',').map(str::to_string).collect()
                } else {
                    Vec::new()
                },
                boot: f[7].to_string(),
            };
            out.settings.insert(f[0].to_ascii_lowercase(), setting);
        }
        for line in keywords.lines().skip(1).filter(|l| !l.is_empty()) {
            let (word, code) = line
                .split_once('\t')
                .expect("keywords.tsv row has 2 columns");
            out.keywords
                .insert(word.to_string(), code.chars().next().expect("catcode"));
        }
        for line in build.lines().skip(1).filter(|l| !l.is_empty()) {
            let f: Vec<&str> = line.split('\t').collect();
            let setting = out
                .settings
                .get_mut(&f[0].to_ascii_lowercase())
                .expect("build.tsv names a parameter of the catalogue");
            for value in f[1].split(',') {
                if !setting.enumvals.iter().any(|v| v == value) {
                    setting.enumvals.push(value.to_string());
                }
            }
        }
        out
    }

    /// A parameter by name, ignoring case as PostgreSQL does.
    pub fn get(&self, name: &str) -> Option<&Setting> {
        self.settings.get(&name.to_ascii_lowercase())
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.settings.values().map(|s| s.name.as_str())
    }

    pub fn settings(&self) -> impl Iterator<Item = &Setting> {
        self.settings.values()
    }

    /// Whether `word` is a key word SQL does not take as a plain name
    /// (category `R`, reserved, or `T`, type or function name).
    pub fn reserved(&self, word: &str) -> bool {
        matches!(self.keywords.get(word), Some('R' | 'T'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_load() {
        for major in MAJORS {
            let c = Catalogue::of(*major).expect("embedded catalogue");
            let mc = c.get("MAX_CONNECTIONS").expect("max_connections");
            assert_eq!(mc.vartype, VarType::Integer);
            assert_eq!(mc.context, "postmaster");
            assert!(c.reserved("select"));
            assert!(!c.reserved("dify"));
        }
        let c17 = Catalogue::of(17).expect("17");
        assert_eq!(
            c17.get("shared_buffers").unwrap().unit.as_deref(),
            Some("8kB")
        );
        assert!(c17
            .get("wal_compression")
            .unwrap()
            .enumvals
            .contains(&"zstd".to_string()));
        assert!(Catalogue::of(9).is_none());
    }
}
