//! coscors: a conformance test harness, reference emulator and differential
//! fuzzer for the CORS behaviour of Tencent Cloud Object Storage (COS).
//!
//! The crate is a pure core ([`model`]) inside an I/O shell ([`emulator`],
//! [`target`], [`runner`]). See ARCHITECTURE.md for the map.

pub mod bench;
pub mod bucket_lock;
pub mod build_info;
pub mod case;
pub mod diff;
pub mod doctor;
pub mod emulator;
pub mod fuzz;
pub mod model;
pub mod record;
pub mod report;
pub mod runner;
pub mod safety;
pub mod sign;
pub mod suite;
pub mod target;
