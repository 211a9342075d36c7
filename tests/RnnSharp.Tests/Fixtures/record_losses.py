#!/usr/bin/python3
"""Records losses.json: PyTorch's log_softmax, softmax, nll_loss, cross_entropy and mse_loss, forward and backward.

Part of record_fixtures.py (whose main() calls record_losses()); to regenerate only this file:

    cd tests/RnnSharp.Tests/Fixtures && /usr/bin/python3 -c "import record_losses; record_losses.record_losses()"

Every case holds the float32 inputs, a seeded random upstream gradient, and what PyTorch computed in float32:
the forward output and the gradient with respect to the input (and the target for mse_loss). Each case also
carries, for every recorded result, "<result>_err" = |torch float32 - torch float64| elementwise: the same
computation run by torch in float64 on the same (float32-valued) inputs. The tests derive their tolerances from
these measurements. The errors are rounded up to two significant digits to keep the file small; where both
results are the same infinity or both NaN the error is 0.

Class-index targets are plain JSON integer lists (row-major, shape = input shape without dim 1).
"""

import math

import torch
import torch.nn.functional as F

import record_fixtures as rf

FILE = "losses.json"

# The course's shapes: "hihello" (6 characters, 5 classes), the char-sequence model (10, 10) and the long
# sequence model (170 sequences of length 10, 25 classes, flattened to N = 1700).
SHAPES = {
    "hihello": (6, 5),
    "charseq": (10, 10),
    "n1": (1, 4),
    "c1": (3, 1),
    "d1": (2, 3, 4),
    "d1d2": (2, 3, 2, 3),
}
LONGSEQ = (1700, 25)
REDUCTIONS = ["none", "mean", "sum"]


def _round_up(x):
    """x >= 0 rounded up to two significant digits (tolerances only ever grow)."""
    if x == 0 or not math.isfinite(x):
        return 0.0 if x == 0 else x
    e = 10.0 ** (math.floor(math.log10(x)) - 1)
    return math.ceil(x / e) * e


def err(t32, t64):
    """|t32 - t64| elementwise as a tensor of float32 text; 0 where both agree on a non-finite value."""
    a = t32.detach().double().reshape(-1)
    b = t64.detach().double().reshape(-1)
    same = (a == b) | (torch.isnan(a) & torch.isnan(b))
    d = torch.where(same, torch.zeros_like(a), (a - b).abs())
    return {"shape": list(t32.shape), "data": [rf.f32(_round_up(v)) for v in d.tolist()]}


def randn(shape, seed, quantum=None):
    t = rf.randn(shape, seed)
    if quantum is not None:  # short decimal text for the big cases: multiples of 2^-k are exact in float32
        t = torch.round(t / quantum) * quantum
    return t


def upstream(shape, seed):
    """The seeded upstream gradient: a tensor of the output's shape, or a 0-d tensor for a reduced loss."""
    return rf.randn(shape, seed) if len(shape) else rf.randn((1,), seed).reshape(())


def run(fn, inputs, grad_wrt, grad_output):
    """Runs fn in float32 and float64 on the same values; returns (out32, grads32, out64, grads64)."""
    results = []
    for dtype in (torch.float32, torch.float64):
        args = {k: (v.to(dtype) if torch.is_tensor(v) and v.is_floating_point() else v) for k, v in inputs.items()}
        for k in grad_wrt:
            args[k] = args[k].clone().requires_grad_(True)
        out = fn(**args)
        grads = torch.autograd.grad(out, [args[k] for k in grad_wrt], grad_output.to(dtype), allow_unused=True)
        grads = [g if g is not None else torch.zeros_like(args[k]) for g, k in zip(grads, grad_wrt)]
        results.append((out.detach(), [g.detach() for g in grads]))
    return results


