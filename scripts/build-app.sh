#!/usr/bin/env bash
# Build the tablet app (mobile/) into mobile/dist, which `terrain serve` serves at /app.
#
# Installs what the build needs when it is missing: the wasm32 target (rustup) and
# wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock (crates.io).
# Usage: bash scripts/build-app.sh [--dev]   (release build by default)
set -euo pipefail

cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

profile=release
[[ "${1:-}" == "--dev" ]] && profile=dev

rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown ||
  { log "installing the wasm32 target"; rustup target add wasm32-unknown-unknown; }

version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[[ -n "$version" ]] || die "wasm-bindgen is not in Cargo.lock"
if [[ "$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }')" != "$version" ]]; then
  log "installing wasm-bindgen-cli $version (once; takes a few minutes)"
  cargo install wasm-bindgen-cli --version "$version" ||
    die "cannot install wasm-bindgen-cli $version from crates.io"
fi

log "building terrain-mobile for wasm32 ($profile)"
cargo build -p terrain-mobile --target wasm32-unknown-unknown --profile "$profile"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
out_profile=$([[ $profile == dev ]] && echo debug || echo release)
wasm="$target_dir/wasm32-unknown-unknown/$out_profile/terrain_mobile.wasm"

dist=mobile/dist
staging=$(mktemp -d "${TMPDIR:-/tmp}/terrain-app.XXXXXX")
trap 'rm -rf "$staging"' EXIT
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$staging/pkg" "$wasm"
cp mobile/static/index.html mobile/static/app.css mobile/static/manifest.webmanifest mobile/static/icon.svg "$staging/"
# Each build gets its own service-worker cache, named after the bundle's content.
build_id=$(cat "$staging/pkg/"* "$staging/"*.html "$staging/"*.css | sha256sum | cut -c1-16)
sed "s/BUILD_ID/$build_id/" mobile/static/sw.js >"$staging/sw.js"
# A gzip copy beside each file: the server sends it to browsers that accept gzip
# (ServeDir::precompressed_gzip), so the wasm travels at about a third of its size.
find "$staging" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.html' -o -name '*.css' \
  -o -name '*.svg' -o -name '*.webmanifest' \) -exec gzip -9 -k -n {} +
rm -rf "$dist"
mkdir -p "$(dirname "$dist")"
cp -r "$staging" "$dist"
chmod -R a+rX "$dist"
log "tablet app built in $dist ($(du -sh "$dist/pkg/terrain_mobile_bg.wasm" | cut -f1) of wasm, build $build_id)"
