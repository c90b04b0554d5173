//! A small, strict YAML writer for JSON values.
//!
//! Why not a YAML library: output must read the same to every YAML parser,
//! 1.1 and 1.2 alike. So strings that a 1.1 parser would turn into booleans,
//! octals or sexagesimals (`on`, `no`, `0777`, `1:30`) are always quoted,
//! multi-line strings are block literals, integers are never written in
//! exponent form, and key order is the order of the value (stable).

use serde_json::Value;
use std::fmt::Write as _;

/// One document, without the `---` separator.
pub fn to_string(value: &Value) -> String {
    let mut out = String::with_capacity(4096);
    write(&mut out, value);
    out
}

/// [`to_string`] appended to `out`: one buffer for a whole file or stream,
/// and no `String` per scalar.
pub fn write(out: &mut String, value: &Value) {
    match value {
        Value::Object(m) if !m.is_empty() => write_map(out, m, 0, false),
        Value::Array(a) if !a.is_empty() => write_seq(out, a, 0),
        scalar => {
            write_scalar(out, scalar, 0);
            out.push('\n');
        }
    }
}

/// `after_dash`: the map is a sequence item, and its first key shares the
/// `- ` line.
fn write_map(
    out: &mut String,
    map: &serde_json::Map<String, Value>,
    indent: usize,
    after_dash: bool,
) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !after_dash {
            pad(out, indent);
        }
        if is_plain_safe(key) {
            out.push_str(key);
        } else {
            quoted(out, key);
        }
        out.push(':');
        write_value(out, value, indent);
    }
}

fn write_seq(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        pad(out, indent);
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => write_map(out, m, indent + 2, true),
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                write_seq(out, a, indent + 2);
            }
            scalar => {
                write_scalar(out, scalar, indent + 2);
                out.push('\n');
            }
        }
    }
}

/// The value after `key:`.
fn write_value(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, indent + 2, false);
        }
        // Sequences under a key are not indented further (the common style).
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_seq(out, a, indent);
        }
        scalar => {
            out.push(' ');
            write_scalar(out, scalar, indent + 2);
            out.push('\n');
        }
    }
}

const SPACES: &str = "                                                                ";

fn pad(out: &mut String, mut indent: usize) {
    while indent > SPACES.len() {
        out.push_str(SPACES);
        indent -= SPACES.len();
    }
    out.push_str(&SPACES[..indent]);
}

fn write_scalar(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write!(out, "{n}").expect("writing to a String"),
        Value::String(s) => write_string(out, s, indent),
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
    }
}

fn write_string(out: &mut String, s: &str, indent: usize) {
    // A plain-safe string has no newline, so it never wants a literal.
    if is_plain_safe(s) {
        out.push_str(s);
    } else if !quoted_to(out, s, true) && !literal(out, s, indent) {
        // Multi-line, and a literal would not keep it.
        quoted(out, s);
    }
}

/// `s` as a block literal, if one keeps it as written ([`literal_ok`]):
/// judged and written in one pass over an ASCII string, each line's end
/// found by the run of its text bytes. `false` (and `out` as it was) when
/// a literal would not keep it; a byte beyond ASCII, or a control
/// character, has the string judged by the character rules instead.
fn literal(out: &mut String, s: &str, indent: usize) -> bool {
    let b = s.as_bytes();
    if matches!(b.first(), Some(b' ' | b'\t' | b'\n')) || b.ends_with(b"\n\n") {
        return false;
    }
    let mark = out.len();
    let (chomp, body) = match b.strip_suffix(b"\n") {
        Some(body) => ("|", body.len()),
        None => ("|-", b.len()),
    };
    out.reserve(body + 16);
    out.push_str(chomp);
    let mut i = 0;
    loop {
        let end = run_of(b, i, TEXT);
        if end < b.len() && b[end] != b'\n' {
            out.truncate(mark);
            if !literal_ok_unicode(s) {
                return false;
            }
            literal_by_lines(out, s, indent);
            return true;
        }
        let line = &s[i..end];
        out.push('\n');
        if !line.is_empty() {
            // In ASCII the only blanks that are not control characters
            // are space and tab.
            if line.bytes().all(|c| c == b' ' || c == b'\t') {
                out.truncate(mark);
                return false;
            }
            pad(out, indent);
            out.push_str(line);
        }
        if end >= body {
            return true;
        }
        i = end + 1;
    }
}

