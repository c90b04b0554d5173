//! `--output-dir`: writing a tree into a directory that also holds other
//! people's files (a GitOps repository, a folder with the topology in it).
//!
//! Ownership: the directory's `.dify-gen` file lists every file dify-gen
//! wrote there with its SHA-256, sorted by path, in the format of
//! `sha256sum` (check it with `sha256sum -c .dify-gen` in the directory).
//! dify-gen replaces and removes only files listed there whose content
//! still has the listed hash; every other file is the user's and is kept.
//!
//! A render is compared with what the directory holds first
//! ([`survey`], which reads and never writes; `render --check` can reuse
//! it), then written ([`write`]):
//! - a file that changed since dify-gen wrote it, or a file in the way that
//!   dify-gen did not write, is a finding and nothing is written, unless
//!   `--force` (then it is overwritten, or removed when no longer rendered);
//! - each file is written to a temporary file beside it and renamed over
//!   the old one, so a reader never sees half a file; unchanged files are
//!   not touched; files no longer rendered are removed, and folders they
//!   leave empty;
//! - the directory itself is never replaced: a symlink stays a symlink
//!   (dify-gen writes through it), and its mode and other files stay.
//!
//! Crashes: before the first file is touched, the new manifest is written
//! to `.dify-gen.pending`; it is renamed to `.dify-gen` once every file is
//! in place. A run that finds a pending manifest accepts both hashes for a
//! file (the one before and the one of the interrupted render), removes the
//! temporary files the interrupted run may have left (their names are
//! derived from the files' names), and finishes the job.

use super::HEADER;
use crate::diagnostic::{codes, Diagnostic};
use crate::render::File;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// The ownership manifest, at the root of the directory.
pub const MANIFEST: &str = ".dify-gen";
/// The manifest of a render in progress (or interrupted).
pub const PENDING: &str = ".dify-gen.pending";
/// What the marker file of dify-gen before ownership manifests said.
const LEGACY_MARKER: &str =
    "This directory is written by dify-gen and replaced whole on each render.";

/// Who owns what in a directory: path to the SHA-256 (hex) of the content
/// dify-gen wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub files: BTreeMap<String, String>,
}

impl Manifest {
    /// The ownership of a set of files as they will be written.
    pub fn of(files: &[File]) -> Manifest {
        Manifest {
            files: files
                .iter()
                .map(|f| (f.path.clone(), hash(f.text.as_bytes())))
                .collect(),
        }
    }

    pub fn text(&self) -> String {
        let mut out = String::from(
            "# Written by dify-gen: the files below are dify-gen's, with their SHA-256.\n\
             # A render replaces or removes only these, and only while their content is\n\
             # unchanged; every other file here is yours and is kept. Remove a line to\n\
             # make that file yours. Check with `sha256sum -c .dify-gen` in this folder.\n",
        );
        out.reserve(self.files.iter().map(|(p, h)| p.len() + h.len() + 3).sum());
        for (path, hash) in &self.files {
            out.push_str(hash);
            out.push_str("  ");
            out.push_str(path);
            out.push('\n');
        }
        out
    }

    /// Parses a manifest; `Ok(None)` for the marker file of earlier
    /// versions, which owned the whole directory but listed nothing.
    pub fn parse(text: &str) -> Result<Option<Manifest>, String> {
        if text.trim() == LEGACY_MARKER {
            return Ok(None);
        }
        let mut files = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let parsed = line.split_once("  ").filter(|(h, p)| {
                h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) && safe_path(p)
            });
            let Some((hash, path)) = parsed else {
                return Err(format!("line {} is not `<sha256>  <relative path>`", i + 1));
            };
            files.insert(path.to_string(), hash.to_ascii_lowercase());
        }
        Ok(Some(Manifest { files }))
    }
}

