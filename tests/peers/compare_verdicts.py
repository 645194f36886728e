#!/usr/bin/env python3
"""Compare the verdicts of `cargo nextest run --test conformance` (written by
the harness under COSCORS_VERDICTS=DIR as DIR/<target>/<case id>.verdict)
with those of `coscors run --report R` (R/results.json), case by case.

Usage: compare_verdicts.py TARGET RESULTS_JSON VERDICT_DIR [VERDICT_DIR ...]
Exits 1, listing every difference, unless all agree on every case.
"""
import json
import pathlib
import sys

WORDS = {
    "conforms": "conforms",
    "diverges-as-recorded": "diverges as recorded",
    "divergence-fixed": "divergence fixed",
    "fails": "fails",
    "error": "fails",
    "not-run": "not run",
}


def main() -> int:
    target, results, *dirs = sys.argv[1:]
    run = {}
    for r in json.load(open(results))["records"]:
        if r["target"] == target:
            run[r["case_id"]] = WORDS[r["verdict"]]
    if not run:
        print(f"no records for {target} in {results}")
        return 1
    bad = 0
    for d in dirs:
        root = pathlib.Path(d) / target
        seen = {}
        for f in root.rglob("*.verdict"):
            seen[str(f.relative_to(root))[: -len(".verdict")]] = f.read_text().strip()
        for case in sorted(set(run) | set(seen)):
            a, b = run.get(case, "(absent)"), seen.get(case, "(absent)")
            if a != b:
                bad += 1
                print(f"{d}: {case}: coscors run says {a!r}, nextest says {b!r}")
        counts = {}
        for v in seen.values():
            counts[v] = counts.get(v, 0) + 1
        print(f"{d}: {len(seen)} cases, {counts}")
    print(f"{len(run)} cases compared over {len(dirs)} nextest run(s): {bad} difference(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
