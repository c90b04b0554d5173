//! The simple patterns most schemas use, matched without compiling a
//! regular expression: literals, character classes (ranges, `\s`,
//! negation), `.`, groups with alternatives, and the repetitions `?`, `*`,
//! `+`, `{m}`, `{m,}`, `{m,n}`, anchored or not, like
//! `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`. Compiling one with the `regex`
//! crate costs tens of microseconds, most of a topology check's first run;
//! reading one here costs about a microsecond, and matching runs the
//! pattern's automaton over the text in one pass (a set of states per
//! character, so linear time, like `regex`). Anything outside this subset
//! (flags, `\d`, `\w`, `\b`, set operations in classes, lazy repetitions,
//! a `$` not at the end) is left to `regex` ([`Simple::new`] is `None`);
//! where it reads a pattern, it matches exactly what `regex` matches (the
//! tests compare the two on every bundled pattern it takes).

/// A pattern of the subset, as a program of the automaton.
#[derive(Debug)]
pub struct Simple {
    program: Vec<Step>,
    /// `^`: a match starts at the beginning of the text.
    start: bool,
    /// `$`: a match ends at the end of the text.
    end: bool,
}

#[derive(Debug)]
enum Step {
    /// One character of the class, then the next step.
    Char(Class),
    /// Either step.
    Split(usize, usize),
    Jump(usize),
    Match,
}

#[derive(Debug, Clone, Default)]
struct Class {
    ranges: Vec<(char, char)>,
    /// `\s`: Unicode white space, as `regex` reads it.
    space: bool,
    negated: bool,
}

impl Class {
    fn matches(&self, c: char) -> bool {
        let hit =
            (self.space && c.is_whitespace()) || self.ranges.iter().any(|&(a, b)| a <= c && c <= b);
        hit != self.negated
    }

    fn literal(c: char) -> Class {
        Class {
            ranges: vec![(c, c)],
            ..Class::default()
        }
    }
}

#[derive(Debug)]
enum Node {
    Char(Class),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

/// The longest program read: a pattern that repeats a lot (`{1,1000}`) is
/// left to `regex`.
const MAX_STEPS: usize = 4096;

impl Simple {
    pub fn new(pattern: &str) -> Option<Simple> {
        let (start, rest) = match pattern.strip_prefix('^') {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        let (end, body) = match rest.strip_suffix('$') {
            // `\$` is a literal dollar sign.
            Some(body) if !ends_escaped(body) => (true, body),
            _ => (false, rest),
        };
        let chars: Vec<char> = body.chars().collect();
        let mut at = 0;
        let node = alternatives(&chars, &mut at)?;
        // `^a|b$` anchors only its first and last alternatives.
        if at != chars.len() || (matches!(node, Node::Alt(_)) && (start || end)) {
            return None;
        }
        let mut program = Vec::new();
        emit(&node, &mut program)?;
        program.push(Step::Match);
        Some(Simple {
            program,
            start,
            end,
        })
    }

    pub fn is_match(&self, text: &str) -> bool {
        let n = self.program.len();
        let mut current = States::new(n);
        let mut next = States::new(n);
        let mut stack = Vec::new();
        if self.add(&mut current, 0, &mut stack) && !self.end {
            return true;
        }
        for c in text.chars() {
            next.clear();
            let mut matched = false;
            for i in 0..current.list.len() {
                let pc = current.list[i];
                if let Step::Char(class) = &self.program[pc] {
                    if class.matches(c) {
                        matched |= self.add(&mut next, pc + 1, &mut stack);
                    }
                }
            }
            if !self.start {
                matched |= self.add(&mut next, 0, &mut stack);
            }
            if matched && !self.end {
                return true;
            }
            std::mem::swap(&mut current, &mut next);
            if current.list.is_empty() {
                return false;
            }
        }
        current
            .list
            .iter()
            .any(|&pc| matches!(self.program[pc], Step::Match))
    }

    /// Adds `pc` and what it reaches without reading a character; whether
    /// that includes the end of the pattern.
    fn add(&self, states: &mut States, pc: usize, todo: &mut Vec<usize>) -> bool {
        todo.push(pc);
        let mut matched = false;
        while let Some(pc) = todo.pop() {
            if !states.insert(pc) {
                continue;
            }
            match self.program[pc] {
                Step::Char(_) => {}
                Step::Match => matched = true,
                Step::Jump(to) => todo.push(to),
                Step::Split(a, b) => {
                    todo.push(b);
                    todo.push(a);
                }
            }
        }
        matched
    }
}

/// A set of program positions, in the order added.
struct States {
    list: Vec<usize>,
    seen: Vec<bool>,
}

impl States {
    fn new(n: usize) -> States {
        States {
            list: Vec::with_capacity(n),
            seen: vec![false; n],
        }
    }

