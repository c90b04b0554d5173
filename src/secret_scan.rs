//! What looks like a secret, wherever dify-gen looks: variable names that
//! hold secrets in Dify and its dependencies, values written out rather
//! than referenced, credentials inside URLs, and high-entropy tokens.
//!
//! One module for both ends of the pipeline: the topology check refuses a
//! secret-looking value at its line, and the output firewall
//! (`render::firewall`) refuses any rendered artifact that carries one, by
//! the same rules.
//!
//! A finding says where the suspect is ([`Suspect`]: byte offsets into the
//! string), never what it is: no message may print a secret.
//!
//! Public values: the entropy rule alone flags long release tags, bucket
//! names and the names dify-gen derives from them. Rather than weakening
//! it, the callers pass what is public by construction ([`Public`]: the
//! topology's identifier fields, the names and labels dify-gen derived);
//! those are masked out of a suspect token and the rest of the token is
//! judged again by the same rule, so a key glued to a public name is still
//! found.

use serde_json::Value;

/// Substrings of variable names that hold secrets in Dify and its deps.
const SECRET_MARKERS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
    "DSN",
];

/// A variable name (`SMTP_PASSWORD`) or a field name (`apiKey`,
/// `superuserPassword`) that names a secret.
pub fn looks_secret(name: &str) -> bool {
    // [`snake_upper`] written on the stack: at most two bytes a byte.
    if name.len() > 64 {
        return upper_looks_secret(snake_upper(name).as_bytes());
    }
    let mut buf = [0u8; 128];
    let mut n = 0;
    let mut prev_lower = false;
    for &c in name.as_bytes() {
        if c.is_ascii_uppercase() && prev_lower {
            buf[n] = b'_';
            n += 1;
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        buf[n] = if c == b'-' {
            b'_'
        } else {
            c.to_ascii_uppercase()
        };
        n += 1;
    }
    upper_looks_secret(&buf[..n])
}

/// [`looks_secret`] of a name in [`snake_upper`] form. A marker is searched
/// for only if the name has all its letters (most names have not).
fn upper_looks_secret(upper: &[u8]) -> bool {
    let letters = upper.iter().fold(0, |m, &c| m | letter(c));
    SECRET_MARKERS
        .iter()
        .zip(MARKER_LETTERS)
        .any(|(m, need)| need & !letters == 0 && upper.windows(m.len()).any(|w| w == m.as_bytes()))
        || upper.ends_with(b"_KEY")
        || upper == b"KEY"
}

/// A bit for each upper-case ASCII letter and `_`.
const fn letter(c: u8) -> u32 {
    match c {
        b'A'..=b'Z' => 1 << (c - b'A'),
        b'_' => 1 << 26,
        _ => 0,
    }
}

/// The letters of each of [`SECRET_MARKERS`].
const MARKER_LETTERS: [u32; SECRET_MARKERS.len()] = {
    let mut out = [0; SECRET_MARKERS.len()];
    let mut i = 0;
    while i < SECRET_MARKERS.len() {
        let m = SECRET_MARKERS[i].as_bytes();
        let mut j = 0;
        while j < m.len() {
            out[i] |= letter(m[j]);
            j += 1;
        }
        i += 1;
    }
    out
};

/// `apiKey` → `API_KEY`, `SMTP_PASSWORD` unchanged.
fn snake_upper(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c == '-' {
            '_'
        } else {
            c.to_ascii_uppercase()
        });
    }
    out
}

/// Shortest token the entropy rule looks at.
pub const MIN_TOKEN: usize = 20;
/// Shannon entropy per character above which a token counts as random.
pub const MIN_ENTROPY: f64 = 4.0;

/// A value written out, not composed from references alone: Kubernetes'
/// `$(VAR)` or a shell's `${VAR}` (the Swarm start scripts compose with it).
pub fn is_literal(value: &Value) -> bool {
    let Some(s) = value.as_str() else {
        return !value.is_null();
    };
    let mut rest = s.trim();
    loop {
        let next = [("$(", ')'), ("${", '}')]
            .into_iter()
            .filter_map(|(open, close)| {
                let start = rest.find(open)?;
                let end = rest[start..].find(close)?;
                Some((start, start + end + 1))
            })
            .min();
        let Some((start, end)) = next else { break };
        if !rest[..start].trim().is_empty() {
            return true;
        }
        rest = rest[end..].trim_start();
    }
    !rest.trim().is_empty()
}

/// What was found, and where in the string (bytes `start..start + len`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suspect {
    pub start: usize,
    pub len: usize,
    pub why: Why,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// A token random enough to be a key or a password.
    Random,
    /// `scheme://user:password@host`: a password in a URL.
    UrlPassword,
    /// `scheme://token@host` with a random user part, or `?token=...`.
    UrlToken,
}

impl Why {
    /// What the suspect is, for messages (never the suspect itself).
    pub fn describe(self) -> &'static str {
        match self {
            Why::Random => "a string that looks like a key or password",
            Why::UrlPassword => "a URL with a password in it",
            Why::UrlToken => "a URL with a token in it",
        }
    }
}