/// A block literal keeps every character of these strings as written; the
/// rest (leading blanks, several trailing newlines, blank-only lines) are
/// quoted instead. [`literal`] follows it as it writes; this is its rule
/// in one pass of its own, for the tests.
#[cfg(test)]
fn literal_ok(s: &str) -> bool {
    if !s.is_ascii() {
        return literal_ok_unicode(s);
    }
    let b = s.as_bytes();
    if matches!(b.first(), Some(b' ' | b'\t' | b'\n')) || b.ends_with(b"\n\n") {
        return false;
    }
    // Per line: its length, and whether it is only blanks so far. In ASCII
    // the only blanks that are not control characters are space and tab.
    let (mut len, mut blank, mut i) = (0, true, 0);
    while let Some(&c) = b.get(i) {
        if c == b'\n' {
            if len > 0 && blank {
                return false;
            }
            (len, blank, i) = (0, true, i + 1);
            continue;
        }
        // Not a newline, not text: a control character.
        if CLASS[usize::from(c)] & TEXT == 0 {
            return false;
        }
        let end = run_of(b, i, TEXT);
        blank = blank && b[i..end].iter().all(|&c| c == b' ' || c == b'\t');
        (len, i) = (len + end - i, end);
    }
    !(len > 0 && blank)
}

/// [`literal_ok`] by characters, for strings beyond ASCII (Unicode blanks
/// and control characters).
fn literal_ok_unicode(s: &str) -> bool {
    !s.starts_with([' ', '\t', '\n'])
        && !s.ends_with("\n\n")
        && !s.contains('\r')
        && s.split('\n').all(|l| l.is_empty() || !l.trim().is_empty())
        && s.chars().all(|c| c == '\n' || c == '\t' || !c.is_control())
}

/// A block literal of a string [`literal_ok_unicode`] accepts, line by
/// line.
fn literal_by_lines(out: &mut String, s: &str, indent: usize) {
    let (chomp, body) = match s.strip_suffix('\n') {
        Some(body) => ("|", body),
        None => ("|-", s),
    };
    out.reserve(body.len() + 16);
    out.push_str(chomp);
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
    }
}

/// A double-quoted scalar: runs of ordinary bytes copied at once, escapes
/// for quotes, backslashes and control characters (C0, DEL and C1).
fn quoted(out: &mut String, s: &str) {
    quoted_to(out, s, false);
}

/// [`quoted`], or with `multi_line` nothing (and `false`) for a string
/// with a newline, which may be a block literal: so the quoting pass is
/// also the search for a newline.
fn quoted_to(out: &mut String, s: &str, multi_line: bool) -> bool {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b = s.as_bytes();
    let mark = out.len();
    out.reserve(s.len() + 2);
    out.push('"');
    let (mut run, mut i) = (0, 0);
    loop {
        i = run_of(b, i, QUIET);
        let Some(&c) = b.get(i) else { break };
        if c == b'\n' && multi_line {
            out.truncate(mark);
            return false;
        }
        // The control character's code and its length in bytes, if any.
        let (code, n) = match c {
            // U+0080..U+009F, encoded as C2 80..C2 9F.
            0xc2 if b.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)) => (b[i + 1], 2),
            0xc2 => {
                i += 1;
                continue;
            }
            _ => (c, 1),
        };
        out.push_str(&s[run..i]);
        match code {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            _ => {
                out.push_str("\\u00");
                out.push(HEX[usize::from(code >> 4)] as char);
                out.push(HEX[usize::from(code & 0xf)] as char);
            }
        }
        i += n;
        run = i;
    }
    out.push_str(&s[run..]);
    out.push('"');
    true
}

/// Words YAML 1.1 or 1.2 reads as something other than a string.
const RESERVED: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~", "=",
    "<<",
];

/// [`RESERVED`] by a `match` (a jump on the length, then a few compares).
fn reserved(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | "null"
            | "Null"
            | "NULL"
            | "~"
            | "="
            | "<<"
    )
}

