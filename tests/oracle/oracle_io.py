"""Reading and writing the arrays an oracle call exchanges with a C++ test.

A test writes its inputs as DIR/<name>.npy and DIR/params.json, runs
`python3 <script> OP DIR`, and reads back DIR/<name>.npy written by the script.
"""
import json
import os
import sys

import numpy as np


class Call:
    def __init__(self):
        if len(sys.argv) != 3:
            sys.exit(f"usage: {sys.argv[0]} OP DIR")
        self.op, self.dir = sys.argv[1], sys.argv[2]
        with open(os.path.join(self.dir, "params.json")) as f:
            self.params = json.load(f)

    def load(self, name):
        return np.load(os.path.join(self.dir, name + ".npy"))

    def save(self, name, array):
        np.save(os.path.join(self.dir, name + ".npy"), np.ascontiguousarray(array))


def run(ops):
    """Calls ops[OP](call); an unknown OP is an error naming the choices."""
    call = Call()
    if call.op not in ops:
        sys.exit(f"unknown op {call.op!r}; expected one of {sorted(ops)}")
    ops[call.op](call)
