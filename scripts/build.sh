#!/usr/bin/env bash
# Configures and builds percept (the default preset: build/), using every core.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"
