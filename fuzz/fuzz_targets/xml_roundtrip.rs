//! The CORS configuration codec: parsing any bytes never panics; what
//! parses writes back to a document that parses to the same configuration;
//! validating a PUT never panics.
#![no_main]

use coscors_model::model::{validate_put, xml, Profile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(config) = xml::parse(data) {
        let written = xml::write(&config, Profile::Cos);
        let again = xml::parse(written.as_bytes()).expect("what the writer writes parses");
        assert_eq!(again, config, "parse → write → parse is the identity");
    }
    for profile in Profile::ALL {
        let _ = validate_put(data, None, profile);
    }
});
