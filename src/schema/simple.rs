//! The simple patterns most schemas use, matched without compiling a
//! regular expression: literals, character classes (ranges, `\s`,
//! negation), `.`, groups with alternatives (`(...)`, `(?:...)`, and the
//! case-insensitive `(?i:...)` over ASCII), the anchors `^` and `$`
//! anywhere, and the repetitions `?`, `*`, `+`, `{m}`, `{m,}`, `{m,n}`,
//! like `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$` or Fluent Bit's
//! `^(?:(?i:on|off))$|\$\{[^}]+\}`. Compiling one with the `regex` crate
//! costs tens of microseconds, most of a topology check's first run;
//! reading one here costs about a microsecond, and matching runs the
//! pattern's automaton over the text in one pass (a set of states per
//! character, kept as a bit set: linear time, like `regex`, and nothing
//! allocated for a program of up to 128 steps). Anything outside this
//! subset (other flags, `\d`, `\w`, `\b`, set operations in classes, lazy
//! repetitions, case folding beyond ASCII) is left to `regex`
//! ([`Simple::new`] is `None`); where it reads a pattern, it matches
//! exactly what `regex` matches (the tests compare the two on every
//! bundled pattern it takes).

/// A pattern of the subset, as a program of the automaton.
#[derive(Debug)]
pub struct Simple {
    program: Vec<Step>,
    /// The steps that keep a search alive (characters to read and the
    /// match), as a bit set over the program.
    live: Vec<u64>,
    /// A match cannot start after the text's first position (`^...`), so
    /// the search ends once no state is live.
    anchored: bool,
    /// The automaton's steps on ASCII characters in the middle of a text,
    /// worked out once each (a program of up to [`SMALL`] steps): a set of
    /// states and a character give the same next set every time, and a
    /// pattern is matched against many texts of few distinct shapes.
    dfa: std::sync::Mutex<Dfa>,
}

/// The sets of states met so far and, per set and ASCII character, the
/// next one (an index into `sets` plus one; 0 not worked out yet,
/// [`MATCHED`] and [`DEAD`] for a step that ends the search).
#[derive(Debug, Default)]
struct Dfa {
    sets: Vec<Set>,
    next: Vec<[u8; 128]>,
}

type Set = [u64; SMALL / 64];

/// A step that reaches the end of the pattern.
const MATCHED: u8 = u8::MAX;
/// A step after which an anchored pattern has no live state.
const DEAD: u8 = u8::MAX - 1;
/// Sets kept per pattern (below [`DEAD`]); past them, steps are worked
/// out each time.
const DFA_SETS: usize = 64;

impl Dfa {
    fn index(&mut self, set: &Set) -> Option<usize> {
        if let Some(i) = self.sets.iter().position(|s| s == set) {
            return Some(i);
        }
        if self.sets.len() == DFA_SETS {
            return None;
        }
        self.sets.push(*set);
        self.next.push([0; 128]);
        Some(self.sets.len() - 1)
    }
}

#[derive(Debug)]
enum Step {
    /// One character of the class, then the next step.
    Char(Class),
    /// Either step.
    Split(usize, usize),
    Jump(usize),
    /// `^`: only at the start of the text.
    Start,
    /// `$`: only at the end of the text.
    End,
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

    /// The class under `(?i)`: `regex` adds every character of each one's
    /// Unicode simple case folding, which for ASCII letters is the other
    /// case, plus the Kelvin sign for `k` and the long s for `s`. `None`
    /// for a class with characters beyond ASCII (left to `regex`).
    fn fold(mut self) -> Option<Class> {
        if self.ranges.iter().any(|&(_, b)| !b.is_ascii()) {
            return None;
        }
        let mut extra = Vec::new();
        for &(a, b) in &self.ranges {
            for c in a..=b {
                if c.is_ascii_alphabetic() {
                    let other = if c.is_ascii_lowercase() {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    };
                    extra.push((other, other));
                    match other.to_ascii_lowercase() {
                        'k' => extra.push(('\u{212a}', '\u{212a}')),
                        's' => extra.push(('\u{17f}', '\u{17f}')),
                        _ => {}
                    }
                }
            }
        }
        self.ranges.extend(extra);
        Some(self)
    }
}