/// Characters that end a token: no key contains them.
fn separator(c: char) -> bool {
    matches!(
        c,
        ',' | ';'
            | '"'
            | '\''
            | '('
            | ')'
            | '@'
            | ':'
            | '`'
            | '<'
            | '>'
            | '['
            | ']'
            | '{'
            | '}'
            | '|'
            | '\\'
    ) || c.is_whitespace()
}

/// Values that are public by construction (see the module comment), and
/// each value's tokens: every one of at least 4 bytes, in a set, so a
/// token is masked by looking up its pieces between separators rather than
/// by searching it for every public value.
#[derive(Clone, Debug, Default)]
pub struct Public {
    values: FastSet<String>,
}

/// The characters a public value must stand between inside a token.
const JOINTS: &[u8] = b"-._/=+~";

impl Public {
    pub fn new<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Public {
        let mut public = Public::default();
        for v in values {
            public.insert_value(v.as_ref());
        }
        public
    }

    /// Adds `v` and its tokens. A value already in the set has its tokens
    /// there too (it was added with them, or it is a token itself), so
    /// names repeated across objects are looked up once each.
    fn insert_value(&mut self, v: &str) {
        if self.values.contains(v) {
            return;
        }
        self.insert(v);
        for (start, len) in tokens(v).filter(|&(_, len)| len < v.len()) {
            self.insert(&v[start..start + len]);
        }
    }

    fn insert(&mut self, v: &str) {
        if v.len() >= 4 && !self.values.contains(v) {
            self.values.insert(v.to_string());
        }
    }

    /// The parts of `token` left once every public value in it is masked,
    /// as `(offset, length)` in `token`. A public value counts only where
    /// it stands between separators (`-`, `.`, `_`, `/`, `=`, `+`, `~` or
    /// the token's ends), so a short public word cannot cut a key into
    /// pieces too short to be flagged. Such a stretch starts at the token's
    /// start or after a separator and ends at one or at the token's end:
    /// each of those few stretches is looked up in the set.
    fn unmasked(&self, token: &str) -> Vec<(usize, usize)> {
        let bytes = token.as_bytes();
        let mut covered = vec![false; bytes.len()];
        if !self.values.is_empty() {
            let joints = || {
                bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| JOINTS.contains(b))
                    .map(|(i, _)| i)
            };
            let starts = std::iter::once(0).chain(joints().map(|i| i + 1));
            for start in starts {
                let ends = joints().chain(std::iter::once(bytes.len()));
                for end in ends.filter(|&end| end >= start + 4) {
                    if self.values.contains(&token[start..end]) {
                        covered[start..end].iter_mut().for_each(|c| *c = true);
                    }
                }
            }
        }
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if covered[i] {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && !covered[i] {
                i += 1;
            }
            out.push((start, i - start));
        }
        out
    }
}

/// Byte classes of the token scans ([`BYTES`]): one table lookup a byte.
const SEP: u8 = 1;
/// A byte of the key alphabet (`looks_random`'s first test).
const KEY: u8 = 2;
const LOWER: u8 = 4;
const UPPER: u8 = 8;
const DIGIT: u8 = 16;
/// A byte beyond ASCII: the character is decoded (a Unicode blank is a
/// separator; anything else is outside the key alphabet).
const WIDE: u8 = 32;

/// The class of every byte: [`separator`] (its ASCII characters, written
/// out for a constant) and the key alphabet of [`looks_random`] for ASCII,
/// [`WIDE`] beyond it.
const BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if !b.is_ascii() {
            WIDE
        } else if matches!(
            b,
            b',' | b';'
                | b'"'
                | b'\''
                | b'('
                | b')'
                | b'@'
                | b':'
                | b'`'
                | b'<'
                | b'>'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'|'
                | b'\\'
                // ASCII's blanks, as `char::is_whitespace` has them.
                | b'\t'
                | b'\n'
                | 0x0b
                | 0x0c
                | b'\r'
                | b' '
        ) {
            SEP
        } else if b.is_ascii_lowercase() {
            KEY | LOWER
        } else if b.is_ascii_uppercase() {
            KEY | UPPER
        } else if b.is_ascii_digit() {
            KEY | DIGIT
        } else if matches!(b, b'+' | b'/' | b'=' | b'_' | b'-' | b'.' | b'~') {
            KEY
        } else {
            0
        };
        c += 1;
    }
    t
};

/// One token of a string ([`tokens`]): where it is, and the classes of its
/// bytes: `all` those every byte has, `any` those some byte has.
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    len: usize,
    all: u8,
    any: u8,
}

impl Span {
    /// Whether [`looks_random`]'s first tests can pass: only bytes of the
    /// key alphabet, and at least two character classes.
    fn may_look_random(self) -> bool {
        let classes = [LOWER, UPPER, DIGIT]
            .iter()
            .filter(|&&c| self.any & c != 0)
            .count();
        self.all & KEY != 0 && classes >= 2
    }
}

/// `(offset, length)` of every token of `s`: the runs between separators.
fn tokens(s: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    spans(s).map(|t| (t.start, t.len))
}

