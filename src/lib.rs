//! coscors: a conformance test harness, reference emulator and differential
//! fuzzer for the CORS behaviour of Tencent Cloud Object Storage (COS).
//!
//! The crate is a pure core ([`model`]) inside an I/O shell ([`emulator`],
//! [`target`], [`runner`]). See ARCHITECTURE.md for the map.

pub mod bench;
pub mod bucket_lock;
pub mod build_info;
pub mod case;
pub mod clock;
pub mod corpus;
pub mod diff;
pub mod doctor;
pub mod emulator;
pub mod fuzz;
#[cfg(feature = "harness")]
pub mod harness;
pub mod http;
pub mod record;
pub mod report;
pub mod runner;
pub mod safety;
pub mod signal;
pub mod suite;
pub mod target;

/// The pure core, in its own crate (`crates/coscors-model`) so that the
/// compiler keeps it free of I/O; its paths stay `coscors::model::...` and
/// `coscors::sign::...`.
pub use coscors_model::{model, sign};
