//! Keeping a real bucket as it was: save its CORS configuration before a
//! run, put it back after (also on failure, Ctrl-C and SIGTERM), and delete
//! the objects the run wrote.

use std::path::Path;

use anyhow::{bail, Context as _, Result};

use crate::model::xml;
use crate::target::Session;

/// A bucket's CORS configuration as it was before the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// The bucket had this configuration (the body GET ?cors returned).
    Config(Vec<u8>),
    /// The bucket had no configuration (GET ?cors was 404).
    NoConfig,
    /// It could not be read and the user said the bucket is theirs: nothing
    /// will be restored.
    Unknown,
}

/// Read and keep the bucket's configuration, in memory and in
/// `out_dir/saved-cors.xml` (or `saved-cors.none`). Refuses when it cannot be
/// read, unless `owned`.
pub async fn save(session: &Session, out_dir: &Path, owned: bool) -> Result<Saved> {
    let o = session.get_cors().await;
    let saved = match &o {
        Ok(o) if o.status == 200 && xml::parse(&o.body).is_ok() => Saved::Config(o.body.clone()),
        Ok(o) if o.status == 404 => Saved::NoConfig,
        _ if owned => Saved::Unknown,
        Ok(o) => {
            let code = crate::diff::parse_error_body(&o.body)
                .and_then(|f| f.into_iter().find(|(k, _)| k == "Code").map(|(_, v)| v))
                .unwrap_or_default();
            bail!(
                "cannot read the bucket's CORS configuration (GET ?cors answered {} {code}), so it could not be restored after the run; refusing to start. Pass --i-own-this-bucket to run anyway.",
                o.status
            )
        }
        Err(e) => bail!(
            "cannot read the bucket's CORS configuration ({e:#}), so it could not be restored after the run; refusing to start. Pass --i-own-this-bucket to run anyway."
        ),
    };
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    match &saved {
        Saved::Config(body) => std::fs::write(out_dir.join("saved-cors.xml"), body),
        Saved::NoConfig => {
            std::fs::write(out_dir.join("saved-cors.none"), b"no CORS configuration\n")
        }
        Saved::Unknown => {
            std::fs::write(out_dir.join("saved-cors.unknown"), b"could not be read\n")
        }
    }
    .with_context(|| format!("writing the saved configuration into {}", out_dir.display()))?;
    Ok(saved)
}

/// Put the saved configuration back, and check that it is back.
pub async fn restore(session: &Session, saved: &Saved) -> Result<()> {
    match saved {
        Saved::Unknown => Ok(()),
        Saved::NoConfig => {
            let o = session.delete_cors().await?;
            if o.status / 100 != 2 {
                bail!("restoring: DELETE ?cors answered {}", o.status);
            }
            Ok(())
        }
        Saved::Config(body) => {
            let o = session.put_cors(body.clone()).await?;
            if o.status / 100 != 2 {
                bail!(
                    "restoring: PUT ?cors answered {}: {}",
                    o.status,
                    String::from_utf8_lossy(&o.body)
                );
            }
            let back = session.get_cors().await?;
            let same = match (xml::parse(body), xml::parse(&back.body)) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            };
            if !same {
                bail!("restoring: the configuration read back differs from the saved one");
            }
            Ok(())
        }
    }
}

/// The configuration an earlier process of the same run saved into
/// `out_dir`, if any (see [`save`] for the files).
pub fn load_saved(out_dir: &Path) -> Result<Option<Saved>> {
    let xml = out_dir.join("saved-cors.xml");
    if xml.exists() {
        let body = std::fs::read(&xml).with_context(|| format!("reading {}", xml.display()))?;
        return Ok(Some(Saved::Config(body)));
    }
    if out_dir.join("saved-cors.none").exists() {
        return Ok(Some(Saved::NoConfig));
    }
    if out_dir.join("saved-cors.unknown").exists() {
        return Ok(Some(Saved::Unknown));
    }
    Ok(None)
}
