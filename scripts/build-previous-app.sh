#!/usr/bin/env bash
# Build the tablet app of the previous release into target/previous-app, for the browser test of
# an app update (tests/browser/update.rs): a tablet still running it meets documents of the newer
# schema, is told to update, and keeps its work.
#
# "The previous release" is the last commit whose app wrote schema 1 (PREVIOUS below), built from
# this repository's own history with that commit's scripts/build-app.sh, in this checkout's target
# folder (the dependencies it shares with today's build are not compiled again).
# Usage: bash scripts/build-previous-app.sh
set -euo pipefail

cd "$(dirname "$0")/.."

PREVIOUS=76eb38dbd3971ebb16458b9740673b0ba8570ea2

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

out=target/previous-app
if [[ -f "$out/COMMIT" && "$(cat "$out/COMMIT")" == "$PREVIOUS" && -f "$out/index.html" ]]; then
  log "the previous tablet app is already built in $out"
  exit 0
fi
git cat-file -e "$PREVIOUS^{commit}" 2>/dev/null ||
  die "commit $PREVIOUS (the previous release) is not in this clone's history: clone without --depth"

src=$(mktemp -d "${TMPDIR:-/tmp}/terrain-previous.XXXXXX")
trap 'rm -rf "$src"' EXIT
git archive "$PREVIOUS" | tar -x -C "$src"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
log "building the tablet app of $PREVIOUS"
CARGO_TARGET_DIR="$target_dir/previous-app-build" bash "$src/scripts/build-app.sh"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
cp -r "$src/mobile/dist" "$out"
echo "$PREVIOUS" >"$out/COMMIT"
log "previous tablet app built in $out"
