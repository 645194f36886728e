//! Request and trace ids shaped like COS's.
//!
//! Seed 003's `x-cos-request-id` values are base64 of
//! `<hex time>_<hex>_<hex>_<hex>` (`NWYwNzJlNzJf...` decodes to
//! `5f072e72_84c92a09_2541c_13fd39...`); trace ids are base64 of 128 hex
//! digits. Ours have the same shape so that clients parsing them are not
//! surprised; their values are volatile and the runner masks them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

#[derive(Debug)]
pub struct IdGenerator {
    counter: AtomicU64,
    seed: u64,
}

impl Default for IdGenerator {
    fn default() -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        IdGenerator {
            counter: AtomicU64::new(1),
            seed: now ^ u64::from(std::process::id()).rotate_left(32),
        }
    }
}

/// A request id, kept on the stack.
#[derive(Clone, Copy)]
pub struct RequestId([u8; 44]);

impl RequestId {
    pub fn as_str(&self) -> &str {
        // Base64 output is ASCII.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

/// Write `v` as lower-case hex, right-aligned and zero-padded, into `out`.
fn hex(out: &mut [u8], mut v: u64) {
    for b in out.iter_mut().rev() {
        *b = b"0123456789abcdef"[(v & 0xf) as usize];
        v >>= 4;
    }
}

fn mix(mut x: u64) -> u64 {
    // splitmix64: cheap, well-distributed, no dependency.
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl IdGenerator {
    /// A fresh request id: base64 of `SSSSSSSS_RRRRRRRR_rrrrr_NNNNNNNNN`
    /// (hex seconds, random, random, counter): 33 bytes, 44 characters.
    pub fn request_id(&self) -> RequestId {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let r = mix(self.seed ^ n);
        let mut raw = [b'_'; 33];
        hex(&mut raw[0..8], secs & 0xffff_ffff);
        hex(&mut raw[9..17], r & 0xffff_ffff);
        hex(&mut raw[18..23], (r >> 32) & 0xf_ffff);
        hex(&mut raw[24..33], n & 0xf_ffff_ffff);
        let mut out = [0u8; 44];
        // 33 bytes always encode to exactly 44 characters.
        let _ = B64.encode_slice(raw, &mut out);
        RequestId(out)
    }

    /// A trace id for an error answer.
    pub fn trace_id(&self, request_id: &str) -> String {
        let mut hex = String::with_capacity(128);
        let mut h = self.seed;
        for b in request_id.bytes() {
            h = mix(h ^ u64::from(b));
        }
        for i in 0..8u64 {
            hex.push_str(&format!("{:016x}", mix(h.wrapping_add(i))));
        }
        B64.encode(hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_uniqueness() {
        let g = IdGenerator::default();
        let a = g.request_id().as_str().to_string();
        let b = g.request_id().as_str().to_string();
        assert_ne!(a, b);
        let decoded = String::from_utf8(B64.decode(&a).expect("base64")).expect("utf8");
        assert_eq!(decoded.split('_').count(), 4);
        assert_eq!(a.len(), 44);
        assert!(!a.ends_with('='));
        let t = B64.decode(g.trace_id(&a)).expect("base64");
        assert_eq!(t.len(), 128);
    }
}
