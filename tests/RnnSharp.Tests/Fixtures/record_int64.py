#!/usr/bin/python3
"""Records int64_str.json, int64.json and float_repr.json: int64 tensors and Python's float repr, from real torch.

Part of record_fixtures.py (whose main() calls record_int64()); to rewrite only these files run

    cd tests/RnnSharp.Tests/Fixtures && PYTHONHASHSEED=0 /usr/bin/python3 -c "import record_int64 as m; m.record_int64()"

int64_str.json: str(tensor) of torch.int64 tensors (torch/_tensor_str.py's integer path), under the default print
options unless a case has "print_options". A tensor is {"shape", "data"} with data as JSON integers.

int64.json: what the int64 factories give (torch.tensor / torch.LongTensor on nested int lists, torch.arange,
torch.zeros(dtype=torch.int64)), views of int64 tensors (view, reshape, select, clone) with their str, and
PyTorch's errors for int64 tensors where PyTorch refuses them (ragged lists, requires_grad, an RNN given a Long
input), each with the exception type and message.

float_repr.json: Python's repr(float) for doubles given by their IEEE-754 bits (16 hex digits): float32 values
widened to double (what loss.item() returns), random bit patterns, powers of ten and their neighbours, the
1e-4 / 1e16 layout boundaries, subnormals and the special values.
"""

import math
import random
import struct

import numpy as np
import torch

import record_fixtures as rf


def int_tensor(t):
    t = t.detach().contiguous()
    assert t.dtype == torch.int64
    return {"shape": list(t.shape), "data": [int(v) for v in t.reshape(-1).tolist()]}


def record_int64_str():
    cases = []

    def add(name, t, **opts):
        assert t.dtype == torch.int64
        if opts:
            torch.set_printoptions(**opts)
        try:
            text = str(t)
        finally:
            torch.set_printoptions(profile="default")
        case = {"name": name, "tensor": int_tensor(t), "str": text}
        if opts:
            case["print_options"] = {k: (rf.f32(v) if isinstance(v, float) else v) for k, v in opts.items()}
        cases.append(case)

    g = torch.Generator().manual_seed(64)

    def randint(low, high, shape):
        return torch.randint(low, high, shape, generator=g, dtype=torch.int64)

    L = lambda v: torch.tensor(v, dtype=torch.int64)  # noqa: E731
    big = 2 ** 63 - 1
    # 0-d
    for i, v in enumerate([0, 3, -3, 7, 10, -10, 123456789, big, -big - 1, 2 ** 40]):
        add(f"scalar_{i}", L(v))
    # 1-D
    add("course_targets", L([1, 0, 2, 3, 3, 4]))
    add("single", L([5]))
    add("zeros", torch.zeros(4, dtype=torch.int64))
    add("negative", L([-1, 20, -300]))
    add("width_mixed", L([1, -1, 10, -10, 100]))
    add("extremes", L([big, -big - 1, 0]))
    add("arange_10", torch.arange(10))
    add("wrap_arange_40", torch.arange(40))
    add("wrap_arange_100", torch.arange(100))
    add("wrap_large_values", randint(-10 ** 12, 10 ** 12, (30,)))
    add("wrap_extremes", L([big, -big - 1] * 10))
    # Shapes
    add("matrix_2x3", randint(0, 10, (2, 3)))
    add("matrix_1x6", L([[1, 3, 2, 3, 3, 4]]))
    add("matrix_negative", randint(-1000, 1000, (4, 5)))
    add("column", randint(-5, 5, (5, 1)))
    add("tensor_3d", randint(-50, 50, (2, 3, 4)))
    add("tensor_4d", randint(0, 100, (2, 2, 2, 3)))
    add("tensor_5d", randint(-3, 3, (2, 1, 2, 1, 2)))
    add("wrap_2d", randint(-10 ** 6, 10 ** 6, (3, 20)))
    add("wrap_3d", randint(-999, 999, (2, 2, 25)))
    # Empty
    add("empty_1d", torch.zeros(0, dtype=torch.int64))
    for shape in [(2, 0), (0, 3), (0, 3, 4), (3, 0, 2), (1, 0)]:
        add("empty_" + "x".join(map(str, shape)), torch.zeros(*shape, dtype=torch.int64))
    # Summaries above 1000 elements
    add("summary_1d_1001", torch.arange(1001))
    add("summary_1d_2000", randint(-10 ** 9, 10 ** 9, (2000,)))
    add("not_summarized_1000", randint(-99, 99, (1000,)))
    add("summary_2d", randint(0, 10, (100, 100)))
    add("summary_2d_wide", randint(-5, 5, (2, 1000)))
    add("summary_2d_tall", randint(-5, 5, (1000, 2)))
    add("summary_3d", randint(-100, 100, (11, 11, 11)))
    add("summary_formatter_ignores_middle",
        torch.cat([L([1, 2, 3]), torch.full((1000,), -10 ** 15, dtype=torch.int64), L([4, 5, 6])]))
    add("summary_4d", randint(0, 1000, (4, 3, 10, 10)))
    add("summary_1d_3000_extremes",
        torch.cat([L([big]), randint(0, 9, (2998,)), L([-big - 1])]))
    # Print options (precision and sci_mode are ignored for integers; the layout ones apply)
    add("opt_precision_2", randint(-100, 100, (3, 3)), precision=2)
    add("opt_sci_true", L([1, 2000, -30]), sci_mode=True)
    add("opt_sci_false", L([1, 2000, -30]), sci_mode=False)
    add("opt_linewidth_40", randint(-1000, 1000, (3, 12)), linewidth=40)
    add("opt_linewidth_1", L([1, -22, 333]), linewidth=1)
    add("opt_linewidth_200", randint(0, 10 ** 6, (3, 30)), linewidth=200)
    add("opt_threshold_5", torch.arange(10), threshold=5)
    add("opt_threshold_0_scalar", L(7), threshold=0)
    add("opt_threshold_0_matrix", randint(0, 10, (3, 4)), threshold=0)
    add("opt_threshold_fraction", torch.arange(8), threshold=7.5, edgeitems=2)
    add("opt_edgeitems_1", randint(0, 100, (20, 20)), threshold=10, edgeitems=1)
    add("opt_edgeitems_0_1d", torch.arange(8) * 3, threshold=3, edgeitems=0)
    add("opt_edgeitems_large", torch.arange(10), threshold=2, edgeitems=10)
    add("opt_edgeitems_2_3d", randint(-9, 9, (5, 6, 7)), threshold=20, edgeitems=2)
    add("opt_profile_short", randint(0, 10, (30, 40)), profile="short")
    add("opt_profile_full", torch.arange(1100), profile="full")
    add("opt_threshold_inf", randint(-10, 10, (30, 40)), threshold=float("inf"))
    add("opt_empty_2x0", torch.zeros(2, 0, dtype=torch.int64), linewidth=10)
    rf.write("int64_str.json", cases,
             "str(tensor) for torch.int64 tensors; data are JSON integers. Default print options unless "
             "print_options says otherwise.")


