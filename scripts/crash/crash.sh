#!/usr/bin/env bash
# Crash safety: runs a write load against `tessera serve`, SIGKILLs it at random points
# ${CRASH_KILLS:-5} times, restarts it on the same data and checks that every acknowledged write is
# there and intact, that templates with custom keys created right before a kill still mint verifiable
# tokens, that invitation acceptances killed mid-write were written whole or not at all, that every
# acknowledged user's and session's webhook event reached a receiver on loopback at least once (with
# valid Svix signatures), and that the database passes its integrity check (see scripts/crash/driver.py).
#
#   scripts/crash/crash.sh                      # SQLite
#   scripts/crash/crash.sh --postgres URL       # SQLite, then PostgreSQL (a fresh database at URL's server)
#
# TESSERA_TEST_DATABASE_URL, when set, works like --postgres. TESSERA_BIN names a prebuilt binary;
# otherwise a debug build is made. CRASH_KILLS, CRASH_THREADS, CRASH_MIN_RUN, CRASH_MAX_RUN tune the
# run; other arguments go to driver.py (`--inject-loss` deletes one acknowledged user during the
# first outage, to see the checker report it). Prints "N kills, M acknowledged writes, L lost" per
# database and exits non-zero on any loss.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

postgres="${TESSERA_TEST_DATABASE_URL:-}"
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --postgres) postgres="$2"; shift 2 ;;
        --postgres=*) postgres="${1#--postgres=}"; shift ;;
        *) extra+=("$1"); shift ;;
    esac
done

bin="${TESSERA_BIN:-}"
if [ -z "$bin" ]; then
    echo "building tessera (debug)" >&2
    cargo build -p tessera-cli --bin tessera >&2
    bin="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/tessera"
fi

status=0
python3 scripts/crash/driver.py --bin "$bin" "${extra[@]+"${extra[@]}"}" || status=1
if [ -n "$postgres" ]; then
    python3 scripts/crash/driver.py --bin "$bin" --postgres "$postgres" "${extra[@]+"${extra[@]}"}" || status=1
fi
exit "$status"
