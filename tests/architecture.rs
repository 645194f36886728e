//! ARCHITECTURE.md's module table names every file under `src/` and
//! `crates/`, and no file that is not there.

use std::collections::BTreeSet;
use std::path::Path;

fn files(root: &Path, dir: &str, out: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return;
    };
    for e in entries.flatten() {
        let rel = format!("{dir}/{}", e.file_name().to_string_lossy());
        if e.path().is_dir() {
            files(root, &rel, out);
        } else {
            out.insert(rel);
        }
    }
}

#[test]
fn the_module_table_matches_the_tree_file_for_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let section = doc
        .split("## Modules")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Modules section");
    let listed: BTreeSet<String> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    let mut present = BTreeSet::new();
    files(root, "src", &mut present);
    files(root, "crates", &mut present);
    let missing: Vec<_> = present.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&present).collect();
    assert!(
        missing.is_empty(),
        "not in ARCHITECTURE.md's table: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "in the table but not in the tree: {extra:?}"
    );
}
