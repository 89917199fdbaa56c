#!/usr/bin/env bash
# Installs every Debian 12 package percept needs to build, test and benchmark.
# Idempotent: packages already present are skipped, and `apt-get update` runs at most once.
# Usage: scripts/install-deps.sh [--no-bench]   (--no-bench skips the large benchmark peers)
set -euo pipefail

build=(
  build-essential cmake ninja-build pkg-config git
  clang clang-format clang-tidy libclang-rt-14-dev
  libsndfile1-dev libsoxr-dev libfftw3-dev libeigen3-dev libpng-dev
  portaudio19-dev libjack-jackd2-dev libasound2-dev jackd2
  libavformat-dev libavcodec-dev libavdevice-dev libavfilter-dev libswscale-dev libswresample-dev libavutil-dev
  libcli11-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3-dev pybind11-dev python3-numpy python3-scipy python3-pytest python3-soundfile
  ffmpeg sox espeak-ng
)
bench=(
  python3-numba python3-opencv python3-av python3-torch python3-torchaudio stress-ng time python3-psutil
)

want=("${build[@]}")
if [[ "${1:-}" != "--no-bench" ]]; then want+=("${bench[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