/// The tokens of `s` with their byte classes, found with one table lookup
/// a byte (a character is decoded only beyond ASCII, where the separators
/// are Unicode blanks).
fn spans(s: &str) -> impl Iterator<Item = Span> + '_ {
    let b = s.as_bytes();
    // The class of the character at `i` and its length.
    let at = move |i: usize| match BYTES[usize::from(b[i])] {
        WIDE => {
            let c = s[i..]
                .chars()
                .next()
                .expect("a character starts at a boundary");
            let class = if separator(c) { SEP } else { WIDE };
            (class, c.len_utf8())
        }
        class => (class, 1),
    };
    let mut i = 0;
    std::iter::from_fn(move || {
        loop {
            if i >= b.len() {
                return None;
            }
            match at(i) {
                (SEP, n) => i += n,
                _ => break,
            }
        }
        let (start, mut all, mut any) = (i, u8::MAX, 0);
        while i < b.len() {
            match at(i) {
                (SEP, _) => break,
                (class, n) => {
                    all &= class;
                    any |= class;
                    i += n;
                }
            }
        }
        Some(Span {
            start,
            len: i - start,
            all,
            any,
        })
    })
}

/// `(offset, length)` of the tokens of `s` ([`tokens`]) that are made of
/// key bytes alone and at least [`MIN_TOKEN`] long, in order: the only ones
/// [`looks_random`] can accept. Most text has no run of 20 key bytes, so
/// the search looks at the last byte of a window of that length first: if
/// it is not a key byte, no run can hold it and the window moves past it;
/// if it is, the bytes before it are looked at back to the first that is
/// not (the next window starts after it).
fn key_tokens(s: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let b = s.as_bytes();
    let key = move |i: usize| BYTES[usize::from(b[i])] & KEY != 0;
    // Whether the character ending at `i` (or starting at `i`) separates.
    let sep_before = move |i: usize| i == 0 || s[..i].chars().next_back().is_some_and(separator);
    let sep_at = move |i: usize| i == b.len() || s[i..].chars().next().is_some_and(separator);
    // Invariant: the byte before `i`, if any, is not a key byte.
    let mut i = 0;
    std::iter::from_fn(move || {
        while i + MIN_TOKEN <= b.len() {
            let last = i + MIN_TOKEN - 1;
            if !key(last) {
                i = last + 1;
                continue;
            }
            if let Some(j) = (i..last).rev().find(|&j| !key(j)) {
                i = j + 1;
                continue;
            }
            let start = i;
            let mut end = last + 1;
            while end < b.len() && key(end) {
                end += 1;
            }
            i = end + 1;
            if sep_before(start) && sep_at(end) {
                return Some((start, end - start));
            }
        }
        None
    })
}

