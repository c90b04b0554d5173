//! The rows of the embedded catalogue files, parsed: shared by `build.rs`,
//! which writes them out as the static tables a run reads, and by the
//! tests, which compare those tables with a parse of the files.
//!
//! The files are generated and tested, so a malformed row is a bug in the
//! generator, not a user error: it panics (at build time).

/// One row of `settings.tsv`, with the enum values `build.tsv` adds.
#[derive(Clone, Debug, PartialEq)]
pub struct Row<'a> {
    pub name: &'a str,
    /// As the file has it: `bool`, `integer`, `real`, `enum`, `string`.
    pub vartype: &'a str,
    pub context: &'a str,
    pub unit: Option<&'a str>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub enumvals: Vec<&'a str>,
    pub boot: &'a str,
}

/// The tab-separated fields of a row, as `line.split('\t')` gives them,
/// found byte by byte (the fields are a few bytes each).
pub fn fields(line: &str) -> impl Iterator<Item = &str> {
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
pub fn by_name(a: &str, b: &str) -> std::cmp::Ordering {
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

/// The settings of `settings.tsv` by name ignoring ASCII case, one row per
/// name (the last), with the enum values of `build.tsv` appended.
pub fn settings<'a>(settings: &'a str, build: &'a str) -> Vec<Row<'a>> {
    let mut out = Vec::with_capacity(settings.len() / 40);
    for line in settings.lines().skip(1).filter(|l| !l.is_empty()) {
        let mut fields = fields(line);
        let mut columns = 0;
        let f: [&str; 8] = std::array::from_fn(|_| {
            let field = fields.next();
            columns += usize::from(field.is_some());
            field.unwrap_or("")
        });
        assert!(
            columns == 8 && fields.next().is_none(),
            "settings.tsv row has 8 columns: {line}"
        );
        assert!(
            matches!(f[1], "bool" | "integer" | "real" | "enum" | "string"),
            "unknown vartype `{}` in settings.tsv",
            f[1]
        );
        let number = |s: &str| (!s.is_empty()).then(|| s.parse::<f64>().expect("numeric range"));
        out.push(Row {
            name: f[0],
            vartype: f[1],
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
    sorted_last(&mut out, |a, b| by_name(a.name, b.name));
    for line in build.lines().skip(1).filter(|l| !l.is_empty()) {
        let f: Vec<&str> = fields(line).collect();
        let at = out
            .binary_search_by(|s| by_name(s.name, f[0]))
            .expect("build.tsv names a parameter of the catalogue");
        let setting = &mut out[at];
        for value in f[1].split(',') {
            if !setting.enumvals.contains(&value) {
                setting.enumvals.push(value);
            }
        }
    }
    out
}

/// The key words of `keywords.tsv` by word, one row per word (the last).
pub fn keywords(keywords: &str) -> Vec<(&str, char)> {
    let mut out = Vec::with_capacity(keywords.len() / 8);
    for line in keywords.lines().skip(1).filter(|l| !l.is_empty()) {
        let (word, code) = line
            .split_once('\t')
            .expect("keywords.tsv row has 2 columns");
        out.push((word, code.chars().next().expect("catcode")));
    }
    sorted_last(&mut out, |a, b| a.0.cmp(b.0));
    out
}
