//! The model's evaluation: no panic, and its invariants hold:
//! - an allowed preflight needs a configuration with a rule;
//! - `Access-Control-Allow-Credentials` never stands beside `*`;
//! - the in-process model and the emulator's request handler agree on
//!   every answer (the emulator has no CORS logic of its own).
#![no_main]

use arbitrary::Unstructured;
use coscors::fuzz::exec::{run_in_process, run_model, steps, wire_form, StepKind};
use coscors::fuzz::gen::FuzzInput;
use coscors::model::Profile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(input) = FuzzInput::generate(&mut u) else {
        return;
    };
    let steps = steps(&input);
    let wire: Vec<_> = steps.iter().map(|s| wire_form(&input, s)).collect();
    for profile in Profile::ALL {
        let mut model = Vec::new();
        run_model(profile, &input, &steps, &mut model);
        for (s, a) in steps.iter().zip(&model) {
            if s.kind == StepKind::Preflight && a.status == 200 {
                assert!(
                    a.header("Access-Control-Allow-Origin").is_some(),
                    "allowed without Allow-Origin: {a:?}"
                );
            }
            if a.header("Access-Control-Allow-Origin") == Some("*") {
                assert!(
                    a.header("Access-Control-Allow-Credentials").is_none(),
                    "credentials beside *: {a:?}"
                );
            }
        }
        if input.config.is_none() {
            for (s, a) in steps.iter().zip(&model).take(3) {
                if s.kind == StepKind::Preflight {
                    assert_ne!(a.status, 200, "a preflight allowed with no configuration");
                }
            }
        }
        let handler = run_in_process(profile, &wire);
        assert_eq!(
            model, handler,
            "model and emulator handler disagree on {input:?}"
        );
    }
});