/// Where `://` is in `s` from byte `from` on: each `:` found by `memchr`
/// (`str::find` of one ASCII character), which is faster than a substring
/// search for these short needles.
fn find_scheme(s: &str, from: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = from;
    while let Some(at) = s[i..].find(':') {
        let at = i + at;
        if b[at + 1..].starts_with(b"//") {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// The hash of the firewall's sets and maps (FxHash's multiply and
/// rotate, a word at a time): they hold the render's own strings, short
/// and many, where `SipHash`'s defence against chosen keys buys nothing.
#[derive(Clone, Copy, Default)]
pub struct FastHash(u64);

impl FastHash {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for FastHash {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(last) ^ rest.len() as u64);
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A set or map hashed by [`FastHash`].
pub type FastSet<T> = std::collections::HashSet<T, std::hash::BuildHasherDefault<FastHash>>;
pub type FastMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<FastHash>>;

/// The first part of `s` that is a secret by any rule: a URL with
/// credentials, or a random token that no public value explains.
pub fn scan(s: &str, public: &Public) -> Option<Suspect> {
    scan_lazily(s, &|| public)
}

/// [`scan`] with the public values asked for only when a token that looks
/// random is to be masked: most renders have none, and building the set of
/// public values is then not needed.
pub fn scan_lazily<'p>(s: &str, public: &dyn Fn() -> &'p Public) -> Option<Suspect> {
    if !may_hold_secret(s) {
        return None;
    }
    url_credentials(s).or_else(|| random_token_lazily(s, public))
}

/// Whether [`scan`] has anything to look at in `s`: most values (names,
/// numbers, labels) are shorter than any token, and a URL's credentials
/// need a `@`, its query a `://`.
pub fn may_hold_secret(s: &str) -> bool {
    s.len() >= MIN_TOKEN || s.bytes().any(|b| b == b'@' || b == b':')
}

/// The first token of `s` that looks random once public values are masked.
pub fn random_token(s: &str, public: &Public) -> Option<Suspect> {
    random_token_lazily(s, &|| public)
}

/// [`random_token`], the public values asked for when needed.
fn random_token_lazily<'p>(s: &str, public: &dyn Fn() -> &'p Public) -> Option<Suspect> {
    // Most values (names, numbers, labels) are shorter than any token.
    if s.len() < MIN_TOKEN {
        return None;
    }
    // A token with a byte outside the key alphabet, or of one character
    // class, is not random (`looks_random`'s first tests): only the tokens
    // that are long runs of key bytes are judged.
    for (start, len) in key_tokens(s) {
        let token = &s[start..start + len];
        let any = token.bytes().fold(0, |any, c| any | BYTES[usize::from(c)]);
        let span = Span {
            start,
            len,
            all: KEY,
            any,
        };
        if !span.may_look_random() {
            continue;
        }
        if let Some(found) = judge(s, start, token, public) {
            return Some(found);
        }
    }
    None
}

/// The judgement of one token of `s` (at `start`): random, not a digest,
/// and random still once the public values in it are masked.
fn judge<'p>(
    s: &str,
    start: usize,
    token: &str,
    public: &dyn Fn() -> &'p Public,
) -> Option<Suspect> {
    if is_digest(s, token) || !looks_random(token) {
        return None;
    }
    let rest = public().unmasked(token);
    let (at, n) = rest.into_iter().find(|&(at, n)| {
        let part = token[at..at + n].trim_matches(|c: char| "-._/=+~".contains(c));
        part.len() >= MIN_TOKEN && looks_random(part)
    })?;
    Some(Suspect {
        start: start + at,
        len: n,
        why: Why::Random,
    })
}

/// Credentials inside a URL: a password after `user:` (`https://u:p@h`,
/// `redis://:p@h`, also without a scheme: `u:p@host:5432`), a random user
/// part used as a token (`https://ghp_...@github.com`), or a query
/// parameter named like a secret (`?api_key=...`). A password that is a
/// `$(VAR)` reference is Kubernetes composing it from a Secret, and fine.
pub fn url_credentials(s: &str) -> Option<Suspect> {
    let mut from = 0;
    while let Some(at) = s[from..].find('@') {
        let at = from + at;
        from = at + 1;
        let before = &s[..at];
        // The authority starts after `://` (when no `/` follows it before
        // the `@`), or else at the start of the token (`u:p@host`).
        let schemed = before
            .rfind("://")
            .map(|i| i + 3)
            .filter(|&i| !before[i..].contains(['/', ' ']));
        let start = schemed.unwrap_or_else(|| {
            before
                .rfind(|c: char| c.is_whitespace() || "\"',;=".contains(c))
                .map_or(0, |i| i + 1)
        });
        let userinfo = &s[start..at];
        let host = &s[at + 1..];
        if userinfo.is_empty()
            || userinfo.contains(['/', ' '])
            || !host.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '[' || c == '$')
        {
            continue;
        }
        match userinfo.split_once(':') {
            Some((_, password)) if !password.is_empty() && is_literal(&password.into()) => {
                return Some(Suspect {
                    start: at - password.len(),
                    len: password.len(),
                    why: Why::UrlPassword,
                });
            }
            Some(_) => {}
            // `user@host` is an address; only a random user in a URL is a token.
            None if schemed.is_some() && userinfo.len() >= MIN_TOKEN && looks_random(userinfo) => {
                return Some(Suspect {
                    start,
                    len: userinfo.len(),
                    why: Why::UrlToken,
                });
            }
            None => {}
        }
    }
    query_secret(s)
}

/// `?token=...` or `&api_key=...` with a literal value, in the query of a
/// URL: each `scheme://` up to the first whitespace or quote, so a `?` in a
/// regular expression or a `name=value` line elsewhere in a configuration
/// file is never read as a query.
fn query_secret(s: &str) -> Option<Suspect> {
    // Most strings hold no URL: one substring test rules them out.
    if !s.contains("://") {
        return None;
    }
    let mut from = 0;
    while let Some(url_start) = find_scheme(s, from) {
        let url_len = s[url_start..]
            .find(|c: char| c.is_whitespace() || "\"'`<>".contains(c))
            .unwrap_or(s.len() - url_start);
        from = url_start + 3;
        let url = &s[url_start..url_start + url_len];
        let Some(q) = url.find('?') else { continue };
        let mut offset = url_start + q + 1;
        for pair in url[q + 1..].split(['&', ';']) {
            let end_of_pair = offset + pair.len();
            if let Some((name, value)) = pair.split_once('=') {
                let value = value.split('#').next().unwrap_or("");
                let secret_name = looks_secret(name)
                    || matches!(
                        name.to_ascii_lowercase().as_str(),
                        "apikey" | "sig" | "signature" | "code"
                    );
                if secret_name && !value.is_empty() && is_literal(&value.into()) {
                    return Some(Suspect {
                        start: offset + name.len() + 1,
                        len: value.len(),
                        why: Why::UrlToken,
                    });
                }
            }
            offset = end_of_pair + 1;
        }
    }
    None
}

/// Hex after `sha256:` is an image or content digest, public by nature.
fn is_digest(s: &str, token: &str) -> bool {
    token.len() == 64
        && token.bytes().all(|b| b.is_ascii_hexdigit())
        && s.contains(&format!("sha256:{token}"))
}

