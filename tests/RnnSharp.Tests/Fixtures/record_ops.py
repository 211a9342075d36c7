#!/usr/bin/python3
"""Records ops.json: RnnSharp's differentiable tensor operations against real torch 1.13.

Part of record_fixtures.py (whose main() calls record_ops()); to rewrite only this file run

    cd tests/RnnSharp.Tests/Fixtures && PYTHONHASHSEED=0 /usr/bin/python3 -c "import record_ops as m; m.record_ops()"

Each "op" case runs one operation (named by "op", with "args") on seeded inputs, in float32 and again in float64:
  output      the float32 result; grad_fn its type(grad_fn).__name__ (null when the op is not differentiable)
  upstream    a seeded random gradient of the output's shape
  grads       torch.autograd.grad(output, inputs, upstream) for the inputs that require grad (null otherwise)
  err_output, err_grads   max |float32 result - float64 result| (torch's own rounding error on this case),
              which the tests use as the measured tolerance
  exact       true where torch moves or selects values without arithmetic: results must then match bit for bit
  indices     int64 results (argmax, max(dim).indices, topk indices)
"error" cases give the shapes and arguments of a call torch refuses, with torch's exception type and message.
"""

import torch

import record_fixtures as rf


def itensor(t):
    return {"shape": list(t.shape), "data": [int(v) for v in t.reshape(-1).tolist()]}


