//! `render --output-dir DIR --check`: the drift check for CI. The render is
//! compared with what `DIR` holds ([`super::dir::survey`], which reads
//! only), and every difference is printed as a unified diff, file by file
//! in path order. Nothing is written.
//!
//! A difference is a rendered file that is missing or has other bytes, a
//! file dify-gen wrote that is no longer rendered, or an ownership manifest
//! (`.dify-gen`) that a render would rewrite. Files dify-gen did not write
//! and does not render are the user's and never a difference.

use super::dir::{self, Manifest, State, MANIFEST};
use crate::render::File;
use std::fs;
use std::io;
use std::path::Path;

/// The drift between a render and a directory.
#[derive(Debug, Default)]
pub struct Drift {
    /// One unified diff per differing file, in path order.
    pub diffs: Vec<FileDiff>,
}

#[derive(Debug)]
pub struct FileDiff {
    /// Relative path in the tree.
    pub path: String,
    pub state: State,
    /// The unified diff (`--- DIR/path` / `+++ rendered/path`).
    pub text: String,
}

impl Drift {
    pub fn is_clean(&self) -> bool {
        self.diffs.is_empty()
    }

    /// Every diff, one after the other.
    pub fn text(&self) -> String {
        self.diffs.iter().map(|d| d.text.as_str()).collect()
    }
}

/// Compares `files` with `dir`. Reads only.
pub fn drift(dir: &Path, files: &[File]) -> io::Result<Drift> {
    let survey = dir::survey(dir, files)?;
    let rendered: std::collections::BTreeMap<&str, &str> = files
        .iter()
        .map(|f| (f.path.as_str(), f.text.as_str()))
        .collect();
    let mut out = Drift::default();
    for e in survey.differences() {
        let on_disk = dir.join(&e.path);
        let old = if e.state == State::Create {
            None
        } else {
            Some(read_text(&on_disk)?)
        };
        let new = rendered.get(e.path.as_str()).copied();
        out.diffs.push(FileDiff {
            path: e.path.clone(),
            state: e.state,
            text: unified(dir, &e.path, old.as_deref(), new),
        });
    }
    let manifest = Manifest::of(files);
    if survey.manifest.as_ref() != Some(&manifest) || survey.pending {
        let old = match fs::read_to_string(dir.join(MANIFEST)) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        out.diffs.push(FileDiff {
            path: MANIFEST.to_string(),
            state: if old.is_some() {
                State::Update
            } else {
                State::Create
            },
            text: unified(dir, MANIFEST, old.as_deref(), Some(&manifest.text())),
        });
    }
    out.diffs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// A file's text as the diff shows it: not-a-file and non-UTF-8 content
/// are described in one line instead.
fn read_text(path: &Path) -> io::Result<String> {
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Ok("(not a regular file)\n".to_string());
    }
    let bytes = fs::read(path)?;
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| format!("(binary content, {} bytes)\n", e.as_bytes().len())))
}

/// `diff -u` of the file on disk (`None`: absent) against the render
/// (`None`: no longer rendered).
fn unified(dir: &Path, path: &str, old: Option<&str>, new: Option<&str>) -> String {
    let shown = dir.join(path).display().to_string();
    let old_name = if old.is_some() {
        shown
    } else {
        "/dev/null".into()
    };
    let new_name = if new.is_some() {
        format!("rendered/{path}")
    } else {
        "/dev/null".into()
    };
    unified_text(&old_name, &new_name, old, new)
}

/// `diff -u` of two texts under the given names (`None`: the side is
/// absent, shown as empty).
pub fn unified_text(
    old_name: &str,
    new_name: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> String {
    let diff = similar::TextDiff::from_lines(old.unwrap_or(""), new.unwrap_or(""));
    let mut text = diff
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .missing_newline_hint(true)
        .to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::dir::tests::file;

    #[test]
    fn a_written_tree_has_no_drift_and_a_change_shows_as_a_diff() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let v1 = [file("k/a.yaml", "a: 1\nb: 2\n"), file("k/gone.yaml", "x\n")];
        dir::write(&out, &v1, false).unwrap();
        assert!(drift(&out, &v1).unwrap().is_clean());
        fs::write(out.join("mine.txt"), "the user's").unwrap();
        assert!(
            drift(&out, &v1).unwrap().is_clean(),
            "user files are not drift"
        );

        let v2 = [file("k/a.yaml", "a: 1\nb: 3\n"), file("k/new.yaml", "n\n")];
        let d = drift(&out, &v2).unwrap();
        let paths: Vec<&str> = d.diffs.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, [MANIFEST, "k/a.yaml", "k/gone.yaml", "k/new.yaml"]);
        let text = d.text();
        assert!(text.contains("-b: 2\n+b: 3\n"), "{text}");
        assert!(text.contains("+++ rendered/k/new.yaml\n"), "{text}");
        assert!(
            text.contains("--- /dev/null\n+++ rendered/k/new.yaml"),
            "{text}"
        );
        assert!(
            text.contains("+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"),
            "{text}"
        );
        // Nothing was written.
        assert_eq!(
            fs::read_to_string(out.join("k/a.yaml")).unwrap(),
            "a: 1\nb: 2\n"
        );
        assert!(!out.join("k/new.yaml").exists());
    }

    #[test]
    fn a_missing_directory_is_all_drift() {
        let tmp = tempfile::tempdir().unwrap();
        let d = drift(&tmp.path().join("none"), &[file("a", "1\n")]).unwrap();
        assert_eq!(d.diffs.len(), 2);
        assert!(!tmp.path().join("none").exists());
    }
}
