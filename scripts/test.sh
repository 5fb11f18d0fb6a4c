#!/usr/bin/env bash
# Terrain's whole test run, the same for a developer and for CI: `bash scripts/test.sh`.
#
# Postgres: when DATABASE_URL is set, the tests create their databases on that server (the user
# needs CREATEDB); otherwise this script starts a throwaway cluster in a temporary folder, points
# DATABASE_URL at it, and deletes it on exit. Postgres tests never skip themselves.
set -euo pipefail

cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

log "wasm32 target"
rustup target add wasm32-unknown-unknown

# --- System packages of the browser suite (tests/browser) -----------------------------------------

# Debian's chromium + chromedriver (the office dashboard in a real browser) and poppler-utils
# (pdftotext reads the PDFs back). Installed only when missing; `apt-get update` only when the
# install fails without it.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  else
    sudo "$@"
  fi
}

apt_install() {
  log "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" ||
    { as_root apt-get update && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"; } ||
    die "cannot install $* (the browser tests need them)"
}

{ command -v chromedriver >/dev/null && command -v chromium >/dev/null; } || apt_install chromium chromium-driver
command -v pdftotext >/dev/null || apt_install poppler-utils

# --- A throwaway Postgres, unless DATABASE_URL names one -----------------------------------------

pg_dir=""
pg_ctl_bin=""

# initdb and pg_ctl refuse to run as root: as root, run them as the `postgres` user.
as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_postgres() {
  if [[ -n "$pg_dir" ]]; then
    as_postgres "$pg_ctl_bin" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
    pg_dir=""
  fi
}
trap stop_postgres EXIT
trap 'exit 130' INT TERM

pg_bin() {
  local name=$1 dir
  if command -v "$name" >/dev/null 2>&1; then
    command -v "$name"
    return
  fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n "$dir" && -x "$dir/$name" ]] || die "$name not found: install PostgreSQL or set DATABASE_URL"
  echo "$dir/$name"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_postgres() {
  local initdb port
  initdb=$(pg_bin initdb)
  pg_ctl_bin=$(pg_bin pg_ctl)
  port=$(free_port)
  pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/terrain-pg.XXXXXX")
  mkdir -p "$pg_dir/socket"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' user to run the throwaway cluster as"
    chown -R postgres: "$pg_dir"
  fi
  as_postgres "$initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C \
    --no-sync >"$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log" >&2; die "initdb failed"; }
  # A test cluster: local only, many connections (one pool per test), no fsync (nothing here
  # needs to survive a crash, and the tests run much faster).
  as_postgres "$pg_ctl_bin" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_dir/socket -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$pg_dir/postgres.log" >&2; die "the throwaway Postgres did not start"; }
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

if [[ -z "${DATABASE_URL:-}" ]]; then
  log "starting a throwaway Postgres"
  start_postgres
  echo "DATABASE_URL=$DATABASE_URL" >&2
else
  log "using DATABASE_URL from the environment"
fi

# --- client-core stays sans-IO ---------------------------------------------------------------------

log "client-core stays sans-IO"
forbidden='tokio|sqlx|reqwest|hyper|axum|rusqlite|mio'
deps=$(cargo tree -p terrain-client-core -e normal --prefix none --target all)
if offenders=$(grep -E "^(${forbidden})(-[A-Za-z0-9_-]+)? v" <<<"$deps" | sort -u) && [[ -n "$offenders" ]]; then
  printf '%s\n' "$offenders" >&2
  die "terrain-client-core must stay sans-IO, but depends on the crates above (see STYLE.md)"
fi

log "domain code stays out of the HTTP layer"
# sync, auth, privacy, store and projection run without a server (the simulator drives them
# directly): they never name the HTTP layer, the dashboard, or axum.
if offenders=$(grep -rnE 'crate::(http|office)\b|\baxum\b' server/src/{sync,auth,privacy,store,projection,reproject.rs}) &&
  [[ -n "$offenders" ]]; then
  printf '%s\n' "$offenders" >&2
  die "domain code must not depend on the HTTP layer (see ARCHITECTURE.md)"
fi
# The store is the bottom layer: it imports no service.
if offenders=$(grep -rnE 'crate::(auth|sync|privacy|reports|http|office)\b' server/src/store) &&
  [[ -n "$offenders" ]]; then
  printf '%s\n' "$offenders" >&2
  die "the store must not import a service (see ARCHITECTURE.md)"
fi

# The tablet app (mobile/, on client-core) compiled to wasm: this also checks that client-core
# builds for wasm32. The browser suite serves it from mobile/dist.
log "building the tablet app (wasm32)"
bash scripts/build-app.sh
# The previous release's app, for the update test (tests/browser/update.rs). Built after today's:
# both share the target folder, and mobile/dist is already written.
log "building the previous release's tablet app"
bash scripts/build-previous-app.sh

# --- Tests -----------------------------------------------------------------------------------------

# The end-to-end tests run the real `terrain` binary (SIGKILL, HTTPS): build it once, up front,
# with the workspace's feature set.
log "building the terrain binary"
cargo build --workspace --bins

# nextest runs each test in its own process, with the suite's settings (.config/nextest.toml: no
# retries, a hard timeout per test). Built from the crate registry the first time (a few minutes).
if ! cargo nextest --version >/dev/null 2>&1; then
  log "installing cargo-nextest"
  cargo install cargo-nextest --locked
fi
log "cargo nextest run --workspace"
cargo nextest run --workspace --no-fail-fast
log "cargo test --workspace --doc"
cargo test --workspace --doc