def case(name, kind, fn, inputs, grad_wrt, seed, **extra):
    with torch.no_grad():
        probe = fn(**inputs)
    grad_output = upstream(tuple(probe.shape), seed)
    (out32, grads32), (out64, grads64) = run(fn, inputs, grad_wrt, grad_output)
    c = {"name": name, "kind": kind, "seed": seed}
    c.update(extra)
    for k, v in inputs.items():
        if torch.is_tensor(v):
            c[k] = rf.tensor(v) if v.is_floating_point() else [int(i) for i in v.reshape(-1).tolist()]
        elif v is None:
            c[k] = None
    c["grad_output"] = rf.tensor(grad_output)
    c["output"] = rf.tensor(out32)
    c["output_err"] = err(out32, out64)
    for k, g32, g64 in zip(grad_wrt, grads32, grads64):
        c["grad_" + k] = rf.tensor(g32)
        c["grad_" + k + "_err"] = err(g32, g64)
    return c


def softmax_cases(seed):
    cases = []
    shapes = {"2d": (4, 7), "3d": (3, 5, 4), "hihello": (6, 5), "charseq": (10, 10), "c1": (4, 1)}
    for op in ("log_softmax", "softmax"):
        fn = getattr(F, op)
        for sname, shape in shapes.items():
            for dim in range(len(shape)):
                if sname in ("hihello", "charseq", "c1") and dim != 1:
                    continue
                seed += 1
                x = randn(shape, seed, None) * 3
                cases.append(case(f"{op}_{sname}_dim{dim}", op, lambda input, dim=dim: fn(input, dim=dim),
                                  {"input": x}, ["input"], seed + 50000, dim=dim))
        # Large, nearly equal inputs (ATen subtracts the max before exp, then subtracts log(sum) last) and -inf.
        seed += 1
        x = 1000 + randn((3, 6), seed, None) * 0.01
        x[1, 2] = float("-inf")
        cases.append(case(f"{op}_large_and_neg_inf", op, lambda input: fn(input, dim=1), {"input": x}, ["input"],
                          seed + 50000, dim=1))
    return cases, seed


def targets(shape, classes, mode, seed, ignore_index):
    """Class-index targets of the given shape. mode: 'valid', 'some' (some equal ignore_index), 'all'."""
    g = torch.Generator().manual_seed(seed)
    t = torch.randint(0, classes, shape, generator=g)
    if mode == "all":
        t.fill_(ignore_index)
    elif mode == "some":
        flat = t.reshape(-1)
        hit = torch.rand(flat.shape, generator=g) < 0.35
        hit[0] = True
        flat[hit] = ignore_index
        flat[-1] = (ignore_index + 1) % classes
    return t


def index_loss_cases(seed):
    cases = []
    for kind in ("nll_loss", "cross_entropy"):
        smoothings = [0.0] if kind == "nll_loss" else [0.0, 0.1, 0.3]
        for sname, shape in SHAPES.items():
            n, c = shape[0], shape[1]
            tshape = (n,) + shape[2:]
            for weighted in (False, True):
                for mode in ("valid", "some", "all"):
                    if mode == "some" and (c == 1 or len(tshape) == 1 and n == 1):
                        continue  # every target would be ignored: the "all" case covers it
                    ignore_index = 1 if mode == "some" else -100
                    for reduction in REDUCTIONS:
                        for ls in smoothings:
                            seed += 1
                            x = randn(shape, seed, None) * 2
                            if kind == "nll_loss":
                                x = F.log_softmax(x, dim=1)
                            inputs = {
                                "input": x,
                                "target": targets(tshape, c, mode, seed + 10000, ignore_index),
                                "weight": (torch.rand(c, generator=torch.Generator().manual_seed(seed + 20000))
                                           + 0.25) if weighted else None,
                            }
                            name = f"{kind}_{sname}_{'w' if weighted else 'nw'}_{mode}_{reduction}"
                            if kind == "cross_entropy":
                                name += f"_ls{ls}"

                            def fn(input, target, weight, reduction=reduction, ignore_index=ignore_index, ls=ls):
                                if kind == "nll_loss":
                                    return F.nll_loss(input, target, weight, ignore_index=ignore_index,
                                                      reduction=reduction)
                                return F.cross_entropy(input, target, weight, ignore_index=ignore_index,
                                                       reduction=reduction, label_smoothing=ls)
                            cases.append(case(name, kind, fn, inputs, ["input"], seed + 50000,
                                              target_shape=list(tshape), ignore_index=ignore_index,
                                              reduction=reduction, label_smoothing=rf.f32(ls)))
    # The long-sequence model's loss: (170 * 10, 25), mean (one case: it is most of the file).
    for ls in (0.0,):
        seed += 1
        n, c = LONGSEQ
        inputs = {"input": randn(LONGSEQ, seed, 1 / 16) * 2,
                  "target": targets((n,), c, "valid", seed + 10000, -100), "weight": None}
        cases.append(case(f"cross_entropy_longseq_nw_valid_mean_ls{ls}", "cross_entropy",
                          lambda input, target, weight, ls=ls: F.cross_entropy(input, target, label_smoothing=ls),
                          inputs, ["input"], seed + 50000, target_shape=[n], ignore_index=-100,
                          reduction="mean", label_smoothing=rf.f32(ls)))
    return cases, seed


