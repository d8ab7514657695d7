#!/usr/bin/env bash
# Compatibility suite: Clerk's official Python SDK (clerk-backend-api, pinned in requirements.txt) and
# JavaScript SDK (@clerk/backend, pinned in node/package.json + node/package-lock.json) against a real
# Tessera server. The JavaScript suite (node/test_clerk_backend.mjs) runs after the Python one against
# the same server, on every server the Python suite runs against (SQLite, PostgreSQL, and PostgreSQL
# after a restart); it needs node >= 20.9 and npm, and is skipped with a notice when they are missing
# (a failure when CI is set).
#
#   compat/run.sh                      # SQLite (in memory, --ephemeral)
#   TESSERA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres compat/run.sh
#                                      # SQLite, then PostgreSQL in a fresh database, then a restart
#                                      # on that database to check that everything survived it
#
# Environment:
#   TESSERA_BIN                server binary to use; unset: `cargo build -p tessera-cli` and target/debug/tessera
#   TESSERA_TEST_DATABASE_URL  a PostgreSQL server URL (the README's variable, shared with `cargo test`); each
#                              run creates (and afterwards drops) its own database. Unset: the PostgreSQL
#                              and restart runs are skipped with a notice, or fail when CI is set.
#   COMPAT_KEEP_DB=1           keep that database for inspection
#   COMPAT_PYTHON              python3 used to create compat/.venv (default: python3)
#   CI                         when set, a suite that cannot run (no node/npm, no PostgreSQL URL) is a failure
#
# Every sub-suite must report at least the number of checks it is known to have (MIN_CHECKS below): a
# suite that stops early, or whose checks were lost, fails the run even when nothing it ran failed.
#
# Prints PASS/FAIL per check, then `N passed, M failed` alone on the last line; exits 1 on any failure.
set -euo pipefail

COMPAT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$COMPAT_DIR/.." && pwd)"
VENV="$COMPAT_DIR/.venv"
NODE_DIR="$COMPAT_DIR/node"
SECRET_KEY="sk_test_compat$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tessera-compat.XXXXXX")"
PG_URL="${TESSERA_TEST_DATABASE_URL:-}"
# The fewest checks each sub-suite is known to have. Raise them when checks are added.
declare -A MIN_CHECKS=(
  [sqlite]=189 [sqlite-js]=148
  [postgres]=189 [postgres-js]=148
  [postgres-restart]=25 [postgres-restart-js]=148
)
# The server reads TESSERA_* from the environment; here only flags configure it.
for var in $(compgen -v TESSERA_); do
  [[ "$var" == TESSERA_BIN ]] || unset "$var"
done

SERVER_PID=""
PG_DB=""
TOTAL_PASSED=0
TOTAL_FAILED=0
SKIPPED=()

log() { printf '== %s\n' "$*" >&2; }

stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

