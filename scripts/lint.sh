#!/usr/bin/env bash
# clang-format (check only) on every C++ source of ours, clang-tidy (.clang-tidy) on the library sources.
# Needs build/compile_commands.json (scripts/build.sh makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files 'include/*.hpp' 'src/*.cpp' 'cli/*.cpp' 'cli/*.hpp' 'python/src/*.cpp' \
  'python/src/*.hpp' 'tests/cpp/*.cpp' 'bench/*.cpp' 'fuzz/*.cpp')
if ((${#files[@]})); then
  clang-format --dry-run -Werror "${files[@]}"
  echo "clang-format: ${#files[@]} files formatted"
fi
mapfile -t lib < <(git ls-files 'src/*.cpp')
if ((${#lib[@]})); then
  printf '%s\n' "${lib[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p build --quiet 2>/dev/null \
    | grep -E "(warning|error):" | tee /tmp/percept-clang-tidy.txt || true
  if grep -q "error:" /tmp/percept-clang-tidy.txt; then echo "clang-tidy: errors" >&2; exit 1; fi
  echo "clang-tidy: ${#lib[@]} files checked ($(grep -c "warning:" /tmp/percept-clang-tidy.txt || true) warnings)"
fi
