#!/usr/bin/env python3
"""The dependency cache of .ci/run, as Swatinem/rust-cache keeps one in
GitHub Actions: target/'s artifacts of the dependencies (crates.io), keyed
by the toolchain, Cargo.lock and the manifests, restored into a fresh
clone's target/ before the first build and saved once per key after a
green run. The workspace's own crates (and the examples' and the tests'
binaries) are not kept: a fresh clone always rebuilds them, and cargo's
fingerprints decide what else to build.

  rust-cache.py key              print the key
  rust-cache.py restore DIR      copy DIR/<key> into target/ when present
  rust-cache.py save DIR         copy target/ less the workspace's own
                                 artifacts to DIR/<key> (once per key;
                                 other keys removed)
"""
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET = ROOT / "target"


def key():
    h = hashlib.sha256()
    h.update(subprocess.run(["rustc", "-vV"], capture_output=True, check=True).stdout)
    h.update((ROOT / "Cargo.lock").read_bytes())
    for m in sorted(ROOT.glob("**/Cargo.toml")):
        rel = m.relative_to(ROOT)
        if rel.parts[0] in ("target", "fuzz") or "node_modules" in rel.parts:
            continue
        h.update(str(rel).encode() + b"\0" + m.read_bytes())
    for var in ("RUSTFLAGS", "CARGO_PROFILE_RELEASE_DEBUG", "CARGO_INCREMENTAL"):
        h.update(f"{var}={os.environ.get(var, '')}\0".encode())
    return h.hexdigest()[:20]


def own_names():
    """Package and target names of the workspace and of examples/*."""
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--no-deps", "--format-version", "1", "--offline"],
        cwd=ROOT, capture_output=True, check=True).stdout)
    packages = {p["name"] for p in meta["packages"]}
    targets = {t["name"] for p in meta["packages"] for t in p["targets"]}
    for m in ROOT.glob("examples/*/Cargo.toml"):
        name = tomllib.loads(m.read_text())["package"]["name"]
        packages.add(name)
        targets.add(name)
        targets.update(p.stem for p in (m.parent / "tests").glob("*.rs"))
    return packages, {t.replace("-", "_") for t in targets}


def prune(tree):
    packages, targets = own_names()
    for profile_dir in [p.parent for p in tree.glob("**/.fingerprint")]:
        shutil.rmtree(profile_dir / "incremental", ignore_errors=True)
        for sub, names in ((".fingerprint", packages), ("build", packages)):
            for d in (profile_dir / sub).glob("*"):
                if d.name.rsplit("-", 1)[0] in names:
                    shutil.rmtree(d, ignore_errors=True)
        for f in [*(profile_dir / "deps").glob("*"), *(profile_dir / "examples").glob("*")]:
            stem = f.name.rsplit("-", 1)[0]
            if stem in targets or (stem.startswith("lib") and stem[3:] in targets):
                f.unlink()
        # Top-level copies of the binaries (target/release/coscors, ...).
        for f in profile_dir.iterdir():
            if f.is_file():
                f.unlink()


def main():
    cmd = sys.argv[1]
    k = key()
    if cmd == "key":
        print(k)
        return
    root = pathlib.Path(sys.argv[2])
    entry = root / k
    if cmd == "restore":
        if not entry.is_dir():
            print(f"rust-cache: no entry {k} (a cold build; saved after a green run)")
            return
        TARGET.mkdir(exist_ok=True)
        subprocess.run(["cp", "-a", "--reflink=auto", f"{entry}/.", str(TARGET)], check=True)
        size = subprocess.run(["du", "-sh", str(entry)], capture_output=True, text=True).stdout.split()[0]
        print(f"rust-cache: restored {k} ({size})")
    elif cmd == "save":
        if entry.is_dir():
            print(f"rust-cache: {k} is already saved")
            return
        root.mkdir(parents=True, exist_ok=True)
        tmp = root / f".new-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for d in TARGET.iterdir():
            # target/tmp (the tests' scratch), doc and package are not build state.
            if d.is_dir() and d.name not in ("tmp", "doc", "package"):
                subprocess.run(["cp", "-a", "--reflink=auto", str(d), str(tmp)], check=True)
        prune(tmp)
        for old in root.iterdir():
            if old != tmp and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        tmp.rename(entry)
        size = subprocess.run(["du", "-sh", str(entry)], capture_output=True, text=True).stdout.split()[0]
        print(f"rust-cache: saved {k} ({size})")
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