/// A relative path inside the directory: no `..`, no absolute path.
fn safe_path(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && p.split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

pub fn hash(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in Sha256::digest(bytes) {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

/// How one path of the directory compares with the render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// On disk exactly as rendered.
    Unchanged,
    /// Rendered, not on disk.
    Create,
    /// dify-gen's, unchanged since it wrote it, rendered differently now.
    Update,
    /// dify-gen's, changed since it wrote it (by hand, by a tool).
    Edited,
    /// In the way of a rendered file, and not dify-gen's.
    Foreign,
    /// dify-gen's, unchanged, and no longer rendered.
    Stale,
    /// dify-gen's, no longer rendered, and changed since dify-gen wrote it.
    StaleEdited,
}

impl State {
    /// Writing over (or removing) this would lose someone's work.
    pub fn is_conflict(self) -> bool {
        matches!(self, State::Edited | State::Foreign | State::StaleEdited)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Relative path in the tree.
    pub path: String,
    pub state: State,
}

/// A render compared with a directory, path by path (in path order).
#[derive(Clone, Debug)]
pub struct Survey {
    pub dir: PathBuf,
    pub entries: Vec<Entry>,
    /// The manifest as the directory has it (`None`: no manifest).
    pub manifest: Option<Manifest>,
    /// An interrupted render left its pending manifest.
    pub pending: bool,
}

impl Survey {
    /// Every path that differs from the render.
    pub fn differences(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.state != State::Unchanged)
    }

    /// A finding for every conflict: `O001` for a file of dify-gen's that
    /// was changed since, `O002` for a file in the way that is not its.
    pub fn conflicts(&self) -> Vec<Diagnostic> {
        self.entries
            .iter()
            .filter(|e| e.state.is_conflict())
            .map(|e| {
                let shown = self.dir.join(&e.path).display().to_string();
                match e.state {
                    State::Edited => Diagnostic::error(
                        codes::O_EDITED,
                        format!("`{shown}` was changed after dify-gen wrote it; rendering would overwrite the change"),
                    )
                    .help("put the change into the topology and render again, or rerun with `--force` to overwrite the file"),
                    State::StaleEdited => Diagnostic::error(
                        codes::O_EDITED,
                        format!("`{shown}` is no longer rendered and was changed after dify-gen wrote it; removing it would lose the change"),
                    )
                    .help(format!("delete it, or remove its line from `{MANIFEST}` to keep it as your own, or rerun with `--force` to remove it")),
                    _ => Diagnostic::error(
                        codes::O_FOREIGN,
                        format!("`{shown}` is in the way: dify-gen did not write it, and rendering would overwrite it"),
                    )
                    .help("move it out of the way, or rerun with `--force` to replace it"),
                }
            })
            .collect()
    }
}

/// Compares a render with what `dir` holds. Reads only.
pub fn survey(dir: &Path, files: &[File]) -> io::Result<Survey> {
    let mut survey = Survey {
        dir: dir.to_path_buf(),
        entries: Vec::new(),
        manifest: None,
        pending: false,
    };
    if !dir.exists() {
        survey.entries = files
            .iter()
            .map(|f| Entry {
                path: f.path.clone(),
                state: State::Create,
            })
            .collect();
        return Ok(survey);
    }
    if !dir.is_dir() {
        return Err(io::Error::other(format!(
            "`{}` exists and is not a directory",
            dir.display()
        )));
    }
    let read_manifest = |name: &str| -> io::Result<Option<Option<Manifest>>> {
        match fs::read_to_string(dir.join(name)) {
            Ok(text) => Manifest::parse(&text).map(Some).map_err(|why| {
                io::Error::other(format!(
                    "`{}` is not a dify-gen manifest: {why}",
                    dir.join(name).display()
                ))
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    };
    let current = read_manifest(MANIFEST)?;
    let pending = read_manifest(PENDING)?;
    survey.pending = pending.is_some();
    // Hashes a file of dify-gen's may have: the manifest's, and the
    // interrupted render's.
    let mut owned: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in [&current, &pending].into_iter().flatten().flatten() {
        for (path, hash) in &m.files {
            owned.entry(path.clone()).or_default().insert(hash.clone());
        }
    }
    // Before ownership manifests, dify-gen owned its whole directory.
    let legacy = matches!(current, Some(None));
    survey.manifest = current.flatten();
    let rendered: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for f in files {
        let state = match read_file(&dir.join(&f.path))? {
            None => State::Create,
            Some(Err(())) => State::Foreign,
            Some(Ok(bytes)) if bytes == f.text.as_bytes() => State::Unchanged,
            Some(Ok(bytes)) => match owned.get(&f.path) {
                Some(hashes) if hashes.contains(&hash(&bytes)) => State::Update,
                Some(_) => State::Edited,
                None if legacy && bytes.starts_with(HEADER.as_bytes()) => State::Update,
                None => State::Foreign,
            },
        };
        survey.entries.push(Entry {
            path: f.path.clone(),
            state,
        });
    }
    for (path, hashes) in &owned {
        if rendered.contains(path.as_str()) {
            continue;
        }
        let state = match read_file(&dir.join(path))? {
            None => continue,
            Some(Ok(bytes)) if hashes.contains(&hash(&bytes)) => State::Stale,
            Some(_) => State::StaleEdited,
        };
        survey.entries.push(Entry {
            path: path.clone(),
            state,
        });
    }
    survey.entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(survey)
}

/// The bytes of a file; `Some(Err)` for something that is not a file.
fn read_file(path: &Path) -> io::Result<Option<Result<Vec<u8>, ()>>> {
    match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
        Ok(m) if !m.is_file() => Ok(Some(Err(()))),
        Ok(_) => fs::read(path).map(|b| Some(Ok(b))),
    }
}

/// Why nothing was written.
#[derive(Debug)]
pub enum Refused {
    /// Files that would be lost: one finding each.
    Conflicts(Vec<Diagnostic>),
    Io(io::Error),
}

impl From<io::Error> for Refused {
    fn from(e: io::Error) -> Self {
        Refused::Io(e)
    }
}

/// Writes the tree into `dir` as the module comment says; `force`
/// overwrites (or removes) files that were changed or are in the way.
pub fn write(dir: &Path, files: &[File], force: bool) -> Result<Survey, Refused> {
    let survey = survey(dir, files)?;
    let conflicts = survey.conflicts();
    if !conflicts.is_empty() && !force {
        return Err(Refused::Conflicts(conflicts));
    }
    let manifest = Manifest::of(files);
    let up_to_date = survey.differences().next().is_none()
        && survey.manifest.as_ref() == Some(&manifest)
        && !survey.pending;
    if up_to_date {
        return Ok(survey);
    }
    if let Some(e) = survey
        .entries
        .iter()
        .find(|e| e.state == State::Foreign && dir.join(&e.path).is_dir())
    {
        return Err(Refused::Io(io::Error::other(format!(
            "`{}` is a directory where dify-gen writes a file",
            dir.join(&e.path).display()
        ))));
    }
    fs::create_dir_all(dir)?;
    // Temporary files an interrupted run may have left.
    let paths = survey.entries.iter().map(|e| e.path.as_str());
    for path in paths.chain([MANIFEST, PENDING]) {
        let tmp = temp_path(&dir.join(path));
        if tmp.is_file() {
            fs::remove_file(tmp)?;
        }
    }
    let manifest_text = manifest.text();
    write_atomic(&dir.join(PENDING), manifest_text.as_bytes())?;
    sync_dir(dir);
    let texts: BTreeMap<&str, &str> = files
        .iter()
        .map(|f| (f.path.as_str(), f.text.as_str()))
        .collect();
    // The folders files were renamed into: made once each, and synced once
    // each before the manifest says the render is complete (a rename lost
    // to a crash before then leaves the file as it was, which the pending
    // manifest accepts).
    let mut folders = BTreeSet::new();
    for e in &survey.entries {
        let target = dir.join(&e.path);
        match e.state {
            State::Unchanged => {}
            State::Create | State::Update | State::Edited | State::Foreign => {
                if let Some(parent) = target.parent() {
                    if !folders.contains(parent) {
                        fs::create_dir_all(parent)?;
                        folders.insert(parent.to_path_buf());
                    }
                }
                write_atomic(&target, texts[e.path.as_str()].as_bytes())?;
            }
            State::Stale | State::StaleEdited => {
                fs::remove_file(&target)?;
                prune(dir, &target);
            }
        }
    }
    for folder in &folders {
        sync_dir(folder);
    }
    write_atomic(&dir.join(MANIFEST), manifest_text.as_bytes())?;
    sync_dir(dir);
    fs::remove_file(dir.join(PENDING))?;
    sync_dir(dir);
    Ok(survey)
}

/// `.<name>.dify-gen-tmp` beside `target`: a fixed name, so that a later
/// run can remove what an interrupted one left.
fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    target.with_file_name(format!(".{name}.dify-gen-tmp"))
}

/// Writes `bytes` to a temporary file beside `target` (whose folder
/// exists), flushes it to disk and renames it over `target`, keeping
/// `target`'s permissions. The rename is made durable by syncing the folder
/// afterwards, once for all the files renamed into it ([`write`]).
fn write_atomic(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temp_path(target);
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        if let Ok(meta) = fs::metadata(target) {
            file.set_permissions(meta.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes the folders between `file` and `root` that are now empty.
fn prune(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Makes renames in `dir` durable. Best effort: not every platform can
/// open a directory.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Where a path really is: symlinks resolved for the part that exists.
fn resolved(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |acc, part| acc.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// The first input (`-f` file; `-` is stdin) that lies inside `dir`.
pub fn input_inside<'a>(dir: &Path, inputs: &'a [String]) -> Option<&'a str> {
    let root = resolved(dir);
    inputs
        .iter()
        .filter(|f| f.as_str() != "-")
        .find(|f| resolved(Path::new(f)).starts_with(&root))
        .map(String::as_str)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::render::Format;

    pub(in crate::emit) fn file(path: &str, text: &str) -> File {
        File {
            path: path.into(),
            text: text.into(),
            format: Format::Text,
        }
    }

    #[test]
    fn manifest_round_trips_and_rejects_escapes() {
        let m = Manifest::of(&[file("b/x.yaml", "x"), file("a.yaml", "a")]);
        assert_eq!(Manifest::parse(&m.text()), Ok(Some(m.clone())));
        assert!(m.text().find("a.yaml") < m.text().find("b/x.yaml"));
        let h = hash(b"x");
        for bad in [format!("{h}  ../x"), format!("{h}  /etc/x"), "nope".into()] {
            assert!(Manifest::parse(&bad).is_err(), "{bad}");
        }
        assert_eq!(Manifest::parse(LEGACY_MARKER), Ok(None));
    }

    #[test]
    fn an_interrupted_render_is_finished_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let v1 = [file("k/a.yaml", "a1"), file("k/b.yaml", "b1")];
        write(&out, &v1, false).unwrap();
        // A second render dies after writing its pending manifest and
        // `a.yaml`, before `b.yaml` and the manifest.
        let v2 = [file("k/a.yaml", "a2"), file("k/c.yaml", "c2")];
        fs::write(out.join(PENDING), Manifest::of(&v2).text()).unwrap();
        fs::write(out.join("k/a.yaml"), "a2").unwrap();
        fs::write(temp_path(&out.join("k/c.yaml")), "c").unwrap();
        let s = write(&out, &v2, false).unwrap();
        assert!(s.pending);
        assert_eq!(fs::read_to_string(out.join("k/a.yaml")).unwrap(), "a2");
        assert_eq!(fs::read_to_string(out.join("k/c.yaml")).unwrap(), "c2");
        assert!(!out.join("k/b.yaml").exists(), "b is stale and removed");
        assert!(!out.join(PENDING).exists());
        assert!(!temp_path(&out.join("k/c.yaml")).exists());
        assert_eq!(
            Manifest::parse(&fs::read_to_string(out.join(MANIFEST)).unwrap()),
            Ok(Some(Manifest::of(&v2)))
        );
    }

    #[test]
    fn legacy_marker_owns_rendered_files_and_deletes_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        fs::write(out.join(MANIFEST), format!("{LEGACY_MARKER}\n")).unwrap();
        fs::write(out.join("old.yaml"), format!("{HEADER}x: 1\n")).unwrap();
        fs::write(out.join("a.yaml"), format!("{HEADER}a: 0\n")).unwrap();
        write(out, &[file("a.yaml", &format!("{HEADER}a: 1\n"))], false).unwrap();
        assert!(out.join("old.yaml").exists());
        assert!(fs::read_to_string(out.join("a.yaml"))
            .unwrap()
            .ends_with("a: 1\n"));
    }
}