/// What a byte may be in a plain scalar (a table, so a string is judged in
/// one pass over its bytes; bytes beyond ASCII have none of these classes
/// but [`QUIET`] and are judged by the character rules).
const PLAIN: u8 = 1;
/// A character of something number-like (see [`is_plain_safe_unicode`]).
const NUMERIC: u8 = 2;
/// An indicator that may not start a plain scalar.
const NOT_FIRST: u8 = 4;
/// The first byte of a word of [`RESERVED`].
const RESERVED_FIRST: u8 = 64;
/// A [`PLAIN`] byte that needs no look at its neighbours: all but `:`
/// (`: ` is an indicator). A string of these is judged 8 bytes at a time.
const WORD: u8 = 8;
/// A byte a double-quoted scalar copies as it is: not a quote, a backslash,
/// a C0 control or DEL, nor `C2` (which starts the C1 controls).
const QUIET: u8 = 16;
/// A byte a block literal keeps on a line: printable ASCII and tab.
const TEXT: u8 = 32;

const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() {
            t[c] |= PLAIN;
        }
        if b.is_ascii_hexdigit() {
            t[c] |= NUMERIC;
        }
        if !matches!(b, b'"' | b'\\' | 0..=0x1f | 0x7f | 0xc2) {
            t[c] |= QUIET;
        }
        if matches!(b, 0x20..=0x7e | b'\t') {
            t[c] |= TEXT;
        }
        c += 1;
    }
    let t = mark(t, b" ._/-:=+@()$%&*^~<>;!?", PLAIN);
    let t = mark(t, b"._:+-xXoOnNiIfFaA", NUMERIC);
    let t = mark(t, b"yYnNtTfFoO~=<", RESERVED_FIRST);
    let mut t = mark(t, b"-?:,[]{}#&*!|>'\"%@` ", NOT_FIRST);
    let mut c = 0;
    while c < 128 {
        if t[c] & PLAIN != 0 && c != b':' as usize {
            t[c] |= WORD;
        }
        c += 1;
    }
    t
};

/// `table` with `class` added to each of `chars`.
const fn mark(mut table: [u8; 256], chars: &[u8], class: u8) -> [u8; 256] {
    let mut i = 0;
    while i < chars.len() {
        table[chars[i] as usize] |= class;
        i += 1;
    }
    table
}

/// The end of the run of bytes of `class` from `i` on: 8 bytes a step while
/// all 8 have it, then byte by byte.
#[inline(always)]
fn run_of(b: &[u8], mut i: usize, class: u8) -> usize {
    let of = |c: u8| CLASS[usize::from(c)];
    while let Some(c) = b.get(i..i + 8) {
        let all = of(c[0]) & of(c[1]) & of(c[2]) & of(c[3]);
        if all & of(c[4]) & of(c[5]) & of(c[6]) & of(c[7]) & class == 0 {
            break;
        }
        i += 8;
    }
    while i < b.len() && of(b[i]) & class != 0 {
        i += 1;
    }
    i
}

/// Whether a string can be written without quotes and still read back as
/// the same string by any YAML parser: [`is_plain_safe_unicode`] in one
/// pass over the bytes of an ASCII string.
fn is_plain_safe(s: &str) -> bool {
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    if !first.is_ascii() || !last.is_ascii() {
        return is_plain_safe_unicode(s);
    }
    // Spaces at either end (other ASCII blanks are not plain at all), an
    // indicator first, a `:` last.
    let class = CLASS[usize::from(first)];
    if class & NOT_FIRST != 0 || last == b' ' || last == b':' {
        return false;
    }
    if b.len() <= 5 && class & RESERVED_FIRST != 0 && reserved(s) {
        return false;
    }
    let mut numeric = first.is_ascii_digit() || matches!(first, b'+' | b'.');
    // Most strings (names, labels, keys, URLs) are words, maybe with `:`:
    // plain, and not numbers unless they start like one.
    if !numeric {
        let mut i = run_of(b, 0, WORD);
        while let Some(&c) = b.get(i) {
            match c {
                // Not last (above): a `:` is plain unless a space follows.
                b':' if b[i + 1] != b' ' => i = run_of(b, i + 1, WORD),
                _ if !c.is_ascii() => return is_plain_safe_unicode(s),
                _ => return false,
            }
        }
        return true;
    }
    let mut prev = 0;
    for &c in b {
        if !c.is_ascii() {
            return is_plain_safe_unicode(s);
        }
        let class = CLASS[usize::from(c)];
        // `#` is never plain, so `: ` is the only pair to look for.
        if class & PLAIN == 0 || (prev == b':' && c == b' ') {
            return false;
        }
        numeric &= class & NUMERIC != 0;
        prev = c;
    }
    !numeric
}

