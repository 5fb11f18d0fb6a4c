#!/usr/bin/env bash
# Run Terrain on this machine: build the tablet app, then start the server on its embedded SQLite
# default. The office dashboard is at http://127.0.0.1:8080/office, the tablet app at
# http://127.0.0.1:8080/app.
#
# Usage: bash scripts/run.sh [serve|demo] [flags of `terrain serve`]   (serve by default)
set -euo pipefail

cd "$(dirname "$0")/.."

command=serve
if [[ $# -gt 0 && "$1" != -* ]]; then
  command=$1
  shift
fi

bash scripts/build-app.sh
exec cargo run --release -p terrain-server -- "$command" --app-dir mobile/dist "$@"
