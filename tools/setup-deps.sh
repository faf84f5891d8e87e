#!/usr/bin/env bash
# Installs everything yolo-engine needs on a fresh Debian 12 machine.
# Idempotent: a second run checks and returns in about a second.
#   tools/setup-deps.sh           system packages (build + Python oracles) and
#                                 the oracle venv <repo>/.venv
#   tools/setup-deps.sh --check   exit 0 if nothing is missing, 1 otherwise
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Build toolchain and C++ libraries (see third_party_notes.md for each one).
# ocl-icd-opencl-dev: Debian's dnnl CMake config calls find_package(OpenCL REQUIRED).
DEB_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libdnnl-dev ocl-icd-opencl-dev
  libopencv-dev libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev libgloo-dev
  python3 python3-numpy python3-torch
  # what the ultralytics oracle imports, from Debian so the venv below sees them
  python3-venv python3-torchvision python3-opencv python3-matplotlib
  python3-scipy python3-pil python3-yaml python3-requests python3-psutil python3-tqdm
)

# The Python oracles (tests and tools only, see third_party_notes.md): a venv
# that sees Debian's torch and the packages above, plus these PyPI pins. All are
# installed with --no-deps and as wheels only: pip must never pull PyPI's torch
# (gigabytes of CUDA libraries) nor replace Debian's numpy/opencv.
VENV="$REPO/.venv"
PIP_PACKAGES=(
  ultralytics==8.4.190                   # model, loss, metrics and trainer oracle
  ultralytics-thop==2.2.3                # GFLOPs in ultralytics' model summary
  polars==2.1.0 polars-runtime-32==2.1.0 # ultralytics' trainer reads results.csv with it
  pycocotools==2.0.11                    # COCO mAP oracle
)
VENV_STAMP="$VENV/.yolo-engine-pins"     # written last, after an import test
venv_ok() {
  [[ -x "$VENV/bin/python" ]] &&
    grep -qs "include-system-site-packages = true" "$VENV/pyvenv.cfg" &&
    [[ "$(cat "$VENV_STAMP" 2>/dev/null)" == "${PIP_PACKAGES[*]}" ]]
}

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [[ "${1:-}" == "--check" ]]; then
  status=0
  [[ ${#missing[@]} -eq 0 ]] || { echo "setup-deps: missing: ${missing[*]}" >&2; status=1; }
  venv_ok || { echo "setup-deps: missing or incomplete: the oracle venv $VENV" >&2; status=1; }
  exit $status
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

if ! venv_ok; then
  echo "setup-deps: installing the Python oracles into $VENV: ${PIP_PACKAGES[*]}"
  if [[ ! -x "$VENV/bin/python" ]] || ! grep -qs "include-system-site-packages = true" "$VENV/pyvenv.cfg"; then
    /usr/bin/python3 -m venv --clear --system-site-packages "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: "${PIP_PACKAGES[@]}"
  # Every start of the venv's python: no network look-ups, no pip auto-installs,
  # ultralytics' settings inside the venv rather than in ~/.config.
  site="$("$VENV/bin/python" -c "import sysconfig; print(sysconfig.get_path('purelib'))")"
  echo "import os; os.environ.setdefault('YOLO_OFFLINE', '1'); os.environ.setdefault('YOLO_AUTOINSTALL', 'false'); os.environ.setdefault('YOLO_CONFIG_DIR', '$VENV/ultralytics-config')" \
    >"$site/yolo_engine_oracle.pth"
  "$VENV/bin/python" - "$REPO" >/dev/null <<'EOF'
import sys
from pathlib import Path
from ultralytics.utils import SETTINGS
from ultralytics.nn.modules import ADown, AConv, CBFuse, CBLinear, ELAN1, RepNCSPELAN4, SPPELAN  # YOLOv9 modules
import pycocotools.cocoeval, polars, thop  # noqa: F401
repo = Path(sys.argv[1])
SETTINGS.update(sync=False, datasets_dir=str(repo / "datasets"), weights_dir=str(repo / "runs" / "weights"),
                runs_dir=str(repo / "runs"), **{k: False for k in ("clearml", "comet", "dvc", "mlflow", "raytune", "tensorboard", "wandb")})
EOF
  echo "${PIP_PACKAGES[*]}" >"$VENV_STAMP"
fi

if ! command -v nvcc >/dev/null 2>&1 && [[ ! -x /usr/local/cuda/bin/nvcc ]]; then
  echo "setup-deps: no CUDA toolkit found: the build will have the CPU backend only"
fi
echo "setup-deps: all dependencies present"
