//! Transcripts: the one place that says what each program prints.
//!
//! A transcript is one documented run, in a file `transcripts/*.run` beside the program's
//! `Cargo.toml`. The integration tests run it, the parity test runs the Python twin with the same
//! arguments, `make stress` and `make run-all` read it, and the book shows it; nothing else lists
//! the programs or their outputs. The format, line by line:
//!
//! ```text
//! # shows: what this run demonstrates, in one sentence (the book's caption)
//! # python: same | same first line | differs: why
//! # start methods: each        (optional: run once per start method, `--start-method M` added)
//! # needs: python 3.11         (optional: the twin needs this Python)
//! # output: markdown           (optional: the book renders the output as Markdown, not a console)
//! $ PROGRAM ARG...
//! the expected stdout, where `[..]` inside a line matches any text
//! and a line `...` matches any number of lines
//! ```
//!
//! The program list is the file system's: every `examples-*/NAME/` with a `src/main.rs`.

use std::path::{Path, PathBuf};

/// What the Python twin prints for the same arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Python {
    /// The same stdout.
    Same,
    /// The same first line (the rest depends on timing).
    SameFirstLine,
    /// Something else, for the reason given.
    Differs(String),
}

/// One documented run of one program.
#[derive(Clone, Debug)]
pub struct Transcript {
    /// The file it was read from.
    pub path: PathBuf,
    /// The package (= binary) that runs.
    pub program: String,
    /// Its arguments, as the reader would type them.
    pub args: Vec<String>,
    /// The one-sentence caption.
    pub shows: String,
    /// What the Python twin prints.
    pub python: Python,
    /// Whether the run is repeated under every start method.
    pub each_start_method: bool,
    /// The Python version the twin needs, `(3, 11)`, if not any Python 3.
    pub needs_python: Option<(u32, u32)>,
    /// Whether the output is a Markdown page.
    pub markdown: bool,
    /// The expected stdout, with `[..]` and `...` wildcards.
    pub expected: String,
    /// The program's Python twin, relative to the repository's root (set when read through
    /// [`Program::transcripts`]).
    pub twin: Option<String>,
}

/// A program of the workspace: its package name and its folder.
#[derive(Clone, Debug)]
pub struct Program {
    /// Package name = folder name.
    pub name: String,
    /// The folder, `examples-threads/simple-thread`, relative to the repository's root.
    pub folder: String,
}

/// What a program follows, as its `--help` says (`after_help` in its `main.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Follows {
    /// A section of the notes, by its heading.
    Notes(String),
    /// A topic beyond the notes.
    Beyond(String),
}

impl Program {
    /// The notes section or the topic it follows, read from its `main.rs`'s `after_help`:
    /// `Notes § HEADING. Source: …` or `Beyond the notes: TOPIC. Source: …`.
    pub fn follows(&self) -> Result<Follows, String> {
        let main = crate::repo_path(&format!("{}/src/main.rs", self.folder));
        let text = std::fs::read_to_string(&main).map_err(|e| e.to_string())?;
        let help = text
            .split("after_help = \"")
            .nth(1)
            .and_then(|h| h.split(". Source:").next())
            .ok_or_else(|| format!("{}: no after_help naming its section", self.folder))?;
        if let Some(section) = help.strip_prefix("Notes § ") {
            Ok(Follows::Notes(section.to_owned()))
        } else if let Some(topic) = help.strip_prefix("Beyond the notes: ") {
            Ok(Follows::Beyond(topic.to_owned()))
        } else {
            Err(format!(
                "{}: after_help names no section: {help:?}",
                self.folder
            ))
        }
    }

    /// The Python twin beside it (the one `.py` file in its folder), relative to the root.
    pub fn twin(&self) -> Option<String> {
        let dir = crate::repo_path(&self.folder);
        let mut twins: Vec<String> = std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|f| f.ends_with(".py"))
            .collect();
        twins.sort();
        (twins.len() == 1).then(|| format!("{}/{}", self.folder, twins[0]))
    }

    /// Its transcripts, in file-name order.
    pub fn transcripts(&self) -> Vec<Transcript> {
        let dir = crate::repo_path(&self.folder).join("transcripts");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| Some(e.ok()?.path())).collect())
            .unwrap_or_default();
        files.retain(|f| f.extension().is_some_and(|x| x == "run"));
        files.sort();
        let twin = self.twin();
        files
            .iter()
            .map(|f| {
                let mut t = Transcript::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
                t.twin.clone_from(&twin);
                t
            })
            .collect()
    }
}

