//! The pure core of coscors: [`model`] (COS's CORS configuration, its XML
//! codec, validation of PUT Bucket cors, evaluation of preflights and
//! actual requests, the `cos` and `s3` profiles, the Fetch standard's
//! browser checks) and [`sign`] (COS and AWS SigV4 signatures).
//!
//! Nothing here does I/O, runs async or reads a clock; its manifest has no
//! network dependency, so the compiler holds it to that. The `coscors`
//! crate re-exports both modules (`coscors::model`, `coscors::sign`).

pub mod model;
pub mod sign;
