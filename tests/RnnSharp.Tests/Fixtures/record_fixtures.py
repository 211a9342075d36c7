#!/usr/bin/python3
"""Records the PyTorch fixtures that RnnSharp's tests compare against.

Every expected value in RnnSharp's parity tests comes from the files this script
writes; none is typed by hand. Run it with real PyTorch (Debian's python3-torch,
PyTorch 1.13.1, which installs for /usr/bin/python3):

    apt-get update && apt-get install -y python3-torch
    /usr/bin/python3 tests/RnnSharp.Tests/Fixtures/record_fixtures.py

It rewrites the *.json files and seed_program.out next to itself. The output is
deterministic: running it twice gives identical files.

File format (FORMAT_VERSION below): UTF-8 JSON with a "header" object
(format_version, torch_version, numpy_version, recorder, notes) and a "cases"
list. A tensor is {"shape": [...], "data": [...]} with data flattened in
row-major order; every float32 is written as its shortest round-trip decimal
(numpy's float32 repr), and non-finite values as the strings "nan", "inf",
"-inf", so that parsing the text as a float32 gives back the exact bits.
"""

import collections
import contextlib
import io
import json
import os
import struct
import sys
import warnings

import numpy as np
import torch

import record_losses  # losses.json; it uses this module's helpers (imported here only for main())

FORMAT_VERSION = 1
HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- encoding


class _Raw(float):
    """A float whose JSON text is fixed in advance (the float32 shortest repr)."""

    def __new__(cls, text):
        obj = super().__new__(cls, float(text))
        obj.text = text
        return obj

    def __repr__(self):
        return self.text


def f32(value):
    """One float32 as JSON: shortest round-trip decimal, or a string if non-finite."""
    v = np.float32(value)
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return _Raw(repr(v))


def tensor(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [f32(v) for v in t.reshape(-1).tolist()]}


def state_dict(module):
    # A list, not an object: registration order is part of what is recorded.
    return [{"name": k, "tensor": tensor(v)} for k, v in module.state_dict().items()]


def write(name, cases, notes):
    header = {
        "format_version": FORMAT_VERSION,
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "recorder": "tests/RnnSharp.Tests/Fixtures/record_fixtures.py",
        "notes": notes,
    }
    text = "".join(_iterencode({"header": header, "cases": cases}))
    path = os.path.join(HERE, name)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
        f.write("\n")
    print(f"wrote {name}: {len(cases)} cases, {len(text) // 1024} KiB")


def _iterencode(o):
    """A small JSON writer: one case per line keeps diffs readable."""
    yield "{\"header\":"
    yield json.dumps(o["header"], ensure_ascii=False)
    yield ",\n\"cases\":[\n"
    for i, case in enumerate(o["cases"]):
        if i:
            yield ",\n"
        yield from _value(case)
    yield "\n]}"


def _value(o):
    if isinstance(o, _Raw):
        yield o.text
    elif isinstance(o, bool) or o is None:
        yield json.dumps(o)
    elif isinstance(o, (int, str)):
        yield json.dumps(o, ensure_ascii=False)
    elif isinstance(o, float):
        raise TypeError("floats must go through f32() so their text is exact")
    elif isinstance(o, dict):
        yield "{"
        for i, (k, v) in enumerate(o.items()):
            if i:
                yield ","
            yield json.dumps(k)
            yield ":"
            yield from _value(v)
        yield "}"
    elif isinstance(o, (list, tuple)):
        yield "["
        for i, v in enumerate(o):
            if i:
                yield ","
            yield from _value(v)
        yield "]"
    else:
        raise TypeError(type(o))


# ---------------------------------------------------------------- helpers


def rnn_config(input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
               batch_first=False, dropout=0.0, bidirectional=False):
    return {
        "input_size": input_size, "hidden_size": hidden_size, "num_layers": num_layers,
        "nonlinearity": nonlinearity, "bias": bias, "batch_first": batch_first,
        "dropout": f32(dropout), "bidirectional": bidirectional,
    }