/// Whether a string can be written without quotes and still read back as
/// the same string by any YAML parser, by characters: the rule, which
/// [`is_plain_safe`] follows for ASCII.
fn is_plain_safe_unicode(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if RESERVED.contains(&s) || s != s.trim() {
        return false;
    }
    // Anything number-like (ints, floats, octals, hex, 1:30, .inf, versions)
    // is quoted: cheaper than knowing every resolver's rules.
    if (first.is_ascii_digit() || matches!(first, '+' | '-' | '.'))
        && s.chars().all(|c| {
            c.is_ascii_hexdigit()
                || matches!(
                    c,
                    '.' | '_'
                        | ':'
                        | '+'
                        | '-'
                        | 'x'
                        | 'X'
                        | 'o'
                        | 'O'
                        | 'n'
                        | 'N'
                        | 'i'
                        | 'I'
                        | 'f'
                        | 'F'
                        | 'a'
                        | 'A'
                )
        })
    {
        return false;
    }
    if matches!(
        first,
        '-' | '?'
            | ':'
            | ','
            | '['
            | ']'
            | '{'
            | '}'
            | '#'
            | '&'
            | '*'
            | '!'
            | '|'
            | '>'
            | '\''
            | '"'
            | '%'
            | '@'
            | '`'
            | ' '
    ) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    s.chars()
        .all(|c| c.is_alphanumeric() || " ._/-:=+@(),$%&*^~<>;!?'\"".contains(c))
        && !s.contains(['{', '}', '[', ']', ',', '#', '`', '\''])
        && !s.contains('"')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_1_1_traps_are_quoted() {
        let doc = json!({"a": "on", "b": "no", "c": "0777", "d": "1:30", "e": "1.13.3", "f": "500m", "g": "3600s", "h": "", "i": "y"});
        assert_eq!(
            to_string(&doc),
            "a: \"on\"\nb: \"no\"\nc: \"0777\"\nd: \"1:30\"\ne: \"1.13.3\"\nf: 500m\ng: 3600s\nh: \"\"\ni: \"y\"\n"
        );
    }

    #[test]
    fn multi_line_strings_are_block_literals() {
        let doc = json!({"conf": {"f": "a\n  b\n"}, "g": "x\ny"});
        assert_eq!(
            to_string(&doc),
            "conf:\n  f: |\n    a\n      b\ng: |-\n  x\n  y\n"
        );
    }

    #[test]
    fn sequences_and_nesting() {
        let doc = json!({"items": [{"a": 1, "b": [2, 3]}, "s"], "empty": [], "m": {}});
        assert_eq!(
            to_string(&doc),
            "items:\n- a: 1\n  b:\n  - 2\n  - 3\n- s\nempty: []\nm: {}\n"
        );
    }

    #[test]
    fn tricky_scalars() {
        let doc = json!({
            "yes": "yes", "exp": "1e3", "hex": "0x1F", "inf": ".inf", "neg": "-1",
            "colon": "a: b", "colon-end": "a:", "url": "http://x:80/y", "hash": "a #b",
            "hash2": "a#b", "lead": " a", "trail": "a ", "tab": "a\tb", "quote": "say \"hi\"",
            "apos": "it's", "back": "a\\b", "ctl": "a\u{1b}b\u{7f}\u{85}", "uni": "café ünï",
            "uni-blank": "\u{a0}x", "ml": "one\ntwo\n", "ml-lead": " one\ntwo",
            "ml-blank": "one\n  \ntwo", "ml-cr": "one\r\ntwo", "ml-end": "one\n\n",
            "ml-uni": "一\n二", "ml-uni-blank": "a\n\u{3000}\nb", "pct": "%x", "amp": "&a",
            "star": "a*b", "q": "?", "dash": "- a", "tilde": "~", "merge": "<<", "eq": "=",
            "long-key with spaces": 1, "n": null, "t": true, "f": 1.5, "neg-int": -3,
            "k: v": "x", "": "empty key"
        });
        assert_eq!(
            to_string(&doc),
            concat!(
                "\"yes\": \"yes\"\nexp: \"1e3\"\nhex: \"0x1F\"\ninf: \".inf\"\nneg: \"-1\"\n",
                "colon: \"a: b\"\ncolon-end: \"a:\"\nurl: http://x:80/y\nhash: \"a #b\"\n",
                "hash2: \"a#b\"\nlead: \" a\"\ntrail: \"a \"\ntab: \"a\\tb\"\n",
                "quote: \"say \\\"hi\\\"\"\napos: \"it's\"\nback: \"a\\\\b\"\n",
                "ctl: \"a\\u001bb\\u007f\\u0085\"\nuni: café ünï\nuni-blank: \"\u{a0}x\"\n",
                "ml: |\n  one\n  two\nml-lead: \" one\\ntwo\"\nml-blank: \"one\\n  \\ntwo\"\n",
                "ml-cr: \"one\\r\\ntwo\"\nml-end: \"one\\n\\n\"\nml-uni: |-\n  一\n  二\n",
                "ml-uni-blank: \"a\\n\u{3000}\\nb\"\npct: \"%x\"\namp: \"&a\"\nstar: a*b\n",
                "q: \"?\"\ndash: \"- a\"\ntilde: \"~\"\nmerge: \"<<\"\neq: \"=\"\n",
                "long-key with spaces: 1\n\"n\": null\nt: true\nf: 1.5\nneg-int: -3\n",
                "\"k: v\": x\n\"\": empty key\n",
            )
        );
    }

    /// The byte-wise predicates agree with the character-wise rule: every
    /// string of up to two ASCII characters, then pseudo-random strings
    /// over an alphabet of the characters that matter.
    #[test]
    fn byte_rules_agree_with_the_character_rules() {
        let check = |s: &str| {
            assert_eq!(is_plain_safe(s), is_plain_safe_unicode(s), "{s:?}");
            assert_eq!(literal_ok(s), literal_ok_unicode(s), "{s:?}");
            let (mut fast, mut slow) = (String::from("x"), String::from("x"));
            let written = literal(&mut fast, s, 4);
            if literal_ok_unicode(s) {
                literal_by_lines(&mut slow, s, 4);
            }
            assert_eq!((written, fast), (literal_ok_unicode(s), slow), "{s:?}");
            let mut fast = String::new();
            quoted(&mut fast, s);
            assert_eq!(fast, quoted_by_chars(s), "{s:?}");
        };
        for a in 0..128u8 {
            check(&char::from(a).to_string());
            for b in 0..128u8 {
                check(&format!("{}{}", char::from(a), char::from(b)));
            }
        }
        let alphabet: Vec<char> =
            " \t\n\r:#-.+_0189aefinoxAFINOX'\"\\/@,~=<?{\u{1b}\u{7f}\u{85}\u{a0}é一"
                .chars()
                .collect();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 9) as usize;
            let s: String = (0..len)
                .map(|i| alphabet[((state >> (8 + 5 * i)) % alphabet.len() as u64) as usize])
                .collect();
            check(&s);
        }
        // Longer strings, mostly of word bytes, for the 8-byte steps.
        let words: Vec<char> = "abcdefghijklmnopqrstuvwxyz-_./0123456789ABZ: #\n\t\"\\é\u{85}"
            .chars()
            .collect();
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 40) as usize;
            let mut x = state;
            let s: String = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Word bytes nine times in ten.
                    let n = if x % 10 == 0 { words.len() } else { 32 };
                    words[((x >> 8) % n as u64) as usize]
                })
                .collect();
            check(&s);
        }
        for s in [
            "1e3",
            "0x1F",
            ".inf",
            "+1",
            "1:30",
            "1.13.3",
            "500m",
            "yes",
            "False",
            "a: b",
            "dify-api-worker-beat-0123456789",
            "app.kubernetes.io/name: x",
        ] {
            check(s);
        }
    }

    #[test]
    fn reserved_matches_the_list() {
        for w in RESERVED {
            assert!(reserved(w), "{w}");
        }
        for a in 0..128u8 {
            let one = char::from(a).to_string();
            assert_eq!(reserved(&one), RESERVED.contains(&one.as_str()), "{one:?}");
        }
        for w in ["yess", "nO", "tru", "of", "nul", "<", "~~", "Nulls", ""] {
            assert!(!reserved(w), "{w}");
        }
    }

    /// The quoting rule, character by character.
    fn quoted_by_chars(s: &str) -> String {
        let mut out = String::from('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn big_integers_stay_integers() {
        assert_eq!(to_string(&json!({"count": 1_000_000})), "count: 1000000\n");
        // `n` is "no" to a YAML 1.1 reader, even as a key.
        assert_eq!(to_string(&json!({"n": 1})), "\"n\": 1\n");
    }
}
