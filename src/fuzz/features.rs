//! What an execution reached in the model, as a small set of features: for
//! every step, its kind with the answer's status, error code and which CORS
//! headers it carries (and their shapes); for preflights and actual
//! requests, the index of the rule that allowed them (or none) among how
//! many; for a refused setup, which validation check refused it. A campaign
//! keeps the inputs that reach a feature it had not reached (`--corpus`).
//!
//! Computed from the answers and from pure model calls
//! ([`model::matching_rule`], [`model::validate_config`]): no I/O, and the
//! same input gives the same features on every machine.

use super::exec::{Answer, StepKind, WireStep};
use super::gen::{FuzzInput, FuzzRequest};
use crate::model::{self, CorsConfiguration, Profile};

/// A feature id: FNV-1a over a few small values, stable across runs.
struct H(u64);

impl H {
    fn new(side: u8) -> H {
        H(0xcbf2_9ce4_8422_2325).u(u64::from(side))
    }

    fn u(mut self, x: u64) -> H {
        for b in x.to_le_bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self
    }

    fn s(mut self, s: &str) -> H {
        for b in s.bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self.u(0xff)
    }
}

/// The configuration in force at a step, as far as it is known without
/// parsing a body.
#[derive(Clone, Copy)]
enum InForce<'a> {
    None,
    Known(&'a CorsConfiguration),
    Unknown,
}

/// 0, 1, 2, 3-9, 10+.
fn bucket(n: usize) -> u64 {
    match n {
        0..=2 => n as u64,
        3..=9 => 3,
        _ => 4,
    }
}

