//! Evidence grades: every suite case has one (the loader requires the
//! field), a grade above `inferred` rests on a COS source (a COS page, a
//! seed, an official COS SDK's source or real-service test, a recording of
//! COS), and an `inferred` case's description says why.

use coscors::case::{self, Evidence};

fn suite() -> Vec<case::LoadedCase> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
    case::discover(&[root])
        .expect("cases/")
        .iter()
        .flat_map(|f| case::load_file(f).expect("every case file loads").cases)
        .collect()
}

#[test]
fn a_grade_above_inferred_rests_on_a_cos_source() {
    let bad: Vec<String> = suite()
        .into_iter()
        .filter(|c| c.case.evidence != Evidence::Inferred && !c.case.source.has_cos_source())
        .map(|c| format!("{} ({}): {}", c.id, c.case.evidence, c.case.source))
        .collect();
    assert!(
        bad.is_empty(),
        "graded above inferred with no COS source:\n{}",
        bad.join("\n")
    );
}

#[test]
fn an_inferred_case_says_why() {
    let bad: Vec<String> = suite()
        .into_iter()
        .filter(|c| {
            c.case.evidence == Evidence::Inferred
                && !c.case.description.to_ascii_lowercase().contains("inferred")
        })
        .map(|c| c.id)
        .collect();
    assert!(
        bad.is_empty(),
        "inferred, but the description does not say so and why:\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_grade_is_used_and_counted() {
    let cases = suite();
    for g in Evidence::ALL {
        assert!(
            cases.iter().any(|c| c.case.evidence == g),
            "no case is graded {g}"
        );
    }
}
