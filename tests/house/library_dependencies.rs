//! The README's "As a library" names every crate the library needs without
//! the `cli` feature: the dependencies of `Cargo.toml` that are not optional.

use std::path::Path;

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The names in `Cargo.toml`'s `[dependencies]` table that are not optional.
fn required_dependencies(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if !inside || line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((name, spec)) = line.split_once('=')
            && !spec.contains("optional = true")
        {
            names.push(name.trim().to_string());
        }
    }
    names
}

#[test]
fn the_readme_names_every_dependency_of_the_library_alone() {
    let names = required_dependencies(&read("Cargo.toml"));
    assert!(names.len() >= 5, "the dependencies were read: {names:?}");
    let readme = read("README.md");
    let section = readme
        .split("## As a library")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the README has an \"As a library\" section");
    let paragraph = section
        .split("```rust")
        .next()
        .expect("the section's text before its example");
    for name in &names {
        assert!(
            names_word(paragraph, name),
            "README.md, \"As a library\": the library needs {name} (Cargo.toml), which the text does not name"
        );
    }
}

/// Whether `text` holds `word` as a whole word: `rand` is not found in
/// `rand_pcg`.
fn names_word(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    text.match_indices(word).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(part)
            && !text[at + word.len()..].chars().next().is_some_and(part)
    })
}

#[test]
fn optional_dependencies_are_not_counted() {
    let manifest = "[package]\nname = \"x\"\n[dependencies]\na = \"1\"\n# b\nc = { version = \"1\", optional = true }\nd = { path = \"d\" }\n[dev-dependencies]\ne = \"1\"\n";
    assert_eq!(required_dependencies(manifest), ["a", "d"]);
    assert!(names_word("on rand_pcg and rand, serde", "rand"));
    assert!(!names_word("on rand_pcg and serde_json", "rand"));
    assert!(!names_word("on serde_json", "serde"));
}
