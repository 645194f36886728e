//! The wildcard matcher against a reference: on any pattern and text, it
//! answers what the pattern as an anchored regex (parts escaped, each `*`
//! as `.*`, `.` matching newlines) answers. (The case-insensitive variant
//! is not public; the property tests in `model::glob` compare it.)
#![no_main]

use coscors_model::model::wildcard_match;
use libfuzzer_sys::fuzz_target;

fn reference(pattern: &str, text: &str) -> bool {
    let parts: Vec<String> = pattern.split('*').map(regex::escape).collect();
    regex::Regex::new(&format!("(?s)^{}$", parts.join(".*")))
        .map(|re| re.is_match(text))
        // A pattern too large for the regex crate's limits: nothing to compare.
        .unwrap_or_else(|_| wildcard_match(pattern, text))
}

fuzz_target!(|input: (&str, &str)| {
    let (pattern, text) = input;
    assert_eq!(
        wildcard_match(pattern, text),
        reference(pattern, text),
        "{pattern:?} {text:?}"
    );
});
