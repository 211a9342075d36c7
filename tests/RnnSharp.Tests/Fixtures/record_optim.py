#!/usr/bin/python3
"""Records optim.json: real torch.optim.SGD, Adam and AdamW steps, for RnnSharp's optimizer kernels.

Part of record_fixtures.py (whose main() calls record_optim()); to rewrite only this file run

    cd tests/RnnSharp.Tests/Fixtures && /usr/bin/python3 -c "import record_optim; record_optim.record_optim()"

Each case is one optimizer with one parameter tensor per param group. A group holds its options (Python floats
written as their shortest round-trip double, since PyTorch keeps hyper-parameters in double), the initial
parameter, one gradient per step (seeded, mixing magnitudes from 1e-30 to 1e6 with exact zeros), and after
every optimizer.step() the parameter and the group's whole state (momentum_buffer, exp_avg, exp_avg_sq,
max_exp_avg_sq, step). Lengths 1 to 1000 put elements both in ATen's vector bodies and in its scalar tails.

Before recording, verify_aten_rounding() checks on this torch the per-element rounding the C# kernels reproduce
(add with alpha and addcmul_ are fused multiply-adds, addcdiv_ and division by a scalar are not), so that a torch
built differently fails here rather than in the C# tests.
"""

from fractions import Fraction

import numpy as np
import torch

import record_fixtures as rf

STEPS = 4
LENGTHS = [1, 7, 16, 33, 67]


def f64(value):
    """A Python float as JSON: its shortest round-trip double (hyper-parameters are doubles in PyTorch)."""
    return rf._Raw(repr(float(value)))  # pylint: disable=protected-access


def gradient(n, seed):
    """Random gradient with magnitudes from 1e-30 to 1e6, about one exact zero in ten."""
    g = torch.Generator().manual_seed(seed)
    values = torch.randn(n, generator=g)
    exponent = torch.randint(-8, 7, (n,), generator=g).to(torch.float32)
    values = values * torch.pow(10.0, exponent)
    pick = torch.rand(n, generator=g)
    values = torch.where(pick < 0.1, torch.zeros(n), values)
    values = torch.where((pick >= 0.1) & (pick < 0.15), values * 1e-22, values)
    return values.to(torch.float32)


def extreme_gradient(n, seed):
    """Like gradient(), with some elements at 1e30 (squares overflow to inf), subnormal, or -0."""
    values = gradient(n, seed)
    g = torch.Generator().manual_seed(seed + 1)
    pick = torch.rand(n, generator=g)
    values = torch.where(pick < 0.1, values.sign() * 1e30, values)
    values = torch.where((pick >= 0.1) & (pick < 0.2), values.sign() * 3e-40, values)
    values = torch.where((pick >= 0.2) & (pick < 0.25), torch.full((n,), -0.0), values)
    return values.to(torch.float32)


# ---------------------------------------------------------------- how ATen rounds


def fma32(a, b, c):
    """Exact float32 fused multiply-add, elementwise. The double sum of the exact double product rounds twice,
    which can differ from one rounding only when it lands on a float32 midpoint: those elements are redone
    exactly with fractions."""
    a, b, c = np.broadcast_arrays(*(np.asarray(v, np.float32) for v in (a, b, c)))
    s = a.astype(np.float64) * b.astype(np.float64) + c.astype(np.float64)
    r = s.astype(np.float32)
    d = np.abs(s - r.astype(np.float64))
    ulp = np.spacing(np.abs(r)).astype(np.float64)
    r = r.copy()
    for i in zip(*np.nonzero((d == ulp / 2) | (d == ulp / 4))):
        x = Fraction(float(a[i])) * Fraction(float(b[i])) + Fraction(float(c[i]))
        g = np.float32(float(x))
        near = [np.nextafter(g, np.float32(-np.inf)), g, np.nextafter(g, np.float32(np.inf))]
        r[i] = min(near, key=lambda v: (abs(Fraction(float(v)) - x), int(np.array(v).view(np.int32)) & 1))
    return r