#[derive(Debug)]
enum Node {
    Char(Class),
    Start,
    End,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

/// The longest program read: a pattern that repeats a lot (`{1,1000}`) is
/// left to `regex`.
const MAX_STEPS: usize = 4096;

/// Programs up to this many steps match with their state sets on the
/// stack.
const SMALL: usize = 128;

/// Where in the text a set of states is taken, for the anchors.
#[derive(Clone, Copy)]
struct At {
    start: bool,
    end: bool,
}

impl Simple {
    pub fn new(pattern: &str) -> Option<Simple> {
        let chars: Vec<char> = pattern.chars().collect();
        let node = parse(&chars)?;
        let mut program = Vec::new();
        emit(&node, &mut program)?;
        program.push(Step::Match);
        let words = program.len().div_ceil(64);
        let mut live = vec![0u64; words];
        for (pc, step) in program.iter().enumerate() {
            if matches!(step, Step::Char(_) | Step::Match) {
                live[pc / 64] |= 1 << (pc % 64);
            }
        }
        let mut simple = Simple {
            program,
            live,
            anchored: false,
            dfa: Default::default(),
        };
        let mut set = vec![0u64; words];
        let mut stack = vec![0u16; simple.program.len()];
        let middle = At {
            start: false,
            end: false,
        };
        let end = At {
            start: false,
            end: true,
        };
        simple.add(&mut set, 0, middle, &mut stack);
        let mut at_end = vec![0u64; words];
        simple.add(&mut at_end, 0, end, &mut stack);
        simple.anchored = !simple.alive(&set) && !simple.alive(&at_end);
        Some(simple)
    }

    pub fn is_match(&self, text: &str) -> bool {
        let n = self.program.len();
        if n <= SMALL {
            // A thread that finds the table busy runs without it.
            if let Ok(mut dfa) = self.dfa.try_lock() {
                return self.run_cached(text, &mut dfa);
            }
            let (mut a, mut b, mut stack) = ([0u64; SMALL / 64], [0u64; SMALL / 64], [0u16; SMALL]);
            self.run(text, &mut a, &mut b, &mut stack)
        } else {
            let words = n.div_ceil(64);
            let (mut a, mut b) = (vec![0u64; words], vec![0u64; words]);
            self.run(text, &mut a, &mut b, &mut vec![0u16; n])
        }
    }

    /// [`Simple::run`] with the steps on ASCII characters in the middle
    /// of the text taken from (and added to) `dfa`.
    fn run_cached(&self, text: &str, dfa: &mut Dfa) -> bool {
        let mut stack = [0u16; SMALL];
        let mut current: Set = [0; SMALL / 64];
        let at = At {
            start: true,
            end: text.is_empty(),
        };
        if self.add(&mut current, 0, at, &mut stack) {
            return true;
        }
        let mut state = dfa.index(&current);
        for (i, c) in text.char_indices() {
            let end = i + c.len_utf8() == text.len();
            let cached = match (state, c.is_ascii() && !end) {
                (Some(s), true) => dfa.next[s][c as usize],
                _ => 0,
            };
            let to = match cached {
                0 => {
                    let mut next: Set = [0; SMALL / 64];
                    let at = At { start: false, end };
                    let to = if self.step(&current, &mut next, c, at, &mut stack) {
                        MATCHED
                    } else if self.anchored && !self.alive(&next) {
                        DEAD
                    } else {
                        current = next;
                        dfa.index(&current).map_or(0, |i| i as u8 + 1)
                    };
                    if let (Some(s), true) = (state, c.is_ascii() && !end && to != 0) {
                        dfa.next[s][c as usize] = to;
                    }
                    to
                }
                to => {
                    if to < DEAD {
                        current = dfa.sets[to as usize - 1];
                    }
                    to
                }
            };
            match to {
                MATCHED => return true,
                DEAD => return false,
                0 => state = None,
                to => state = Some(to as usize - 1),
            }
        }
        false
    }