def prob_target_cases(seed):
    cases = []
    for sname, shape in SHAPES.items():
        c = shape[1]
        for weighted in (False, True):
            for reduction in REDUCTIONS:
                for ls in (0.0, 0.1, 0.3):
                    seed += 1
                    inputs = {
                        "input": randn(shape, seed, None) * 2,
                        "target": F.softmax(randn(shape, seed + 10000, None) * 2, dim=1),
                        "weight": (torch.rand(c, generator=torch.Generator().manual_seed(seed + 20000)) + 0.25)
                        if weighted else None,
                    }

                    def fn(input, target, weight, reduction=reduction, ls=ls):
                        return F.cross_entropy(input, target, weight, reduction=reduction, label_smoothing=ls)
                    cases.append(case(f"cross_entropy_probs_{sname}_{'w' if weighted else 'nw'}_{reduction}_ls{ls}",
                                      "cross_entropy_probs", fn, inputs, ["input"], seed + 50000,
                                      reduction=reduction, label_smoothing=rf.f32(ls)))
    return cases, seed


def mse_cases(seed):
    cases = []
    shapes = {"hihello": (6, 5), "3d": (3, 4, 2), "one": (1,), "empty": (0,), "vector": (37,)}
    for sname, shape in shapes.items():
        for reduction in REDUCTIONS:
            seed += 1
            inputs = {"input": randn(shape, seed, None), "target": randn(shape, seed + 10000, None)}
            cases.append(case(f"mse_loss_{sname}_{reduction}", "mse_loss",
                              lambda input, target, reduction=reduction: F.mse_loss(input, target, reduction=reduction),
                              inputs, ["input", "target"], seed + 50000, reduction=reduction))
    return cases, seed


def error_cases():
    """What PyTorch says about a class index out of range (the kernels report the first one; callers throw)."""
    cases = []
    specs = [
        ("nll_target_too_large", (3, 5), [0, 7, 9], -100),
        ("nll_target_negative", (3, 5), [0, -1, 2], -100),
        ("nll_target_equal_to_classes", (2, 5), [5, 0], -100),
        ("nll_target_d1", (2, 3, 4), [0, 1, 2, 0, 0, 3, 1, 1], -100),
        ("nll_target_ignored_then_out_of_range", (3, 5), [9, 9, 6], 9),
    ]
    for name, shape, t, ignore_index in specs:
        target = torch.tensor(t).reshape((shape[0],) + shape[2:])
        try:
            F.nll_loss(torch.zeros(shape), target, ignore_index=ignore_index)
            raise AssertionError("expected an error")
        except IndexError as e:
            cases.append({"name": name, "kind": "nll_error", "input_shape": list(shape), "target": t,
                          "ignore_index": ignore_index, "error_type": type(e).__name__, "message": str(e)})
    return cases


def record_losses():
    torch.set_num_threads(1)
    cases = []
    seed = 7000
    for make in (softmax_cases, index_loss_cases, prob_target_cases, mse_cases):
        more, seed = make(seed)
        cases += more
    cases += error_cases()
    rf.write(FILE, cases,
             "torch.nn.functional.{log_softmax, softmax, nll_loss, cross_entropy, mse_loss} on float32 inputs from "
             "torch.randn on a torch.Generator(seed); grad_* = torch.autograd.grad(output, input, grad_output). "
             "*_err = |float32 result - float64 result| of the same call on the same values, rounded up to two "
             "significant digits: the tests' tolerances are derived from it. Targets are class indices (int lists) "
             "or, for cross_entropy_probs, probabilities of the input's shape.")
