#!/usr/bin/env python3
"""Checks the invariants ARCHITECTURE.md states about the shape of the code, so they hold by CI and not
by luck. Run by .ci/run; prints one line per broken rule and exits 1, or prints a summary and exits 0.

- Arrows point down: each workspace crate depends only on the workspace crates listed for it below.
- tessera-types has no workspace dependencies; only tessera-store has SQL (sqlx); only tessera-server
  knows HTTP serving (axum, tower, tower-http, hyper); tessera-core has no IO crates at all.
- tessera-core and tessera-jwt never read the clock (time is an argument).
- No source file under crates/*/src is longer than MAX_LINES lines (split by resource instead).
"""

import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAX_LINES = 800

# Which workspace crates each crate may depend on (normal dependencies; dev-dependencies are free).
ALLOWED = {
    "tessera-types": set(),
    "tessera-jwt": {"tessera-types"},
    "tessera-core": {"tessera-types", "tessera-jwt"},
    "tessera-store": {"tessera-types", "tessera-core"},
    "tessera-server": {"tessera-types", "tessera-jwt", "tessera-core", "tessera-store"},
    "tessera-client": {"tessera-types", "tessera-jwt"},
    "tessera-cli": {"tessera-types", "tessera-jwt", "tessera-core", "tessera-store", "tessera-server", "tessera-client"},
}
# External crates only one workspace crate may use directly.
OWNED = {
    "sqlx": "tessera-store",
    "axum": "tessera-server",
    "tower": "tessera-server",
    "tower-http": "tessera-server",
    "hyper": "tessera-server",
}
# Crates that do IO, which the core must not depend on.
IO_CRATES = {"tokio", "sqlx", "axum", "reqwest", "hyper", "tower", "tower-http", "mio", "rusqlite", "async-std"}
CLOCK = re.compile(r"\b(SystemTime::now|Instant::now|Utc::now|Local::now|OffsetDateTime::now_utc)\b")


def main() -> int:
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--no-deps", "--locked"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    problems = []
    names = {p["name"] for p in meta["packages"]}
    for pkg in meta["packages"]:
        name = pkg["name"]
        if name not in ALLOWED:
            problems.append(f"{name}: a workspace crate with no entry in scripts/check-architecture.py ALLOWED")
            continue
        normal = [d for d in pkg["dependencies"] if d.get("kind") is None]
        for dep in normal:
            dname = dep["name"]
            if dname in names and dname not in ALLOWED[name]:
                problems.append(f"{name} depends on {dname}: arrows point down ({', '.join(sorted(ALLOWED[name])) or 'none'} allowed)")
            owner = OWNED.get(dname)
            if owner and owner != name and name != "tessera-cli":
                problems.append(f"{name} depends on {dname}, which only {owner} may use")
            if name == "tessera-core" and dname in IO_CRATES:
                problems.append(f"tessera-core depends on {dname}: the core does no IO")
    for crate in ("tessera-core", "tessera-jwt"):
        for path in sorted((ROOT / "crates" / crate / "src").rglob("*.rs")):
            for no, line in enumerate(path.read_text().splitlines(), 1):
                if CLOCK.search(line) and not line.lstrip().startswith("//"):
                    problems.append(f"{path.relative_to(ROOT)}:{no}: reads the clock; take time as an argument")
    # Every statement the store sends goes through `sql::query`, which counts it (`/metrics`).
    for path in sorted((ROOT / "crates" / "tessera-store" / "src").rglob("*.rs")):
        if path.name == "sql.rs":
            continue
        for no, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"sqlx::query(_scalar|_as)?(::<[^>]*>)?\(", line) and not line.lstrip().startswith("//"):
                problems.append(f"{path.relative_to(ROOT)}:{no}: use crate::sql::query (it counts statements), not sqlx::query")
    for path in sorted(ROOT.glob("crates/*/src/**/*.rs")):
        n = len(path.read_text().splitlines())
        if n > MAX_LINES:
            problems.append(f"{path.relative_to(ROOT)}: {n} lines (more than {MAX_LINES}); split it")
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"architecture: {len(meta['packages'])} crates, dependency directions, IO, clock, counted statements and file sizes OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
