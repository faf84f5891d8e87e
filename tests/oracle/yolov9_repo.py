"""Puts the YOLOv9 repository's code on sys.path for the oracles that use it
(yolov9_loss_oracle.py, model_oracle.py's "yolov9" reference): the yolov9pip
sdist that tools/setup-deps.sh extracts into the venv, whose modules import
each other as top-level `models` and `utils`. Import it, then those.
"""
import os
import sys

DIR = os.path.join(sys.prefix, "yolov9pip-0.0.4", "yolov9")  # the version pinned in tools/setup-deps.sh
if not os.path.isdir(DIR):
    sys.exit(f"{DIR} is missing: run tools/setup-deps.sh (and this script with the venv's python)")
if DIR not in sys.path:
    sys.path.insert(0, DIR)
