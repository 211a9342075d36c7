"""Records py_fixed.json: Python's "{:.Nf}".format(x) (what the course's seq2seq prints its losses with, as
"{:05.4f}") for doubles given by their IEEE-754 bits, including exact ties (0.03125 -> 0.0312: half to even on the
exact binary value), float32 values widened as tensor.item() gives them, and the values at each precision's
rounding boundaries.

Run through record_fixtures.main(), or alone:
PYTHONHASHSEED=0 /usr/bin/python3 -c "import record_py_fixed as m; m.record_py_fixed()"."""

import math
import random

import numpy as np

import record_fixtures as rf
from record_int64 import _bits  # a double's IEEE-754 bits, as float_repr.json stores them

PRECISIONS = [0, 1, 2, 4, 8]


def record_py_fixed():
    rng = random.Random(20261127)
    groups = []

    def group(name, values):
        values = [float(v) for v in values]
        groups.append({"name": name, "bits": ["%016x" % _bits(v) for v in values],
                       "fixed": {str(p): ["{:.{}f}".format(v, p) for v in values] for p in PRECISIONS}})

    # ties at every precision recorded: k + 1/2 units of the last digit, exactly representable when dyadic
    group("ties", [0.5, 1.5, 2.5, -0.5, -2.5, 0.25, 0.75, 0.125, 0.375, 0.03125, 0.09375, 0.00048828125,
                   0.0001220703125, 1.03125, 2.96875])
    group("float32_loss_like", [float(np.float32(rng.uniform(0, 3))) for _ in range(300)])
    group("float64_averages", [rng.uniform(0, 1) / rng.choice([1, 10, 1000]) for _ in range(300)])
    boundary = []
    for p in PRECISIONS:
        for k in range(1, 6):
            v = (k + 0.5) / 10 ** p
            boundary += [v, math.nextafter(v, 0.0), math.nextafter(v, math.inf)]
    group("boundaries", boundary)
    group("specials", [0.0, -0.0, math.inf, -math.inf, math.nan, 1e22, 123456.789, -1e-9, 1.7976931348623157e308])
    rf.write("py_fixed.json", groups,
             "Python's \"{:.Nf}\".format(x) for doubles given by their IEEE-754 bits (hex), for N in "
             f"{PRECISIONS}, in groups.")
