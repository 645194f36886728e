#!/bin/bash -eu
# ClusterFuzzLite's build step (Rust: https://google.github.io/clusterfuzzlite/build-integration/rust-lang/):
# build every cargo-fuzz target of fuzz/ in release mode, copy each binary
# into $OUT, and each seed folder fuzz/seeds/<target>/ (written by
# `coscors corpus`) next to it as <target>_seed_corpus.zip.
#
# In the image, $SRC/coscors is the repository (Dockerfile). .ci/run runs
# this script too, with SRC and OUT set to temporary folders and
# CARGO_TARGET_DIR to a target folder of its own; where only a stable
# compiler is, RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags.
cd "$SRC/coscors"
cargo fuzz build -O
release="${CARGO_TARGET_DIR:-fuzz/target}/x86_64-unknown-linux-gnu/release"
for f in fuzz/fuzz_targets/*.rs; do
  target=$(basename "${f%.rs}")
  cp "$release/$target" "$OUT/"
  seeds="fuzz/seeds/$target"
  if [ -d "$seeds" ] && [ -n "$(ls -A "$seeds")" ]; then
    rm -f "$OUT/${target}_seed_corpus.zip"
    if command -v zip >/dev/null; then
      (cd "$seeds" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
    else
      (cd "$seeds" && python3 -m zipfile -c "$OUT/${target}_seed_corpus.zip" ./*)
    fi
  fi
done
