#!/usr/bin/env bash
# Installs what is needed, builds, and runs ALL tests: GoogleTest (ctest), pytest, the sanitizer build
# of the core and I/O suites, a short libFuzzer run of the file reader, and the format/lint checks.
# `.ci/run` calls this. Options: --no-install (skip apt), --quick (skip sanitizers, fuzzing and lint).
set -euo pipefail
cd "$(dirname "$0")/.."
install=1
quick=0
for a in "$@"; do
  case "$a" in
    --no-install) install=0 ;;
    --quick) quick=1 ;;
    *) echo "unknown option $a" >&2; exit 2 ;;
  esac
done
jobs=$(nproc)
step() { printf '\n==== %s ====\n' "$*"; }

if ((install)); then step "install Debian packages"; scripts/install-deps.sh; fi

step "build (preset default)"
scripts/build.sh

step "C++ tests (ctest)"
ctest --preset default -j "$jobs" --timeout 600

step "Python tests (pytest)"
PYTHONPATH="$PWD/build/python" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python

if ((quick)); then exit 0; fi

step "percept::core alone (standard library only, no third-party package)"
cmake --preset core-only >/dev/null
cmake --build --preset core-only -j "$jobs"

step "sanitizers: ASan + UBSan on the core and io suites"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan -j "$jobs" --timeout 900

step "fuzz: the audio file reader (libFuzzer, 60 s)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target fuzz_audio_file
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp tests/data/fuzz_seeds/* "$corpus"/ 2>/dev/null || true
LSAN_OPTIONS=suppressions=$PWD/fuzz/lsan.supp build-fuzz/bin/fuzz_audio_file -max_total_time=60 -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$corpus" 2>&1 | tail -n 15

step "lint: clang-format and clang-tidy on percept's own sources"
scripts/lint.sh
echo "all test stages passed"