def verify_aten_rounding():
    """Checks, on this torch, the per-element formulas RnnSharp's optimizer kernels use (and that the data tells
    them from the obvious alternatives). Lengths 1..70, 1000 and 4099 cover ATen's vector bodies and scalar tails."""
    f = np.float32
    lengths = list(range(1, 71)) + [1000, 4099]

    def data(n, seed, positive=False):
        x = gradient(n, seed).numpy()
        return np.abs(x) + f(1e-8) if positive else x

    def same(x, y):
        return np.array_equal(np.asarray(x, f).view(np.int32), np.asarray(y, f).view(np.int32))

    checks = {
        # name: (torch op, the formula the kernels use, an alternative it must be told from), all inputs float32
        "add(x, y, alpha)": (lambda x, y, z, v: x.add(y, alpha=v),
                             lambda x, y, z, v: fma32(y, f(v), x),
                             lambda x, y, z, v: x + f(v) * y),
        "addcmul_(y, y, value)": (lambda x, y, z, v: x.addcmul_(y, y, value=v),
                                  lambda x, y, z, v: fma32(f(v) * y, y, x),
                                  lambda x, y, z, v: x + f(v) * y * y),
        "addcdiv_(y, z, value)": (lambda x, y, z, v: x.addcdiv_(y, z, value=v),
                                  lambda x, y, z, v: x + (f(v) * y) / z,
                                  lambda x, y, z, v: x + f(v) * (y / z)),
        "sqrt() / scalar": (lambda x, y, z, v: z.sqrt() / v,
                            lambda x, y, z, v: np.sqrt(z) / f(v),
                            lambda x, y, z, v: np.sqrt(z) * f(1 / v)),
        "mul_(scalar)": (lambda x, y, z, v: x.mul_(v), lambda x, y, z, v: x * f(v), None),
        "add_(scalar)": (lambda x, y, z, v: x.add_(v), lambda x, y, z, v: x + f(v), None),
        "maximum": (lambda x, y, z, v: torch.maximum(z, y.abs()), lambda x, y, z, v: np.maximum(z, np.abs(y)), None),
    }
    for name, (op, formula, alternative) in checks.items():
        told_apart = alternative is None
        for n in lengths:
            for v in (0.1, -0.0123456, 1 - 0.999, 0.9, 0.031622776601683784):
                x, y, z = data(n, n), data(n, n + 5000), data(n, n + 9000, positive=True)
                expected = op(torch.from_numpy(x.copy()), torch.from_numpy(y), torch.from_numpy(z), v).numpy()
                if not same(formula(x, y, z, v), expected):
                    raise AssertionError(f"ATen's {name} does not round as assumed (n={n}, scalar={v})")
                told_apart = told_apart or not same(alternative(x, y, z, v), expected)
        if not told_apart:
            raise AssertionError(f"the data cannot tell {name}'s formula from the alternative")


# ---------------------------------------------------------------- recording


def _state(optimizer, p):
    out = {}
    for key, value in optimizer.state[p].items():
        if value is None:  # SGD without momentum keeps momentum_buffer = None
            continue
        if key == "step":
            out[key] = rf.f32(float(value))
        else:
            out[key] = rf.tensor(value)
    return out


def _case(name, kind, groups, seed, steps=STEPS, grads=gradient):
    """Runs `steps` steps of torch.optim.<kind> over the groups [(n, flat options)] and records them."""
    params = []
    for i, (n, _) in enumerate(groups):
        params.append(torch.nn.Parameter(rf.randn((n,), seed * 100 + i)))
    initial = [p.detach().clone() for p in params]
    optimizer_type = getattr(torch.optim, kind)
    optimizer = optimizer_type(
        [dict(params=[p], **_torch_options(opts)) for p, (_, opts) in zip(params, groups)], foreach=False)
    records = [{"options": {k: (v if isinstance(v, bool) else f64(v)) for k, v in opts.items()},
                "param": rf.tensor(p0), "grads": [], "steps": []}
               for p0, (_, opts) in zip(initial, groups)]
    for step in range(steps):
        for i, p in enumerate(params):
            p.grad = grads(p.numel(), seed * 1000 + step * 10 + i)
            records[i]["grads"].append(rf.tensor(p.grad))
        optimizer.step()
        for i, p in enumerate(params):
            records[i]["steps"].append({"param": rf.tensor(p), **_state(optimizer, p)})
    return {"name": name, "optimizer": kind, "groups": records}


