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
                                 other keys removed; what is not kept is
                                 not copied)
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


def is_own(path, packages, targets):
    """Is this entry of a profile folder (target/debug, target/release,
    target/msrv/debug, ...) the workspace's own, or not build state?"""
    parent = path.parent.name
    if parent in (".fingerprint", "build"):
        return path.name.rsplit("-", 1)[0] in packages
    if parent in ("deps", "examples"):
        stem = path.name.rsplit("-", 1)[0]
        return stem in targets or (stem.startswith("lib") and stem[3:] in targets)
    if (path.parent / ".fingerprint").is_dir():
        # In the profile folder itself: incremental/ and the top-level
        # copies of the binaries (target/release/coscors, ...).
        return path.name == "incremental" or path.is_file()
    return False


def copy_deps(source, dest):
    """Copy source (target/ or a cache entry) to dest, less the
    workspace's own artifacts; mtimes kept (cp -a, as cargo compares them)."""
    packages, targets = own_names()

    def ignore(folder, names):
        return {n for n in names if is_own(pathlib.Path(folder) / n, packages, targets)}

    for d in source.iterdir():
        # target/tmp (the tests' scratch), doc and package are not build state.
        if d.is_dir() and d.name not in ("tmp", "doc", "package"):
            shutil.copytree(d, dest / d.name, symlinks=True, ignore=ignore,
                            copy_function=shutil.copy2, dirs_exist_ok=True)


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
        copy_deps(TARGET, tmp)
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
