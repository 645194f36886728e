//! `coscors found merge`: the finds of several campaigns (the shards of N
//! machines, or several nights) into one folder, one file per signature.
//! Of the files of one signature the most shrunk wins (the smallest
//! [`super::shrink::size`] its provenance line records, then the shortest
//! text); the others' seed, shard and iteration are listed in it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use super::write::Provenance;

/// One find read from a folder.
#[derive(Debug, Clone)]
pub struct Find {
    pub signature: String,
    pub provenance: Option<Provenance>,
    pub path: PathBuf,
    pub text: String,
}

impl Find {
    /// Smaller is more shrunk; files without a provenance line (written
    /// before it existed) rank after those with one.
    fn rank(&self) -> (bool, (usize, usize, usize, usize), usize, &str) {
        let size = self.provenance.map(|p| p.size);
        (
            size.is_none(),
            size.unwrap_or_default(),
            self.text.len(),
            &self.text,
        )
    }
}

/// Read a find: its signature from the first line (`# coscors fuzz: ...`),
/// its provenance from the header.
pub fn read(path: &Path) -> Result<Option<Find>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let Some(signature) = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# coscors fuzz: "))
    else {
        return Ok(None);
    };
    let provenance = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(Provenance::parse);
    Ok(Some(Find {
        signature: signature.to_string(),
        provenance,
        path: path.to_path_buf(),
        text,
    }))
}

/// What a merge did.
#[derive(Debug, Default)]
pub struct Merged {
    /// Find files read.
    pub read: usize,
    /// Files written, by signature.
    pub written: BTreeMap<String, PathBuf>,
    /// `.yaml` files that are no finds (no `# coscors fuzz:` first line).
    pub ignored: Vec<PathBuf>,
}

/// Merge the finds in `dirs` (their `.yaml` files) into `out`, which must
/// be new or empty.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Merged> {
    if out.exists() {
        let mut entries =
            std::fs::read_dir(out).with_context(|| format!("reading {}", out.display()))?;
        if entries.next().is_some() {
            bail!("{}: the merged folder must be new or empty", out.display());
        }
    }
    let mut merged = Merged::default();
    let mut by_sig: BTreeMap<String, Vec<Find>> = BTreeMap::new();
    for dir in dirs {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml") && p.is_file())
            .collect();
        paths.sort();
        for p in paths {
            match read(&p)? {
                Some(f) => {
                    merged.read += 1;
                    by_sig.entry(f.signature.clone()).or_default().push(f);
                }
                None => merged.ignored.push(p),
            }
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (sig, mut finds) in by_sig {
        finds.sort_by(|a, b| a.rank().cmp(&b.rank()));
        let best = &finds[0];
        let mut text = String::new();
        let mut header_done = false;
        for line in best.text.split_inclusive('\n') {
            if !header_done && !line.starts_with('#') {
                header_done = true;
                for other in &finds[1..] {
                    text.push_str(&also_line(other));
                }
            }
            text.push_str(line);
        }
        // A file name per signature: the winner's, numbered if another
        // signature took it (long signatures share a cut slug).
        let stem = best
            .path
            .file_stem()
            .map_or_else(|| "find".into(), |s| s.to_string_lossy().into_owned());
        let mut name = format!("{stem}.yaml");
        let mut n = 1;
        while names.contains_key(&name) {
            n += 1;
            name = format!("{stem}-{n}.yaml");
        }
        names.insert(name.clone(), sig.clone());
        let path = out.join(&name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        merged.written.insert(sig, path);
    }
    Ok(merged)
}

/// The header line naming another file of the same signature.
fn also_line(f: &Find) -> String {
    match &f.provenance {
        Some(p) => {
            let (r, n, i, s) = p.size;
            format!(
                "# also found: seed={} iteration={} shard={} size={r}.{n}.{i}.{s} ({})\n",
                p.seed,
                p.iteration,
                p.shard,
                f.path.display()
            )
        }
        None => format!("# also found: {}\n", f.path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::Shard;

    fn find_text(sig: &str, size: (usize, usize, usize, usize), shard: &str, body: &str) -> String {
        let p = Provenance {
            seed: 1,
            iteration: 2,
            shard: shard.parse().expect("shard"),
            size,
            from_corpus: false,
        };
        format!(
            "# coscors fuzz: {sig}\n# seed 1, iteration 2\n{}\n{body}\n",
            p.line()
        )
    }

    #[test]
    fn provenance_reads_back() {
        let p = Provenance {
            seed: 9,
            iteration: 1234,
            shard: Shard { index: 2, count: 4 },
            size: (1, 2, 3, 4),
            from_corpus: true,
        };
        assert_eq!(Provenance::parse(&p.line()), Some(p));
        assert_eq!(Provenance::parse("# seed 1, iteration 2"), None);
    }

    #[test]
    fn the_most_shrunk_wins_and_the_others_are_named() {
        let base = std::env::temp_dir().join(format!("coscors-merge-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let (d1, d2, out) = (base.join("1"), base.join("2"), base.join("out"));
        for d in [&d1, &d2] {
            std::fs::create_dir_all(d).expect("dir");
        }
        let w = |p: PathBuf, t: String| std::fs::write(p, t).expect("write");
        w(
            d1.join("a.yaml"),
            find_text("sig a", (1, 2, 0, 0), "1/2", "big: 1"),
        );
        w(
            d2.join("a.yaml"),
            find_text("sig a", (1, 1, 0, 0), "2/2", "small: 1"),
        );
        w(
            d2.join("b.yaml"),
            find_text("sig b", (1, 0, 0, 0), "2/2", "b: 1"),
        );
        w(d1.join("notes.yaml"), "x: 1\n".into());
        let m = merge(&[d1.clone(), d2.clone()], &out).expect("merge");
        assert_eq!(m.read, 3);
        assert_eq!(m.ignored.len(), 1);
        assert_eq!(m.written.len(), 2);
        let a = std::fs::read_to_string(&m.written["sig a"]).expect("a");
        assert!(a.contains("small: 1") && !a.contains("big: 1"), "{a}");
        assert!(a.contains("shard=2/2 size=1.1.0.0"), "{a}");
        assert!(
            a.contains("# also found: seed=1 iteration=2 shard=1/2 size=1.2.0.0"),
            "{a}"
        );
        // The merged file is a find again.
        let back = read(&m.written["sig a"]).expect("read").expect("a find");
        assert_eq!(back.signature, "sig a");
        assert_eq!(back.provenance.map(|p| p.size), Some((1, 1, 0, 0)));
        assert!(
            merge(&[d1], &out).is_err(),
            "a non-empty output folder is refused"
        );
        let _ = std::fs::remove_dir_all(&base);
    }
}