    /// One character read from the states of `current` into `next` (with
    /// a new search started, when unanchored); whether that matches.
    fn step(&self, current: &[u64], next: &mut [u64], c: char, at: At, stack: &mut [u16]) -> bool {
        let mut matched = false;
        for (w, &word) in current.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let pc = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if let Step::Char(class) = &self.program[pc] {
                    if class.matches(c) {
                        matched |= self.add(next, pc + 1, at, stack);
                    }
                }
            }
        }
        if !self.anchored {
            matched |= self.add(next, 0, at, stack);
        }
        matched
    }

    fn run(&self, text: &str, current: &mut [u64], next: &mut [u64], stack: &mut [u16]) -> bool {
        let at = At {
            start: true,
            end: text.is_empty(),
        };
        if self.add(current, 0, at, stack) {
            return true;
        }
        let (mut current, mut next) = (current, next);
        for (i, c) in text.char_indices() {
            next.fill(0);
            let at = At {
                start: false,
                end: i + c.len_utf8() == text.len(),
            };
            if self.step(current, next, c, at, stack) {
                return true;
            }
            std::mem::swap(&mut current, &mut next);
            if self.anchored && !self.alive(current) {
                return false;
            }
        }
        false
    }

    /// Whether a set of states can still read a character or match.
    fn alive(&self, states: &[u64]) -> bool {
        states.iter().zip(&self.live).any(|(s, l)| s & l != 0)
    }

    /// Adds `pc` and what it reaches at `at` without reading a character;
    /// whether that includes the end of the pattern.
    fn add(&self, states: &mut [u64], pc: usize, at: At, stack: &mut [u16]) -> bool {
        fn push(states: &mut [u64], stack: &mut [u16], top: &mut usize, pc: usize) {
            let (w, bit) = (pc / 64, 1u64 << (pc % 64));
            if states[w] & bit == 0 {
                states[w] |= bit;
                stack[*top] = pc as u16;
                *top += 1;
            }
        }
        let mut matched = false;
        let mut top = 0;
        push(states, stack, &mut top, pc);
        while top > 0 {
            top -= 1;
            let pc = stack[top] as usize;
            match self.program[pc] {
                Step::Char(_) => {}
                Step::Match => matched = true,
                Step::Jump(to) => push(states, stack, &mut top, to),
                Step::Start if at.start => push(states, stack, &mut top, pc + 1),
                Step::End if at.end => push(states, stack, &mut top, pc + 1),
                Step::Start | Step::End => {}
                Step::Split(a, b) => {
                    push(states, stack, &mut top, a);
                    push(states, stack, &mut top, b);
                }
            }
        }
        matched
    }
}

/// The tree of a whole pattern.
fn parse(chars: &[char]) -> Option<Node> {
    let mut at = 0;
    let node = alternatives(chars, &mut at, false)?;
    (at == chars.len()).then_some(node)
}

fn alternatives(p: &[char], at: &mut usize, fold: bool) -> Option<Node> {
    let mut alts = vec![sequence(p, at, fold)?];
    while p.get(*at) == Some(&'|') {
        *at += 1;
        alts.push(sequence(p, at, fold)?);
    }
    Some(if alts.len() == 1 {
        alts.pop()?
    } else {
        Node::Alt(alts)
    })
}