    fn insert(&mut self, pc: usize) -> bool {
        let new = !std::mem::replace(&mut self.seen[pc], true);
        if new {
            self.list.push(pc);
        }
        new
    }

    fn clear(&mut self) {
        for &pc in &self.list {
            self.seen[pc] = false;
        }
        self.list.clear();
    }
}

/// Whether `s` ends in an odd number of backslashes.
fn ends_escaped(s: &str) -> bool {
    s.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

fn alternatives(p: &[char], at: &mut usize) -> Option<Node> {
    let mut alts = vec![sequence(p, at)?];
    while p.get(*at) == Some(&'|') {
        *at += 1;
        alts.push(sequence(p, at)?);
    }
    Some(if alts.len() == 1 {
        alts.pop()?
    } else {
        Node::Alt(alts)
    })
}

fn sequence(p: &[char], at: &mut usize) -> Option<Node> {
    let mut items = Vec::new();
    while let Some(&c) = p.get(*at) {
        let atom = match c {
            '|' | ')' => break,
            '(' => {
                *at += 1;
                if p.get(*at) == Some(&'?') {
                    // Only `(?:`; flags and names are left to `regex`.
                    if p.get(*at + 1) != Some(&':') {
                        return None;
                    }
                    *at += 2;
                }
                let inner = alternatives(p, at)?;
                if p.get(*at) != Some(&')') {
                    return None;
                }
                *at += 1;
                inner
            }
            '[' => {
                *at += 1;
                Node::Char(class(p, at)?)
            }
            '\\' => {
                let e = *p.get(*at + 1)?;
                *at += 2;
                Node::Char(escape(e)?)
            }
            '.' => {
                *at += 1;
                Node::Char(Class {
                    ranges: vec![('\n', '\n')],
                    negated: true,
                    ..Class::default()
                })
            }
            '*' | '+' | '?' | '{' | '}' | ']' | '^' | '$' => return None,
            c => {
                *at += 1;
                Node::Char(Class::literal(c))
            }
        };
        items.push(repetition(p, at, atom)?);
    }
    Some(Node::Concat(items))
}

fn repetition(p: &[char], at: &mut usize, atom: Node) -> Option<Node> {
    let (min, max) = match p.get(*at) {
        Some('?') => (0, Some(1)),
        Some('*') => (0, None),
        Some('+') => (1, None),
        Some('{') => {
            let close = p[*at..].iter().position(|&c| c == '}')? + *at;
            let inside: String = p[*at + 1..close].iter().collect();
            let number = |s: &str| -> Option<u32> {
                (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| s.parse().ok())
                    .flatten()
            };
            let bounds = match inside.split_once(',') {
                None => {
                    let n = number(&inside)?;
                    (n, Some(n))
                }
                Some((m, "")) => (number(m)?, None),
                Some((m, n)) => (number(m)?, Some(number(n)?)),
            };
            *at = close;
            bounds
        }
        _ => return Some(atom),
    };
    *at += 1;
    // Lazy and possessive forms, and a repetition of a repetition.
    if matches!(p.get(*at), Some('?' | '+' | '*' | '{')) {
        return None;
    }
    if max.is_some_and(|max| max < min) {
        return None;
    }
    Some(Node::Repeat(Box::new(atom), min, max))
}

/// An escape outside or inside a class: punctuation stands for itself,
/// `\s` for white space; the others are left to `regex`.
fn escape(e: char) -> Option<Class> {
    match e {
        's' => Some(Class {
            space: true,
            ..Class::default()
        }),
        e if e.is_ascii_punctuation() => Some(Class::literal(e)),
        _ => None,
    }
}

/// A class after its `[`, through its `]`.
fn class(p: &[char], at: &mut usize) -> Option<Class> {
    let mut class = Class::default();
    if p.get(*at) == Some(&'^') {
        class.negated = true;
        *at += 1;
    }
    let start = *at;
    loop {
        let c = *p.get(*at)?;
        match c {
            // `]` first is a literal in `regex`; nested classes and set
            // operations are left to it.
            ']' if *at == start => return None,
            ']' => {
                *at += 1;
                return Some(class);
            }
            '[' => return None,
            '&' | '-' | '~' if p.get(*at + 1) == Some(&c) => return None,
            '\\' => {
                let e = *p.get(*at + 1)?;
                *at += 2;
                let one = escape(e)?;
                class.space |= one.space;
                if let Some(&(a, _)) = one.ranges.first() {
                    if p.get(*at) == Some(&'-') && p.get(*at + 1) != Some(&']') {
                        return None;
                    }
                    class.ranges.push((a, a));
                }
            }
            c => {
                *at += 1;
                // `a-z`, unless the `-` is last (a literal).
                if p.get(*at) == Some(&'-') && !matches!(p.get(*at + 1), Some(']') | None) {
                    let b = *p.get(*at + 1)?;
                    if matches!(b, '\\' | '[') || b < c {
                        return None;
                    }
                    *at += 2;
                    class.ranges.push((c, b));
                } else {
                    class.ranges.push((c, c));
                }
            }
        }
    }
}

fn emit(node: &Node, out: &mut Vec<Step>) -> Option<()> {
    if out.len() > MAX_STEPS {
        return None;
    }
    match node {
        Node::Char(c) => out.push(Step::Char(c.clone())),
        Node::Concat(items) => {
            for item in items {
                emit(item, out)?;
            }
        }
        Node::Alt(alts) => {
            // Split to each alternative in turn; each jumps to the end.
            let mut jumps = Vec::new();
            for (i, alt) in alts.iter().enumerate() {
                if i + 1 < alts.len() {
                    let split = out.len();
                    out.push(Step::Split(split + 1, 0));
                    emit(alt, out)?;
                    jumps.push(out.len());
                    out.push(Step::Jump(0));
                    let next = out.len();
                    out[split] = Step::Split(split + 1, next);
                } else {
                    emit(alt, out)?;
                }
            }
            let end = out.len();
            for j in jumps {
                out[j] = Step::Jump(end);
            }
        }
        Node::Repeat(inner, min, max) => {
            for _ in 0..*min {
                emit(inner, out)?;
            }
            match max {
                None => {
                    let split = out.len();
                    out.push(Step::Split(split + 1, 0));
                    emit(inner, out)?;
                    out.push(Step::Jump(split));
                    let end = out.len();
                    out[split] = Step::Split(split + 1, end);
                }
                Some(max) => {
                    // Each optional copy may be skipped to the end.
                    let mut splits = Vec::new();
                    for _ in *min..*max {
                        splits.push(out.len());
                        out.push(Step::Split(0, 0));
                        emit(inner, out)?;
                    }
                    let end = out.len();
                    for s in splits {
                        out[s] = Step::Split(s + 1, end);
                    }
                }
            }
        }
    }
    (out.len() <= MAX_STEPS).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agree(pattern: &str, texts: &[&str]) {
        let simple = Simple::new(pattern).unwrap_or_else(|| panic!("`{pattern}` is read"));
        let regex = regex::Regex::new(pattern).unwrap();
        for t in texts {
            assert_eq!(
                simple.is_match(t),
                regex.is_match(t),
                "`{pattern}` on {t:?}"
            );
        }
    }

    #[test]
    fn names_and_paths() {
        let texts = [
            "",
            "a",
            "a-b",
            "-a",
            "a-",
            "a.b",
            "a..b",
            "A",
            "0",
            "a b",
            "a\n",
            "é",
            "ab:1",
            "/",
            "/a",
            "/a/",
            "//",
            "/ a",
            "a/b",
            "x\u{a0}y",
            "abc",
            "abcdefghijklmnopqrstuvwxyz",
        ];
        for p in [
            "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
            "^[A-Za-z0-9]([-A-Za-z0-9.:]*[A-Za-z0-9])?$",
            "^[a-z0-9]{3,24}$",
            "^[-._a-zA-Z0-9]+$",
            "^/[^\\s]*[^/\\s]$",
            "^/",
            "a-",
            "^(a|b|)c?$",
            "^.*$",
            "b",
            "^$",
            "",
            "^[^/:]+(:[0-9]+)?/?$",
        ] {
            agree(p, &texts);
        }
    }

    #[test]
    fn durations_and_versions() {
        let texts = [
            "",
            "5m",
            "1h30m",
            "1.5h",
            "h",
            "5",
            "5x",
            "10ms",
            "1..5s",
            "0.5",
            ".5",
            "1e3",
            "1.2.3",
            "1.2",
            "1.2.3.4",
            "v1.2.3",
            "500Mi",
            "1Gi",
            "1.5",
            "2k",
            "https://a/b",
            "http://a",
            "https://",
            "ftp://x",
            "s3://bucket",
        ];
        for p in [
            "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$",
            "^([0-9]+(\\.[0-9]+)?|\\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$",
            "^[0-9]+\\.[0-9]+\\.[0-9]+$",
            "^https?://[^/?#\\s]+(/[^\\s]*)?$",
            "^[a-z][a-z0-9+.-]*://",
            "^(?:[0-9]{1,3}){2}$",
        ] {
            agree(p, &texts);
        }
    }

    /// The topology's schema compiles no regex: every pattern it has is
    /// read here.
    #[test]
    fn every_topology_pattern_is_simple() {
        let store = crate::schema::bundle("topology").unwrap();
        for id in 0..store.pattern_count() as u32 {
            let pattern = store.pattern_text(id);
            assert!(Simple::new(pattern).is_some(), "`{pattern}`");
        }
    }

    #[test]
    fn the_rest_is_left_to_regex() {
        for p in [
            "^\\d+$",
            "^(?i)a$",
            "^[[:alpha:]]$",
            "^[a-z&&[^x]]$",
            "^a*?$",
            "^a{2,1}$",
            "^a$b",
            "^[]a]$",
            "^\\w$",
            "^a{1,9999}$",
            "(?P<n>a)",
            "^a|b",
            "a|b$",
        ] {
            assert!(Simple::new(p).is_none(), "{p}");
        }
    }

    /// A deterministic stream of numbers (xorshift), for generated texts.
    struct Random(u64);

    impl Random {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// A text the pattern's tree could produce, from `alphabet`.
    fn sample(node: &Node, alphabet: &[char], r: &mut Random, out: &mut String) {
        match node {
            Node::Char(class) => {
                let fits: Vec<char> = alphabet
                    .iter()
                    .copied()
                    .filter(|&c| class.matches(c))
                    .collect();
                if !fits.is_empty() {
                    out.push(fits[r.below(fits.len())]);
                }
            }
            Node::Concat(items) => items.iter().for_each(|i| sample(i, alphabet, r, out)),
            Node::Alt(alts) => sample(&alts[r.below(alts.len())], alphabet, r, out),
            Node::Repeat(inner, min, max) => {
                let top = max.unwrap_or(min + 3).min(min + 3);
                let n = *min as usize + r.below((top - min) as usize + 1);
                (0..n).for_each(|_| sample(inner, alphabet, r, out));
            }
        }
    }

    /// Every pattern of every bundled schema that this module reads gives
    /// the same answer as `regex` on texts built from it (some matching,
    /// some one edit away, some random), white space and non-ASCII
    /// included.
    #[test]
    fn agrees_with_regex_on_every_bundled_pattern() {
        let mut read = 0;
        let mut r = Random(0x9e37_79b9_7f4a_7c15);
        for name in crate::schema::bundle_names() {
            let store = crate::schema::bundle(name).unwrap();
            for id in 0..store.pattern_count() as u32 {
                let pattern = store.pattern_text(id);
                let Some(simple) = Simple::new(pattern) else {
                    continue;
                };
                let Ok(regex) = regex::Regex::new(pattern) else {
                    panic!("`{pattern}` is read here but not by regex");
                };
                read += 1;
                let (start, end) = (pattern.starts_with('^'), simple.end);
                let body = &pattern[usize::from(start)..pattern.len() - usize::from(end)];
                let chars: Vec<char> = body.chars().collect();
                let tree = alternatives(&chars, &mut 0).unwrap();
                let mut alphabet: Vec<char> = pattern.chars().collect();
                alphabet.extend(" \t\na0Z9-._/:@é\u{a0}%".chars());
                alphabet.sort_unstable();
                alphabet.dedup();
                for _ in 0..400 {
                    let mut text = String::new();
                    sample(&tree, &alphabet, &mut r, &mut text);
                    let mut t: Vec<char> = text.chars().collect();
                    match r.below(4) {
                        0 => {}
                        1 if !t.is_empty() => {
                            let i = r.below(t.len());
                            t.remove(i);
                        }
                        2 => {
                            let i = r.below(t.len() + 1);
                            t.insert(i, alphabet[r.below(alphabet.len())]);
                        }
                        _ => {
                            t = (0..r.below(8))
                                .map(|_| alphabet[r.below(alphabet.len())])
                                .collect();
                        }
                    }
                    let text: String = t.into_iter().collect();
                    assert_eq!(
                        simple.is_match(&text),
                        regex.is_match(&text),
                        "`{pattern}` on {text:?}"
                    );
                }
            }
        }
        // The topology's own patterns alone are some thirty.
        assert!(read > 30, "{read} patterns read");
    }
}
