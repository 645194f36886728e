//! The README's counts are the suite's: the total, each API folder's row,
//! and the evidence grades it quotes.

use std::collections::BTreeMap;

#[test]
fn the_readme_counts_what_cases_holds() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let cases: Vec<_> = coscors::case::discover(&[root.join("cases")])
        .expect("cases/")
        .iter()
        .flat_map(|f| coscors::case::load_file(f).expect("loads").cases)
        .collect();
    let total = cases.len();
    assert!(
        readme.contains(&format!("{total} cases, grouped by API:")),
        "README's total is not {total}"
    );
    let mut by_folder: BTreeMap<String, usize> = BTreeMap::new();
    for c in &cases {
        let folder = c.id.split('/').next().unwrap_or_default().to_string();
        *by_folder.entry(folder).or_default() += 1;
    }
    // Each row `| `cases/<folder>/` ... | N |` (errors and objects share one).
    for line in readme.lines().filter(|l| l.starts_with("| `cases/")) {
        let Some(n) = line
            .trim_end_matches('|')
            .rsplit('|')
            .next()
            .and_then(|n| n.trim().parse::<usize>().ok())
        else {
            continue;
        };
        let folders: Vec<&str> = line
            .split('|')
            .nth(1)
            .unwrap_or_default()
            .split(',')
            .filter_map(|f| f.trim().strip_prefix("`cases/")?.strip_suffix("/`"))
            .collect();
        if folders
            .iter()
            .any(|f| ["vendors", "found", "recorded"].contains(f))
        {
            continue;
        }
        let want: usize = folders
            .iter()
            .map(|f| by_folder.get(*f).copied().unwrap_or(0))
            .sum();
        assert_eq!(
            n, want,
            "README row for {folders:?} says {n}, cases/ holds {want}"
        );
    }
    let grade = |g| cases.iter().filter(|c| c.case.evidence == g).count();
    use coscors::case::Evidence::*;
    let quoted = format!(
        "{} settled, {} supported, {} inferred",
        grade(Settled),
        grade(Supported),
        grade(Inferred)
    );
    assert!(readme.contains(&quoted), "README does not quote {quoted}");
    assert!(readme.contains(&format!("{total} passed, 0 failed, 0 skipped")));
    // The example crate's run (.ci/run checks its counts against the suite).
    assert!(
        readme.contains(&format!("that all {total} cases ran")),
        "README's vendor-store paragraph does not say {total}"
    );
}