/// Every program of the workspace, folder by folder in the order the notes take them.
pub fn programs() -> Vec<Program> {
    let mut all = Vec::new();
    for group in [
        "examples-threads",
        "examples-processes",
        "examples-futures",
        "examples-async",
        "examples-compare",
    ] {
        let mut names: Vec<String> = std::fs::read_dir(crate::repo_path(group))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.path().join("src/main.rs").is_file())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        all.extend(names.into_iter().map(|name| Program {
            folder: format!("{group}/{name}"),
            name,
        }));
    }
    all
}

/// Every transcript of every program.
pub fn all() -> Vec<Transcript> {
    programs().iter().flat_map(Program::transcripts).collect()
}

impl Transcript {
    /// Reads and parses one transcript file.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        Self::parse(path, &text)
    }

    /// Parses a transcript's text (see the module's documentation for the format).
    pub fn parse(path: &Path, text: &str) -> Result<Self, String> {
        let mut lines = text.lines();
        let mut t = Transcript {
            path: path.to_owned(),
            program: String::new(),
            args: Vec::new(),
            shows: String::new(),
            python: Python::Same,
            each_start_method: false,
            needs_python: None,
            markdown: false,
            expected: String::new(),
            twin: None,
        };
        for line in lines.by_ref() {
            if let Some(command) = line.strip_prefix("$ ") {
                let mut words = command.split_whitespace().map(str::to_owned);
                t.program = words.next().ok_or("an empty command")?;
                t.args = words.collect();
                break;
            }
            let (key, value) = line
                .strip_prefix("# ")
                .and_then(|l| l.split_once(": "))
                .ok_or_else(|| format!("not `# key: value` or `$ command`: {line:?}"))?;
            match (key, value) {
                ("shows", v) => t.shows = v.to_owned(),
                ("python", "same") => t.python = Python::Same,
                ("python", "same first line") => t.python = Python::SameFirstLine,
                ("python", v) if v.starts_with("differs: ") => {
                    t.python = Python::Differs(v["differs: ".len()..].to_owned());
                }
                ("start methods", "each") => t.each_start_method = true,
                ("output", "markdown") => t.markdown = true,
                ("needs", v) => {
                    let (major, minor) = v
                        .strip_prefix("python ")
                        .and_then(|v| v.split_once('.'))
                        .ok_or_else(|| format!("needs: python X.Y, not {v:?}"))?;
                    let number = |s: &str| s.parse().map_err(|_| format!("a version: {v:?}"));
                    t.needs_python = Some((number(major)?, number(minor)?));
                }
                _ => return Err(format!("unknown header line {line:?}")),
            }
        }
        if t.program.is_empty() {
            return Err("no `$ command` line".into());
        }
        if t.shows.is_empty() {
            return Err("no `# shows:` line".into());
        }
        t.expected = lines.map(|l| format!("{l}\n")).collect();
        Ok(t)
    }

    /// The arguments with `--start-method METHOD` added, before a bare `--` that must stay last.
    pub fn args_with_start_method(&self, method: &str) -> Vec<String> {
        let mut args = self.args.clone();
        let dash = args.last().is_some_and(|a| a == "--");
        let at = args.len() - usize::from(dash);
        args.splice(at..at, ["--start-method".to_owned(), method.to_owned()]);
        args
    }

    /// The argument lists this transcript runs with: once, or once per start method.
    pub fn runs(&self) -> Vec<Vec<String>> {
        if self.each_start_method {
            crate::START_METHODS
                .iter()
                .map(|m| self.args_with_start_method(m))
                .collect()
        } else {
            vec![self.args.clone()]
        }
    }

    /// The program with `args`, run from the repository's root (a transcript's paths are relative
    /// to it).
    pub fn rust(&self, args: &[String]) -> std::process::Command {
        let mut cmd = crate::example(&self.program);
        cmd.args(args).current_dir(crate::repo_path("."));
        cmd
    }

    /// `python3 TWIN` with `args`, from the repository's root.
    pub fn python(&self, args: &[String]) -> std::process::Command {
        let mut cmd = std::process::Command::new("python3");
        cmd.arg(
            self.twin
                .as_deref()
                .expect("a transcript read with its program's twin"),
        )
        .args(args)
        .current_dir(crate::repo_path("."));
        cmd
    }

    /// Whether `stdout` is what this transcript expects.
    pub fn accepts(&self, stdout: &str) -> bool {
        matches(&self.expected, stdout)
    }

    /// The command line as the reader types it.
    pub fn command_line(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether the expected output has wildcards (then `bless` leaves it alone).
    pub fn has_wildcards(&self) -> bool {
        self.expected.contains("[..]") || self.expected.lines().any(|l| l == "...")
    }

    /// The file's text with `stdout` as its expected output: its header and command line kept.
    pub fn with_output(&self, stdout: &str) -> Result<String, String> {
        let text = std::fs::read_to_string(&self.path).map_err(|e| e.to_string())?;
        let mut head = String::new();
        for line in text.lines() {
            head += line;
            head += "\n";
            if line.starts_with("$ ") {
                return Ok(head + stdout);
            }
        }
        Err("no `$ command` line".into())
    }
}

