"""ultralytics 8.4's RandomPerspective._compute_affine_matrix and
Mosaic.get_params fed the test's random draws (random.uniform and
random.randint replaced by functions returning them in order), so the warp
and the mosaic layout the engine builds from the same draws can be compared
with ultralytics' own. Run with the project's venv python.
"""
import random

import numpy as np
from ultralytics.data.augment import Mosaic, RandomPerspective

from oracle_io import run


def warp(call):
    p = call.params
    draws = [float(v) for v in call.load("draws")]

    def replay(lo, hi):
        value = draws.pop(0)
        assert lo - 1e-9 <= value <= hi + 1e-9, f"draw {value} outside [{lo}, {hi}]"
        return value

    random.uniform = replay
    perspective = RandomPerspective(degrees=p["degrees"], translate=p["translate"], scale=p["scale"],
                                    shear=p["shear"], perspective=p["perspective"], size=(p["size"], p["size"]))
    canvas = np.zeros((p["canvas_h"], p["canvas_w"], 3), np.uint8)
    m, scale = perspective._compute_affine_matrix(canvas, (p["size"], p["size"]))
    assert not draws, f"{len(draws)} draws left over"
    call.save("M", np.asarray(m, np.float32))  # the engine reads f32 .npy
    call.save("scale", np.array([scale], np.float32))


def mosaic(call):
    p = call.params
    extents = call.load("extents")  # (n, 2): width, height of each resized image
    centre = [float(v) for v in call.load("centre")]  # the raw draws for yc, xc
    partners = [int(v) for v in call.load("partners")]

    class Images:
        """What Mosaic reads of a dataset: RAM-cached images of these sizes."""
        cache = "ram"  # partners drawn with random.randint over the dataset, not from a buffer

        def __len__(self):
            return len(extents)

        def get_image_and_label(self, i):
            w, h = (int(v) for v in extents[i])
            return {"img": np.zeros((h, w, 3), np.uint8), "resized_shape": (h, w)}

    random.uniform = lambda lo, hi: centre.pop(0)
    random.randint = lambda lo, hi: partners.pop(0)
    layout = Mosaic(Images(), imgsz=p["imgsz"], p=1.0, n=4).get_params(Images().get_image_and_label(p["index"]))
    rows = [[t["x1a"], t["y1a"], t["x2a"], t["y2a"], t["padw"], t["padh"]] for t in layout["layout"]]
    call.save("layout", np.array(rows, np.int32))


run({"warp": warp, "mosaic": mosaic})
