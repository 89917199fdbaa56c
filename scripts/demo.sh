#!/usr/bin/env bash
# The main job: install what is needed, build, and run the demo. Works with no sound card or camera.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --no-bench
scripts/build.sh
exec build/bin/percept demo-live "$@"