/// Whether `text` matches `pattern`, line by line: `[..]` in a pattern line matches any text
/// within a line, a pattern line `...` matches any number of whole lines (none included).
pub fn matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<&str> = pattern.lines().collect();
    let text: Vec<&str> = text.lines().collect();
    // Whether pattern[p..] matches text[t..]; `...` makes it a search, kept small by memoising.
    fn go(p: usize, t: usize, pattern: &[&str], text: &[&str], seen: &mut Vec<Vec<bool>>) -> bool {
        if seen[p][t] {
            return false;
        }
        seen[p][t] = true;
        match pattern.get(p) {
            None => t == text.len(),
            Some(&"...") => (t..=text.len()).any(|u| go(p + 1, u, pattern, text, seen)),
            Some(line) => text.get(t).is_some_and(|have| {
                line_matches(line, have) && go(p + 1, t + 1, pattern, text, seen)
            }),
        }
    }
    let mut seen = vec![vec![false; text.len() + 1]; pattern.len() + 1];
    go(0, 0, &pattern, &text, &mut seen)
}

/// One line against one pattern line with `[..]` wildcards.
fn line_matches(pattern: &str, line: &str) -> bool {
    let mut parts = pattern.split("[..]");
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_what_they_say_and_nothing_more() {
        assert!(matches("a\nb\n", "a\nb\n"));
        assert!(!matches("a\nb\n", "a\nb\nc\n"));
        assert!(!matches("a\n", "a\nb\n"));
        assert!(matches(
            "with lock: 8\nwithout lock: [..]\n",
            "with lock: 8\nwithout lock: 5\n"
        ));
        assert!(!matches(
            "with lock: 8\nwithout lock: [..]\n",
            "with lock: 9\nwithout lock: 5\n"
        ));
        assert!(matches("x [..] y [..] z\n", "x 1 y 2 z\n"));
        assert!(!matches("x [..] y\n", "x 1 z\n"));
        assert!(!matches("ab[..]ba\n", "aba\n"));
        assert!(matches("first\n...\n", "first\n"));
        assert!(matches("first\n...\n", "first\n2\n3\n"));
        assert!(matches("...\nlast\n", "1\n2\nlast\n"));
        assert!(!matches("...\nlast\n", "1\n2\n"));
        assert!(!matches("first\n...\n", "second\n"));
    }

    #[test]
    fn a_transcript_reads_its_header_and_refuses_unknown_lines() {
        let t = Transcript::parse(
            Path::new("x.run"),
            "# shows: a test\n# python: same first line\n# start methods: each\n\
             # needs: python 3.11\n$ prog --n 1 --\nout\n",
        )
        .unwrap();
        assert_eq!(t.program, "prog");
        assert_eq!(t.python, Python::SameFirstLine);
        assert_eq!(t.needs_python, Some((3, 11)));
        assert_eq!(t.expected, "out\n");
        assert_eq!(
            t.args_with_start_method("spawn"),
            ["--n", "1", "--start-method", "spawn", "--"]
        );
        assert!(Transcript::parse(Path::new("x"), "# colour: red\n$ p\n").is_err());
        assert!(Transcript::parse(Path::new("x"), "# shows: x\n").is_err());
        assert!(Transcript::parse(Path::new("x"), "$ p\n").is_err());
    }
}