/// The wording of a validation error without the values it quotes (the
/// check, not the input that failed it).
fn check_of(message: &str) -> String {
    let m = message.split('"').next().unwrap_or_default();
    let m = m.split_once(": ").map_or(m, |(_, rest)| rest);
    m.split_whitespace()
        .take(4)
        .filter(|w| !w.bytes().any(|b| b.is_ascii_digit()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Call `out` with every feature of one target's answers to an input's
/// steps. `side` tells the two targets of a pair apart; `profile` is the
/// target's (in process), for the validation check of a refused setup.
pub fn of_run(
    input: &FuzzInput,
    steps: &[WireStep],
    answers: &[Answer],
    profile: Option<Profile>,
    side: u8,
    out: &mut impl FnMut(u64),
) {
    let mut config = InForce::None;
    for (s, a) in steps.iter().zip(answers) {
        let cors = a.cors();
        let mut mask = 0u64;
        for (k, v) in cors.iter().enumerate() {
            if v.is_some() {
                mask |= 1 << k;
            }
        }
        let origin_shape = match cors[0].as_deref() {
            None => 0,
            Some("*") => 1,
            Some(v) if s.origin() == Some(v) => 2,
            Some(_) => 3,
        };
        let headers_shape = match (cors[3].as_deref(), s.requested()) {
            (None, _) => 0,
            (Some(v), Some(r)) if v.eq_ignore_ascii_case(r) => 1,
            (Some(_), _) => 2,
        };
        out(H::new(side)
            .s(s.kind.name())
            .u(u64::from(a.status))
            .s(a.code.as_deref().unwrap_or(""))
            .u(mask)
            .u(origin_shape)
            .u(headers_shape)
            .0);
        match s.kind {
            StepKind::Setup => {
                let Some(c) = &input.config else { continue };
                out(H::new(side)
                    .s("rules")
                    .u(bucket(c.rules.len()))
                    .u(u64::from(a.status))
                    .0);
                if a.status == 200 {
                    config = InForce::Known(c);
                } else if let Some(p) = profile {
                    if let Err(e) = model::validate_config(c, p) {
                        out(H::new(side)
                            .s("validation")
                            .s(e.code.as_str())
                            .s(&check_of(&e.message))
                            .0);
                    }
                }
            }
            StepKind::SetupReset | StepKind::DeleteCors if a.status / 100 == 2 => {
                config = InForce::None;
            }
            StepKind::PutCors if a.status == 200 => {
                config = match s.request.and_then(|i| input.requests.get(i)) {
                    Some(FuzzRequest::PutCors {
                        written_from: Some(c),
                        ..
                    }) => InForce::Known(c),
                    _ => InForce::Unknown,
                }
            }
            StepKind::Preflight | StepKind::Actual => {
                let method = match s.kind {
                    StepKind::Preflight => s.requested_method(),
                    _ => Some(s.method),
                };
                let h = H::new(side).s(s.kind.name()).s("rule");
                let id = match (config, s.origin(), method) {
                    (InForce::Known(c), Some(o), Some(m)) => {
                        let requested = (s.kind == StepKind::Preflight)
                            .then(|| s.requested())
                            .flatten();
                        let rule = model::matching_rule(c, o, m, requested);
                        h.u(rule.map_or(0, |i| i.min(15) as u64 + 1))
                            .u(bucket(c.rules.len()))
                    }
                    (InForce::Known(_), _, _) => h.s("incomplete"),
                    (InForce::None, _, _) => h.s("no configuration"),
                    (InForce::Unknown, _, _) => continue,
                };
                out(id.0);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::exec::{run_model, steps};
    use crate::model::{preflight, Preflight, PreflightOutcome};

    /// The rule index the features name is the rule the preflight answers
    /// from: some exactly when the preflight is allowed by a rule of the
    /// configuration.
    #[test]
    fn the_matching_rule_is_the_one_preflight_allows_with() {
        let (mut allowed, mut refused) = (0, 0);
        for i in 0..4000 {
            let input = FuzzInput::for_iteration(21, i);
            let Some(c) = &input.config else { continue };
            for r in &input.requests {
                let FuzzRequest::Preflight {
                    origin,
                    method,
                    headers,
                    ..
                } = r
                else {
                    continue;
                };
                let (Some(o), Some(m)) = (origin.first(), method.first()) else {
                    continue;
                };
                if origin.len() > 1 || method.len() > 1 || headers.len() > 1 {
                    continue;
                }
                let h = headers.first().map(std::convert::AsRef::as_ref);
                let q = Preflight {
                    origin: Some(o),
                    method: Some(m),
                    request_headers: h,
                };
                let rule = model::matching_rule(c, o, m, h);
                match preflight(Some(c), &q, Profile::Cos) {
                    PreflightOutcome::Allowed(_) => {
                        allowed += 1;
                        assert!(rule.is_some(), "iteration {i}: allowed without a rule");
                    }
                    PreflightOutcome::Refused(_) => {
                        refused += 1;
                        assert!(rule.is_none(), "iteration {i}: refused with rule {rule:?}");
                    }
                }
            }
        }
        assert!(allowed > 100 && refused > 100, "{allowed} {refused}");
    }

    #[test]
    fn features_are_deterministic_and_varied() {
        let features = |seed| {
            let mut all = std::collections::BTreeSet::new();
            for i in 0..2000 {
                let input = FuzzInput::for_iteration(seed, i);
                let steps = steps(&input);
                let mut answers = Vec::new();
                run_model(Profile::Cos, &input, &steps, &mut answers);
                of_run(&input, &steps, &answers, Some(Profile::Cos), 0, &mut |f| {
                    all.insert(f);
                });
            }
            all
        };
        let once = features(3);
        assert_eq!(once, features(3));
        assert!(once.len() > 50, "{}", once.len());
    }

    #[test]
    fn a_check_is_named_without_its_values() {
        assert_eq!(
            check_of("AllowedOrigin \"https://**\" can not have more than one wildcard."),
            "AllowedOrigin"
        );
        assert_eq!(
            check_of("Found unsupported HTTP method in CORS config. Unsupported method is GETX"),
            check_of("Found unsupported HTTP method in CORS config. Unsupported method is put")
        );
    }
}