fn looks_random(token: &str) -> bool {
    // The cheapest tests first, in one pass: a token outside the key
    // alphabet is not one, nor is one of fewer than two character classes.
    let (mut lower, mut upper, mut digit) = (false, false, false);
    for b in token.bytes() {
        lower |= b.is_ascii_lowercase();
        upper |= b.is_ascii_uppercase();
        digit |= b.is_ascii_digit();
        if !b.is_ascii_alphanumeric() && !b"+/=_-.~".contains(&b) {
            return false;
        }
    }
    if u8::from(lower) + u8::from(upper) + u8::from(digit) < 2 || entropy(token) <= MIN_ENTROPY {
        return false;
    }
    !(is_host_name(token)
        || is_generated_name(token)
        || is_address_setting(token)
        || is_camel_case_words(token)
        || is_word_list(token)
        || is_config_words(token))
}

/// A DNS name with at least three labels, as after `http:` in a URL
/// (`//dify-etcd-0.dify-etcd-headless.dify.svc.cluster.local`), maybe
/// with a lowercase path (an API group and version,
/// `scheduling.k8s.io/v1`). Random keys have no dots, and generated names
/// are lowercase.
fn is_host_name(token: &str) -> bool {
    // `//` after `http:`, `-` after a shell default (`${VAR:-host:port}`).
    let name = token.trim_start_matches(['/', '-']);
    let (name, path) = name.split_once('/').unwrap_or((name, ""));
    if !path
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-./".contains(&b))
    {
        return false;
    }
    name.split('.').nth(2).is_some()
        && name.split('.').all(|l| {
            // A label may start with a digit (a namespace `0dify`).
            l.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// Words joined in CamelCase (`DifyPostgresReplicationLag`,
/// `DifyEtcdQuorumAtRisk`): letters only, a capital first, and lowercase
/// runs of three letters on average. Alert and type names look like this;
/// random letters change case every two letters on average.
fn is_camel_case_words(token: &str) -> bool {
    let bytes = token.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_uppercase)
        || !bytes.iter().all(u8::is_ascii_alphabetic)
    {
        return false;
    }
    let (runs, letters) = token
        .split(|c: char| c.is_ascii_uppercase())
        .map(str::len)
        .filter(|n| *n > 0)
        .fold((0, 0), |(runs, letters), n| (runs + 1, letters + n));
    runs > 0 && letters >= 3 * runs
}

/// Words (all lowercase or all capitals) joined by `_`, `-`, `=`, `.` or `/`, with at most
/// short (three-character) tokens between them: `db1=triggered_workflow_dispatcher`,
/// `kube_pod_container_status_restarts_total`. Random keys have long
/// mixed segments.
fn is_word_list(token: &str) -> bool {
    token.split(['_', '-', '=', '.', '/']).all(|w| {
        w.len() <= 3
            || w.bytes().all(|b| b.is_ascii_lowercase())
            || w.bytes().all(|b| b.is_ascii_uppercase())
    })
}

/// Short lowercase words, each maybe ending in digits, between separators,
/// as configuration keys and values are
/// (`repo1-s3-endpoint=s3.us-east-1.amazonaws.com`): no word longer than
/// 12 characters, no digit inside a word. A random key has long runs or
/// digits and letters mixed.
fn is_config_words(token: &str) -> bool {
    token.split(['-', '_', '=', '.', '/']).all(|word| {
        word.len() <= 12
            && word
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .chars()
                .all(|c| c.is_ascii_lowercase())
    })
}

/// A name with a short content digest, the way generated objects are named
/// (`dify-backend-start-1a2b3c4d`): lowercase words and at most one run of
/// up to 12 hex digits, joined by `-`.
fn is_generated_name(token: &str) -> bool {
    let word = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let digest = |p: &str| {
        (1..=12).contains(&p.len())
            && p.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    };
    token.contains('-')
        && token.split('-').filter(|p| !word(p)).count() <= 1
        && token.split('-').all(|p| word(p) || digest(p))
}

/// `key=address` (an Ansible host variable): an identifier set to an IP
/// address or a host name.
fn is_address_setting(token: &str) -> bool {
    let Some((key, value)) = token.split_once('=') else {
        return false;
    };
    let identifier = !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    identifier && (value.parse::<std::net::IpAddr>().is_ok() || is_host_name(value))
}

/// Shannon entropy of the characters of `s`, in bits per character.
pub fn entropy(s: &str) -> f64 {
    let bits = |k: usize, n: f64| {
        let p = k as f64 / n;
        -p * p.log2()
    };
    if s.is_ascii() {
        let mut counts = [0usize; 128];
        for b in s.bytes() {
            counts[usize::from(b)] += 1;
        }
        let n = s.len() as f64;
        return counts.iter().filter(|&&k| k > 0).map(|&k| bits(k, n)).sum();
    }
    let mut counts = std::collections::HashMap::new();
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = s.chars().count() as f64;
    counts.values().map(|&k| bits(k, n)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Public {
        Public::default()
    }

    #[test]
    fn random_keys_are_caught_and_names_are_not() {
        assert!(random_token("sk-9fQ2xLm7RtZ4vBn8KpW3cYh6", &none()).is_some());
        let s = "password=Xy7kQ2mP9vL4tR8wZ3n";
        let found = random_token(s, &none()).unwrap();
        assert_eq!(&s[found.start..found.start + found.len], s);
        // Lowercase, but one long run without a separator.
        assert!(random_token("key=9fq2xlm7rtz4vbn8kpw3cyh6d", &none()).is_some());
        assert!(random_token("QmXpLzRtVbNcKwYhGfDs", &none()).is_some());
        assert!(random_token("sk_live_4eC39HqLyjWDarjtT1zdp7dc", &none()).is_some());
        assert!(random_token("ansible_password=Xy7kQ2mP9vL4tR8wZ3nQ", &none()).is_some());
        assert!(random_token("a9f3k2m8q7w1z5x4c6v0-b8n2", &none()).is_some());
        for clean in [
            "dify-sentinel-0.dify-sentinel-headless.dify.svc.cluster.local:26379",
            "http://weaviate.weaviate.svc.cluster.local:8080",
            "topology.kubernetes.io/zone",
            "scheduling.k8s.io/v1",
            "langgenius/dify-api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "ghcr.io/pgedge/pgedge-postgres:17.6-spock5.0.0-standard-1",
            "sentinel://:$(REDIS_PASSWORD)@dify-sentinel-0.dify-sentinel-headless.dify.svc.cluster.local:26379/1",
            "DifyPostgresReplicationLag",
            "DifyContainerOOMKilled",
            "DifyEtcdQuorumAtRisk",
            "db1=triggered_workflow_dispatcher,db1=workflow_based_app_execution",
            "/etc/alertmanager/secrets/dify-alerting/SMTP-PASSWORD",
            "--initial-cluster=dify-etcd-0=http://dify-etcd-0.dify-etcd-headless.dify.svc.cluster.local:2380",
            "DifyBackupIncrementalStale",
            "repo1-s3-endpoint=s3.eu-central-1.amazonaws.com",
            "SENTINELS=\"${SENTINEL_ADDRESSES:-dify-sentinel-0.dify-sentinel-headless.dify2.svc.cluster.local:26379}\"",
            "dify-sentinel-0.dify-sentinel-headless.0dify.svc.cluster.local:26379",
            "dify-backend-start-1a2b3c4d",
            "node-1 ansible_host=192.168.10.11 zone=zone-a",
        ] {
            assert_eq!(scan(clean, &none()), None, "{clean}");
        }
    }

    #[test]
    fn public_values_are_masked_and_the_rest_is_judged_again() {
        // A release tag with the entropy of a key, as a public value.
        let tag = "7.2.1-Xq9RbT4mK2wZ8vL";
        let arg = format!("--version={tag}-linux");
        assert!(random_token(&arg, &none()).is_some(), "flagged alone");
        let public = Public::new([tag]);
        assert_eq!(random_token(&arg, &public), None);
        let release = "abcdefghij-abcdefghij-abcdefghij-abcdefg";
        let public = Public::new([release]);
        // A key glued to a public name is still a key.
        let glued = format!("{release}-Xy7kQ2mP9vL4tR8wZ3nBq");
        let found = random_token(&glued, &public).expect("the key is found");
        assert_eq!(&glued[found.start..], "-Xy7kQ2mP9vL4tR8wZ3nBq");
        // A short public word inside a key does not cut it.
        let key = "Xy7kQ2mPdify9vL4tR8wZ3nBq";
        assert!(random_token(key, &Public::new(["dify"])).is_some());
    }

    #[test]
    fn url_credentials_are_found_and_never_returned_as_text() {
        for (url, secret) in [
            ("https://user:hunter2@s3.example.com", "hunter2"),
            ("redis://:pw@redis.internal:6379/0", "pw"),
            ("postgres://dify:s3cret@db:5432/dify", "s3cret"),
            ("admin:pw@db.internal:5432", "pw"),
            (
                "https://ghp_abcdEFGH1234ijklMNOP5678qrst@github.com/x",
                "ghp_abcdEFGH1234ijklMNOP5678qrst",
            ),
            ("https://hooks.example.com/x?token=abc&y=1", "abc"),
            (
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=b7c1",
                "b7c1",
            ),
            ("https://host/x?team=ops&access_token=abc", "abc"),
            ("https://host/x?apikey=abc", "abc"),
        ] {
            let found = url_credentials(url).unwrap_or_else(|| panic!("{url}"));
            assert_eq!(&url[found.start..found.start + found.len], secret, "{url}");
        }
        for clean in [
            "https://s3.example.com",
            "sentinel://:$(REDIS_PASSWORD)@dify-sentinel-0:26379/1",
            "export CELERY_BROKER_URL=\"redis://:${REDIS_PASSWORD}@dify-redis:6379/1\"",
            "redis://dify-redis:6379/1",
            "langgenius/dify-api@sha256:0123",
            "ops@example.com",
            "https://example.com/?page=2",
            "https://host/x?team=ops",
            "http://bridge.monitoring.svc:8080/alerts",
            // A URL, then a regex's `(?` and a `name=value` line whose
            // text before the `=` names a token: not a query.
            "host: http://loki:3100\nregex: (?<x>.*)\nbearer_token: ${T}\nlabels: job=dify-fluent-bit",
        ] {
            assert_eq!(url_credentials(clean), None, "{clean}");
        }
    }

    /// The token scan as it was before the byte classes: a character's
    /// class by [`separator`] alone.
    fn tokens_by_chars(s: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in s.char_indices() {
            match (separator(c), start) {
                (true, Some(from)) => {
                    out.push((from, i - from));
                    start = None;
                }
                (false, None) => start = Some(i),
                _ => {}
            }
        }
        if let Some(from) = start {
            out.push((from, s.len() - from));
        }
        out
    }

    /// [`random_token`] as it was: every token judged by [`looks_random`].
    fn random_token_by_chars(s: &str, public: &Public) -> Option<Suspect> {
        tokens_by_chars(s)
            .into_iter()
            .filter(|&(_, len)| len >= MIN_TOKEN)
            .find_map(|(start, len)| judge(s, start, &s[start..start + len], &|| public))
    }

    #[test]
    fn byte_classes_follow_the_character_rules() {
        for b in 0..128u8 {
            let c = char::from(b);
            assert_eq!(BYTES[usize::from(b)] & SEP != 0, separator(c), "{c:?}");
            let key = c.is_ascii_alphanumeric() || "+/=_-.~".contains(c);
            assert_eq!(BYTES[usize::from(b)] & KEY != 0, key, "{c:?}");
        }
        assert!((128..256).all(|b| BYTES[b] == WIDE));
    }

    /// The fast paths and the full judgement agree on `s`.
    fn agree(s: &str, public: &Public) {
        assert_eq!(tokens(s).collect::<Vec<_>>(), tokens_by_chars(s), "{s:?}");
        for (start, len) in tokens(s) {
            let span = spans(s)
                .find(|t| t.start == start)
                .expect("the same tokens");
            let token = &s[start..start + len];
            if !span.may_look_random() {
                assert!(!looks_random(token), "{token:?}");
            }
        }
        let long_keys: Vec<(usize, usize)> = tokens_by_chars(s)
            .into_iter()
            .filter(|&(start, len)| {
                len >= MIN_TOKEN
                    && s[start..start + len]
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b"+/=_-.~".contains(&c))
            })
            .collect();
        assert_eq!(key_tokens(s).collect::<Vec<_>>(), long_keys, "{s:?}");
        assert_eq!(
            random_token(s, public),
            random_token_by_chars(s, public),
            "{s:?}"
        );
        for from in 0..s.len().min(64) {
            if s.is_char_boundary(from) {
                assert_eq!(
                    find_scheme(s, from),
                    s[from..].find("://").map(|i| from + i),
                    "{s:?}"
                );
            }
        }
    }

    /// Keys as generators write them: base64, hex, URL-safe tokens, with
    /// and without prefixes, alone and inside configuration text.
    /// The second of each pair says whether the rules must catch it: keys
    /// of 32 or more base64 or alphanumeric characters (hex has at most 4
    /// bits a character, which the entropy rule does not flag by design).
    /// A pseudo-random sequence (xorshift64) from `state`.
    fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    fn generated_secrets() -> Vec<(String, bool)> {
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut out = Vec::new();
        for i in 0..400 {
            let len = 20 + (next() % 44) as usize;
            let caught = i % 4 < 2 && len >= 32 && i % 8 != 6;
            let alphabet: &[u8] = match i % 4 {
                0 => B64,
                1 => &B64[..62],
                2 => b"0123456789abcdefABCDEF",
                _ => b"abcdefghijklmnopqrstuvwxyz0123456789-_",
            };
            let key: String = (0..len)
                .map(|_| char::from(alphabet[(next() % alphabet.len() as u64) as usize]))
                .collect();
            let text = match i % 8 {
                0 => format!("sk-{key}"),
                1 => format!("password={key}"),
                2 => format!("export API_KEY=\"{key}\"\nexport LOG_LEVEL=INFO\n"),
                3 => format!("https://{key}@github.com/org/repo"),
                4 => format!("url: https://user:{key}@s3.example.com\n  \u{3000}{key}"),
                5 => format!("dify-api-{key}"),
                6 => format!("\u{a0}{key}\u{2028}é{key}"),
                _ => key,
            };
            out.push((text, caught));
        }
        out
    }

    /// Every string of the rendered profiles, examples and fixtures (every
    /// file of the tree, configuration text line by line as the firewall
    /// judges it), and generated secrets: the byte-class scan finds what
    /// the character scan found, at the same place.
    #[test]
    fn fast_paths_agree_with_the_full_judgement() {
        let mut inputs: Vec<String> = ["profiles", "examples"]
            .iter()
            .flat_map(|d| std::fs::read_dir(d).unwrap())
            .map(|e| e.unwrap().path().display().to_string())
            .filter(|p| p.ends_with(".yaml"))
            .collect();
        let mut dirs = vec![std::path::PathBuf::from("tests/fixtures")];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() && !path.ends_with("manifests") && !path.ends_with("charts") {
                    dirs.push(path);
                } else if path.extension().is_some_and(|x| x == "yaml") {
                    inputs.push(path.display().to_string());
                }
            }
        }
        inputs.sort();
        let mut strings = std::collections::BTreeSet::new();
        let mut rendered = 0;
        for input in &inputs {
            let mut sources = crate::source::Sources::default();
            let Ok(loaded) =
                crate::pipeline::checked(std::slice::from_ref(input), &[], &mut sources)
            else {
                continue;
            };
            rendered += 1;
            let plan = crate::plan::Plan::new(&loaded.topology);
            for a in crate::render::render_with(&plan, crate::render::FAMILIES) {
                match a.content {
                    crate::render::Content::Text(text) => {
                        strings.extend(text.lines().map(str::to_string));
                        strings.insert(text);
                    }
                    crate::render::Content::Object(v)
                    | crate::render::Content::Yaml(v)
                    | crate::render::Content::Json(v) => collect(&v, &mut strings),
                }
            }
        }
        assert!(
            rendered >= 20,
            "{rendered} of {} inputs rendered",
            inputs.len()
        );
        let public = Public::new(strings.iter().filter(|s| s.len() < 64));
        for s in &strings {
            agree(s, &none());
            agree(s, &public);
        }
        let secrets = generated_secrets();
        assert!(secrets.iter().filter(|(_, caught)| *caught).count() > 50);
        for (s, caught) in &secrets {
            agree(s, &none());
            agree(s, &public);
            if *caught {
                assert!(scan(s, &none()).is_some(), "{s:?}");
            }
        }
    }

    /// The name rule as it was written: the upper-case copy searched for
    /// every marker.
    fn looks_secret_by_string(name: &str) -> bool {
        let upper = snake_upper(name);
        SECRET_MARKERS.iter().any(|m| upper.contains(m))
            || upper.ends_with("_KEY")
            || upper == "KEY"
    }

    /// [`looks_secret`] agrees with the rule on every key and short string
    /// of the profiles' renders, and on generated names: markers in camel,
    /// snake and kebab case, cut short, beyond ASCII, and long.
    #[test]
    fn looks_secret_agrees_with_the_string_rule() {
        let mut names: Vec<String> = Vec::new();
        for profile in ["profiles/ha.yaml", "profiles/dev.yaml"] {
            let mut sources = crate::source::Sources::default();
            let loaded =
                crate::pipeline::checked(&[profile.to_string()], &[], &mut sources).unwrap();
            let plan = crate::plan::Plan::new(&loaded.topology);
            fn keys(v: &Value, out: &mut Vec<String>) {
                match v {
                    Value::Object(m) => m.iter().for_each(|(k, v)| {
                        out.push(k.clone());
                        keys(v, out);
                    }),
                    Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
                    Value::String(s) if s.len() < 100 => out.push(s.clone()),
                    _ => {}
                }
            }
            for a in crate::render::render_with(&plan, crate::render::FAMILIES) {
                if let crate::render::Content::Object(v)
                | crate::render::Content::Yaml(v)
                | crate::render::Content::Json(v) = a.content
                {
                    keys(&v, &mut names);
                }
            }
        }
        assert!(names.len() > 5000, "{}", names.len());
        let parts = [
            "password",
            "Password",
            "PASSWD",
            "secret",
            "Token",
            "api",
            "Key",
            "key",
            "_key",
            "-key",
            "private",
            "access",
            "Credential",
            "dsn",
            "DSN",
            "KEY",
            "x",
            "9",
            "é",
            "_",
            "-",
            "PassWord",
            "apiKey",
            "accessKey",
            "SeCrEt",
            "K",
            "EY",
            "",
        ];
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        for _ in 0..50_000 {
            let state = next();
            let n = (state % 5) as usize;
            names.push(
                (0..n)
                    .map(|i| parts[((state >> (8 + 6 * i)) % parts.len() as u64) as usize])
                    .collect(),
            );
        }
        names.push(format!("{}_PASSWORD", "a".repeat(70)));
        names.push(format!("{}Key", "b".repeat(63)));
        names.push("z".repeat(64));
        for name in &names {
            assert_eq!(looks_secret(name), looks_secret_by_string(name), "{name:?}");
        }
    }

    fn collect(v: &Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::String(s) => {
                out.insert(s.clone());
            }
            Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
            Value::Object(m) => m.iter().for_each(|(k, v)| {
                out.insert(k.clone());
                collect(v, out);
            }),
            _ => {}
        }
    }

    #[test]
    fn field_names() {
        for secret in [
            "SMTP_PASSWORD",
            "apiKey",
            "accessKey",
            "superuserPassword",
            "key",
        ] {
            assert!(looks_secret(secret), "{secret}");
        }
        for clean in ["LOG_LEVEL", "name", "keyspace", "monkey"] {
            assert!(!looks_secret(clean), "{clean}");
        }
    }
}
