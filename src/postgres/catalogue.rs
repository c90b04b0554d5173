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

/// One row of `pg_settings`, its texts borrowed from the embedded files.
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
    pub enumvals: Vec<&'static str>,
    /// The built-in default (`boot_val`).
    pub boot: &'static str,
}

/// The catalogue of one major version.
#[derive(Debug)]
pub struct Catalogue {
    pub major: u32,
    /// By name ignoring ASCII case ([`by_name`]), one row per name.
    settings: Vec<Setting>,
    /// By word, one row per word.
    keywords: Vec<(&'static str, char)>,
}

/// The tab-separated fields of a row, as `line.split('\t')` gives them,
/// found byte by byte (the fields are a few bytes each).
fn fields(line: &'static str) -> impl Iterator<Item = &'static str> {
    let mut rest = Some(line);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.bytes().position(|b| b == b'\t') {
            Some(at) => {
                rest = Some(&r[at + 1..]);
                Some(&r[..at])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// The order of names ignoring ASCII case: the order of their lowercase
/// forms, without building them.
fn by_name(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Sorts `rows` by `cmp` and keeps the last of rows that compare equal (as
/// inserting them into a map one after another would).
fn sorted_last<T>(rows: &mut Vec<T>, cmp: impl Fn(&T, &T) -> std::cmp::Ordering) {
    rows.sort_by(&cmp);
    rows.dedup_by(|later, kept| {
        let same = cmp(later, kept).is_eq();
        if same {
            std::mem::swap(later, kept);
        }
        same
    });
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
    pub fn parse(
        major: u32,
        settings: &'static str,
        keywords: &'static str,
        build: &'static str,
    ) -> Catalogue {
        let mut out = Catalogue {
            major,
            settings: Vec::with_capacity(settings.len() / 40),
            keywords: Vec::with_capacity(keywords.len() / 8),
        };
        for line in settings.lines().skip(1).filter(|l| !l.is_empty()) {
            let mut fields = fields(line);
            let mut columns = 0;
            let f: [&'static str; 8] = std::array::from_fn(|_| {
                let field = fields.next();
                columns += usize::from(field.is_some());
                field.unwrap_or("")
            });
            assert!(
                columns == 8 && fields.next().is_none(),
                "settings.tsv row has 8 columns: {line}"
            );
            let number =
                |s: &str| (!s.is_empty()).then(|| s.parse::<f64>().expect("numeric range"));
            out.settings.push(Setting {
                name: f[0],
                vartype: match f[1] {
                    "bool" => VarType::Bool,
                    "integer" => VarType::Integer,
                    "real" => VarType::Real,
                    "enum" => VarType::Enum,
                    "string" => VarType::String,
                    other => panic!("unknown vartype `{other}` in settings.tsv"),
                },
                context: f[2],
                unit: (!f[3].is_empty()).then_some(f[3]),
                min: number(f[4]),
                max: number(f[5]),
                enumvals: if f[1] == "enum" {
                    f[6].split(',').collect()
                } else {
                    Vec::new()
                },
                boot: f[7],
            });
        }
        sorted_last(&mut out.settings, |a, b| by_name(a.name, b.name));
        for line in keywords.lines().skip(1).filter(|l| !l.is_empty()) {
            let (word, code) = line
                .split_once('\t')
                .expect("keywords.tsv row has 2 columns");
            out.keywords
                .push((word, code.chars().next().expect("catcode")));
        }
        sorted_last(&mut out.keywords, |a, b| a.0.cmp(b.0));
        for line in build.lines().skip(1).filter(|l| !l.is_empty()) {
            let f: Vec<&'static str> = fields(line).collect();
            let at = out
                .settings
                .binary_search_by(|s| by_name(s.name, f[0]))
                .expect("build.tsv names a parameter of the catalogue");
            let setting = &mut out.settings[at];
            for value in f[1].split(',') {
                if !setting.enumvals.contains(&value) {
                    setting.enumvals.push(value);
                }
            }
        }
        out
    }

    /// A parameter by name, ignoring case as PostgreSQL does.
    pub fn get(&self, name: &str) -> Option<&Setting> {
        let at = self
            .settings
            .binary_search_by(|s| by_name(s.name, name))
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
    #[test]
    fn fields_split_like_split() {
        for line in ["", "a", "\t", "a\tb", "\ta\t\tb\t", "é\tx"] {
            assert!(fields(line).eq(line.split('\t')), "{line:?}");
        }
        for (_, settings, keywords, build) in SOURCES {
            for line in settings
                .lines()
                .chain(keywords.lines())
                .chain(build.lines())
            {
                assert!(fields(line).eq(line.split('\t')), "{line:?}");
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
