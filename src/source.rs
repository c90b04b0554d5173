//! Where things are: the source texts of one run, spans inside them, and
//! field paths (JSON pointers and their dotted form).
//!
//! Shared by `load` (which records spans while reading) and `diagnostic`
//! (which prints them), so neither depends on the other for positions.

pub type FileId = usize;

/// A position in a source file: 1-based line and column (in characters),
/// and the length of the marked text in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub line: u32,
    pub col: u32,
    pub len: u32,
}

struct Source {
    name: String,
    text: String,
    /// The bundled profile of this name, not a file of the user's.
    profile: Option<String>,
}

/// Every source text read in this run, addressed by [`FileId`].
#[derive(Default)]
pub struct Sources {
    files: Vec<Source>,
}

impl Sources {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(Source {
            name: name.into(),
            text: text.into(),
            profile: None,
        });
        self.files.len() - 1
    }

    /// Adds the text of a bundled profile: findings in it are the user's to
    /// override, not to edit (`topology::layers::relocate`).
    /// How many files there are: a mark for [`Sources::truncate`].
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Forgets the files added after `len` ([`Sources::len`]): a stage run
    /// again adds them again under the same ids.
    pub fn truncate(&mut self, len: usize) {
        self.files.truncate(len);
    }

    pub fn add_profile(&mut self, profile: &str, text: impl Into<String>) -> FileId {
        let file = self.add(format!("profiles/{profile}.yaml"), text);
        self.files[file].profile = Some(profile.to_string());
        file
    }

    /// The source already added for a bundled profile, so that the trees
    /// of a `fleet` share one copy (and their findings in it stay equal).
    pub fn profile_file(&self, profile: &str) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.profile.as_deref() == Some(profile))
    }

    /// The bundled profile a file is, if it is one.
    pub fn profile(&self, file: FileId) -> Option<&str> {
        self.files.get(file)?.profile.as_deref()
    }

    pub fn name(&self, file: FileId) -> &str {
        self.files
            .get(file)
            .map_or("<unknown>", |f| f.name.as_str())
    }

    /// Gives a file added without its text (`add(name, "")`) its text:
    /// `render`'s validation adds a rendered file's text only when a
    /// finding points into it.
    pub fn set_text(&mut self, file: FileId, text: impl Into<String>) {
        if let Some(f) = self.files.get_mut(file) {
            f.text = text.into();
        }
    }

    pub fn text(&self, file: FileId) -> &str {
        self.files.get(file).map_or("", |f| f.text.as_str())
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line(&self, file: FileId, line: u32) -> Option<&str> {
        line_of(&self.files.get(file)?.text, line)
    }
}

/// The text of a 1-based line of `text`, without its line ending.
pub fn line_of(text: &str, line: u32) -> Option<&str> {
    let line = text.split('\n').nth((line as usize).checked_sub(1)?)?;
    Some(line.strip_suffix('\r').unwrap_or(line))
}

/// Splits a JSON pointer into unescaped segments.
pub fn pointer_segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer.split('/').skip(1).map(|s| {
        if s.contains('~') {
            s.replace("~1", "/").replace("~0", "~")
        } else {
            s.to_string()
        }
    })
}

/// A map key as one segment of a JSON pointer (`~` and `/` escaped).
pub fn pointer_segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// `/components/api/env/0` as `components.api.env[0]`.
pub fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer_segments(pointer) {
        if seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}