def randn(shape, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(tuple(shape), generator=g).to(torch.float32)


def ties(shape, seed):
    """Small integers as floats, so that maxima tie."""
    g = torch.Generator().manual_seed(seed)
    return torch.randint(-2, 3, shape, generator=g).to(torch.float32)


def positive(shape, seed):
    return randn(shape, seed).abs() + 0.1


def away_from_zero(shape, seed):
    x = randn(shape, seed)
    return torch.where(x >= 0, x + 0.5, x - 0.5)


def with_zeros(shape, seed):
    x = randn(shape, seed)
    x.view(-1)[::4] = 0.0
    return x


def _index(args):
    return torch.tensor(args["index"]["data"], dtype=torch.int64).reshape(args["index"]["shape"])


# op name -> function of (inputs, args); the C# tests dispatch on the same names.
OPS = {
    "add": lambda t, a: t[0] + t[1],
    "add_alpha": lambda t, a: t[0].add(t[1], alpha=a["alpha"]),
    "add_scalar": lambda t, a: t[0] + a["scalar"],
    "radd_scalar": lambda t, a: a["scalar"] + t[0],
    "sub": lambda t, a: t[0] - t[1],
    "sub_alpha": lambda t, a: t[0].sub(t[1], alpha=a["alpha"]),
    "sub_scalar": lambda t, a: t[0] - a["scalar"],
    "rsub_scalar": lambda t, a: a["scalar"] - t[0],
    "mul": lambda t, a: t[0] * t[1],
    "mul_scalar": lambda t, a: t[0] * a["scalar"],
    "rmul_scalar": lambda t, a: a["scalar"] * t[0],
    "div": lambda t, a: t[0] / t[1],
    "div_scalar": lambda t, a: t[0] / a["scalar"],
    "rdiv_scalar": lambda t, a: a["scalar"] / t[0],
    "neg": lambda t, a: -t[0],
    "matmul": lambda t, a: torch.matmul(t[0], t[1]),
    "sum": lambda t, a: t[0].sum(),
    "sum_dims": lambda t, a: t[0].sum(a["dims"], keepdim=a["keepdim"]),
    "mean": lambda t, a: t[0].mean(),
    "mean_dims": lambda t, a: t[0].mean(a["dims"], keepdim=a["keepdim"]),
    "view": lambda t, a: t[0].view(a["shape"]),
    "reshape": lambda t, a: t[0].reshape(a["shape"]),
    "flatten": lambda t, a: t[0].flatten(a["start"], a["end"]),
    "squeeze": lambda t, a: t[0].squeeze(),
    "squeeze_dim": lambda t, a: t[0].squeeze(a["dim"]),
    "unsqueeze": lambda t, a: t[0].unsqueeze(a["dim"]),
    "transpose": lambda t, a: t[0].transpose(a["dim0"], a["dim1"]),
    "t": lambda t, a: t[0].t(),
    "permute": lambda t, a: t[0].permute(a["dims"]),
    "select": lambda t, a: t[0].select(a["dim"], a["index"]),
    "narrow": lambda t, a: t[0].narrow(a["dim"], a["start"], a["length"]),
    "slice": lambda t, a: t[0][(slice(None),) * a["dim"] + (slice(a["start"], a["end"], a["step"]),)],
    "index_select": lambda t, a: t[0].index_select(a["dim"], _index(a)),
    "index": lambda t, a: t[0][_index(a)],
    "cat": lambda t, a: torch.cat(t, a["dim"]),
    "stack": lambda t, a: torch.stack(t, a["dim"]),
    "tanh": lambda t, a: torch.tanh(t[0]),
    "relu": lambda t, a: torch.relu(t[0]),
    "sigmoid": lambda t, a: torch.sigmoid(t[0]),
    "exp": lambda t, a: torch.exp(t[0]),
    "log": lambda t, a: torch.log(t[0]),
    "softmax": lambda t, a: torch.softmax(t[0], a["dim"]),
    "log_softmax": lambda t, a: torch.log_softmax(t[0], a["dim"]),
    "clone": lambda t, a: t[0].clone(),
    "max": lambda t, a: t[0].max(),
    "max_dim": lambda t, a: tuple(t[0].max(a["dim"], keepdim=a["keepdim"])),
    "argmax": lambda t, a: t[0].argmax(),
    "argmax_dim": lambda t, a: t[0].argmax(a["dim"], keepdim=a["keepdim"]),
    "topk": lambda t, a: tuple(t[0].topk(a["k"], a["dim"], largest=a["largest"], sorted=True)),
}

EXACT = {"neg", "view", "reshape", "flatten", "squeeze", "squeeze_dim", "unsqueeze", "transpose", "t", "permute",
         "select", "narrow", "slice", "cat", "stack", "relu", "clone", "max", "max_dim", "argmax", "argmax_dim", "topk"}


def _max_err(a, b):
    return rf.f32(float((a.double() - b.double()).abs().max())) if a.numel() else rf.f32(0.0)


def _run(op, inputs, args):
    out = OPS[op](inputs, args)
    indices = None
    if isinstance(out, tuple):
        out, indices = out
    if out.dtype == torch.int64:
        out, indices = None, out
    return out, indices


def op_case(name, op, inputs, args=None, requires_grad=None, seed=0):
    args = args or {}
    requires_grad = requires_grad if requires_grad is not None else [True] * len(inputs)
    xs = [x.clone().requires_grad_(r) for x, r in zip(inputs, requires_grad)]
    out, indices = _run(op, xs, args)
    case = {"name": name, "op": op, "args": _json_args(args), "inputs": [rf.tensor(x) for x in inputs],
            "requires_grad": requires_grad, "exact": op in EXACT}
    if indices is not None:
        case["indices"] = itensor(indices)
    if out is None:
        case["grad_fn"] = None
        return case
    case["grad_fn"] = type(out.grad_fn).__name__ if out.grad_fn is not None else None
    case["output"] = rf.tensor(out)
    upstream = randn(out.shape, 1000 + seed)
    wanted = [x for x in xs if x.requires_grad]
    grads = torch.autograd.grad(out, wanted, upstream, allow_unused=True)
    xs64 = [x.detach().double().requires_grad_(r) for x, r in zip(inputs, requires_grad)]
    out64, _ = _run(op, xs64, args)
    wanted64 = [x for x in xs64 if x.requires_grad]
    grads64 = torch.autograd.grad(out64, wanted64, upstream.double(), allow_unused=True)
    case["upstream"] = rf.tensor(upstream)
    case["err_output"] = _max_err(out, out64)
    it = iter(zip(grads, grads64))
    case["grads"], case["err_grads"] = [], []
    for r in requires_grad:
        g, g64 = next(it) if r else (None, None)
        case["grads"].append(rf.tensor(g) if g is not None else None)
        case["err_grads"].append(_max_err(g, g64) if g is not None else None)
    return case


def _json_args(args):
    out = {}
    for k, v in args.items():
        if isinstance(v, float):
            out[k] = rf.f32(v)
        elif isinstance(v, tuple):
            out[k] = list(v)
        else:
            out[k] = v
    return out


def op_cases():
    c = []
    s = iter(range(1, 10000))

    def add(name, op, inputs, args=None, requires_grad=None):
        c.append(op_case(name, op, inputs, args, requires_grad, seed=next(s)))

    # ---- arithmetic with broadcasting
    add("add_same", "add", [randn((3, 4), 1), randn((3, 4), 2)])
    add("add_row", "add", [randn((3, 4), 3), randn((4,), 4)])
    add("add_both_broadcast", "add", [randn((2, 3, 1), 5), randn((1, 4), 6)])
    add("add_scalar_tensor", "add", [randn((3, 4), 7), randn((), 8)])
    add("add_first_broadcast", "add", [randn((5, 1), 9), randn((2, 5, 7), 10)])
    add("add_only_b_requires_grad", "add", [randn((3, 4), 11), randn((4,), 12)], requires_grad=[False, True])
    add("add_long", "add", [randn((37, 70), 13), randn((70,), 14)])
    add("add_alpha", "add_alpha", [randn((3, 4), 15), randn((3, 1), 16)], {"alpha": 2.5})
    add("add_float", "add_scalar", [randn((3, 4), 17)], {"scalar": 1.5})
    add("radd_float", "radd_scalar", [randn((3, 4), 18)], {"scalar": 1.5})
    add("sub_row", "sub", [randn((3, 4), 19), randn((4,), 20)])
    add("sub_col", "sub", [randn((3, 1), 21), randn((3, 4), 22)])
    add("sub_alpha", "sub_alpha", [randn((3, 4), 23), randn((4,), 24)], {"alpha": 0.5})
    add("sub_float", "sub_scalar", [randn((3, 4), 25)], {"scalar": 1.5})
    add("rsub_float", "rsub_scalar", [randn((3, 4), 26)], {"scalar": 1.5})
    add("mul_same", "mul", [randn((3, 4), 27), randn((3, 4), 28)])
    add("mul_broadcast", "mul", [randn((2, 3, 4), 29), randn((3, 1), 30)])
    add("mul_float", "mul_scalar", [randn((3, 4), 31)], {"scalar": 2.5})
    add("rmul_float", "rmul_scalar", [randn((3, 4), 32)], {"scalar": 2.5})
    add("div_same", "div", [randn((3, 4), 33), away_from_zero((3, 4), 34)])
    add("div_broadcast", "div", [randn((3, 4), 35), away_from_zero((4,), 36)])
    add("div_float", "div_scalar", [randn((3, 4), 37)], {"scalar": 2.5})
    add("rdiv_float", "rdiv_scalar", [away_from_zero((3, 4), 38)], {"scalar": 2.5})
    add("neg", "neg", [randn((3, 4), 39)])

    # ---- matmul, every rank combination
    for (sa, sb) in [((5,), (5,)), ((2, 5), (5,)), ((5,), (5, 3)), ((2, 5), (5, 3)), ((17, 33), (33, 9)),
                     ((4, 2, 5), (4, 5, 3)), ((4, 2, 5), (5, 3)), ((2, 5), (4, 5, 3)), ((4, 2, 5), (5,)),
                     ((2,), (4, 2, 5)), ((2, 4, 2, 5), (4, 5, 3)), ((2, 1, 2, 5), (3, 5, 4)), ((1, 5), (5, 1))]:
        name = "matmul_" + "x".join(map(str, sa)) + "_by_" + "x".join(map(str, sb))
        add(name, "matmul", [randn(sa, next(s)), randn(sb, next(s))])
    add("matmul_only_b_requires_grad", "matmul", [randn((3, 4), 40), randn((4, 2), 41)], requires_grad=[False, True])

    # ---- reductions
    add("sum_all", "sum", [randn((3, 4), 42)])
    add("sum_all_long", "sum", [randn((1000,), 43)])
    add("sum_dim1", "sum_dims", [randn((3, 4), 44)], {"dims": [1], "keepdim": False})
    add("sum_dim0_keepdim", "sum_dims", [randn((3, 4), 45)], {"dims": [0], "keepdim": True})
    add("sum_dims_0_2", "sum_dims", [randn((2, 3, 4), 46)], {"dims": [0, 2], "keepdim": False})
    add("sum_dim_neg1_long", "sum_dims", [randn((5, 300), 47)], {"dims": [-1], "keepdim": False})
    add("sum_dim0_long", "sum_dims", [randn((300, 5), 48)], {"dims": [0], "keepdim": False})
    add("mean_all", "mean", [randn((3, 4), 49)])
    add("mean_dim1", "mean_dims", [randn((3, 4), 50)], {"dims": [1], "keepdim": False})
    add("mean_dims_keepdim", "mean_dims", [randn((2, 3, 4), 51)], {"dims": [0, 1], "keepdim": True})

    # ---- shapes (copies in RnnSharp except View/Reshape/Flatten, which stay views)
    add("view", "view", [randn((3, 4), 52)], {"shape": [2, -1]})
    add("reshape", "reshape", [randn((3, 4), 53)], {"shape": [12]})
    add("flatten_all", "flatten", [randn((2, 3, 4), 54)], {"start": 0, "end": -1})
    add("flatten_from1", "flatten", [randn((2, 3, 4), 55)], {"start": 1, "end": -1})
    add("flatten_0_1", "flatten", [randn((2, 3, 4), 56)], {"start": 0, "end": 1})
    add("squeeze_all", "squeeze", [randn((3, 1, 4, 1), 57)])
    add("squeeze_dim", "squeeze_dim", [randn((3, 1, 4), 58)], {"dim": 1})
    add("squeeze_dim_not_one", "squeeze_dim", [randn((3, 1, 4), 59)], {"dim": 0})
    add("unsqueeze_1", "unsqueeze", [randn((3, 4), 60)], {"dim": 1})
    add("unsqueeze_neg1", "unsqueeze", [randn((3, 4), 61)], {"dim": -1})
    add("transpose_0_2", "transpose", [randn((2, 3, 4), 62)], {"dim0": 0, "dim1": 2})
    add("transpose_neg", "transpose", [randn((2, 3, 4), 63)], {"dim0": -1, "dim1": -2})
    add("t_2d", "t", [randn((3, 4), 64)])
    add("t_1d", "t", [randn((3,), 65)])
    add("permute", "permute", [randn((2, 3, 4), 66)], {"dims": [2, 0, 1]})
    add("permute_neg", "permute", [randn((2, 3, 4, 5), 67)], {"dims": [1, -1, 0, 2]})

    # ---- indexing
    add("select_dim0", "select", [randn((3, 4), 68)], {"dim": 0, "index": 1})
    add("select_dim1", "select", [randn((3, 4), 69)], {"dim": 1, "index": 2})
    add("select_last", "select", [randn((2, 3, 4), 70)], {"dim": -1, "index": -1})
    add("select_middle", "select", [randn((2, 3, 4), 71)], {"dim": 1, "index": -1})
    add("narrow_dim1", "narrow", [randn((3, 4), 72)], {"dim": 1, "start": 1, "length": 2})
    add("narrow_dim0", "narrow", [randn((3, 4), 73)], {"dim": 0, "start": 1, "length": 2})
    add("narrow_negative_start", "narrow", [randn((3, 4), 74)], {"dim": -1, "start": -3, "length": 2})
    add("slice_dim1", "slice", [randn((3, 4), 75)], {"dim": 1, "start": 1, "end": 3, "step": 1})
    add("slice_dim0", "slice", [randn((3, 4), 76)], {"dim": 0, "start": 1, "end": None, "step": 1})
    add("slice_step2", "slice", [randn((3, 7), 77)], {"dim": 1, "start": None, "end": None, "step": 2})
    add("slice_negative", "slice", [randn((2, 6, 2), 78)], {"dim": 1, "start": -4, "end": -1, "step": 2})
    add("slice_clamped", "slice", [randn((3, 4), 79)], {"dim": 1, "start": 2, "end": 100, "step": 1})
    add("slice_empty", "slice", [randn((3, 4), 80)], {"dim": 1, "start": 3, "end": 1, "step": 1})
    idx = {"shape": [4], "data": [2, 0, 2, 1]}
    add("index_select_dim0", "index_select", [randn((3, 4), 81)], {"dim": 0, "index": idx})
    add("index_select_dim1", "index_select", [randn((3, 4), 82)], {"dim": 1, "index": idx})
    add("index_tensor", "index", [randn((3, 4), 83)], {"index": {"shape": [2, 2], "data": [2, -1, 0, 2]}})
    add("index_tensor_3d", "index", [randn((5, 2, 3), 84)], {"index": {"shape": [3], "data": [4, 0, 4]}})

    # ---- cat and stack
    add("cat_dim0", "cat", [randn((2, 3), 85), randn((1, 3), 86)], {"dim": 0})
    add("cat_dim1_three", "cat", [randn((2, 3), 87), randn((2, 1), 88), randn((2, 2), 89)], {"dim": 1})
    add("cat_neg_dim_partial_grad", "cat", [randn((2, 2, 3), 90), randn((2, 2, 1), 91)], {"dim": -1},
        requires_grad=[False, True])
    add("stack_dim0", "stack", [randn((2, 3), 92), randn((2, 3), 93), randn((2, 3), 94)], {"dim": 0})
    add("stack_dim1", "stack", [randn((2, 3), 95), randn((2, 3), 96)], {"dim": 1})
    add("stack_neg1", "stack", [randn((2, 3), 97), randn((2, 3), 98)], {"dim": -1})

    # ---- elementwise functions
    add("tanh", "tanh", [randn((3, 37), 99)])
    add("relu", "relu", [with_zeros((3, 37), 100)])
    add("sigmoid", "sigmoid", [randn((3, 37), 101)])
    add("sigmoid_large", "sigmoid", [randn((4, 9), 102) * 30])
    add("exp", "exp", [randn((3, 37), 103)])
    add("log", "log", [positive((3, 37), 104)])
    add("clone", "clone", [randn((3, 4), 105)])
    for fn in ("softmax", "log_softmax"):
        add(fn + "_dim1", fn, [randn((3, 5), 106)], {"dim": 1})
        add(fn + "_dim0", fn, [randn((3, 5), 107)], {"dim": 0})
        add(fn + "_middle", fn, [randn((2, 3, 4), 108)], {"dim": 1})
        add(fn + "_last_3d", fn, [randn((2, 3, 4), 109)], {"dim": -1})
        add(fn + "_large_values", fn, [randn((4, 40), 110) * 50], {"dim": 1})
        add(fn + "_1d", fn, [randn((7,), 111)], {"dim": 0})

    # ---- maxima (ties decided as torch does)
    add("max_all", "max", [randn((3, 4), 112)])
    add("max_all_ties", "max", [ties((3, 4), 113)])
    add("max_dim1_ties", "max_dim", [ties((4, 6), 114)], {"dim": 1, "keepdim": False})
    add("max_dim0_keepdim_ties", "max_dim", [ties((5, 3), 115)], {"dim": 0, "keepdim": True})
    add("max_dim_middle", "max_dim", [randn((2, 3, 4), 116)], {"dim": 1, "keepdim": False})
    add("argmax_all_ties", "argmax", [ties((3, 4), 117)])
    add("argmax_dim1_ties", "argmax_dim", [ties((4, 6), 118)], {"dim": 1, "keepdim": False})
    add("argmax_dim0_keepdim", "argmax_dim", [randn((5, 3), 119)], {"dim": 0, "keepdim": True})
    add("topk_largest", "topk", [randn((3, 6), 120)], {"k": 2, "dim": 1, "largest": True})
    add("topk_smallest", "topk", [randn((3, 6), 121)], {"k": 3, "dim": -1, "largest": False})
    add("topk_dim0_ties", "topk", [ties((6, 3), 122)], {"k": 3, "dim": 0, "largest": True})
    add("topk_ties_smallest", "topk", [ties((3, 8), 123)], {"k": 4, "dim": 1, "largest": False})
    return c


def error_case(name, op, shapes, args=None, index=None):
    inputs = [torch.zeros(sh) for sh in shapes]
    a = dict(args or {})
    if index is not None:
        a["index"] = index
    try:
        OPS[op](inputs, a)
    except Exception as ex:  # pylint: disable=broad-except
        return {"name": name, "op": op, "shapes": [list(sh) for sh in shapes], "args": _json_args(a),
                "type": type(ex).__name__, "message": str(ex).split("\n")[0]}
    raise AssertionError(f"{name}: torch accepted it")


def error_cases():
    e = []
    e.append(error_case("add_mismatch", "add", [(2, 3), (2, 4)]))
    e.append(error_case("mul_mismatch", "mul", [(2, 3), (4,)]))
    e.append(error_case("sub_mismatch_dim0", "sub", [(3, 2, 3), (2, 2, 3)]))
    e.append(error_case("matmul_mm", "matmul", [(2, 3), (4, 5)]))
    e.append(error_case("matmul_dot", "matmul", [(3,), (4,)]))
    e.append(error_case("matmul_vm", "matmul", [(3,), (4, 5)]))
    e.append(error_case("matmul_mv", "matmul", [(2, 3), (4,)]))
    e.append(error_case("matmul_bmm", "matmul", [(2, 2, 3), (2, 4, 5)]))
    e.append(error_case("matmul_batch_broadcast", "matmul", [(3, 2, 3), (2, 3, 5)]))
    e.append(error_case("matmul_0d", "matmul", [(), (3,)]))
    e.append(error_case("sum_dim_out_of_range", "sum_dims", [(2, 3)], {"dims": [2], "keepdim": False}))
    e.append(error_case("transpose_dim_out_of_range", "transpose", [(2, 3)], {"dim0": 0, "dim1": 2}))
    e.append(error_case("permute_wrong_length", "permute", [(2, 3)], {"dims": [0]}))
    e.append(error_case("permute_duplicate", "permute", [(2, 3)], {"dims": [0, 0]}))
    e.append(error_case("select_index_out_of_range", "select", [(2, 3)], {"dim": 1, "index": 3}))
    e.append(error_case("narrow_too_long", "narrow", [(2, 3)], {"dim": 1, "start": 2, "length": 2}))
    e.append(error_case("narrow_negative_length", "narrow", [(2, 3)], {"dim": 1, "start": 0, "length": -1}))
    e.append(error_case("cat_size_mismatch", "cat", [(2, 3), (2, 4)], {"dim": 0}))
    e.append(error_case("cat_rank_mismatch", "cat", [(2, 3), (3,)], {"dim": 0}))
    e.append(error_case("cat_empty", "cat", [], {"dim": 0}))
    e.append(error_case("stack_size_mismatch", "stack", [(2, 3), (3, 2)], {"dim": 0}))
    e.append(error_case("stack_empty", "stack", [], {"dim": 0}))
    e.append(error_case("flatten_start_after_end", "flatten", [(2, 3)], {"start": 1, "end": 0}))
    e.append(error_case("topk_k_too_large", "topk", [(2, 3)], {"k": 4, "dim": 1, "largest": True}))
    e.append(error_case("index_select_out_of_range", "index_select", [(2, 3)], {"dim": 0},
                        index={"shape": [1], "data": [2]}))
    e.append(error_case("index_out_of_bounds", "index", [(2, 3)], index={"shape": [1], "data": [5]}))
    e.append(error_case("max_empty", "max", [(0,)]))
    e.append(error_case("max_dim_empty", "max_dim", [(0, 3)], {"dim": 0, "keepdim": False}))
    e.append(error_case("argmax_dim_empty", "argmax_dim", [(0, 3)], {"dim": 0, "keepdim": False}))
    e.append(error_case("argmax_empty", "argmax", [(0, 3)]))
    e.append(error_case("unsqueeze_out_of_range", "unsqueeze", [(2, 3)], {"dim": 3}))
    e.append(error_case("softmax_dim_out_of_range", "softmax", [(2, 3)], {"dim": 2}))
    e.append(error_case("t_3d", "t", [(2, 3, 4)]))
    e.append(error_case("slice_step_zero", "slice", [(2, 3)], {"dim": 1, "start": 0, "end": 3, "step": 0}))
    return e


def _error_text(fn):
    try:
        fn()
    except Exception as ex:  # pylint: disable=broad-except
        return {"type": type(ex).__name__, "message": str(ex).split("\n")[0]}
    raise AssertionError("torch accepted it")


def inplace_cases():
    """Programs with in-place operations: the graph they record, and the errors torch raises."""
    c = []
    x0, y0 = randn((3, 4), 200), randn((4,), 201)

    # z = x * 1; z.add_(y, alpha=2); z.mul_(3); z.sub_(1); z.div_(2)
    x, y = x0.clone().requires_grad_(), y0.clone().requires_grad_()
    z = x * 1
    z.add_(y, alpha=2)
    names = [type(z.grad_fn).__name__]
    z.mul_(3)
    names.append(type(z.grad_fn).__name__)
    z.sub_(1)
    z.div_(2)
    names.append(type(z.grad_fn).__name__)
    upstream = randn((3, 4), 202)
    gx, gy = torch.autograd.grad(z, [x, y], upstream)
    c.append({"name": "inplace_chain", "kind": "inplace", "inputs": [rf.tensor(x0), rf.tensor(y0)], "grad_fns": names,
              "output": rf.tensor(z), "upstream": rf.tensor(upstream), "grads": [rf.tensor(gx), rf.tensor(gy)]})

    # Modifying a tensor that the graph saved (sigmoid saves its output), then backward.
    def saved_modified():
        x = x0.clone().requires_grad_()
        s = x.sigmoid()
        s.mul_(2)
        s.sum().backward()
    c.append({"name": "inplace_saved_output_modified", "kind": "inplace", "error": _error_text(saved_modified)})

    def leaf_modified():
        x = x0.clone().requires_grad_()
        x.add_(1)
    c.append({"name": "inplace_leaf_requires_grad", "kind": "inplace", "error": _error_text(leaf_modified)})

    def broadcast_into_smaller():
        torch.zeros(3).add_(torch.zeros(2, 3))
    c.append({"name": "inplace_broadcast_shape", "kind": "inplace", "error": _error_text(broadcast_into_smaller)})

    # Under no_grad a leaf that requires grad may be modified (what optimizers do).
    x = x0.clone().requires_grad_()
    with torch.no_grad():
        x.mul_(0.5).add_(y0, alpha=-0.1).clamp_(-1.0, 0.5)
    c.append({"name": "inplace_no_grad_update", "kind": "inplace", "inputs": [rf.tensor(x0), rf.tensor(y0)],
              "output": rf.tensor(x)})
    return c


def record_ops():
    torch.set_num_threads(1)
    cases = op_cases()
    cases.extend(inplace_cases())
    for err in error_cases():
        err["kind"] = "error"
        cases.append(err)
    rf.write("ops.json", cases,
             "Tensor operations (record_ops.py): forward output, grad_fn name, and the gradients of a seeded upstream "
             "gradient w.r.t. every input that requires grad, with torch's own float32-vs-float64 error per result; "
             "then the messages torch gives for calls it refuses.")