def _catch(fn):
    try:
        result = fn()
    except Exception as e:  # pylint: disable=broad-except
        return {"error": type(e).__name__, "message": str(e)}
    return {"result": result}


def record_int64_ops():
    cases = []

    # Factories: torch.tensor and torch.LongTensor on Python int lists (nested to the given depth). A C# array
    # carries its element type even when empty, so torch.tensor is told the dtype (it would make [] float32).
    def factory(name, data):
        for fn_name, fn in [("tensor", lambda d: torch.tensor(d, dtype=torch.int64)), ("LongTensor", torch.LongTensor)]:
            outcome = _catch(lambda: fn(data))
            case = {"name": f"{fn_name}_{name}", "kind": "factory", "function": fn_name, "input": data}
            if "error" in outcome:
                case.update(outcome)
            else:
                t = outcome["result"]
                assert t.dtype == torch.int64
                case.update({"result": int_tensor(t), "str": str(t)})
            cases.append(case)

    factory("1d", [1, 0, 2, 3, 3, 4])
    factory("1d_negative_large", [-(2 ** 62), 2 ** 40, -1, 0])
    factory("1d_empty", [])
    factory("2d", [[1, 0, 2, 3, 3, 4]])
    factory("2d_rows", [[1, 2, 3], [4, 5, 6]])
    factory("2d_empty_rows", [[], []])
    factory("3d", [[[0, 1], [2, 3]], [[4, 5], [6, 7]], [[8, 9], [10, 11]]])
    factory("ragged_2d_short", [[1, 2], [3]])
    factory("ragged_2d_long", [[1], [2, 3]])
    factory("ragged_3d", [[[1, 2], [3, 4]], [[1, 2], [3]]])
    factory("ragged_3d_rows", [[[1, 2], [3, 4]], [[1, 2]]])

    # torch.arange with integer arguments.
    for start, end, step in [(0, 5, 1), (0, 0, 1), (2, 9, 3), (5, 0, -2), (-3, 3, 1), (0, 1, 10), (0, -1, 1),
                             (0, 5, 0), (1, 5, -1), (-5, -10, -1)]:
        outcome = _catch(lambda: torch.arange(start, end, step))
        case = {"name": f"arange_{start}_{end}_{step}".replace("-", "m"), "kind": "arange",
                "start": start, "end": end, "step": step}
        if "error" in outcome:
            case.update(outcome)
        else:
            case.update({"result": int_tensor(outcome["result"]), "str": str(outcome["result"])})
        cases.append(case)

    for shape in [(3,), (2, 3), (0,), (2, 0)]:
        t = torch.zeros(*shape, dtype=torch.int64)
        cases.append({"name": "zeros_" + "x".join(map(str, shape)), "kind": "zeros", "shape": list(shape),
                      "result": int_tensor(t), "str": str(t)})

    # Views of torch.arange(24): each op, its result and its str; errors with PyTorch's words.
    base = torch.arange(24) - 7
    views = [
        ("view_4x6", lambda t: t.view(4, 6)),
        ("view_2x3x4", lambda t: t.view(2, 3, 4)),
        ("view_infer", lambda t: t.view(-1, 8)),
        ("reshape_6x4", lambda t: t.reshape(6, 4)),
        ("select_row", lambda t: t.view(4, 6)[1]),
        ("select_negative", lambda t: t.view(4, 6)[-1]),
        ("select_scalar", lambda t: t.view(4, 6)[2][3]),
        ("select_3d", lambda t: t.view(2, 3, 4)[1]),
        ("clone", lambda t: t.view(2, 12).clone()),
        ("long_of_long", lambda t: t.long()),
    ]
    for name, fn in views:
        r = fn(base)
        cases.append({"name": name, "kind": "view", "result": int_tensor(r), "str": str(r), "size": str(r.size()),
                      "dtype": str(r.dtype)})
    for name, fn in [("view_invalid", lambda t: t.view(5, 5)),
                     ("select_out_of_bounds", lambda t: t.view(4, 6)[4]),
                     ("select_negative_out_of_bounds", lambda t: t.view(4, 6)[-5])]:
        cases.append({"name": name, "kind": "view_error", **_catch(lambda: fn(base))})

    # Float <-> Long conversions.
    f = torch.tensor([1.7, -1.7, 0.5, -0.0, 3.0, 123456.9])
    cases.append({"name": "long_of_float", "kind": "long", "input": rf.tensor(f), "result": int_tensor(f.long()),
                  "str": str(f.long())})
    li = torch.tensor([[1, -2], [3, 2 ** 24 + 1]])
    cases.append({"name": "float_of_long", "kind": "float", "input": int_tensor(li), "result": rf.tensor(li.float()),
                  "str": str(li.float())})

    # What PyTorch refuses for int64 tensors.
    def refuse(name, fn):
        outcome = _catch(fn)
        assert "error" in outcome, name
        cases.append({"name": name, "kind": "refused", **outcome})

    def set_requires_grad():
        t = torch.zeros(3, dtype=torch.int64)
        t.requires_grad = True

    refuse("requires_grad_method", lambda: torch.zeros(3, dtype=torch.int64).requires_grad_())
    refuse("requires_grad_property", set_requires_grad)
    # ATen's data_ptr<T>() on the wrong dtype, which RnnSharp's span accessors mirror: a Long grid where grid_sample
    # reads floats, a Float target where nll_loss reads class indices.
    refuse("float_data_of_long", lambda: torch.nn.functional.grid_sample(
        torch.zeros(1, 1, 2, 2), torch.zeros(1, 2, 2, 2, dtype=torch.int64), align_corners=False))
    refuse("long_data_of_float", lambda: torch.nn.functional.nll_loss(torch.zeros(2, 3), torch.zeros(2)))
    torch.manual_seed(0)
    rnn = torch.nn.RNN(4, 2)
    cell = torch.nn.RNNCell(4, 2)
    refuse("rnn_long_input", lambda: rnn(torch.zeros(3, 2, 4, dtype=torch.int64)))
    refuse("rnn_long_input_unbatched", lambda: rnn(torch.zeros(3, 4, dtype=torch.int64)))
    refuse("rnn_long_h0", lambda: rnn(torch.zeros(3, 2, 4), torch.zeros(1, 2, 2, dtype=torch.int64)))
    refuse("rnn_long_input_empty_sequence", lambda: rnn(torch.zeros(0, 2, 4, dtype=torch.int64)))
    refuse("rnn_long_input_wrong_size", lambda: rnn(torch.zeros(3, 2, 5, dtype=torch.int64)))
    refuse("cell_long_input", lambda: cell(torch.zeros(2, 4, dtype=torch.int64)))
    refuse("cell_long_hx", lambda: cell(torch.zeros(2, 4), torch.zeros(2, 2, dtype=torch.int64)))
    refuse("cell_long_input_wrong_size", lambda: cell(torch.zeros(2, 5, dtype=torch.int64)))
    rf.write("int64.json", cases,
             "int64 factories, views and conversions with their results and str; errors (type and message) "
             "where PyTorch refuses an int64 tensor or a ragged list.")


