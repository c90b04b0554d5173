//! How PostgreSQL reads a parameter's value from its configuration file,
//! after PostgreSQL's `guc.c` (`parse_bool`, `parse_int`, `parse_real`,
//! `convert_to_base_unit`, the enum look-up), narrowed where Patroni, which
//! passes every value on, is stricter: Patroni drops a value its own parser
//! (patroni/utils.py) does not read, so dify-gen refuses those too. Patroni
//! knows the booleans `on`, `off`, `true`, `false`, `yes`, `no`, `1` and `0`
//! only (PostgreSQL also takes prefixes such as `tru`), hex integers with a
//! lowercase `0x` only, and decimal numbers only (no `inf`, `nan` or hex
//! fractions, and a digit after any decimal point).

use super::catalogue::{Setting, VarType};

/// A value as the server stores it.
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    Bool(bool),
    /// In the parameter's base unit (`8kB` blocks for `shared_buffers`).
    Integer(i64),
    Real(f64),
    Enum(String),
    Text(String),
}

impl Parsed {
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Parsed::Integer(i) => Some(*i),
            _ => None,
        }
    }
}

/// Reads `text` as PostgreSQL reads the value of `setting`; `Err` says why
/// PostgreSQL (or Patroni before it) would refuse it.
pub fn parse(setting: &Setting, text: &str) -> Result<Parsed, String> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "a parameter value cannot contain control characters (found {})",
            c.escape_unicode()
        ));
    }
    match setting.vartype {
        VarType::Bool => parse_bool(text).map(Parsed::Bool).ok_or_else(|| {
            format!("`{text}` is not a boolean that both PostgreSQL and Patroni read")
        }),
        VarType::Integer => {
            let value = parse_int(text, setting.unit)
                .map_err(|why| format!("`{text}` is not an integer{}{why}", unit_note(setting)))?;
            in_range(setting, value as f64)?;
            Ok(Parsed::Integer(value))
        }
        VarType::Real => {
            let value = parse_real(text, setting.unit)
                .map_err(|why| format!("`{text}` is not a number{}{why}", unit_note(setting)))?;
            in_range(setting, value)?;
            Ok(Parsed::Real(value))
        }
        VarType::Enum => setting
            .enumvals
            .iter()
            .find(|v| v.eq_ignore_ascii_case(text))
            .map(|v| Parsed::Enum((*v).to_string()))
            .ok_or_else(|| {
                format!(
                    "`{text}` is not one of {}",
                    setting
                        .enumvals
                        .iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }),
        VarType::String => Ok(Parsed::Text(text.to_string())),
    }
}

fn unit_note(setting: &Setting) -> String {
    match &setting.unit {
        Some(unit) if is_memory(unit) => {
            "; units are `B`, `kB`, `MB`, `GB` and `TB` (case matters)".to_string()
        }
        Some(_) => "; units are `us`, `ms`, `s`, `min`, `h` and `d`".to_string(),
        None => String::new(),
    }
}

fn in_range(setting: &Setting, value: f64) -> Result<(), String> {
    let (Some(min), Some(max)) = (setting.min, setting.max) else {
        return Ok(());
    };
    if value < min || value > max {
        return Err(format!(
            "{} is outside the range of `{}`: {}",
            show(value, setting.unit),
            setting.name,
            range(setting)
        ));
    }
    Ok(())
}

/// `16 .. 1073741823 (8kB)`, or `1 .. 262143` without a unit.
pub fn range(setting: &Setting) -> String {
    match (setting.min, setting.max) {
        (Some(min), Some(max)) => match &setting.unit {
            Some(unit) => format!("{} .. {} (in units of {unit})", number(min), number(max)),
            None => format!("{} .. {}", number(min), number(max)),
        },
        _ => "any".to_string(),
    }
}

fn show(value: f64, unit: Option<&str>) -> String {
    match unit {
        Some(unit) => format!("{} ({unit})", number(value)),
        None => number(value),
    }
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The booleans both PostgreSQL and Patroni read, any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Some(true),
        "off" | "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// C's `strtol(text, &end, 0)` as far as Patroni reads it too: leading
/// space, a sign, then hex (`0x`, lowercase as Patroni wants),
/// octal (leading `0`) or decimal digits. Returns the value (`None` on
/// overflow, C's `ERANGE`) and where parsing stopped (0 when nothing was
/// read, as C leaves `end` at the start).
fn strtol(s: &[u8]) -> (Option<i64>, usize) {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let (base, start) = if s.get(i) == Some(&b'0')
        && s.get(i + 1) == Some(&b'x')
        && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        (16, i + 2)
    } else if s.get(i) == Some(&b'0') {
        (8, i)
    } else {
        (10, i)
    };
    let mut j = start;
    let mut value: Option<i128> = Some(0);
    while let Some(d) = s.get(j).and_then(|c| (*c as char).to_digit(base)) {
        value = value
            .map(|v| v * i128::from(base) + i128::from(d))
            .filter(|v| *v <= i128::from(i64::MAX) + 1);
        j += 1;
    }
    if j == start {
        return (Some(0), 0);
    }
    let value = value
        .map(|v| if negative { -v } else { v })
        .and_then(|v| i64::try_from(v).ok());
    (value, j)
}

