//! The Kubernetes quantity grammar (`resource.ParseQuantity` in
//! k8s.io/apimachinery), checked on every field the schemas mark with
//! `"format": "quantity"`:
//!
//! ```text
//! quantity ::= sign? number suffix
//! number   ::= digits | digits "." digits? | "." digits
//! suffix   ::= "" | m | k | M | G | T | P | E | Ki | Mi | Gi | Ti | Pi | Ei
//!            | ("e" | "E") sign? digits
//! ```
//!
//! The API server rejects anything else (`1.5 Gi`, `1gb`, `500MB`, `2Gib`).

/// Whether `text` is a valid quantity.
pub fn is_valid(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let int = digits(bytes, &mut i);
    let mut frac = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        frac = digits(bytes, &mut i);
    }
    if int == 0 && frac == 0 {
        return false;
    }
    match &text[i..] {
        "" | "m" | "k" | "M" | "G" | "T" | "P" | "E" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => {
            true
        }
        suffix => {
            let Some(exp) = suffix.strip_prefix(['e', 'E']) else {
                return false;
            };
            let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

/// The value of a valid quantity as a number (`1.5Gi` → 1610612736,
/// `500m` → 0.5), for comparing two quantities; `None` if it is invalid.
pub fn value(text: &str) -> Option<f64> {
    if !is_valid(text) {
        return None;
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let n: f64 = number.parse().ok()?;
    let scale = match suffix.strip_prefix(['e', 'E']) {
        Some(exp) => 10f64.powi(exp.parse::<i32>().ok()?),
        None => scale(suffix)?,
    };
    Some(n * scale)
}

/// The factor of a suffix (`Ki` → 1024, `m` → 0.001, `` → 1), `None` for
/// anything that is not one.
pub fn scale(suffix: &str) -> Option<f64> {
    Some(match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    })
}

fn digits(bytes: &[u8], i: &mut usize) -> usize {
    let start = *i;
    while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
        *i += 1;
    }
    *i - start
}

/// The hint shown with an invalid quantity.
pub const HELP: &str =
    "write a number with an optional suffix: `500m`, `2`, `1.5Gi`, `512Mi`, `1e3` (no space, no `B`)";

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn values() {
        assert_eq!(super::value("500m"), Some(0.5));
        assert_eq!(super::value("1Gi"), Some(1073741824.0));
        assert_eq!(super::value("1e3"), Some(1000.0));
        assert!(super::value("2Gi").unwrap() > super::value("1500Mi").unwrap());
        assert_eq!(super::value("1 Gi"), None);
    }

    #[test]
    fn grammar() {
        for ok in [
            "1", "0", "500m", "1.5Gi", "512Mi", ".5", "1.", "+1k", "-2", "1e3", "1E-3", "2Ei",
            "100M",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "", "Gi", "1.5 Gi", "1gb", "500MB", "2Gib", "1e", "1..2", ".", "+", "1Ki1", "one", "1i",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