cleanup() {
  stop_server
  if [[ -n "$PG_DB" && -z "${COMPAT_KEEP_DB:-}" ]]; then
    psql "$PG_URL" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Python environment -----------------------------------------------------------------------
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV"
  "${COMPAT_PYTHON:-python3}" -m venv "$VENV"
fi
REQ_HASH="$(sha256sum "$COMPAT_DIR/requirements.txt" | cut -d' ' -f1)"
if [[ "$(cat "$VENV/.requirements.sha256" 2>/dev/null || true)" != "$REQ_HASH" ]]; then
  log "installing compat/requirements.txt"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$COMPAT_DIR/requirements.txt"
  echo "$REQ_HASH" >"$VENV/.requirements.sha256"
fi

# --- Node environment (@clerk/backend) --------------------------------------------------------
# `npm ci` from the committed lockfile; skipped when node_modules was installed from this very lockfile.
NODE_READY=""
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  LOCK_HASH="$(sha256sum "$NODE_DIR/package-lock.json" | cut -d' ' -f1)"
  if [[ "$(cat "$NODE_DIR/node_modules/.tessera-lock.sha256" 2>/dev/null || true)" == "$LOCK_HASH" ]]; then
    NODE_READY=1
  else
    log "installing compat/node (npm ci)"
    if npm ci --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error >&2; then
      echo "$LOCK_HASH" >"$NODE_DIR/node_modules/.tessera-lock.sha256"
      NODE_READY=1
    else
      echo "npm ci in compat/node failed; the @clerk/backend suite cannot run" >&2
      TOTAL_FAILED=$((TOTAL_FAILED + 1))
    fi
  fi
elif [[ -n "${CI:-}" ]]; then
  echo "node or npm is not installed: the @clerk/backend suite cannot run (a failure because CI is set)" >&2
  TOTAL_FAILED=$((TOTAL_FAILED + 1))
else
  echo "notice: node or npm is not installed; skipping the @clerk/backend suite (compat/node)" >&2
fi

# --- Server binary ----------------------------------------------------------------------------
if [[ -z "${TESSERA_BIN:-}" ]]; then
  log "building the server (cargo build -p tessera-cli)"
  (cd "$ROOT" && cargo build --quiet -p tessera-cli)
  TESSERA_BIN="$ROOT/target/debug/tessera"
fi
[[ "$TESSERA_BIN" = /* ]] || TESSERA_BIN="$ROOT/$TESSERA_BIN"
[[ -x "$TESSERA_BIN" ]] || { echo "TESSERA_BIN=$TESSERA_BIN is not an executable" >&2; exit 2; }

# start_server LOGFILE ARGS...: starts `tessera serve` on a free port, sets BASE_URL once /healthz answers.
start_server() {
  local logfile="$1"
  shift
  # Webhooks: receivers run on loopback, and retries are compressed (docs/webhooks.md).
  NO_COLOR=1 RUST_LOG="${RUST_LOG:-info}" "$TESSERA_BIN" serve --listen 127.0.0.1:0 --secret-key "$SECRET_KEY" \
    --webhooks-allow-private --webhooks-retry-schedule 0s,1s,2s "$@" \
    >"$logfile" 2>&1 &
  SERVER_PID=$!
  BASE_URL=""
  local i
  for i in $(seq 1 300); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "the server exited during startup; its log:" >&2
      cat "$logfile" >&2
      SERVER_PID=""
      return 1
    fi
    if [[ -z "$BASE_URL" ]]; then
      # `tessera listening on http://127.0.0.1:PORT` (colour codes stripped in case NO_COLOR is ignored).
      BASE_URL="$(sed 's/\x1b\[[0-9;]*m//g' "$logfile" | grep -o 'tessera listening on http://[0-9.:]*' | head -n1 |
        sed 's/^tessera listening on //' || true)"
    fi
    if [[ -n "$BASE_URL" ]] && "$VENV/bin/python" - "$BASE_URL/healthz" <<'EOF' 2>/dev/null; then
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
EOF
      return 0
    fi
    sleep 0.1
  done
  echo "the server did not answer /healthz within 30 s; its log:" >&2
  cat "$logfile" >&2
  return 1
}

# run_suite NAME ARGS...: runs test_clerk_sdk.py against BASE_URL and adds its counts to the totals.
run_suite() {
  local name="$1"
  shift
  local out="$WORK/$name.out" status=0
  log "$name: suite against $BASE_URL"
  TESSERA_BASE_URL="$BASE_URL" TESSERA_SECRET_KEY="$SECRET_KEY" \
    "$VENV/bin/python" "$COMPAT_DIR/test_clerk_sdk.py" "$@" 2>&1 | tee "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$' || true
  add_counts "$name" "$out"
}

# run_node_suite NAME: runs node/test_clerk_backend.mjs against BASE_URL (when node is ready) and adds
# its counts to the totals.
run_node_suite() {
  if [[ -z "$NODE_READY" ]]; then
    SKIPPED+=("$1 (node/npm missing)")
    return 0
  fi
  local name="$1"
  local out="$WORK/$name.out"
  log "$name: @clerk/backend suite against $BASE_URL"
  TESSERA_URL="$BASE_URL" TESSERA_SECRET_KEY="$SECRET_KEY" \
    node "$NODE_DIR/test_clerk_backend.mjs" 2>&1 | tee "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$' || true
  add_counts "$name" "$out"
}

# add_counts NAME OUTFILE: adds the `N passed, M failed` line of a suite's output to the totals.
add_counts() {
  local name="$1" out="$2"
  local summary
  summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n1 || true)"
  if [[ -z "$summary" ]]; then
    echo "$name: the suite did not finish (no summary line)" >&2
    TOTAL_FAILED=$((TOTAL_FAILED + 1))
    return
  fi
  local p f
  p="${summary%% passed*}"
  f="${summary#*passed, }"
  f="${f%% failed}"
  log "$name: $summary"
  TOTAL_PASSED=$((TOTAL_PASSED + p))
  TOTAL_FAILED=$((TOTAL_FAILED + f))
  local want="${MIN_CHECKS[$name]:-1}"
  if ((p + f < want)); then
    echo "$name: ran $((p + f)) checks, fewer than the $want it is known to have" >&2
    TOTAL_FAILED=$((TOTAL_FAILED + 1))
  fi
}

# --- SQLite -----------------------------------------------------------------------------------
if start_server "$WORK/sqlite.log" --ephemeral; then
  run_suite sqlite
  run_node_suite sqlite-js
else
  TOTAL_FAILED=$((TOTAL_FAILED + 1))
fi
stop_server

# --- PostgreSQL -------------------------------------------------------------------------------
if [[ -n "$PG_URL" ]]; then
  if ! command -v psql >/dev/null 2>&1; then
    echo "TESSERA_TEST_DATABASE_URL is set but psql is not installed; cannot create a database" >&2
    TOTAL_FAILED=$((TOTAL_FAILED + 1))
  else
    PG_DB="tessera_compat_$(date +%s)_$$"
    psql "$PG_URL" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$PG_DB\"" >/dev/null
    log "postgres: created database $PG_DB"
    # Same server, same credentials, the fresh database instead of the one in the URL.
    DB_URL="$("$VENV/bin/python" - "$PG_URL" "$PG_DB" <<'EOF'
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit(u._replace(path="/" + sys.argv[2])))
EOF
)"
    MASTER_KEY="$("$VENV/bin/python" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"
    STATE="$WORK/restart-state.json"
    if start_server "$WORK/postgres.log" --database-url "$DB_URL" --master-key "$MASTER_KEY" --data-dir "$WORK/pg-data"; then
      run_suite postgres --save-state "$STATE"
      run_node_suite postgres-js
      stop_server
      # Restart on the same database and master key: data, keys and custom template keys survive.
      if start_server "$WORK/postgres-restart.log" --database-url "$DB_URL" --master-key "$MASTER_KEY" --data-dir "$WORK/pg-data"; then
        run_suite postgres-restart --after-restart "$STATE"
        run_node_suite postgres-restart-js
      else
        TOTAL_FAILED=$((TOTAL_FAILED + 1))
      fi
    else
      TOTAL_FAILED=$((TOTAL_FAILED + 1))
    fi
    stop_server
  fi
elif [[ -n "${CI:-}" ]]; then
  echo "TESSERA_TEST_DATABASE_URL is not set: the PostgreSQL and restart suites cannot run (a failure because CI is set)" >&2
  TOTAL_FAILED=$((TOTAL_FAILED + 1))
else
  SKIPPED+=("postgres, postgres-js, postgres-restart, postgres-restart-js (TESSERA_TEST_DATABASE_URL is not set)")
fi

if ((${#SKIPPED[@]})); then
  echo "notice: skipped: ${SKIPPED[*]}" >&2
fi
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
[[ "$TOTAL_FAILED" -eq 0 ]]