def _sgd(lr=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    return dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                nesterov=nesterov, maximize=maximize)


def _adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False):
    # Options are recorded flat (beta1, beta2) but passed to torch as betas.
    return dict(lr=lr, beta1=betas[0], beta2=betas[1], eps=eps, weight_decay=weight_decay,
                amsgrad=amsgrad, maximize=maximize)


def _torch_options(opts):
    opts = dict(opts)
    if "beta1" in opts:
        opts["betas"] = (opts.pop("beta1"), opts.pop("beta2"))
    return opts


def record_optim():
    torch.set_num_threads(1)
    verify_aten_rounding()
    cases = []
    seed = 1

    def add(name, kind, groups, **kwargs):
        nonlocal seed
        cases.append(_case(name, kind, groups, seed, **kwargs))
        seed += 1

    sgd = [
        ("plain", _sgd()),
        ("lr_0.01", _sgd(lr=0.01)),
        ("maximize", _sgd(maximize=True)),
        ("weight_decay", _sgd(weight_decay=0.01)),
        ("momentum", _sgd(momentum=0.9)),
        ("momentum_dampening", _sgd(momentum=0.9, dampening=0.1)),
        ("momentum_weight_decay", _sgd(momentum=0.9, weight_decay=0.01)),
        ("nesterov", _sgd(momentum=0.9, nesterov=True)),
        ("nesterov_weight_decay_maximize", _sgd(lr=0.03, momentum=0.9, weight_decay=0.01, nesterov=True,
                                                maximize=True)),
        ("all_but_nesterov", _sgd(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01, maximize=True)),
    ]
    adam = [
        ("default", _adam()),
        ("lr_0.1", _adam(lr=0.1)),
        ("betas_0.8_0.99", _adam(betas=(0.8, 0.99))),
        ("eps_1e-6", _adam(eps=1e-6)),
        ("weight_decay", _adam(weight_decay=0.1)),
        ("amsgrad", _adam(amsgrad=True)),
        ("maximize", _adam(maximize=True)),
        ("amsgrad_weight_decay", _adam(lr=0.01, weight_decay=0.1, amsgrad=True)),
        ("all", _adam(lr=0.003, betas=(0.85, 0.995), eps=1e-6, weight_decay=0.1, amsgrad=True, maximize=True)),
    ]
    for kind, grid in (("SGD", sgd), ("Adam", adam), ("AdamW", adam)):
        for i, (label, opts) in enumerate(grid):
            n = LENGTHS[i % len(LENGTHS)]
            add(f"{kind.lower()}_{label}_n{n}", kind, [(n, opts)])
        # Long enough for many full vector bodies, with a 8-element tail.
        label, opts = grid[-1]
        add(f"{kind.lower()}_{label}_n1000", kind, [(1000, opts)])
        # Two param groups with different learning rates, stepped together.
        first = dict(grid[-1][1])
        second = dict(first, lr=first["lr"] * 3)
        add(f"{kind.lower()}_two_groups", kind, [(33, first), (18, second)])
        # Overflowing squares, subnormals and negative zeros.
        add(f"{kind.lower()}_{label}_extreme_n67", kind, [(67, opts)], grads=extreme_gradient)
        # Bias corrections far from the first step.
        add(f"{kind.lower()}_{grid[1][0]}_30_steps_n7", kind, [(7, grid[1][1])], steps=30)

    rf.write("optim.json", cases, notes=(
        "torch.optim.SGD/Adam/AdamW (foreach=False) stepped " + str(STEPS) + " (or 30) times; per group: options "
        "(doubles), initial param, grads, and after each step the param and the optimizer state. "
        "Recorded by tests/RnnSharp.Tests/Fixtures/record_optim.py."))


if __name__ == "__main__":
    record_optim()