fn sequence(p: &[char], at: &mut usize, fold: bool) -> Option<Node> {
    let mut items = Vec::new();
    while let Some(&c) = p.get(*at) {
        let char_node = |class: Class| -> Option<Node> {
            Some(Node::Char(if fold { class.fold()? } else { class }))
        };
        let atom = match c {
            '|' | ')' => break,
            '(' => {
                *at += 1;
                let mut inner_fold = fold;
                if p.get(*at) == Some(&'?') {
                    // Only `(?:` and `(?i:`; other flags and names are
                    // left to `regex`.
                    match (p.get(*at + 1), p.get(*at + 2)) {
                        (Some(':'), _) => *at += 2,
                        (Some('i'), Some(':')) => {
                            inner_fold = true;
                            *at += 3;
                        }
                        _ => return None,
                    }
                }
                let inner = alternatives(p, at, inner_fold)?;
                if p.get(*at) != Some(&')') {
                    return None;
                }
                *at += 1;
                inner
            }
            '[' => {
                *at += 1;
                char_node(class(p, at)?)?
            }
            '\\' => {
                let e = *p.get(*at + 1)?;
                *at += 2;
                char_node(escape(e)?)?
            }
            '.' => {
                *at += 1;
                Node::Char(Class {
                    ranges: vec![('\n', '\n')],
                    negated: true,
                    ..Class::default()
                })
            }
            // An anchor is not repeated.
            '^' | '$' => {
                *at += 1;
                if matches!(p.get(*at), Some('*' | '+' | '?' | '{')) {
                    return None;
                }
                items.push(if c == '^' { Node::Start } else { Node::End });
                continue;
            }
            '*' | '+' | '?' | '{' | '}' | ']' => return None,
            c => {
                *at += 1;
                if fold && !c.is_ascii() {
                    return None;
                }
                char_node(Class::literal(c))?
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
        Node::Start => out.push(Step::Start),
        Node::End => out.push(Step::End),
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

    /// Anchors inside alternatives, case-insensitive groups (the Kelvin
    /// sign and the long s fold with `k` and `s` in `regex`), and the
    /// Fluent Bit patterns that allow a `${VAR}` reference.
    #[test]
    fn anchors_and_case_folding() {
        let texts = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "xb",
            "ax",
            "a\n",
            "k",
            "K",
            "\u{212a}",
            "s",
            "S",
            "\u{17f}",
            "on",
            "ON",
            "oN",
            "off",
            "Off",
            "offf",
            "yes",
            "no",
            "true",
            "TRUE",
            "false",
            "False",
            "5",
            "5s",
            "5S",
            "5ms",
            "5d",
            "10MB",
            "1.5kb",
            "1.5Kb",
            "1.5\u{212a}B",
            "1.5",
            "1.",
            "1.5mb ",
            "-3",
            "+3",
            "3e5",
            "1.5E-3",
            "${X}",
            "${}",
            "a${X}b",
            "${X",
            "$",
            "^",
            "é",
            "É",
        ];
        for p in [
            "^a$b",
            "^a|b",
            "a|b$",
            "x$|^y",
            "(^a)|b$",
            "a^b",
            "$",
            "^",
            "^$|a",
            "^(?i:k)$",
            "^(?i:[^k])$",
            "^(?i:[a-z]+)$",
            "(?i:s)",
            "^(?:(?i:true|false|on|off|yes|no))$|\\$\\{[^}]+\\}",
            "^(?:(?i:false)|[0-9]+(?:\\.[0-9]+)?(?i:[kmg]b?)?)$|\\$\\{[^}]+\\}",
            "^(?:[0-9]+(?i:[smhd])?)$|\\$\\{[^}]+\\}",
            "^(?:[-+]?[0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)$|\\$\\{[^}]+\\}",
            "\\$\\{[^}]+\\}",
        ] {
            agree(p, &texts);
        }
    }

    /// A program longer than the stack's state sets (`{1,128}`).
    #[test]
    fn long_programs() {
        let long = "a".repeat(130);
        let texts = ["", "a", "ab", long.as_str(), &long[..128], &long[..129]];
        for p in ["^[A-Za-z0-9_-]{1,128}$", "^a{100,130}$", "b|a{129}"] {
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

    /// The topology's and Fluent Bit's schemas compile no regex: every
    /// pattern they have is read here.
    #[test]
    fn every_topology_pattern_is_simple() {
        // Fluent Bit's too: a render validates its configuration.
        for bundle in ["topology", "config/fluent-bit"] {
            let store = crate::schema::bundle(bundle).unwrap();
            for id in 0..store.pattern_count() as u32 {
                let pattern = store.pattern_text(id);
                assert!(Simple::new(pattern).is_some(), "`{pattern}`");
            }
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
            "^[]a]$",
            "^\\w$",
            "^a{1,9999}$",
            "(?P<n>a)",
            "^(?-i:a)$",
            "^(?i:é)$",
            "^(?i:[a-é])$",
            "^a*?$",
            "^$*",
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
            Node::Start | Node::End => {}
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
                let chars: Vec<char> = pattern.chars().collect();
                let tree = parse(&chars).unwrap();
                let mut alphabet: Vec<char> = pattern.chars().collect();
                alphabet.extend(" \t\na0Z9-._/:@é\u{a0}%KkSs\u{212a}\u{17f}{}$".chars());
                let upper: Vec<char> = alphabet.iter().map(|c| c.to_ascii_uppercase()).collect();
                alphabet.extend(upper);
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