def make_rnn(cfg):
    kwargs = dict(cfg)
    kwargs["dropout"] = float(cfg["dropout"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dropout with one layer warns; we record anyway
        return torch.nn.RNN(**kwargs)


def randn(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g) * scale).to(torch.float32)


# ---------------------------------------------------------------- seed program


def record_seed_program():
    """The lab's program (../shared/reference/seed_program.py), line for line."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        torch.manual_seed(0)
        input_size = 4
        hidden_size = 2
        h = [1, 0, 0, 0]
        e = [0, 1, 0, 0]
        l = [0, 0, 1, 0]
        o = [0, 0, 0, 1]
        input_data_np = np.array([[h, e, l, l, o], [e, o, l, l, l], [l, l, e, e, l]], dtype=np.float32)
        input_data = torch.Tensor(input_data_np)
        rnn = torch.nn.RNN(input_size, hidden_size)
        outputs, _status = rnn(input_data)
        print(outputs)
        print(outputs.size())
    printed = out.getvalue()
    with open(os.path.join(HERE, "seed_program.out"), "w", encoding="utf-8", newline="\n") as f:
        f.write(printed)
    case = {
        "name": "seed_program",
        "seed": 0,
        "config": rnn_config(input_size, hidden_size),
        "state_dict": state_dict(rnn),
        "input": tensor(input_data),
        "output": tensor(outputs),
        "h_n": tensor(_status),
        "stdout": printed,
        "repr": repr(rnn),
    }
    write("seed_program.json", [case], "torch.manual_seed(0); torch.nn.RNN(4, 2) on the one-hot 'hello' batch; stdout is what print() wrote (seed_program.out holds the same text).")


# ---------------------------------------------------------------- init


def record_init():
    cases = []
    configs = [
        rnn_config(4, 2),
        rnn_config(1, 1),
        rnn_config(3, 5, num_layers=2),
        rnn_config(3, 5, bidirectional=True),
        rnn_config(6, 4, num_layers=3, bias=False, bidirectional=True),
        rnn_config(10, 64, nonlinearity="relu"),
        rnn_config(7, 33, num_layers=2, batch_first=True, dropout=0.25),
    ]
    seeds = [0, 1, 42, 12345, 2**31 - 1, -1, 2**32 + 7, -(2**40) - 3]
    for seed in seeds:
        for cfg in configs:
            torch.manual_seed(seed)
            rnn = make_rnn(cfg)
            cases.append({"kind": "rnn", "seed": seed, "config": cfg, "state_dict": state_dict(rnn)})
    # Several modules from one seed: the generator's stream continues across them.
    torch.manual_seed(7)
    first = make_rnn(rnn_config(4, 3))
    second = make_rnn(rnn_config(2, 6, num_layers=2))
    cell = torch.nn.RNNCell(5, 4)
    cases.append({"kind": "sequence", "seed": 7, "modules": [
        {"kind": "rnn", "config": rnn_config(4, 3), "state_dict": state_dict(first)},
        {"kind": "rnn", "config": rnn_config(2, 6, num_layers=2), "state_dict": state_dict(second)},
        {"kind": "cell", "config": {"input_size": 5, "hidden_size": 4, "bias": True, "nonlinearity": "tanh"},
         "state_dict": state_dict(cell)},
    ]})
    for seed in [0, 3, 99]:
        for (i, hsz, bias) in [(4, 2, True), (3, 7, False), (16, 17, True)]:
            torch.manual_seed(seed)
            cell = torch.nn.RNNCell(i, hsz, bias=bias)
            cases.append({"kind": "cell", "seed": seed,
                          "config": {"input_size": i, "hidden_size": hsz, "bias": bias, "nonlinearity": "tanh"},
                          "state_dict": state_dict(cell)})
    # torch.rand on the global generator and on an explicit torch.Generator.
    for seed in [0, 5, 2**31 - 1]:
        torch.manual_seed(seed)
        r = torch.rand(1000)
        g = torch.Generator().manual_seed(seed + 1)
        rg = torch.rand(3, 4, generator=g)
        cases.append({"kind": "rand", "seed": seed, "rand": tensor(r),
                      "generator_seed": seed + 1, "generator_rand": tensor(rg)})
    write("rnn_init.json", cases,
          "Parameters right after torch.manual_seed(seed) and construction, in registration order; "
          "plus torch.rand draws. Compare bit for bit.")


# ---------------------------------------------------------------- forward


def forward_case(name, cfg, seq_len, batch, seed, *, unbatched=False, with_h0=False, train=False,
                 scale=1.0, h0_scale=1.0):
    torch.manual_seed(seed)
    rnn = make_rnn(cfg)
    rnn.train(train)
    d = 2 if cfg["bidirectional"] else 1
    if unbatched:
        x = randn((seq_len, cfg["input_size"]), seed + 1000, scale)
        h0 = randn((d * cfg["num_layers"], cfg["hidden_size"]), seed + 2000, h0_scale) if with_h0 else None
    else:
        shape = (batch, seq_len, cfg["input_size"]) if cfg["batch_first"] else (seq_len, batch, cfg["input_size"])
        x = randn(shape, seed + 1000, scale)
        h0 = randn((d * cfg["num_layers"], batch, cfg["hidden_size"]), seed + 2000, h0_scale) if with_h0 else None
    # The generator continues from where construction left it: dropout draws from there.
    with torch.no_grad():
        output, h_n = rnn(x, h0) if h0 is not None else rnn(x)
    return {
        "name": name, "seed": seed, "config": cfg, "training": train,
        "state_dict": state_dict(rnn), "input": tensor(x),
        "h0": tensor(h0) if h0 is not None else None,
        "output": tensor(output), "h_n": tensor(h_n), "repr": repr(rnn),
    }


def rnn_grid(seed):
    """Every switch of torch.nn.RNN at input 3, hidden 4: yields (seed, name, config, mode), seeds from seed + 1 on."""
    for num_layers in (1, 2, 3):
        for nonlinearity in ("tanh", "relu"):
            for bias in (True, False):
                for batch_first in (False, True):
                    for bidirectional in (False, True):
                        for mode in ("batched", "batched_h0", "unbatched", "unbatched_h0"):
                            cfg = rnn_config(3, 4, num_layers, nonlinearity, bias, batch_first, 0.0, bidirectional)
                            name = (f"grid_l{num_layers}_{nonlinearity}_{'bias' if bias else 'nobias'}"
                                    f"_{'bf' if batch_first else 'sf'}_{'bi' if bidirectional else 'uni'}_{mode}")
                            seed += 1
                            yield seed, name, cfg, mode


def record_forward():
    cases = []
    # The grid: every switch of torch.nn.RNN, small sizes.
    for seed, name, cfg, mode in rnn_grid(100):
        cases.append(forward_case(name, cfg, 5, 2, seed,
                                  unbatched=mode.startswith("unbatched"),
                                  with_h0=mode.endswith("h0")))
    # Edges: one of everything, long sequences, saturation, sizes around SIMD widths.
    cases.append(forward_case("edge_L1_N1_H1", rnn_config(1, 1), 1, 1, 7))
    cases.append(forward_case("edge_L1_N1_H1_h0", rnn_config(1, 1), 1, 1, 8, with_h0=True))
    cases.append(forward_case("edge_L1_unbatched", rnn_config(3, 2, bidirectional=True), 1, 1, 9, unbatched=True))
    cases.append(forward_case("edge_batch0", rnn_config(3, 2, num_layers=2), 4, 0, 10))
    cases.append(forward_case("long_L500_tanh", rnn_config(3, 8), 500, 2, 11, with_h0=True))
    cases.append(forward_case("long_L300_relu_bidir", rnn_config(2, 5, nonlinearity="relu", bidirectional=True), 300, 1, 12))
    cases.append(forward_case("saturating_tanh", rnn_config(4, 6, num_layers=2), 8, 3, 13, scale=100.0, with_h0=True, h0_scale=50.0))
    cases.append(forward_case("saturating_relu", rnn_config(4, 6, nonlinearity="relu"), 8, 3, 14, scale=1000.0))
    cases.append(forward_case("tiny_inputs", rnn_config(4, 6), 6, 2, 15, scale=1e-6))
    for i, (isz, hsz) in enumerate([(7, 7), (8, 8), (9, 9), (15, 16), (16, 17), (17, 15), (31, 32),
                                    (32, 33), (33, 31), (63, 64), (64, 65), (65, 63)]):
        cases.append(forward_case(f"simd_I{isz}_H{hsz}", rnn_config(isz, hsz), 6, 3, 20 + i, with_h0=True))
    cases.append(forward_case("medium_2layer_bidir_bf", rnn_config(33, 65, num_layers=2, batch_first=True, bidirectional=True), 20, 8, 40, with_h0=True))
    cases.append(forward_case("medium_3layer_relu", rnn_config(16, 24, num_layers=3, nonlinearity="relu"), 12, 5, 41))
    # Dropout: applied between layers in training mode only, drawn from the global generator.
    cases.append(forward_case("dropout_train_3layer", rnn_config(3, 5, num_layers=3, dropout=0.5), 6, 4, 50, train=True))
    cases.append(forward_case("dropout_train_bidir", rnn_config(4, 6, num_layers=2, dropout=0.3, bidirectional=True), 5, 3, 51, train=True, with_h0=True))
    cases.append(forward_case("dropout_train_unbatched_bf", rnn_config(4, 6, num_layers=2, dropout=0.2, batch_first=True), 7, 1, 52, train=True, unbatched=True))
    cases.append(forward_case("dropout_train_p1", rnn_config(3, 4, num_layers=2, dropout=1.0), 4, 2, 53, train=True))
    cases.append(forward_case("dropout_train_p0", rnn_config(3, 4, num_layers=2, dropout=0.0), 4, 2, 54, train=True))
    cases.append(forward_case("dropout_eval", rnn_config(3, 4, num_layers=3, dropout=0.5), 4, 2, 55, train=False))
    cases.append(forward_case("dropout_train_1layer", rnn_config(3, 4, num_layers=1, dropout=0.5), 4, 2, 56, train=True))
    write("rnn_forward.json", cases,
          "torch.manual_seed(seed); rnn = torch.nn.RNN(**config); rnn.train(training); output, h_n = rnn(input[, h0]). "
          "Inputs come from torch.randn on a separate torch.Generator; dropout draws continue the global generator after construction.")


def record_cell():
    cases = []
    seed = 300
    for (isz, hsz) in [(4, 2), (1, 1), (9, 17)]:
        for nonlinearity in ("tanh", "relu"):
            for bias in (True, False):
                for mode in ("batched", "batched_hx", "unbatched", "unbatched_hx"):
                    seed += 1
                    torch.manual_seed(seed)
                    cell = torch.nn.RNNCell(isz, hsz, bias=bias, nonlinearity=nonlinearity)
                    if mode.startswith("unbatched"):
                        x = randn((isz,), seed + 1000)
                        hx = randn((hsz,), seed + 2000) if mode.endswith("hx") else None
                    else:
                        x = randn((3, isz), seed + 1000)
                        hx = randn((3, hsz), seed + 2000) if mode.endswith("hx") else None
                    with torch.no_grad():
                        h = cell(x, hx) if hx is not None else cell(x)
                    cases.append({
                        "name": f"cell_I{isz}_H{hsz}_{nonlinearity}_{'bias' if bias else 'nobias'}_{mode}",
                        "seed": seed,
                        "config": {"input_size": isz, "hidden_size": hsz, "bias": bias, "nonlinearity": nonlinearity},
                        "state_dict": state_dict(cell), "input": tensor(x),
                        "hx": tensor(hx) if hx is not None else None,
                        "output": tensor(h), "repr": repr(cell),
                    })
    write("rnn_cell.json", cases, "torch.manual_seed(seed); cell = torch.nn.RNNCell(**config); h = cell(input[, hx]).")


# ---------------------------------------------------------------- errors


def record_errors():
    def catch(fn):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn()
        except Exception as e:  # noqa: BLE001 - we record whatever PyTorch raises
            return type(e).__name__, str(e)
        raise AssertionError("expected an error")

    rnn = torch.nn.RNN(4, 2)
    bi = torch.nn.RNN(4, 2, num_layers=2, bidirectional=True)
    cell = torch.nn.RNNCell(4, 2)
    sd = rnn.state_dict()
    checks = {
        "rnn_input_size": lambda: rnn(torch.zeros(5, 3, 3)),
        "rnn_input_size_unbatched": lambda: rnn(torch.zeros(5, 3)),
        "rnn_h0_batch": lambda: rnn(torch.zeros(5, 3, 4), torch.zeros(1, 2, 2)),
        "rnn_h0_layers": lambda: bi(torch.zeros(5, 3, 4), torch.zeros(2, 3, 2)),
        "rnn_h0_hidden": lambda: rnn(torch.zeros(5, 3, 4), torch.zeros(1, 3, 3)),
        "rnn_batched_input_unbatched_h0": lambda: rnn(torch.zeros(5, 3, 4), torch.zeros(1, 2)),
        "rnn_unbatched_input_batched_h0": lambda: rnn(torch.zeros(5, 4), torch.zeros(1, 1, 2)),
        "rnn_unbatched_h0_shape": lambda: rnn(torch.zeros(5, 4), torch.zeros(2, 2)),
        "rnn_empty_sequence": lambda: rnn(torch.zeros(0, 3, 4)),
        "rnn_dropout_negative": lambda: torch.nn.RNN(4, 2, dropout=-0.1),
        "rnn_dropout_above_one": lambda: torch.nn.RNN(4, 2, dropout=1.5),
        "cell_input_size": lambda: cell(torch.zeros(3, 3)),
        "cell_hx_hidden": lambda: cell(torch.zeros(3, 4), torch.zeros(3, 3)),
        "cell_hx_batch": lambda: cell(torch.zeros(3, 4), torch.zeros(2, 2)),
        "cell_input_rank": lambda: cell(torch.zeros(1, 3, 4)),
        "view_size": lambda: torch.zeros(5).view(2, 3),
        "load_missing": lambda: rnn.load_state_dict({k: v for k, v in sd.items() if k != "bias_hh_l0"}),
        "load_unexpected": lambda: rnn.load_state_dict({**sd, "weight_ih_l1": torch.zeros(2, 2)}),
        "load_size_mismatch": lambda: rnn.load_state_dict({**sd, "weight_ih_l0": torch.zeros(2, 3)}),
        "load_all_three": lambda: rnn.load_state_dict(
            {**{k: v for k, v in sd.items() if k != "bias_hh_l0"}, "weight_ih_l0": torch.zeros(2, 3), "extra": torch.zeros(1)}),
    }
    cases = []
    for name, fn in checks.items():
        kind, message = catch(fn)
        cases.append({"name": name, "python_exception": kind, "message": message})
    write("errors.json", cases, "The exception type and message PyTorch raises for each bad call.")


# ---------------------------------------------------------------- printing


def record_tensor_str():
    cases = []

    def add(name, t, parameter=False, **opts):
        t = t.to(torch.float32)
        if opts:
            torch.set_printoptions(**opts)
        try:
            text = repr(torch.nn.Parameter(t)) if parameter else str(t)
        finally:
            torch.set_printoptions(profile="default")
        case = {"name": name, "tensor": tensor(t), "str": text}
        if opts:
            case["print_options"] = {k: (f32(v) if isinstance(v, float) else v) for k, v in opts.items()}
        if parameter:
            case["parameter"] = True
        cases.append(case)

    nan, inf = float("nan"), float("inf")
    T = torch.tensor
    # 0-d
    for i, v in enumerate([0.0, -0.0, 3.0, -3.0, 0.5, 1.0 / 3.0, 1e-5, 1e10, 123456789.0, 1e8, 12345.678,
                           nan, inf, -inf, 0.03125, 2.5, 0.00015, -7.25e-7]):
        add(f"scalar_{i}", T(v))
    # 1-D basics
    add("empty_1d", torch.zeros(0))
    add("ints", T([1.0, 2.0, 3.0]))
    add("ints_negative", T([-1.0, 20.0, -300.0]))
    add("ints_with_zero", T([0.0, 1.0, -0.0]))
    add("all_zeros", torch.zeros(4))
    add("all_negative_zeros", T([-0.0, -0.0]))
    add("all_nan", T([nan, nan]))
    add("all_inf", T([inf, -inf]))
    add("ints_nan_inf", T([1.0, nan, inf, -inf, 2.0]))
    add("floats_nan_inf", T([1.5, nan, -inf, 0.25]))
    add("mixed", T([0.1, -2.5, 3.14159, 100.0]))
    add("negative_zero_mixed", T([-0.0, 0.5, -0.5]))
    add("ties_half_even_sci", T([0.03125, -0.03125, 0.00015, 1.00005, 0.09375, 2.5]))
    add("ties_half_even_fixed", T([0.03125, -0.03125, 0.09375, 0.15625, 2.5, 1.00005]))
    add("ties_half_even_sci_digits", T([1.03125, 1.09375, -1.03125, 1e-6]))
    add("small_to_sci", T([1e-5, 0.5]))
    add("ratio_to_sci", T([0.001, 2.0]))
    add("ratio_exactly_1000", T([0.002, 2.0]))
    add("big_to_sci", T([1.5e8, 1.0]))
    add("int_big_ratio_sci", T([1.0, 2000.0]))
    add("int_1e8", T([1e8, 1.0, 5.0]))
    add("int_above_1e8", T([2e8, 3.0]))
    add("int_1000_ratio", T([1.0, 1000.0]))
    add("sci_with_nan", T([1e-7, nan, 1.0, -inf]))
    add("huge", T([3.4e38, -1e-38, 1.0]))
    add("denormal", T([1e-45, 1.0]))
    add("rounds_to_zero_negative", T([-0.00001, 1.0, 2.0]))
    add("rounding_carry", T([9.99995, 0.99999, 99.99999]))
    add("sci_rounding_carry", T([9.99996e-5, 1.0, 9.99999e9]))
    add("width_mixed_sign", T([-1234.5678, 1.0, 0.001]))
    # Wrapping at 80 characters
    add("wrap_1d_ints", torch.arange(40, dtype=torch.float32))
    add("wrap_1d_floats", randn((30,), 1))
    add("wrap_1d_sci", randn((25,), 2) * 1e-6)
    add("wrap_2d", randn((4, 20), 3))
    add("wrap_3d", randn((2, 3, 14), 4))
    # Shapes
    add("matrix_2x3", randn((2, 3), 5))
    add("matrix_1x1", T([[2.5]]))
    add("column", randn((5, 1), 6))
    add("tensor_3d", randn((2, 3, 4), 7))
    add("tensor_4d", randn((2, 2, 2, 3), 8))
    add("tensor_5d", randn((2, 1, 2, 1, 2), 9))
    # Empty tensors
    for shape in [(2, 0), (0, 3), (0, 3, 4), (3, 0, 2), (1, 0)]:
        add("empty_" + "x".join(map(str, shape)), torch.zeros(*shape))
    # Summarisation above 1000 elements, 3 edge items
    add("summary_1d_1001", torch.arange(1001, dtype=torch.float32))
    add("summary_1d_floats", randn((2000,), 10))
    add("summary_2d", randn((100, 100), 11))
    add("summary_2d_wide", randn((2, 1000), 12))
    add("summary_2d_tall", randn((1000, 2), 13))
    add("summary_3d", randn((11, 11, 11), 14))
    add("summary_sci", randn((40, 40), 15) * 1e-5)
    add("summary_formatter_ignores_middle", torch.cat([torch.ones(3), torch.full((1000,), 1e9), torch.ones(3) * 2]))
    add("not_summarized_1000", randn((1000,), 16))
    add("summary_3d_small_dims", randn((2, 3, 200), 17))
    # Random values at many scales
    for i, scale in enumerate([1e-9, 1e-5, 1e-4, 1e-3, 0.1, 1.0, 10.0, 999.0, 1e4, 1e7, 1e9, 1e20]):
        add(f"scale_{i}", randn((3, 4), 30 + i) * scale)
    # Print options
    add("opt_precision_2", randn((3, 3), 40), precision=2)
    add("opt_precision_8", randn((2, 3), 41), precision=8)
    add("opt_sci_true", randn((2, 3), 42), sci_mode=True)
    add("opt_sci_false", T([1e-7, 1.0, 1e9]), sci_mode=False)
    add("opt_linewidth_40", randn((3, 12), 43), linewidth=40)
    add("opt_threshold_5", torch.arange(10, dtype=torch.float32), threshold=5)
    add("opt_edgeitems_1", randn((20, 20), 44), threshold=10, edgeitems=1)
    add("opt_precision_0", T([0.5, 1.5, 2.5, -0.5]), precision=0)
    add("opt_precision_0_sci", T([0.5, 1.5e-5, 2.5, -0.5]), precision=0)
    add("opt_precision_12", T([0.1, 1.0 / 3.0, -2.5, 0.03125]), precision=12)
    add("opt_precision_20_sci", T([0.1, 1e-30, 3.4e38, -1e-45]), precision=20)
    add("opt_profile_short", randn((4, 5), 45), profile="short")
    add("opt_profile_short_summary", randn((30, 40), 46), profile="short")
    add("opt_profile_short_precision_3", randn((2, 3), 47), profile="short", precision=3)
    add("opt_profile_full", randn((1100,), 48), profile="full")
    add("opt_profile_default", randn((2000,), 49), profile="default")
    add("opt_threshold_inf", randn((30, 40), 50), threshold=float("inf"))
    add("opt_threshold_0_scalar", T(1.5), threshold=0)
    add("opt_threshold_0_matrix", randn((3, 4), 51), threshold=0)
    add("opt_threshold_negative", T([1.0, 2.0]), threshold=-1)
    add("opt_threshold_fraction", torch.arange(8, dtype=torch.float32), threshold=7.5, edgeitems=2)
    add("opt_edgeitems_0_1d", torch.arange(8, dtype=torch.float32) * 1.5, threshold=3, edgeitems=0)
    add("opt_edgeitems_large", torch.arange(10, dtype=torch.float32), threshold=2, edgeitems=10)
    add("opt_edgeitems_large_2d", randn((4, 5), 52), threshold=2, edgeitems=2)
    add("opt_edgeitems_2_3d", randn((5, 6, 7), 53), threshold=20, edgeitems=2)
    add("opt_linewidth_1", T([1.5, -2.25, 3.0]), linewidth=1)
    add("opt_linewidth_1_2d", randn((2, 3), 54), linewidth=1)
    add("opt_linewidth_200", randn((3, 30), 55), linewidth=200)
    add("opt_sci_true_ints", T([1.0, 2.0, -30.0]), sci_mode=True)
    add("opt_sci_true_zeros", T([0.0, -0.0]), sci_mode=True)
    add("opt_sci_true_nan_only", T([nan, inf]), sci_mode=True)
    add("opt_sci_true_scalar", T(0.25), sci_mode=True)
    add("opt_sci_false_ints_big_ratio", T([1.0, 2000.0, -3.0]), sci_mode=False)
    add("opt_sci_false_huge", T([3.4e38, 0.5]), sci_mode=False)
    add("opt_sci_false_tiny", T([1e-45, -1e-30, 0.5]), sci_mode=False)
    add("opt_sci_false_summary", randn((40, 40), 56) * 1e-6, sci_mode=False)
    add("opt_sci_none", T([1e-7, 1.0]), sci_mode=None)
    add("sci_with_zeros", T([0.0, -0.0, 1e-5, 1.0]))
    add("ints_nan_wider", T([1.0, nan, -inf]))
    add("sci_negative_ties", T([-1.03125e-10, 1.09375e10, -0.0]))
    add("summary_ints_wide_middle", torch.cat([torch.arange(5, dtype=torch.float32), torch.full((1000,), 123456.0),
                                               torch.arange(5, dtype=torch.float32)]))
    add("summary_nan_edges", torch.cat([torch.tensor([nan, 1.5, 2.0]), torch.full((1000,), 0.001),
                                        torch.tensor([-inf, 0.0, 3.0])]))
    add("summary_all_zero_middle_nonzero", torch.cat([torch.zeros(3), torch.full((1000,), 7.0), torch.zeros(3)]))
    add("summary_4d", randn((4, 3, 10, 10), 57))
    # Parameters under print options, and suffix placement
    add("param_empty", torch.zeros(2, 0), parameter=True)
    add("param_empty_1d", torch.zeros(0), parameter=True)
    add("param_scalar", T(0.5), parameter=True)
    add("param_suffix_fits", randn((7,), 58), parameter=True)
    add("param_suffix_wraps_1d", randn((8,), 59), parameter=True)
    add("param_suffix_linewidth_30", randn((3,), 60), parameter=True, linewidth=30)
    add("param_suffix_linewidth_10", T(1.0), parameter=True, linewidth=10)
    add("param_summary", randn((50, 50), 61), parameter=True)
    add("param_sci", randn((2, 3), 62) * 1e-6, parameter=True, sci_mode=True, precision=2)
    # The lab's output
    torch.manual_seed(0)
    rnn = torch.nn.RNN(4, 2)
    with torch.no_grad():
        out, hn = rnn(torch.eye(4)[torch.tensor([[0, 1, 2, 2, 3], [1, 3, 2, 2, 2], [2, 2, 1, 1, 2]])])
    add("seed_output", out)
    add("seed_h_n", hn)

    # Parameters print as "Parameter containing:\ntensor(..., requires_grad=True)".
    params = []
    torch.manual_seed(0)
    for name, module in [("rnn_4_2", torch.nn.RNN(4, 2)), ("rnn_30_3", torch.nn.RNN(30, 3)),
                         ("rnn_2_17", torch.nn.RNN(2, 17))]:
        for pname, p in module.named_parameters():
            params.append({"name": f"{name}.{pname}", "tensor": tensor(p), "repr": repr(p)})
    write("tensor_str.json", cases + [{"name": "parameter_" + p["name"], "parameter": True,
                                       "tensor": p["tensor"], "str": p["repr"]} for p in params],
          "str(tensor) for float32 tensors (default print options unless print_options says otherwise); "
          "cases with parameter=true hold repr(torch.nn.Parameter).")


# ---------------------------------------------------------------- weights files (torch.save, safetensors)

INTEROP = os.path.join(HERE, "interop")
SAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(HERE))), "samples", "PyTorchInterop")


def write_safetensors(path, tensors, metadata=None):
    """An independent, spec-following safetensors writer (https://github.com/huggingface/safetensors):
    8-byte little-endian header length, JSON header padded with spaces to a multiple of 8, then the
    little-endian data of each tensor, back to back, in the order given."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, (dtype, t) in tensors.items():
        t = t.detach().contiguous()
        if dtype == "BF16":
            raw = t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            np_dtype = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8"}[dtype]
            raw = t.numpy().astype(np_dtype).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


class _Hostile:
    """Pickles as a call to an arbitrary function: what a malicious checkpoint looks like."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def _first_foreign_global(path):
    """The first global in the checkpoint's data.pkl that a state dict never names, as the pickle spells it
    (protocol 2 writes Python 2 names, e.g. __builtin__.eval)."""
    import pickletools
    import zipfile
    allowed = {"collections OrderedDict", "torch._utils _rebuild_tensor_v2", "torch FloatStorage"}
    with zipfile.ZipFile(path) as z:
        data = z.read(next(n for n in z.namelist() if n.endswith("/data.pkl")))
    for op, arg, _ in pickletools.genops(data):
        if op.name == "GLOBAL" and arg not in allowed:
            return arg.replace(" ", ".")
    raise AssertionError(f"{path} names no foreign global")


def _forward_record(rnn, x):
    with torch.no_grad():
        out, h_n = rnn(x)
    return out, h_n


def record_interop():
    import builtins
    import subprocess
    os.makedirs(INTEROP, exist_ok=True)
    cases = []

    def add_pt(name, cfg, state, x, note, loaded=None):
        """torch.save(state, name.pt); record what a float32 RNN loaded with those values computes."""
        path = os.path.join(INTEROP, name + ".pt")
        torch.save(state, path)
        rnn = make_rnn(cfg).eval()
        rnn.load_state_dict(loaded if loaded is not None else {k: v.float() for k, v in state.items()})
        out, h_n = _forward_record(rnn, x)
        cases.append({"name": name, "file": "interop/" + name + ".pt", "format": "pt", "note": note, "config": cfg,
                      "keys": list(state.keys()), "state_dict": state_dict(rnn), "input": tensor(x),
                      "output": tensor(out), "h_n": tensor(h_n)})

    torch.manual_seed(400)
    cfg = rnn_config(4, 3)
    rnn = make_rnn(cfg)
    add_pt("rnn_basic", cfg, rnn.state_dict(), randn((5, 2, 4), 401), "torch.save(rnn.state_dict(), path)")

    torch.manual_seed(402)
    cfg = rnn_config(5, 6, num_layers=2, nonlinearity="relu", batch_first=True, bidirectional=True)
    rnn = make_rnn(cfg)
    add_pt("rnn_2layer_bidir_relu_bf", cfg, rnn.state_dict(), randn((3, 7, 5), 403), "a two-layer bidirectional ReLU RNN")

    for dtype, name in [(torch.float64, "rnn_float64"), (torch.float16, "rnn_float16"), (torch.bfloat16, "rnn_bfloat16")]:
        torch.manual_seed(404)
        cfg = rnn_config(4, 5)
        rnn = make_rnn(cfg).to(dtype)
        add_pt(name, cfg, rnn.state_dict(), randn((6, 2, 4), 405), f"rnn.to({dtype}); values become float32 on load")

    # One file: float32 views with a storage offset and with transposed strides, a float64 and a half tensor.
    torch.manual_seed(406)
    cfg = rnn_config(4, 3)
    base = torch.randn(10, 10)
    hh_base = torch.randn(3, 3)
    mixed = collections.OrderedDict()
    mixed["weight_ih_l0"] = base[2:5, 1:5]             # offset 21, strides (10, 1)
    mixed["weight_hh_l0"] = hh_base.t()                # strides (1, 3)
    mixed["bias_ih_l0"] = torch.randn(3, dtype=torch.float64)
    mixed["bias_hh_l0"] = torch.randn(3).half()
    assert not mixed["weight_ih_l0"].is_contiguous() and mixed["weight_ih_l0"].storage_offset() == 21
    add_pt("mixed_dtypes_and_views", cfg, mixed, randn((4, 3, 4), 407),
           "float32 views (offset, transposed), a float64 and a half tensor in one file")

    # A larger model: the RNN's keys carry the prefix "rnn.".
    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.RNN(4, 3)
            self.fc = torch.nn.Linear(3, 2)

    torch.manual_seed(408)
    model = Model()
    path = os.path.join(INTEROP, "model_with_rnn_submodule.pt")
    torch.save(model.state_dict(), path)
    x = randn((5, 2, 4), 409)
    out, h_n = _forward_record(model.rnn.eval(), x)
    cases.append({"name": "model_with_rnn_submodule", "file": "interop/model_with_rnn_submodule.pt", "format": "pt",
                  "note": "torch.save(model.state_dict()) of a model with self.rnn and self.fc", "prefix": "rnn.",
                  "config": rnn_config(4, 3), "keys": list(model.state_dict().keys()),
                  "state_dict": state_dict(model.rnn), "input": tensor(x), "output": tensor(out), "h_n": tensor(h_n)})

    # safetensors written by the independent writer above.
    torch.manual_seed(410)
    cfg = rnn_config(4, 3, num_layers=2)
    rnn = make_rnn(cfg).eval()
    sd = rnn.state_dict()
    x = randn((5, 2, 4), 411)
    out, h_n = _forward_record(rnn, x)
    write_safetensors(os.path.join(INTEROP, "rnn_f32.safetensors"), {k: ("F32", v) for k, v in sd.items()},
                      {"format": "pt", "source": "record_fixtures.py"})
    cases.append({"name": "rnn_f32_safetensors", "file": "interop/rnn_f32.safetensors", "format": "safetensors",
                  "note": "F32 with __metadata__", "config": cfg, "keys": list(sd.keys()),
                  "metadata": {"format": "pt", "source": "record_fixtures.py"},
                  "state_dict": state_dict(rnn), "input": tensor(x), "output": tensor(out), "h_n": tensor(h_n)})
    dtypes = ["F16", "BF16", "F64", "F32", "F16", "BF16", "F64", "F32"]
    mixed_st = {k: (dtypes[i], v) for i, (k, v) in enumerate(sd.items())}
    write_safetensors(os.path.join(INTEROP, "rnn_mixed.safetensors"), mixed_st)
    rounded = rnn_config(4, 3, num_layers=2)
    rnn_r = make_rnn(rounded).eval()
    conv = {"F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64, "F32": torch.float32}
    rnn_r.load_state_dict({k: v.to(conv[d]).float() for k, (d, v) in mixed_st.items()})
    out, h_n = _forward_record(rnn_r, x)
    cases.append({"name": "rnn_mixed_safetensors", "file": "interop/rnn_mixed.safetensors", "format": "safetensors",
                  "note": "F16, BF16, F64 and F32 entries", "config": cfg, "keys": list(sd.keys()),
                  "state_dict": state_dict(rnn_r), "input": tensor(x), "output": tensor(out), "h_n": tensor(h_n)})
    write_safetensors(os.path.join(INTEROP, "int64.safetensors"), {"steps": ("I64", torch.arange(3))})

    # Hostile checkpoints: torch.save pickles these as calls to the named functions. Loading must refuse them.
    hostile = [
        ("hostile_os_system", {"weight_ih_l0": _Hostile(os.system, ("echo pwned",))}),
        ("hostile_eval", {"weight_ih_l0": _Hostile(builtins.eval, ("__import__('os').system('echo pwned')",))}),
        ("hostile_subprocess", {"weight_ih_l0": _Hostile(subprocess.Popen, (["echo", "pwned"],))}),
        ("hostile_exec_in_ordered_dict", collections.OrderedDict(weight_ih_l0=_Hostile(builtins.exec, ("import os",)))),
    ]
    for name, obj in hostile:
        path = os.path.join(INTEROP, name + ".pt")
        torch.save(obj, path)
        cases.append({"name": name, "file": "interop/" + name + ".pt", "format": "pt",
                      "refused_global": _first_foreign_global(path)})
    # Protocol 0 text opcodes (INST, STRING...) are not part of what torch.save writes by default.
    path = os.path.join(INTEROP, "protocol0.pt")
    torch.save(torch.nn.RNN(2, 2).state_dict(), path, pickle_protocol=0)
    cases.append({"name": "protocol0", "file": "interop/protocol0.pt", "format": "pt", "refused_opcode": True})
    # A TorchScript archive (torch.jit.save): a zip with data.pkl too, but of a scripted module, not a state dict.
    path = os.path.join(INTEROP, "torchscript.pt")
    torch.manual_seed(412)
    torch.jit.save(torch.jit.script(torch.nn.RNN(2, 2)), path)
    cases.append({"name": "torchscript", "file": "interop/torchscript.pt", "format": "pt", "torchscript": True})
    # The legacy (pre-1.6) format. (An empty dict: the legacy format names storages by memory address,
    # which would make this file differ on every run.)
    path = os.path.join(INTEROP, "legacy_format.pt")
    torch.save({}, path, _use_new_zipfile_serialization=False)
    cases.append({"name": "legacy_format", "file": "interop/legacy_format.pt", "format": "pt", "legacy": True})

    write("interop.json", cases,
          "Weights files written by torch.save and by an independent safetensors writer, and what a float32 "
          "torch.nn.RNN loaded from them computes; hostile files must be refused.")
    record_sample()


def _rezip(src, dst, *, method=None, extra=(), drop=(), flag_encrypted=False):
    """Rewrites a torch.save archive entry by entry (fixed timestamps, so the output is deterministic): with
    another compression method, extra entries appended, entries dropped, or every entry flagged as encrypted."""
    import zipfile
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
        for info in z.infolist():
            if info.filename in drop:
                continue
            out.writestr(zipfile.ZipInfo(info.filename), z.read(info.filename),
                         compress_type=method if method is not None else zipfile.ZIP_STORED)
        for name, data in extra:
            out.writestr(zipfile.ZipInfo(name), data)
    if flag_encrypted:
        data = bytearray(open(dst, "rb").read())
        for sig, at in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
            i = data.find(sig)
            while i >= 0:
                struct.pack_into("<H", data, i + at, struct.unpack_from("<H", data, i + at)[0] | 1)
                i = data.find(sig, i + 4)
        with open(dst, "wb") as f:
            f.write(bytes(data))


def record_hardening():
    """Checkpoints that cost more than their size or that PyTorch's reader refuses (issue 7). Each case says
    what real torch.load(weights_only=True) did with the file: loaded it (with what), or refused it (and why)."""
    import zipfile
    cases = []

    def path_of(name):
        return os.path.join(INTEROP, name + ".pt")

    def torch_outcome(name, phrase=None):
        case = {"name": name, "file": "interop/" + name + ".pt", "size": os.path.getsize(path_of(name))}
        try:
            loaded = torch.load(path_of(name), weights_only=True)
        except RuntimeError as e:
            assert phrase is not None and phrase in str(e), (name, str(e))
            case["torch_error"] = str(e).splitlines()[0]
            case["phrase"] = phrase
            return case, None
        assert phrase is None, name
        case["keys"] = list(loaded.keys())
        case["shapes"] = [list(v.shape) for v in loaded.values()]
        return case, loaded

    # Empty views whose storage offset lies at or past the end of their storage: PyTorch loads them.
    base = torch.zeros(4)
    torch.save(collections.OrderedDict(at_end=base[4:], far_past_end=base.as_strided((0, 3), (3, 1), 1000),
                                       regular=base[1:3]), path_of("hard_empty_views"))
    case, loaded = torch_outcome("hard_empty_views")
    case["tensors"] = [tensor(v) for v in loaded.values()]
    cases.append(case)

    # A one-element storage expanded with stride 0: PyTorch keeps a view and allocates nothing.
    for n in (12000, 3000):
        name = f"hard_expand_stride0_{n}"
        torch.save({"w": torch.full((1,), 0.75).expand(n, n)}, path_of(name))
        case, loaded = torch_outcome(name)
        assert loaded["w"].stride() == (0, 0)
        case["value"] = f32(loaded["w"].unique().item())
        cases.append(case)

    # A thousand different views of one 256 KiB storage: 252 MB once copied out.
    storage = torch.arange(65536, dtype=torch.float32)
    torch.save(collections.OrderedDict((f"v{i}", storage[i:i + 64536]) for i in range(1000)), path_of("hard_many_views"))
    case, _ = torch_outcome("hard_many_views")
    cases.append(case)

    # A thousand names for one tensor (and views of a larger tensor): legitimate, shared, within the budget.
    torch.manual_seed(420)
    shared = torch.randn(16, 64)
    tied = collections.OrderedDict((f"tied{i}", shared) for i in range(1000))
    tied["first_rows"] = shared[:4]
    tied["column"] = shared[:, 5]
    torch.save(tied, path_of("hard_shared_names"))
    case, loaded = torch_outcome("hard_shared_names")
    case["tied"] = tensor(loaded["tied0"])
    case["first_rows"] = tensor(loaded["first_rows"])
    case["column"] = tensor(loaded["column"])
    cases.append(case)

    # DEFLATE entries: torch.save never writes them, PyTorch reads them.
    _rezip(path_of("rnn_basic"), path_of("hard_deflated"), method=zipfile.ZIP_DEFLATED)
    case, loaded = torch_outcome("hard_deflated")
    case["state_dict"] = [{"name": k, "tensor": tensor(v)} for k, v in loaded.items()]
    cases.append(case)

    # A deflate bomb: 64 MiB of zeros in a file of about 64 KiB. PyTorch inflates it.
    stored = path_of("hard_deflate_bomb") + ".stored"
    torch.save({"w": torch.zeros(16 << 20)}, stored)
    _rezip(stored, path_of("hard_deflate_bomb"), method=zipfile.ZIP_DEFLATED)
    os.remove(stored)
    case, _ = torch_outcome("hard_deflate_bomb")
    cases.append(case)

    # Archives PyTorch's reader refuses.
    _rezip(path_of("rnn_basic"), path_of("hard_entry_escapes_folder"), extra=[("../../evil", b"evil")])
    cases.append(torch_outcome("hard_entry_escapes_folder", "file in archive is not in a subdirectory")[0])
    _rezip(path_of("rnn_basic"), path_of("hard_entry_in_other_folder"), extra=[("other/evil", b"evil")])
    cases.append(torch_outcome("hard_entry_in_other_folder", "file in archive is not in a subdirectory")[0])
    _rezip(path_of("rnn_basic"), path_of("hard_encrypted"), flag_encrypted=True)
    cases.append(torch_outcome("hard_encrypted", "unsupported encryption")[0])
    _rezip(path_of("rnn_basic"), path_of("hard_bzip2"), method=zipfile.ZIP_BZIP2)
    cases.append(torch_outcome("hard_bzip2", "unsupported method")[0])
    _rezip(path_of("rnn_basic"), path_of("hard_no_version"), drop=("rnn_basic/version",))
    cases.append(torch_outcome("hard_no_version", "version")[0])

    write("hardening.json", cases,
          "Checkpoints that describe more data than they hold, or that PyTorch's reader refuses; for each, what "
          "torch.load(path, weights_only=True) did: the keys and shapes it loaded, or its error.")


def record_sample():
    """samples/PyTorchInterop: the Python below saved rnn.pt; the C# sample loads it and prints the same output."""
    os.makedirs(SAMPLE, exist_ok=True)
    out_buffer = io.StringIO()
    with contextlib.redirect_stdout(out_buffer):
        # --- what the sample's Python side does (also quoted in samples/PyTorchInterop/Program.cs) ---
        torch.manual_seed(2024)
        rnn = torch.nn.RNN(input_size=3, hidden_size=4, num_layers=2, batch_first=True)
        torch.save(rnn.state_dict(), os.path.join(SAMPLE, "rnn.pt"))
        rnn.eval()
        x = torch.tensor([[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], [[-0.1, 0.0, 0.1], [1.0, -1.0, 0.5]]])
        with torch.no_grad():
            output, h_n = rnn(x)
        print(output)
        print(h_n)
        # ---
    with open(os.path.join(SAMPLE, "expected_output.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write(out_buffer.getvalue())
    print("wrote samples/PyTorchInterop/rnn.pt and expected_output.txt")


def main():
    # TorchScript writes a module's constants in set order, which depends on Python's per-run string hashing:
    # pin it so that every run writes identical files.
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, "PYTHONHASHSEED": "0"})
    if not torch.__version__.startswith("1.13"):
        print(f"warning: recording with torch {torch.__version__}; the committed fixtures come from 1.13.1",
              file=sys.stderr)
    torch.set_num_threads(1)
    record_seed_program()
    record_init()
    record_forward()
    record_cell()
    record_errors()
    record_tensor_str()
    record_interop()
    record_hardening()
    from record_optim import record_optim  # a module of its own; it imports this one for the helpers
    record_optim()
    from record_autograd import record_autograd
    record_autograd()
    from record_course import record_course
    record_course()
    record_losses.record_losses()
    from record_int64 import record_int64  # int64 tensors and Python's float repr
    record_int64()
    from record_training import record_training  # linear.json, loss_modules.json, optim_steps.json
    record_training()
    from record_ops import record_ops  # tensor operations: forward, grad_fn names, gradients, errors
    record_ops()
    from record_rnn_grad import record_rnn_grad  # likewise
    record_rnn_grad()
    from record_lstm_gru import record_lstm_gru; record_lstm_gru()  # lstm_gru.json: LSTM/GRU and their cells
    from record_lstm_gru_more import record_lstm_gru_more; record_lstm_gru_more()  # lstm_gru_{init,errors,repr,dropout,interop}.json
    from record_embedding import record_embedding; record_embedding()  # embedding.json: normal_, randn, nn.Embedding
    from record_py_fixed import record_py_fixed; record_py_fixed()  # py_fixed.json: Python's "{:.Nf}" (seq2seq's losses)
    from record_packed_rnn import record_packed_rnn; record_packed_rnn()  # packed_rnn.json: RNN/LSTM/GRU on a PackedSequence
    from record_packed_utils import record_packed_utils; record_packed_utils()  # packed_utils.json: torch.nn.utils.rnn, sort, one_hot
    from record_legacy import record_legacy; record_legacy()  # legacy.json, legacy/*.pt: the pre-1.6 format and hostile variants
    from record_torch_save import record_torch_save; record_torch_save()  # torch_save.json: torch.load of Torch.Save files, saved/torch/*.pt


if __name__ == "__main__":
    main()