/// C's `strtod` on the numbers Patroni reads too: leading space, a sign,
/// digits with an optional fraction (a digit after the point) and exponent.
/// Returns the value (`None` on overflow or underflow, C's `ERANGE`) and
/// where parsing stopped (0 when nothing was read).
fn strtod(s: &[u8]) -> (Option<f64>, usize) {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let sign_at = i;
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits_from = |mut j: usize| {
        while s.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        j
    };
    let mut j = digits_from(i);
    let whole = j > i;
    if s.get(j) == Some(&b'.') && s.get(j + 1).is_some_and(u8::is_ascii_digit) {
        j = digits_from(j + 1);
    } else if !whole {
        return (Some(0.0), 0);
    }
    let mantissa_end = j;
    if matches!(s.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(s.get(k), Some(b'-' | b'+')) {
            k += 1;
        }
        if s.get(k).is_some_and(u8::is_ascii_digit) {
            j = digits_from(k);
        }
    }
    let text = std::str::from_utf8(&s[sign_at..j]).expect("ASCII digits");
    let value: f64 = text.parse().expect("a decimal number Rust reads");
    let nonzero = s[i..mantissa_end].iter().any(|c| (b'1'..=b'9').contains(c));
    (range_checked(value, nonzero), j)
}

/// C's `strtod` sets `ERANGE` when the result overflows to infinity or a
/// non-zero number underflows to zero or a subnormal.
fn range_checked(value: f64, nonzero: bool) -> Option<f64> {
    if value.is_infinite() || (nonzero && (value == 0.0 || value.is_subnormal())) {
        None
    } else {
        Some(value)
    }
}

/// PostgreSQL's `parse_int`: a whole or fractional number (`1.5GB` is
/// fine, rounded), optional space, then a unit of the parameter's kind.
pub fn parse_int(text: &str, base_unit: Option<&str>) -> Result<i64, String> {
    let s = text.as_bytes();
    let (mut value, mut end) = {
        let (v, end) = strtol(s);
        (v.map(|v| v as f64), end)
    };
    if value.is_none() || matches!(s.get(end), Some(b'.' | b'e' | b'E')) {
        let (v, e) = strtod(s);
        value = v;
        end = e;
    }
    let value = rint(with_unit(text, value, end, base_unit)?);
    if value > f64::from(i32::MAX) || value < f64::from(i32::MIN) {
        return Err(": the value exceeds the integer range".into());
    }
    Ok(value as i64)
}

/// PostgreSQL's `parse_real`.
pub fn parse_real(text: &str, base_unit: Option<&str>) -> Result<f64, String> {
    let s = text.as_bytes();
    let (value, end) = strtod(s);
    with_unit(text, value, end, base_unit)
}

/// The number read up to `end` (`None` when it overflowed), then optional
/// space and a unit of the parameter's kind, converted to its base unit.
fn with_unit(
    text: &str,
    value: Option<f64>,
    end: usize,
    base_unit: Option<&str>,
) -> Result<f64, String> {
    if end == 0 {
        return Err(String::new());
    }
    let Some(value) = value else {
        return Err(": the number is out of range".into());
    };
    if value.is_nan() {
        return Err(String::new());
    }
    let rest = text[end..].trim_start_matches(|c: char| c.is_ascii() && is_space(c as u8));
    if rest.is_empty() {
        return Ok(value);
    }
    let Some(base) = base_unit else {
        return Err(": this parameter takes no unit".into());
    };
    to_base_unit(value, rest, base).ok_or_else(String::new)
}

/// C's `rint` in the default rounding mode: halves go to the even neighbour.
fn rint(v: f64) -> f64 {
    let r = v.round();
    if (v - v.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - v.signum()
    } else {
        r
    }
}

fn is_memory(unit: &str) -> bool {
    matches!(unit, "B" | "kB" | "MB" | "8kB")
}

/// Units PostgreSQL converts from, largest first, with their size in bytes
/// or milliseconds.
const MEMORY_UNITS: &[(&str, f64)] = &[
    ("TB", 1024.0 * 1024.0 * 1024.0 * 1024.0),
    ("GB", 1024.0 * 1024.0 * 1024.0),
    ("MB", 1024.0 * 1024.0),
    ("kB", 1024.0),
    ("B", 1.0),
];
const TIME_UNITS: &[(&str, f64)] = &[
    ("d", 1000.0 * 60.0 * 60.0 * 24.0),
    ("h", 1000.0 * 60.0 * 60.0),
    ("min", 1000.0 * 60.0),
    ("s", 1000.0),
    ("ms", 1.0),
    ("us", 1.0 / 1000.0),
];

