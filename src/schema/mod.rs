//! dify-gen's JSON Schema engine, shared by the topology's schema and the
//! validation of manifests: compiled bundles ([`Store`]), the validator
//! over them ([`eval`]), CEL rules ([`cel`]) and the quantity format.
//!
//! Bundled schemas are compiled by `build.rs` (with [`compile`]) into the
//! byte form of [`ir`] and embedded; a [`Store`] over those bytes costs
//! nothing to open, decodes each node on first use and compiles each
//! regular expression and CEL rule on first use. Schemas given at run time
//! (`--crd`, `--schema-location`) are compiled the same way and then
//! behave exactly like bundled ones.

pub mod cel;
pub mod compile;
pub mod eval;
pub mod ir;
pub mod quantity;
pub mod simple;

use ir::{Compiled, Encoded, Schema};
use std::sync::OnceLock;

/// A regular expression of a `pattern` or `patternProperties`: matched by
/// hand when it is one of the simple ones ([`simple`]: no compilation), the
/// `regex` crate where it can (linear time), `fancy-regex` for the
/// look-arounds and back-references ECMA-262 patterns may use.
pub enum Pattern {
    Simple(simple::Simple),
    Fast(regex::Regex),
    Fancy(Box<fancy_regex::Regex>),
}

impl Pattern {
    fn new(p: &str) -> Result<Pattern, String> {
        if let Some(s) = simple::Simple::new(p) {
            return Ok(Pattern::Simple(s));
        }
        match regex::Regex::new(p) {
            Ok(r) => Ok(Pattern::Fast(r)),
            Err(_) => fancy_regex::Regex::new(p)
                .map(|r| Pattern::Fancy(Box::new(r)))
                .map_err(|e| format!("invalid pattern `{p}`: {e}")),
        }
    }

    pub fn is_match(&self, s: &str) -> bool {
        match self {
            Pattern::Simple(p) => p.is_match(s),
            Pattern::Fast(r) => r.is_match(s),
            // A pattern that exhausts the backtracking limit matches nothing.
            Pattern::Fancy(r) => r.is_match(s).unwrap_or(false),
        }
    }
}

