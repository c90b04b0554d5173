//! The parameter catalogue of each PostgreSQL major version dify-gen knows:
//! every row of `pg_settings` (name, type, context, unit, range, enum
//! values, built-in default) and the SQL key words, as
//! `scripts/gen-pg-catalogue.sh` printed them from a real server, embedded
//! in the binary. Version 15 comes from Debian bookworm's `postgresql-15`,
//! version 17 from the upstream 17.6 build that
//! `scripts/install-postgres-17.sh` installs (the image runs 17.6); a test
//! regenerates both and compares. `build.tsv` beside a catalogue adds enum
//! values that the image's build has and the generating build lacks (lz4
//! and zstd compression), each with its reason. `build.rs` parses the files
//! ([`rows`]) into the static tables a run searches, so a run parses none.

// What the tables are built from; at run time only its order of names.
#[cfg_attr(not(test), allow(dead_code))]
mod rows;

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// The embedded files of each major, for the tests that compare the
/// tables `build.rs` wrote with a parse of them.
#[cfg(test)]
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

/// One row of `pg_settings`, from the tables `build.rs` wrote.
#[derive(Clone, Debug)]
pub struct Setting {
    /// As PostgreSQL spells it (`TimeZone`); look-ups ignore case.
    pub name: &'static str,
    pub vartype: VarType,
    /// `internal`, `postmaster`, `sighup`, `superuser`, `user`, ...
    pub context: &'static str,
    /// The base unit (`8kB`, `kB`, `MB`, `B`, `ms`, `s`, `min`), if any.
    pub unit: Option<&'static str>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Allowed values of an enum, as listed (hidden aliases are not).
    pub enumvals: &'static [&'static str],
    /// The built-in default (`boot_val`).
    pub boot: &'static str,
}

/// The catalogue of one major version: the files parsed at build time
/// ([`rows`]), so a run reads them as they are.
#[derive(Debug)]
pub struct Catalogue {
    pub major: u32,
    /// By name ignoring ASCII case ([`rows::by_name`]), one row per name.
    settings: &'static [Setting],
    /// By word, one row per word.
    keywords: &'static [(&'static str, char)],
}

impl Catalogue {
    /// The catalogue of `major`, if dify-gen has one.
    pub fn of(major: u32) -> Option<&'static Catalogue> {
        CATALOGUES.iter().find(|c| c.major == major)
    }

    /// A parameter by name, ignoring case as PostgreSQL does.
    pub fn get(&self, name: &str) -> Option<&Setting> {
        let at = self
            .settings
            .binary_search_by(|s| rows::by_name(s.name, name))
            .ok()?;
        Some(&self.settings[at])
    }

    /// The names, in the order of their lowercase forms.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.settings.iter().map(|s| s.name)
    }

    pub fn settings(&self) -> impl Iterator<Item = &Setting> {
        self.settings.iter()
    }

    /// Whether `word` is a key word SQL does not take as a plain name
    /// (category `R`, reserved, or `T`, type or function name).
    pub fn reserved(&self, word: &str) -> bool {
        let code = self
            .keywords
            .binary_search_by(|(w, _)| (*w).cmp(word))
            .ok()
            .map(|at| self.keywords[at].1);
        matches!(code, Some('R' | 'T'))
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
        assert_eq!(c17.get("shared_buffers").unwrap().unit, Some("8kB"));
        assert!(c17
            .get("wal_compression")
            .unwrap()
            .enumvals
            .contains(&"zstd"));
        assert!(Catalogue::of(9).is_none());
    }

    /// The look-ups answer what maps keyed as before answer (settings by
    /// their lowercase name, key words by the word, the last row winning),
    /// in the same order, on every name and word of both catalogues, in
    /// other cases, and on names that are in neither.
    /// The tables `build.rs` wrote are the files parsed, row for row and
    /// bit for bit, for every major with files.
    #[test]
    fn tables_are_the_files_parsed() {
        let majors: Vec<u32> = SOURCES.iter().map(|s| s.0).collect();
        assert_eq!(MAJORS, majors.as_slice());
        for (major, settings, keywords, build) in SOURCES {
            let c = Catalogue::of(*major).expect("embedded catalogue");
            let rows = rows::settings(settings, build);
            assert_eq!(c.settings.len(), rows.len());
            for (s, r) in c.settings.iter().zip(&rows) {
                let bits = |v: Option<f64>| v.map(f64::to_bits);
                assert_eq!(s.name, r.name);
                assert_eq!(
                    s.vartype.as_str(),
                    if r.vartype == "bool" {
                        "boolean"
                    } else {
                        r.vartype
                    }
                );
                assert_eq!(s.context, r.context);
                assert_eq!(s.unit, r.unit);
                assert_eq!(bits(s.min), bits(r.min), "{}", r.name);
                assert_eq!(bits(s.max), bits(r.max), "{}", r.name);
                assert_eq!(s.enumvals, r.enumvals.as_slice());
                assert_eq!(s.boot, r.boot);
            }
            assert_eq!(c.keywords, rows::keywords(keywords).as_slice());
        }
    }

    #[test]
    fn fields_split_like_split() {
        for line in ["", "a", "\t", "a\tb", "\ta\t\tb\t", "é\tx"] {
            assert!(rows::fields(line).eq(line.split('\t')), "{line:?}");
        }
        for (_, settings, keywords, build) in SOURCES {
            for line in settings
                .lines()
                .chain(keywords.lines())
                .chain(build.lines())
            {
                assert!(rows::fields(line).eq(line.split('\t')), "{line:?}");
            }
        }
    }

    #[test]
    fn lookups_agree_with_maps() {
        use std::collections::BTreeMap;
        for (major, settings, keywords, _) in SOURCES {
            let c = Catalogue::of(*major).expect("embedded");
            let mut by_lower: BTreeMap<String, &str> = BTreeMap::new();
            for line in settings.lines().skip(1).filter(|l| !l.is_empty()) {
                let name = line.split('\t').next().unwrap();
                by_lower.insert(name.to_ascii_lowercase(), name);
            }
            let mut words: BTreeMap<String, char> = BTreeMap::new();
            for line in keywords.lines().skip(1).filter(|l| !l.is_empty()) {
                let (w, code) = line.split_once('\t').unwrap();
                words.insert(w.to_string(), code.chars().next().unwrap());
            }
            assert!(c.names().eq(by_lower.values().copied()));
            let mut probes: Vec<String> = by_lower.values().map(|n| n.to_string()).collect();
            probes.extend(by_lower.values().map(|n| n.to_ascii_uppercase()));
            probes.extend(
                ["", "no_such_parameter", "zzz", "a", "TimeZon", "timezone_"].map(String::from),
            );
            for name in &probes {
                assert_eq!(
                    c.get(name).map(|s| s.name),
                    by_lower.get(&name.to_ascii_lowercase()).copied(),
                    "{name}"
                );
            }
            let mut probes: Vec<String> = words.keys().cloned().collect();
            probes.extend(words.keys().map(|w| w.to_ascii_uppercase()));
            probes.extend(["", "zzzz", "selec", "selectt"].map(String::from));
            for word in &probes {
                assert_eq!(
                    c.reserved(word),
                    matches!(words.get(word), Some('R' | 'T')),
                    "{word}"
                );
            }
        }
    }
}