def _bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def _from_bits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def record_float_repr():
    rng = random.Random(20240613)
    groups = []

    def group(name, values):
        values = [float(v) for v in values]
        groups.append({"name": name, "kind": "repr",
                       "bits": ["%016x" % _bits(v) for v in values],
                       "repr": [repr(v) for v in values]})

    # float32 values widened to double: what tensor.item() gives for a float32 tensor.
    f32_bits = np.array([rng.getrandbits(32) for _ in range(8000)], dtype=np.uint32).view(np.float32)
    group("float32_random_bits", [float(v) for v in f32_bits if np.isfinite(v)])
    gen = torch.Generator().manual_seed(7)
    losses = torch.rand(4000, generator=gen, dtype=torch.float32) * 3
    group("float32_loss_like", losses.tolist())
    scaled = torch.randn(3000, generator=gen, dtype=torch.float32) * torch.pow(
        10.0, torch.randint(-12, 13, (3000,), generator=gen).to(torch.float32))
    group("float32_every_scale", scaled.tolist())
    # Doubles.
    doubles = []
    while len(doubles) < 5000:
        v = _from_bits(rng.getrandbits(64))
        if math.isfinite(v):
            doubles.append(v)
    group("float64_random_bits", doubles)
    group("float64_unit", [rng.random() * 10 for _ in range(2000)])
    group("float64_short_decimals", [round(rng.uniform(-1000, 1000), rng.randint(0, 6)) for _ in range(1000)])
    # Powers of ten and their neighbours, and the layout boundaries.
    tens = []
    for k in range(-323, 309):
        p = float(f"1e{k}")
        tens += [p, math.nextafter(p, 0.0), math.nextafter(p, math.inf)]
    group("powers_of_ten", tens)
    boundary = []
    for v in [1e-4, 1e-5, 9.999999999999999e-5, 0.00010000000000000002, 1e15, 1e16, 1e17, 9999999999999998.0,
              9999999999999999.0, 1.2345e16, 123456789012345680.0, 0.0001234, 0.00001234, 100.0, 1.5e20, 1e-05,
              2.0 ** 53, 2.0 ** 53 + 2, 2.0 ** 63, 2.0 ** 64, 0.1, 0.2, 0.30000000000000004, 1 / 3, 2 / 3]:
        boundary += [v, -v, math.nextafter(v, 0.0), math.nextafter(v, math.inf)]
    boundary += [float(np.float32(v)) for v in [1e-4, 1e-5, 1e16, 0.1, 1 / 3, 3.4028234663852886e38, 1.1754943508222875e-38]]
    group("layout_boundaries", boundary)
    sub = [5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1e-310, 1.401298464324817e-45,
           float(np.float32(1e-40))]
    sub += [_from_bits(rng.getrandbits(52)) for _ in range(500)]
    group("subnormals", sub)
    group("specials", [0.0, -0.0, math.inf, -math.inf, math.nan, 1.7976931348623157e308, -1.7976931348623157e308,
                       1.0, -1.0, 2.0, 10.0, 1e22, 1e23, 123456.0])
    group("integers", [float(i) for i in range(-50, 51)] + [float(10 ** k) for k in range(0, 23)]
          + [float(rng.randint(-10 ** 17, 10 ** 17)) for _ in range(500)])
    count = sum(len(g["bits"]) for g in groups)
    rf.write("float_repr.json", groups,
             f"Python's repr(float) for {count} doubles given by their IEEE-754 bits (hex), in groups.")


def record_int64():
    record_int64_str()
    record_int64_ops()
    record_float_repr()
