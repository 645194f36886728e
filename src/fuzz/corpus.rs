//! A campaign's growing corpus (`coscors fuzz --corpus DIR`): the bytes of
//! every input that reached a model feature the worker had not reached
//! ([`super::features`]), one file each, named by a hash of the bytes. The
//! bytes are the generator's (what `Generator::from_bytes` and cargo-fuzz's
//! `model_eval` target read), so a corpus also seeds libFuzzer.
//!
//! A campaign given a corpus first replays its files, then draws half of
//! its inputs as mutations of its entries (deterministic for the seed and
//! the iteration) and half fresh from the seed.

use std::path::Path;

use anyhow::{Context as _, Result};

use super::gen::SEED_BYTES;

/// splitmix64, for the mutations' choices.
struct Mix(u64);

impl Mix {
    fn new(seed: u64, i: u64) -> Mix {
        Mix(seed ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03) ^ 0x636f_7270_7573)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The entries of a corpus folder, in file-name order (none if it does not
/// exist yet). Files over [`SEED_BYTES`] are cut to it.
pub fn load(dir: &Path) -> Result<Vec<Vec<u8>>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading corpus {}", dir.display())),
    };
    let mut paths = Vec::new();
    for e in entries {
        let e = e.with_context(|| format!("reading corpus {}", dir.display()))?;
        if e.file_type().is_ok_and(|t| t.is_file()) {
            paths.push(e.path());
        }
    }
    paths.sort();
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        let mut bytes = std::fs::read(&p).with_context(|| format!("reading {}", p.display()))?;
        bytes.truncate(SEED_BYTES);
        out.push(bytes);
    }
    Ok(out)
}

/// The file name of an entry: FNV-1a of its bytes, in hex.
pub fn name(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Keep an entry.
pub fn save(dir: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(name(bytes));
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Which entry iteration `i` mutates, if it mutates one (half the time,
/// when there are entries).
pub fn pick(corpus: &[Vec<u8>], seed: u64, i: u64) -> Option<usize> {
    if corpus.is_empty() {
        return None;
    }
    let mut m = Mix::new(seed, i);
    m.next().is_multiple_of(2).then(|| m.below(corpus.len()))
}

/// A mutation of `entry` into `out`: one to four byte edits (mostly
/// replace or nudge; sometimes insert, remove, or eight fresh bytes at the
/// end, which the generator reads as more rules and requests).
pub fn mutate(entry: &[u8], seed: u64, i: u64, out: &mut Vec<u8>) {
    let mut m = Mix::new(seed, i);
    m.next();
    out.clear();
    out.extend_from_slice(entry);
    let edits = 1 + m.below(4);
    for _ in 0..edits {
        let at = m.below(out.len() + 1);
        // Mostly edits in place: the generator's later draws stay where
        // they were, so the input stays near the one that was kept.
        match m.below(10) {
            0..=4 if at < out.len() => out[at] = m.next() as u8,
            5 | 6 if at < out.len() => {
                out[at] = out[at].wrapping_add(1 + m.below(3) as u8);
            }
            7 => out.insert(at, m.next() as u8),
            8 if at < out.len() => {
                out.remove(at);
            }
            _ => out.extend_from_slice(&m.next().to_le_bytes()),
        }
    }
    out.truncate(SEED_BYTES);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_deterministic_and_change_the_entry() {
        let entry: Vec<u8> = (0..100u8).collect();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut changed = 0;
        for i in 0..200 {
            mutate(&entry, 4, i, &mut a);
            mutate(&entry, 4, i, &mut b);
            assert_eq!(a, b);
            changed += usize::from(a != entry);
        }
        assert!(changed > 190, "{changed}");
        let picks = (0..1000)
            .filter(|i| pick(std::slice::from_ref(&entry), 4, *i).is_some())
            .count();
        assert!((350..650).contains(&picks), "{picks}");
        assert_eq!(pick(&[], 4, 0), None);
    }

    #[test]
    fn saved_entries_load_back_in_name_order() {
        let dir = std::env::temp_dir().join(format!("coscors-corpus-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(load(&dir).expect("missing folder").is_empty());
        for e in [&b"one"[..], b"two", b"three"] {
            save(&dir, e).expect("save");
        }
        let mut want = vec![b"one".to_vec(), b"two".to_vec(), b"three".to_vec()];
        want.sort_by_key(|e| name(e));
        assert_eq!(load(&dir).expect("load"), want);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
