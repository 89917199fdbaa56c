#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then builds two consumers against it: one with
# find_package(percept) (CMake package config) and one with pkg-config, and runs them.
set -euo pipefail
build_dir=$1
src_dir=$(cd "$(dirname "$0")" && pwd)
prefix=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$prefix" "$work"' EXIT
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
test -f "$prefix/include/percept/io/audio_file.hpp"
test -f "$prefix/lib/cmake/percept/perceptConfig.cmake"
test -f "$prefix/lib/pkgconfig/percept.pc"
cmake -S "$src_dir/consumer" -B "$work/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake" >/dev/null
"$work/cmake/consumer" "$work/a.wav"
"$work/cmake/consumer_core"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046
c++ -std=c++20 "$src_dir/consumer/main.cpp" -o "$work/pc_consumer" $(pkg-config --cflags --libs percept)
"$work/pc_consumer" "$work/b.wav"
echo "install: find_package and pkg-config consumers built and ran"