/// A decoded node as validation keeps it: the keywords most nodes have
/// in place, and the others in a box of their own that only the nodes
/// with one of them pay for (a node with every keyword in place was most
/// of the heap validation kept: a few hundred bytes each for the one
/// to two thousand nodes a render reaches). The rare keywords are read
/// through [`Deref`](std::ops::Deref) to that box (or to a node without
/// any), so `node.all_of` reads as for a [`Schema`]; the fields here shadow
/// the box's, which holds them empty.
pub struct Node {
    pub types: u8,
    pub never: bool,
    pub additional: ir::Additional,
    pub reference: Option<u32>,
    pub items: Option<u32>,
    /// Pattern id.
    pub pattern: Option<u32>,
    /// Sorted by name.
    pub properties: Box<[(&'static str, u32)]>,
    pub required: Box<[&'static str]>,
    rare: Option<Box<Rare>>,
}

/// The rare keywords of a node, and what is derived from its `allOf` on
/// first use.
struct Rare {
    schema: Schema<&'static str>,
    union: OnceLock<Option<Union>>,
}

/// An `allOf` that is a union tagged by one property: every branch is
/// `if: {properties: {P: {const: C}}, required: [P]}, then: ...` with the
/// same `P` and no `else` (Fluent Bit's plugins, tagged by `name`). On an
/// object, a branch whose constant is not the object's `P` does nothing
/// (its `if` fails and it has no `else`), so only the branches whose
/// constant it is need to run; on anything else every `if` holds and
/// every branch runs.
pub struct Union {
    pub property: &'static str,
    /// `(constant, index into allOf)`, sorted.
    pub branches: Box<[(&'static str, u32)]>,
}

impl Union {
    /// The indices into `allOf` of the branches for a tag, in order.
    pub fn branches_for<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = u32> + 'a {
        let from = self.branches.partition_point(|(c, _)| *c < tag);
        self.branches[from..]
            .iter()
            .take_while(move |(c, _)| *c == tag)
            .map(|(_, i)| *i)
    }
}

/// A node without any of the rare keywords.
static NONE_RARE: Schema<&str> = Schema::empty();

impl Node {
    fn new(mut s: Schema<&'static str>) -> Node {
        let properties = std::mem::take(&mut s.properties).into_boxed_slice();
        let required = std::mem::take(&mut s.required).into_boxed_slice();
        let node = Node {
            types: s.types,
            never: s.never,
            additional: s.additional,
            reference: s.reference.take(),
            items: s.items.take(),
            pattern: s.pattern.take(),
            properties,
            required,
            rare: None,
        };
        s.types = 0;
        s.never = false;
        s.additional = ir::Additional::Any;
        let rare = (s != NONE_RARE).then(|| {
            Box::new(Rare {
                schema: s,
                union: OnceLock::new(),
            })
        });
        Node { rare, ..node }
    }
}

impl std::ops::Deref for Node {
    type Target = Schema<&'static str>;

    fn deref(&self) -> &Schema<&'static str> {
        self.rare.as_ref().map_or(&NONE_RARE, |r| &r.schema)
    }
}

impl Node {
    /// Whether the node has no keyword but the rare ones equal to `rare`.
    fn only(&self, rare: &Schema<&'static str>) -> bool {
        self.types == 0
            && !self.never
            && self.additional == ir::Additional::Any
            && self.reference.is_none()
            && self.items.is_none()
            && self.pattern.is_none()
            && self.properties.is_empty()
            && self.required.is_empty()
            && **self == *rare
    }
}

/// One compiled bundle.
pub struct Store {
    encoded: Encoded<'static>,
    /// Decoded nodes, in pages of [`PAGE`] cells allocated when one of
    /// their nodes is first used: a run touches one to two thousand of the
    /// bundles' tens of thousands of nodes, and a cell for every node was
    /// half a megabyte of heap. The nodes of a page are seldom used
    /// together, so a cell holds a box, not the node.
    nodes: Box<[OnceLock<Page>]>,
    patterns: Box<[OnceLock<Result<Pattern, String>>]>,
    pub(crate) rules: Box<[OnceLock<cel::Program>]>,
}

type Page = Box<[OnceLock<Box<Node>>]>;

/// Nodes per page of [`Store::node`]'s cells.
const PAGE: usize = 32;

fn cells<T>(n: usize) -> Box<[OnceLock<T>]> {
    (0..n).map(|_| OnceLock::new()).collect()
}

impl Store {
    /// A store over bytes written by [`ir::encode`] (embedded by the build).
    pub fn from_bytes(bytes: &'static [u8]) -> Store {
        let encoded = Encoded::new(bytes).expect("bundles are encoded by build.rs with ir::encode");
        Store {
            encoded,
            nodes: cells(encoded.node_count().div_ceil(PAGE)),
            patterns: cells(encoded.pattern_count()),
            rules: cells(encoded.rule_count()),
        }
    }

    /// A store for schemas compiled at run time. The bytes live as long as
    /// the process: stores are opened once per run.
    pub fn from_compiled(compiled: &Compiled) -> Store {
        let bytes: &'static [u8] = Box::leak(ir::encode(compiled).into_boxed_slice());
        Store::from_bytes(bytes)
    }

    pub fn node(&self, id: u32) -> &Node {
        let (page, at) = (id as usize / PAGE, id as usize % PAGE);
        self.nodes[page].get_or_init(|| cells(PAGE))[at]
            .get_or_init(|| Box::new(Node::new(self.encoded.node(id))))
    }

    /// The node's `allOf` as a tagged [`Union`], if it is one (worked out
    /// on first use).
    pub fn union<'n>(&self, node: &'n Node) -> Option<&'n Union> {
        let rare = node.rare.as_ref()?;
        rare.union
            .get_or_init(|| self.find_union(&rare.schema.all_of))
            .as_ref()
    }

    fn find_union(&self, all_of: &[u32]) -> Option<Union> {
        let mut property = None;
        let mut branches = Vec::with_capacity(all_of.len());
        for (i, &id) in all_of.iter().enumerate() {
            let branch = self.node(id);
            let (cond, Some(_), None) = branch.condition? else {
                return None;
            };
            if !branch.only(&Schema {
                condition: branch.condition,
                ..Schema::empty()
            }) {
                return None;
            }
            let test = self.node(cond);
            let [(name, value)] = *test.properties else {
                return None;
            };
            let tests_only_that = test.types == 0
                && !test.never
                && test.additional == ir::Additional::Any
                && test.reference.is_none()
                && test.items.is_none()
                && test.pattern.is_none()
                && *test.required == [name]
                && **test == NONE_RARE;
            if !tests_only_that || *property.get_or_insert(name) != name {
                return None;
            }
            let value = self.node(value);
            let Some(ir::Literal::Str(tag)) = value.constant.clone() else {
                return None;
            };
            if !value.only(&Schema {
                constant: Some(ir::Literal::Str(tag)),
                ..Schema::empty()
            }) {
                return None;
            }
            branches.push((tag, i as u32));
        }
        branches.sort_unstable();
        Some(Union {
            property: property?,
            branches: branches.into_boxed_slice(),
        })
    }

    /// The root node of a kind.
    pub fn kind(&self, key: &str) -> Option<u32> {
        self.encoded.kind(key)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.kind(key).is_some()
    }

    /// Every key, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        (0..self.encoded.kind_count()).map(|i| self.encoded.kind_at(i).0)
    }

