//! The chapters form one reading order.
//!
//! A numbered chapter is a file `docs/NN-name.md`. For every one of them:
//!
//! - its first line is `# N. …`, with `N` the number of its file name, and no
//!   two chapters share a number (the appendices, `numpy-for-rust.md` and
//!   `DESIGN.md`, have no number in their heading);
//! - it is reached from chapter 1 by following the `Next:` links, one chapter
//!   after another in the order of their numbers, and the last chapter's
//!   `Next:` leads back to the index, `README.md`;
//! - `docs/README.md` lists it in its table (a row starting `| N | [`, with a
//!   link to the file) and the README in its numbered list (a line starting
//!   `N. [` with a link to `docs/` and the file), each under its own number.
//!
//! The checks read the files as text; the last test runs them on made-up
//! chapters, one broken chain at a time, so that a checker which finds
//! nothing would fail.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

/// The repository root (where Cargo.toml is).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The number a chapter's file name starts with: `07-softmax.md` is 7.
fn file_number(name: &str) -> Option<u32> {
    let (digits, rest) = name.split_once('-')?;
    (digits.len() == 2 && rest.ends_with(".md"))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The number a heading starts with: `# 9. Performance` is 9.
fn heading_number(text: &str) -> Option<u32> {
    let first = text.lines().next()?.strip_prefix("# ")?;
    first.split_once(". ")?.0.parse().ok()
}

/// The target of a line's `Next: [..](target)` link, if the chapter has one.
fn next_link(text: &str) -> Option<String> {
    let line = text.lines().rev().find(|l| l.starts_with("Next:"))?;
    let after = line.split("](").nth(1)?;
    Some(after.split(')').next()?.to_string())
}

/// Checks the chapters (file name → text) and the two lists against each
/// other; returns the problems found, none when all is well.
fn check(chapters: &BTreeMap<String, String>, index: &str, readme: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let numbered: BTreeMap<u32, &String> = chapters
        .keys()
        .filter_map(|name| file_number(name).map(|n| (n, name)))
        .collect();
    if numbered.len() != chapters.keys().filter(|n| file_number(n).is_some()).count() {
        problems.push("two chapter files share a number".to_string());
    }
    for (name, text) in chapters {
        match (file_number(name), heading_number(text)) {
            (Some(n), Some(h)) if n == h => {}
            (Some(n), h) => problems.push(format!("{name} is headed {h:?}, not chapter {n}")),
            (None, Some(h)) => problems.push(format!(
                "{name} is an appendix but its heading numbers it {h}"
            )),
            (None, None) => {}
        }
    }
    for (n, name) in &numbered {
        if !index.contains(&format!("| {n} | [")) || !index.contains(&format!("]({name})")) {
            problems.push(format!(
                "docs/README.md does not list {name} as chapter {n}"
            ));
        }
        let listed = readme
            .lines()
            .any(|l| l.starts_with(&format!("{n}. [")) && l.contains(&format!("](docs/{name})")));
        if !listed {
            problems.push(format!(
                "README.md does not list docs/{name} as chapter {n}"
            ));
        }
    }
    // Follow the Next links from the first chapter.
    let mut order: Vec<&String> = Vec::new();
    let mut at = numbered.values().next().copied();
    while let Some(name) = at {
        if order.contains(&name) {
            problems.push(format!("the Next links loop back to {name}"));
            break;
        }
        order.push(name);
        at = match next_link(&chapters[name]) {
            None => {
                problems.push(format!("{name} has no Next link"));
                None
            }
            Some(target) if target == "README.md" => None,
            Some(target) => match chapters.get_key_value(&target) {
                Some((key, _)) => Some(key),
                None => {
                    problems.push(format!(
                        "{name}'s Next link leads to {target}, not a chapter"
                    ));
                    None
                }
            },
        };
    }
    let expected: Vec<&String> = numbered.values().copied().collect();
    if order != expected {
        problems.push(format!(
            "following Next from chapter 1 reads {order:?}, not the chapters in order {expected:?}"
        ));
    }
    problems
}

#[test]
fn every_chapter_is_numbered_once_listed_twice_and_reached_by_next() {
    let root = root();
    let mut chapters = BTreeMap::new();
    for entry in fs::read_dir(root.join("docs")).expect("the docs/ folder") {
        let name = entry.expect("a docs/ entry").file_name();
        let name = name.to_string_lossy().into_owned();
        if name.ends_with(".md") && name != "README.md" {
            let text = fs::read_to_string(root.join("docs").join(&name)).expect("a chapter");
            chapters.insert(name, text);
        }
    }
    let index = fs::read_to_string(root.join("docs/README.md")).expect("docs/README.md");
    let readme = fs::read_to_string(root.join("README.md")).expect("README.md");
    let numbered = chapters.keys().filter(|n| file_number(n).is_some()).count();
    // Nine chapters at least (1-5 the notes, 6 the agreement, 7-8 weeks 2-3, 9 speed).
    assert!(
        numbered >= 9,
        "only {numbered} numbered chapters found in docs/"
    );
    let problems = check(&chapters, &index, &readme);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_chapter_checker_finds_a_broken_chain_a_duplicate_number_and_a_missing_entry() {
    let chapter = |n: u32, next: &str| format!("# {n}. Title\n\ntext\n\nNext: [x]({next}).\n");
    let good: BTreeMap<String, String> = [
        ("01-a.md".to_string(), chapter(1, "02-b.md")),
        ("02-b.md".to_string(), chapter(2, "03-c.md")),
        ("03-c.md".to_string(), chapter(3, "README.md")),
        ("extra.md".to_string(), "# An appendix\n".to_string()),
    ]
    .into();
    let index = "| 1 | [a](01-a.md) |\n| 2 | [b](02-b.md) |\n| 3 | [c](03-c.md) |\n";
    let readme = "1. [a](docs/01-a.md)\n2. [b](docs/02-b.md)\n3. [c](docs/03-c.md)\n";
    assert_eq!(check(&good, index, readme), Vec::<String>::new());

    let found = |chapters: &BTreeMap<String, String>, index: &str, readme: &str, what: &str| {
        let problems = check(chapters, index, readme);
        assert!(
            problems.iter().any(|p| p.contains(what)),
            "expected a problem containing {what:?}, got {problems:?}"
        );
    };
    // Chapter 2 skips chapter 3 and goes back to the index.
    let mut skip = good.clone();
    skip.insert("02-b.md".into(), chapter(2, "README.md"));
    found(&skip, index, readme, "not the chapters in order");
    // Chapter 3 is headed as chapter 2.
    let mut twice = good.clone();
    twice.insert("03-c.md".into(), chapter(2, "README.md"));
    found(&twice, index, readme, "03-c.md is headed Some(2)");
    // Chapter 3 has no Next link.
    let mut last = good.clone();
    last.insert("03-c.md".into(), "# 3. Title\n".into());
    found(&last, index, readme, "03-c.md has no Next link");
    // The README leaves chapter 2 out; docs/README.md leaves chapter 3 out.
    found(
        &good,
        index,
        "1. [a](docs/01-a.md)\n3. [c](docs/03-c.md)\n",
        "README.md does not list docs/02-b.md",
    );
    found(
        &good,
        "| 1 | [a](01-a.md) |\n| 2 | [b](02-b.md) |\n",
        readme,
        "docs/README.md does not list 03-c.md",
    );
    // An appendix headed with a number.
    let mut appendix = good.clone();
    appendix.insert("extra.md".into(), "# 4. An appendix\n".into());
    found(&appendix, index, readme, "extra.md is an appendix");
}
