#!/usr/bin/env bash
# Installs everything yolo-engine needs on a fresh Debian 12 machine.
# Idempotent: a second run checks and returns in about a second.
#   tools/setup-deps.sh           system packages (build + Python oracles)
#   tools/setup-deps.sh --check   exit 0 if nothing is missing, 1 otherwise
set -euo pipefail

# Build toolchain and C++ libraries (see third_party_notes.md for each one).
# ocl-icd-opencl-dev: Debian's dnnl CMake config calls find_package(OpenCL REQUIRED).
DEB_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libdnnl-dev ocl-icd-opencl-dev
  libopencv-dev libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev libgloo-dev
  python3 python3-numpy python3-torch
)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [[ "${1:-}" == "--check" ]]; then
  [[ ${#missing[@]} -eq 0 ]] && exit 0
  echo "setup-deps: missing: ${missing[*]}" >&2
  exit 1
fi

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup-deps: installing ${#missing[@]} Debian packages: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The oracle scripts must run under Debian's interpreter: the python3 first on
# PATH may be another build that cannot import Debian's torch.
/usr/bin/python3 -c "import torch, numpy" || { echo "setup-deps: /usr/bin/python3 cannot import torch and numpy" >&2; exit 1; }

if ! command -v nvcc >/dev/null 2>&1 && [[ ! -x /usr/local/cuda/bin/nvcc ]]; then
  echo "setup-deps: no CUDA toolkit found: the build will have the CPU backend only"
fi
echo "setup-deps: all dependencies present"