/// PostgreSQL's `convert_to_base_unit`: at most three characters of unit,
/// then only space. A fractional value is rounded to a whole number of the
/// next smaller unit (`1.5GB` to 1536MB), as PostgreSQL does.
fn to_base_unit(value: f64, unit_text: &str, base: &str) -> Option<f64> {
    let unit_len = unit_text
        .bytes()
        .take(3)
        .take_while(|c| !is_space(*c))
        .count();
    let (unit, after) = unit_text.split_at(unit_len);
    if !after.bytes().all(is_space) {
        return None;
    }
    let (table, base_size) = if is_memory(base) {
        let size = match base {
            "B" => 1.0,
            "kB" => 1024.0,
            "MB" => 1024.0 * 1024.0,
            _ => 8192.0,
        };
        (MEMORY_UNITS, size)
    } else {
        let size = match base {
            "ms" => 1.0,
            "s" => 1000.0,
            "min" => 60_000.0,
            _ => return None,
        };
        (TIME_UNITS, size)
    };
    let at = table.iter().position(|(name, _)| *name == unit)?;
    let converted = value * (table[at].1 / base_size);
    Some(match table.get(at + 1) {
        Some((_, next)) => rint(converted / (next / base_size)) * (next / base_size),
        None => converted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::Catalogue;

    fn check(name: &str, text: &str) -> Result<Parsed, String> {
        let c = Catalogue::of(17).expect("17");
        parse(c.get(name).expect("parameter"), text)
    }

    #[test]
    fn integers_as_postgresql_reads_them() {
        assert_eq!(check("shared_buffers", "128MB"), Ok(Parsed::Integer(16384)));
        let low = check("shared_buffers", " 010 kB").unwrap_err();
        assert!(low.contains("outside the range"), "{low}");
        assert_eq!(check("max_connections", "1e2"), Ok(Parsed::Integer(100)));
        assert_eq!(check("max_connections", "0x20"), Ok(Parsed::Integer(32)));
        assert_eq!(check("max_connections", "010"), Ok(Parsed::Integer(8)));
        assert!(check("max_connections", "08").is_err());
        assert!(check("shared_buffers", "a b").is_err());
        assert!(check("shared_buffers", "1gb").is_err());
        assert!(check("shared_buffers", "").is_err());
        assert!(check("max_connections", "10 MB").is_err());
        assert!(check("max_connections", "nan").is_err());
        assert!(check("max_connections", "inf").is_err());
        assert!(check("max_connections", "0X20").is_err());
        assert!(check("max_connections", "100.").is_err());
        assert!(check("random_page_cost", "0x1p3").is_err());
        assert_eq!(check("random_page_cost", ".5"), Ok(Parsed::Real(0.5)));
        assert!(check("max_connections", "99999999999999999999").is_err());
        assert_eq!(check("work_mem", "1.5GB"), Ok(Parsed::Integer(1_572_864)));
        assert_eq!(check("work_mem", "1GB "), Ok(Parsed::Integer(1_048_576)));
        assert_eq!(
            check("statement_timeout", "1min"),
            Ok(Parsed::Integer(60_000))
        );
        assert_eq!(
            check("statement_timeout", "1.5s"),
            Ok(Parsed::Integer(1500))
        );
        assert!(check("statement_timeout", "1 sec").is_err());
    }

    #[test]
    fn other_types() {
        assert_eq!(check("jit", "ON"), Ok(Parsed::Bool(true)));
        assert!(check("jit", "tru").is_err());
        assert_eq!(
            check("wal_level", "Logical"),
            Ok(Parsed::Enum("logical".into()))
        );
        assert!(check("wal_level", "archive").is_err());
        assert_eq!(
            check("wal_compression", "zstd"),
            Ok(Parsed::Enum("zstd".into()))
        );
        assert_eq!(check("random_page_cost", "1.1"), Ok(Parsed::Real(1.1)));
        assert!(check("random_page_cost", "-1").is_err());
        assert!(check("random_page_cost", "1e999").is_err());
        assert_eq!(check("vacuum_cost_delay", "2ms"), Ok(Parsed::Real(2.0)));
        assert!(check("application_name", "a\nb").is_err());
        assert_eq!(
            check("application_name", "a b"),
            Ok(Parsed::Text("a b".into()))
        );
    }

    #[test]
    fn rint_rounds_halves_to_even() {
        assert_eq!(rint(0.5), 0.0);
        assert_eq!(rint(1.5), 2.0);
        assert_eq!(rint(2.5), 2.0);
        assert_eq!(rint(-2.5), -2.0);
        assert_eq!(rint(2.4), 2.0);
    }
}
