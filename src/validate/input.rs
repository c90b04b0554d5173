//! Reading manifest streams for `dify-gen validate`: files, directories
//! (recursively, `*.yaml`, `*.yml`, `*.json`, in path order) and `-` for
//! stdin. A stream is cut at its `---` document markers and the pieces are
//! parsed in parallel; spans are shifted back so every line number refers
//! to the whole file.

use super::par_map;
use crate::diagnostic::{codes, Diagnostic};
use crate::load::{self, Limits, Node, Value};
use crate::source::{FileId, Sources, Span};
use std::path::{Path, PathBuf};

/// Everything read for one run.
#[derive(Default)]
pub struct Inputs {
    pub sources: Sources,
    /// Every non-empty document of every file, in file then document order.
    pub docs: Vec<Node>,
    /// YAML errors (syntax, duplicate keys, limits, encoding): findings.
    pub findings: Vec<Diagnostic>,
    /// Files that could not be read: usage or I/O errors.
    pub io_errors: Vec<Diagnostic>,
    pub files: usize,
}

/// Reads and parses every path. Never fails as a whole: unreadable paths
/// end up in `io_errors`, bad YAML in `findings`.
pub fn load_paths(paths: &[String], jobs: usize) -> Inputs {
    let mut inputs = Inputs::default();
    let mut files: Vec<String> = Vec::new();
    for path in paths {
        if path == "-" {
            files.push(path.clone());
            continue;
        }
        let p = Path::new(path);
        if p.is_dir() {
            let mut found = Vec::new();
            if let Err(e) = walk(p, &mut found) {
                inputs.io_errors.push(Diagnostic::error(
                    codes::E_IO,
                    format!("cannot read `{path}`: {e}"),
                ));
            }
            found.sort();
            files.extend(found.into_iter().map(|f| f.to_string_lossy().into_owned()));
        } else {
            files.push(path.clone());
        }
    }
    let mut ids = Vec::new();
    for file in &files {
        match load::read(file, &mut inputs.sources) {
            Ok(id) => ids.push(id),
            Err(d) if d.code == codes::E_IO => inputs.io_errors.push(d),
            Err(d) => inputs.findings.push(d),
        }
    }
    inputs.files = files.len();
    let mut chunks = Vec::new();
    for &id in &ids {
        split(inputs.sources.text(id), id, &mut chunks);
    }
    let parsed = par_map(&chunks, jobs, |_, chunk| {
        parse_chunk(&inputs.sources, chunk)
    });
    for (docs, diags) in parsed {
        inputs
            .docs
            .extend(docs.into_iter().filter(|d| d.value != Value::Null));
        inputs.findings.extend(diags);
    }
    inputs
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// A piece of a file: byte range and the 0-based line it starts on.
pub struct Chunk {
    file: FileId,
    start: usize,
    end: usize,
    line: u32,
}

/// Cuts a stream before each `---` line. A document marker at column 0 can
/// not occur inside any scalar, so every piece parses on its own; a file
/// with directives (`%YAML`) is kept whole.
fn split(text: &str, file: FileId, out: &mut Vec<Chunk>) {
    let mut start = 0;
    let mut chunk_line = 0u32;
    let mut offset = 0;
    let whole = text.lines().any(|l| l.starts_with('%'));
    for (line, l) in (0u32..).zip(text.split_inclusive('\n')) {
        let marker =
            l.starts_with("---") && l[3..].starts_with([' ', '\t', '\r', '\n']) || l == "---";
        if marker && !whole && offset > start {
            out.push(Chunk {
                file,
                start,
                end: offset,
                line: chunk_line,
            });
            start = offset;
            chunk_line = line;
        }
        offset += l.len();
    }
    if offset > start || out.last().is_none_or(|c| c.file != file) {
        out.push(Chunk {
            file,
            start,
            end: offset,
            line: chunk_line,
        });
    }
}

fn parse_chunk(sources: &Sources, chunk: &Chunk) -> (Vec<Node>, Vec<Diagnostic>) {
    let mut local = Sources::default();
    let id = local.add(
        sources.name(chunk.file),
        &sources.text(chunk.file)[chunk.start..chunk.end],
    );
    let shift = |span: &mut Span| {
        span.file = chunk.file;
        span.line += chunk.line;
    };
    match load::parse(&local, id, Limits::default()) {
        Ok(mut docs) => {
            for doc in &mut docs {
                walk_spans(doc, &shift);
            }
            (docs, Vec::new())
        }
        Err(mut diags) => {
            for d in &mut diags {
                if let Some(span) = &mut d.span {
                    shift(span);
                }
            }
            (Vec::new(), diags)
        }
    }
}

fn walk_spans(node: &mut Node, shift: &impl Fn(&mut Span)) {
    shift(&mut node.span);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| walk_spans(n, shift)),
        Value::Map(entries) => {
            for (k, v) in entries {
                shift(&mut k.span);
                walk_spans(v, shift);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_lines() {
        let text = "a: 1\n---\nb: 2\n--- # c\nc: 3\n";
        let mut chunks = Vec::new();
        split(text, 0, &mut chunks);
        let lines: Vec<u32> = chunks.iter().map(|c| c.line).collect();
        assert_eq!(lines, [0, 1, 3]);
        let mut sources = Sources::default();
        let id = sources.add("s.yaml", text);
        let (docs, _) = parse_chunk(&sources, &chunks[2]);
        assert_eq!(docs[0].span.line, 5);
        assert_eq!(docs[0].span.file, id);
    }
}