    pub fn pattern_text(&self, id: u32) -> &'static str {
        self.encoded.pattern(id)
    }

    /// The compiled pattern, compiling it on first use.
    pub fn pattern(&self, id: u32) -> Result<&Pattern, &str> {
        self.patterns[id as usize]
            .get_or_init(|| Pattern::new(self.encoded.pattern(id)))
            .as_ref()
            .map_err(String::as_str)
    }

    pub fn pattern_count(&self) -> usize {
        self.encoded.pattern_count()
    }

    pub fn rule(&self, id: u32) -> ir::Rule<&'static str> {
        self.encoded.rule(id)
    }

    pub fn rule_count(&self) -> usize {
        self.encoded.rule_count()
    }

    /// The property names a node allows (following `$ref` and `allOf`),
    /// for "did you mean".
    pub fn property_names(&self, id: u32) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut todo = vec![id];
        let mut seen = std::collections::HashSet::new();
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            let s = self.node(id);
            out.extend(s.properties.iter().map(|(n, _)| *n));
            todo.extend(s.reference);
            todo.extend(&s.all_of);
        }
        out
    }
}

include!(concat!(env!("OUT_DIR"), "/bundles.rs"));

/// The bundle compiled from `schemas/<name>.json` (`kubernetes/v1.37`,
/// `crds`, `config/alertmanager`, `topology`), opened once per process.
pub fn bundle(name: &str) -> Option<&'static Store> {
    static OPEN: OnceLock<Vec<OnceLock<Store>>> = OnceLock::new();
    let cells = OPEN.get_or_init(|| BUNDLES.iter().map(|_| OnceLock::new()).collect());
    let index = BUNDLES.iter().position(|(n, _)| *n == name)?;
    Some(cells[index].get_or_init(|| Store::from_bytes(BUNDLES[index].1)))
}

/// The names of every bundle, for tests over all of them.
pub fn bundle_names() -> impl Iterator<Item = &'static str> {
    BUNDLES.iter().map(|(n, _)| *n)
}
