#!/usr/bin/env bash
# Tessera's load benchmark, from a clean clone, in one command:
#
#   scripts/bench/load.sh            # everything: baselines, SQLite, SQLite + 1M rows, PostgreSQL, PostgreSQL + 1M rows
#   scripts/bench/load.sh --help     # options (durations, connections, --million 0, --pg-url '', ...)
#
# It installs its load generators if missing (wrk from Debian with apt-get; oha from crates.io with
# cargo install, into target/bench-tools), builds the release binary and the bare sign-only baseline
# (crates/tessera-server/examples/bare_sign.rs), then runs scripts/bench/load.py, which prints every
# figure and writes target/bench/<timestamp>/results.json. Only 127.0.0.1 is ever targeted; every
# load run has a fixed duration. PostgreSQL: a fresh database on postgres://postgres@127.0.0.1:5432
# (or --pg-url / TESSERA_BENCH_PG_URL) is created and dropped.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
OHA_VERSION="${OHA_VERSION:-1}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v wrk >/dev/null; then
    echo "== installing wrk (Debian)" >&2
    as_root apt-get update -qq
    as_root apt-get install -y -qq wrk >/dev/null
fi
if ! command -v oha >/dev/null && [ ! -x "$target/bench-tools/bin/oha" ]; then
    echo "== installing oha (crates.io) into $target/bench-tools" >&2
    cargo install --locked --quiet --root "$target/bench-tools" oha --version "^$OHA_VERSION"
fi
for tool in openssl psql python3; do
    command -v "$tool" >/dev/null || { echo "load.sh needs $tool" >&2; exit 1; }
done

echo "== building release binaries" >&2
cargo build --release --quiet -p tessera-cli
cargo build --release --quiet -p tessera-server --example bare_sign

exec python3 scripts/bench/load.py "$@"
