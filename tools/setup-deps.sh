#!/usr/bin/env bash
# Installs everything yolo-engine needs on a fresh Debian 12 machine.
# Idempotent: a second run checks and returns in about a second.
#   tools/setup-deps.sh           system packages (build + Python oracles) and
#                                 the oracle venv <repo>/.venv (with the YOLOv9
#                                 repository's loss code extracted into it)
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
  # what the YOLOv9 repository's code imports besides (its loss and model oracles, below):
  # utils/general.py IPython and pandas, utils/plots.py (under models/yolo.py) seaborn
  python3-ipython python3-pandas python3-seaborn
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
# The YOLOv9 repository's losses (utils/loss_tal.py, loss_tal_dual.py, tal/)
# and model code (models/yolo.py, common.py) for tests/oracle/yolov9_loss_oracle.py
# and model_oracle.py: the source archive of yolov9pip, a
# PyPI packaging of that repository, checked against its hash and extracted
# into the venv, never built nor installed (the oracle puts its yolov9/
# directory on sys.path).
YOLOV9_SDIST=yolov9pip-0.0.4
YOLOV9_SHA256=3b14c5dd040db0d38da5ae580907e716c4fada9c672cbcee98719d476a5c8336
YOLOV9_DIR="$VENV/$YOLOV9_SDIST"
VENV_STAMP="$VENV/.yolo-engine-pins"     # written last, after an import test
VENV_PINS="${PIP_PACKAGES[*]} $YOLOV9_SDIST.tar.gz sha256:$YOLOV9_SHA256"
venv_ok() {
  [[ -x "$VENV/bin/python" ]] &&
    grep -qs "include-system-site-packages = true" "$VENV/pyvenv.cfg" &&
    [[ -f "$YOLOV9_DIR/yolov9/utils/loss_tal_dual.py" ]] &&
    [[ "$(cat "$VENV_STAMP" 2>/dev/null)" == "$VENV_PINS" ]]
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
  # The sdist alone; --no-build-isolation: pip reads its metadata with the
  # venv's setuptools instead of fetching a build environment from PyPI.
  download="$(mktemp -d)"
  trap 'rm -rf "$download"' EXIT
  "$VENV/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary=:all: \
    --no-build-isolation --dest "$download" "${YOLOV9_SDIST%-*}==${YOLOV9_SDIST##*-}"
  echo "$YOLOV9_SHA256  $download/$YOLOV9_SDIST.tar.gz" | sha256sum --check --quiet ||
    { echo "setup-deps: $YOLOV9_SDIST.tar.gz does not have the pinned sha256" >&2; exit 1; }
  rm -rf "$YOLOV9_DIR"
  tar -xzf "$download/$YOLOV9_SDIST.tar.gz" -C "$VENV"
  # Every start of the venv's python: no network look-ups, no pip auto-installs,
  # ultralytics' settings inside the venv rather than in ~/.config.
  site="$("$VENV/bin/python" -c "import sysconfig; print(sysconfig.get_path('purelib'))")"
  # YOLOV5_CONFIG_DIR: the YOLOv9 repository's utils/general.py makes this
  # settings directory when imported (else ~/.config/Ultralytics).
  echo "import os; os.environ.setdefault('YOLO_OFFLINE', '1'); os.environ.setdefault('YOLO_AUTOINSTALL', 'false'); os.environ.setdefault('YOLO_CONFIG_DIR', '$VENV/ultralytics-config'); os.environ.setdefault('YOLOV5_CONFIG_DIR', '$VENV/yolov9-config')" \
    >"$site/yolo_engine_oracle.pth"
  "$VENV/bin/python" - "$REPO" "$YOLOV9_DIR/yolov9" >/dev/null <<'EOF'
import sys
from pathlib import Path
from ultralytics.utils import SETTINGS
from ultralytics.nn.modules import ADown, AConv, CBFuse, CBLinear, ELAN1, RepNCSPELAN4, SPPELAN  # YOLOv9 modules
import pycocotools.cocoeval, polars, thop  # noqa: F401
repo = Path(sys.argv[1])
SETTINGS.update(sync=False, datasets_dir=str(repo / "datasets"), weights_dir=str(repo / "runs" / "weights"),
                runs_dir=str(repo / "runs"), **{k: False for k in ("clearml", "comet", "dvc", "mlflow", "raytune", "tensorboard", "wandb")})
sys.path.insert(0, sys.argv[2])  # the YOLOv9 repository's losses, imported as the oracle does
from utils.loss_tal import ComputeLoss  # noqa: F401
from utils.loss_tal_dual import ComputeLoss  # noqa: F401,F811
from models.yolo import DetectionModel  # noqa: F401
EOF
  echo "$VENV_PINS" >"$VENV_STAMP"
fi

if ! command -v nvcc >/dev/null 2>&1 && [[ ! -x /usr/local/cuda/bin/nvcc ]]; then
  echo "setup-deps: no CUDA toolkit found: the build will have the CPU backend only"
fi
echo "setup-deps: all dependencies present"
