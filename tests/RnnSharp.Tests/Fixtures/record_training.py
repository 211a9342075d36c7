#!/usr/bin/python3
"""Records linear.json, loss_modules.json and optim_steps.json: torch.nn.Linear and torch.nn.init, the loss
modules' grad_fn names, reprs and errors, and torch.optim classes driving a small model through real autograd.

Part of record_fixtures.py (whose main() calls record_training()); to regenerate only these files:

    cd tests/RnnSharp.Tests/Fixtures && PYTHONHASHSEED=0 /usr/bin/python3 -c "import record_training as m; m.record_training()"

Float results of matrix products are not bit-reproducible across BLAS orderings, so forward and gradient cases
carry "<result>_err" = |torch float32 - torch float64| (record_losses.case), from which tests derive tolerances.
Initialisation and optimizer steps are deterministic and recorded for bit-exact comparison.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import record_fixtures as rf
import record_losses as rl


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type name is recorded
        return {"error_type": type(e).__name__, "message": str(e)}
    raise AssertionError(f"expected an error from {fn}")


# ---------------------------------------------------------------- linear.json


LINEAR_INIT = [  # (seed, in, out, bias)
    (0, 5, 5, True), (1, 4, 3, True), (2, 1, 1, True), (3, 25, 10, True), (4, 7, 33, False),
    (5, 100, 64, True), (6, 0, 3, True), (7, 3, 0, True), (42, 16, 1, True), (123, 2, 1000, False),
]

LINEAR_FORWARD = [  # (name, in, out, bias, input shape)
    ("vector", 5, 3, True, (5,)),
    ("vector_nobias", 5, 3, False, (5,)),
    ("batch", 4, 3, True, (6, 4)),
    ("batch_nobias", 4, 3, False, (6, 4)),
    ("seq", 5, 5, True, (3, 2, 5)),
    ("seq_nobias", 5, 5, False, (3, 2, 5)),
    ("rank4", 4, 2, True, (2, 1, 3, 4)),
    ("rank4_nobias", 4, 2, False, (2, 1, 3, 4)),
    ("rank5", 3, 2, True, (1, 2, 1, 2, 3)),
    ("rank5_nobias", 3, 2, False, (1, 2, 1, 2, 3)),
    ("empty_batch", 4, 3, True, (0, 4)),
    ("longseq_fc", 10, 25, True, (34, 10, 10)),
    ("wide", 67, 33, True, (9, 67)),
]


def linear_cases():
    cases = []
    for seed, fin, fout, bias in LINEAR_INIT:
        torch.manual_seed(seed)
        with __import__("warnings").catch_warnings():
            __import__("warnings").simplefilter("ignore")  # "Initializing zero-element tensors is a no-op"
            m = nn.Linear(fin, fout, bias=bias)
        after = torch.rand(2)  # where the default generator stands afterwards (draw counts)
        cases.append({"name": f"init_seed{seed}_{fin}x{fout}{'' if bias else '_nobias'}", "kind": "init",
                      "seed": seed, "in_features": fin, "out_features": fout, "bias": bias,
                      "state_dict": rf.state_dict(m), "rand_after": rf.tensor(after), "repr": repr(m)})
    # Two layers from one seed: the second continues the stream.
    torch.manual_seed(77)
    a, b = nn.Linear(3, 4), nn.Linear(4, 2)
    cases.append({"name": "init_two_layers_seed77", "kind": "init_two", "seed": 77,
                  "first": rf.state_dict(a), "second": rf.state_dict(b)})

    # The course's longseq Net (lab11_4): a user-defined module registering an RNN and a Linear.
    class Net(nn.Module):
        def __init__(self, input_dim, hidden_dim, layers):
            super().__init__()
            self.rnn = nn.RNN(input_dim, hidden_dim, num_layers=layers, batch_first=True)
            self.fc = nn.Linear(hidden_dim, hidden_dim, bias=True)

    torch.manual_seed(0)
    net = Net(25, 25, 2)
    cases.append({"name": "init_longseq_net_seed0", "kind": "init_net", "seed": 0, "state_dict": rf.state_dict(net),
                  "repr": repr(net)})

    seed = 9000
    for name, fin, fout, bias, shape in LINEAR_FORWARD:
        seed += 1
        torch.manual_seed(seed)
        m = nn.Linear(fin, fout, bias=bias)
        x = rf.randn(shape, seed + 1)
        if name == "longseq_fc":  # short decimal text for the big case: multiples of 2^-6 are exact in float32
            x = torch.round(x * 64) / 64
        inputs = {"input": x, "weight": m.weight.detach().clone()}
        grad_wrt = ["input", "weight"]
        if bias:
            inputs["bias"] = m.bias.detach().clone()
            grad_wrt.append("bias")
        c = rl.case(f"forward_{name}", "forward", lambda **kw: F.linear(kw["input"], kw["weight"], kw.get("bias")),
                    inputs, grad_wrt, seed + 2, in_features=fin, out_features=fout, has_bias=bias)
        y = m(x.clone().requires_grad_(True))
        c["grad_fn"] = y.grad_fn.name()
        c["grad_fn_params_only"] = m(x).grad_fn.name()  # the input does not require grad
        c["init_seed"] = seed
        cases.append(c)

    for name, args, shape in [
        ("mismatch_batch", (5, 5, True), (6, 4)),
        ("mismatch_seq", (4, 3, True), (2, 6, 5)),
        ("mismatch_vector", (4, 3, True), (5,)),
        ("mismatch_nobias", (4, 3, False), (6, 5)),
        ("scalar_input", (4, 3, True), ()),
    ]:
        m = nn.Linear(*args)
        cases.append({"name": f"error_{name}", "kind": "forward_error", "in_features": args[0],
                      "out_features": args[1], "bias": args[2], "input_shape": list(shape),
                      **_error(lambda: m(torch.zeros(shape)))})
    for fin, fout in [(-1, 3), (3, -1), (-1, -2)]:
        cases.append({"name": f"error_ctor_{fin}_{fout}", "kind": "ctor_error", "in_features": fin,
                      "out_features": fout, **_error(lambda: nn.Linear(fin, fout))})

    # torch.nn.init on its own.
    specs = [
        ("kaiming_default_3x4", (3, 4), {}),
        ("kaiming_sqrt5_5x5", (5, 5), {"a": math.sqrt(5)}),
        ("kaiming_fan_out_relu_6x2x3", (6, 2, 3), {"mode": "fan_out", "nonlinearity": "relu"}),
        ("kaiming_tanh_4x7", (4, 7), {"nonlinearity": "tanh"}),
        ("kaiming_leaky_0.2_2x3x2x2", (2, 3, 2, 2), {"a": 0.2}),
    ]
    for i, (name, shape, kw) in enumerate(specs):
        torch.manual_seed(500 + i)
        t = nn.init.kaiming_uniform_(torch.empty(shape), **kw)
        fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(t)
        cases.append({"name": "init_" + name, "kind": "kaiming", "seed": 500 + i, "shape": list(shape),
                      "a": repr(float(kw.get("a", 0))), "mode": kw.get("mode", "fan_in"),
                      "nonlinearity": kw.get("nonlinearity", "leaky_relu"), "fan_in": fan_in, "fan_out": fan_out,
                      "tensor": rf.tensor(t)})
    for i, (a, b) in enumerate([(0.0, 1.0), (-0.5, 0.5), (-3.0, 7.25), (1e-3, 1e-3)]):
        torch.manual_seed(600 + i)
        t = nn.init.uniform_(torch.empty(4, 5), a, b)
        cases.append({"name": f"init_uniform_{i}", "kind": "uniform", "seed": 600 + i, "a": repr(a),
                      "b": repr(b), "tensor": rf.tensor(t)})
    gains = {nl: nn.init.calculate_gain(nl) for nl in ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu")}
    gains["leaky_relu_0.2"] = nn.init.calculate_gain("leaky_relu", 0.2)
    cases.append({"name": "init_gains", "kind": "gains", "gains": {k: repr(v) for k, v in gains.items()}})
    cases.append({"name": "init_error_fan_vector", "kind": "init_error",
                  **_error(lambda: nn.init.kaiming_uniform_(torch.empty(3)))})
    cases.append({"name": "init_error_uniform_range", "kind": "init_error",
                  **_error(lambda: nn.init.uniform_(torch.empty(3), 2, 1))})
    return cases


# ---------------------------------------------------------------- loss_modules.json


def loss_module_cases():
    cases = []
    long = torch.long
    shapes = [(3, 5), (5,), (2, 3, 4), (2, 3, 2, 2), (2, 3, 1, 2, 2)]
    for reduction in ("mean", "sum", "none"):
        for shape in shapes:
            tshape = shape[:1] + shape[2:] if len(shape) > 1 else ()
            classes = shape[1] if len(shape) > 1 else shape[0]
            x = torch.randn(shape, requires_grad=True)
            idx = torch.zeros(tshape, dtype=long)
            probs = torch.rand(shape)
            w = torch.rand(classes) + 0.5
            names = {
                "cross_entropy": nn.CrossEntropyLoss(reduction=reduction)(x, idx),
                "cross_entropy_weight": nn.CrossEntropyLoss(weight=w, reduction=reduction)(x, idx),
                "cross_entropy_smoothing": nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.1)(x, idx),
                "cross_entropy_probs": nn.CrossEntropyLoss(reduction=reduction)(x, probs),
                "cross_entropy_probs_smoothing": nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.1)(x, probs),
                "nll": nn.NLLLoss(reduction=reduction)(x, idx),
            }
            for kind, y in names.items():
                cases.append({"name": f"grad_fn_{kind}_{reduction}_{'x'.join(map(str, shape))}", "kind": "grad_fn",
                              "loss": kind, "reduction": reduction, "input_shape": list(shape),
                              "output_shape": list(y.shape), "grad_fn": y.grad_fn.name()})
    x = torch.randn(3, 4, requires_grad=True)
    for reduction in ("mean", "sum", "none"):
        y = nn.MSELoss(reduction=reduction)(x, torch.randn(3, 4))
        cases.append({"name": f"grad_fn_mse_{reduction}", "kind": "grad_fn", "loss": "mse", "reduction": reduction,
                      "input_shape": [3, 4], "output_shape": list(y.shape), "grad_fn": y.grad_fn.name()})
    for dim in (0, 1, -1):
        y = nn.LogSoftmax(dim=dim)(x)
        cases.append({"name": f"grad_fn_log_softmax_dim{dim}", "kind": "grad_fn", "loss": "log_softmax", "dim": dim,
                      "input_shape": [3, 4], "output_shape": list(y.shape), "grad_fn": y.grad_fn.name()})

    reprs = {
        "CrossEntropyLoss()": nn.CrossEntropyLoss(),
        "NLLLoss()": nn.NLLLoss(),
        "MSELoss()": nn.MSELoss(),
        "LogSoftmax(dim=1)": nn.LogSoftmax(dim=1),
        "CrossEntropyLoss(all options)": nn.CrossEntropyLoss(weight=torch.ones(3), ignore_index=2, reduction="sum",
                                                             label_smoothing=0.1),
        "MSELoss(reduction=sum)": nn.MSELoss(reduction="sum"),
        "LogSoftmax(dim=-1)": nn.LogSoftmax(dim=-1),
    }
    for k, m in reprs.items():
        cases.append({"name": "repr_" + k, "kind": "repr", "repr": repr(m)})

    L = long
    errors = [  # (name, loss, kwargs, input shape, target shape, target dtype)
        ("ce_batch_mismatch", "ce", {}, (3, 5), (4,), "long"),
        ("ce_multi_target", "ce", {}, (3, 5), (3, 1), "long"),
        ("ce_spatial_mismatch_3d", "ce", {}, (2, 5, 4), (2, 3), "long"),
        ("ce_spatial_mismatch_4d", "ce", {}, (2, 5, 4, 4), (2, 4, 3), "long"),
        ("ce_probs_long", "ce", {}, (3, 5), (3, 5), "long"),
        ("ce_probs_shape", "ce", {}, (3, 5), (3, 4), "float"),
        ("ce_float_indices", "ce", {}, (3, 5), (3,), "float"),
        ("ce_scalar_input", "ce", {}, (), (), "long"),
        ("ce_weight_size", "ce", {"weight": 4}, (3, 5), (3,), "long"),
        ("ce_smoothing_too_large", "ce", {"label_smoothing": 1.5}, (3, 5), (3,), "long"),
        ("ce_out_of_bounds", "ce", {}, (3, 5), (3,), "oob"),
        ("ce_out_of_bounds_smoothing", "ce", {"label_smoothing": 0.1}, (3, 5), (3,), "oob"),
        ("nll_batch_mismatch", "nll", {}, (3, 5), (4,), "long"),
        ("nll_float_target", "nll", {}, (3, 5), (3,), "float"),
        ("nll_weight_size", "nll", {"weight": 4}, (3, 5), (3,), "long"),
        ("nll_scalar_input", "nll", {}, (), (), "long"),
        ("nll_multi_target", "nll", {}, (3, 5), (3, 2), "long"),
        ("nll_spatial_mismatch_4d", "nll", {}, (2, 5, 4, 4), (2, 4, 3), "long"),
        ("nll_spatial_mismatch_3d", "nll", {}, (2, 5, 4), (2, 3), "long"),
        ("nll_out_of_bounds", "nll", {}, (3, 5), (3,), "oob"),
        ("mse_shape", "mse", {}, (3, 5), (3, 4), "float"),
        ("log_softmax_dim", "log_softmax", {"dim": 2}, (3, 5), None, None),
    ]
    for name, loss, kw, ishape, tshape, tdtype in errors:
        x = torch.zeros(ishape)
        if tdtype == "oob":
            t = torch.tensor([0, 7, 1])
        elif tdtype == "long":
            t = torch.zeros(tshape, dtype=L)
        elif tdtype == "float":
            t = torch.zeros(tshape)
        kwargs = dict(kw)
        if "weight" in kwargs:
            kwargs["weight"] = torch.ones(kwargs["weight"])
        if loss == "ce":
            fn = lambda: nn.CrossEntropyLoss(**kwargs)(x, t)  # noqa: E731
        elif loss == "nll":
            fn = lambda: nn.NLLLoss(**kwargs)(x, t)  # noqa: E731
        elif loss == "mse":
            fn = lambda: nn.MSELoss(**kwargs)(x, t)  # noqa: E731
        else:
            fn = lambda: nn.LogSoftmax(**kwargs)(x)  # noqa: E731
        with __import__("warnings").catch_warnings():
            __import__("warnings").simplefilter("ignore")  # mse_loss's broadcasting warning
            e = _error(fn)
        cases.append({"name": "error_" + name, "kind": "error", "loss": loss, "options": {k: v for k, v in kw.items()
                      if not isinstance(v, float)} | {k: rf.f32(v) for k, v in kw.items() if isinstance(v, float)},
                      "input_shape": list(ishape), "target_shape": None if tshape is None else list(tshape),
                      "target_dtype": tdtype, **e})
    return cases


# ---------------------------------------------------------------- optim_steps.json


OPTIM_STEPS = 5

OPTIM_CASES = [  # (name, optimizer, options, loss, lr of the bias group or None, step whose bias grad is dropped)
    ("sgd_plain", "SGD", {"lr": 0.1}, "ce", None, None),
    ("sgd_momentum_nesterov", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, "ce", None, None),
    ("sgd_all", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01, "maximize": True},
     "mse", None, None),
    ("sgd_momentum_skip_bias", "SGD", {"lr": 0.1, "momentum": 0.9}, "ce", None, 1),
    ("adam_lr0.1", "Adam", {"lr": 0.1}, "ce", None, None),
    ("adam_amsgrad_wd", "Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}, "ce", None, None),
    ("adam_betas_eps_maximize", "Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "maximize": True}, "mse",
     None, None),
    ("adam_two_groups", "Adam", {"lr": 0.1}, "ce", 0.01, None),
    ("adam_skip_bias", "Adam", {"lr": 0.1}, "ce", None, 2),
    ("adamw_default", "AdamW", {}, "ce", None, None),
    ("adamw_amsgrad_maximize", "AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "maximize": True}, "mse",
     None, None),
]


def _py(v):
    """A param_groups value as text and as JSON (floats through f32 would lose double bits: use repr)."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, tuple):
        return [_py(x) for x in v]
    if isinstance(v, list):
        return [int(x) for x in v]
    raise TypeError(type(v))


def optim_cases():
    cases = []
    seed = 3000
    for name, kind, opts, loss_kind, bias_lr, drop_step in OPTIM_CASES:
        seed += 1
        torch.manual_seed(seed)
        model = nn.Linear(5, 3)
        x = rf.randn((4, 5), seed + 1)
        if loss_kind == "ce":
            target = torch.tensor([0, 2, 1, 2])
            loss_fn = nn.CrossEntropyLoss()
        else:
            target = rf.randn((4, 3), seed + 2)
            loss_fn = nn.MSELoss()
        if bias_lr is None:
            params = model.parameters()
        else:
            params = [{"params": [model.weight]}, {"params": [model.bias], "lr": bias_lr}]
        optimizer = getattr(torch.optim, kind)(params, **opts)
        initial = rf.state_dict(model)
        # The same run in float64, from the same float32 values: how far torch's own float32 run strays.
        model64 = nn.Linear(5, 3).double()
        model64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
        params64 = (model64.parameters() if bias_lr is None else
                    [{"params": [model64.weight]}, {"params": [model64.bias], "lr": bias_lr}])
        optimizer64 = getattr(torch.optim, kind)(params64, **opts)
        target64 = target if loss_kind == "ce" else target.double()
        steps = []
        for step in range(OPTIM_STEPS):
            optimizer.zero_grad()
            optimizer64.zero_grad()
            loss = loss_fn(model(x), target)
            loss.backward()
            loss_fn(model64(x.double()), target64).backward()
            if drop_step == step:
                model.bias.grad = None
                model64.bias.grad = None
            grads = [None if p.grad is None else rf.tensor(p.grad) for p in model.parameters()]
            optimizer.step()
            optimizer64.step()
            steps.append({"loss": rf.f32(loss.item()), "grads": grads, "params": rf.state_dict(model),
                          "params_err": [rl.err(a, b) for a, b in zip(model.parameters(), model64.parameters())]})
        sd = optimizer.state_dict()
        state = {str(i): {k: (None if v is None else rf.tensor(v)) for k, v in s.items()} for i, s in sd["state"].items()}
        groups = [[[k, _py(v)] for k, v in g.items()] for g in sd["param_groups"]]
        cases.append({"name": name, "kind": "steps", "optimizer": kind,
                      "options": [[k, _py(v)] for k, v in opts.items()], "loss": loss_kind, "bias_lr": rf.f32(bias_lr)
                      if bias_lr is not None else None, "drop_bias_grad_at": drop_step, "init_seed": seed,
                      "input": rf.tensor(x), "target": [int(t) for t in target.tolist()] if loss_kind == "ce"
                      else rf.tensor(target), "initial": initial, "steps": steps,
                      "state": state, "param_groups": groups, "repr": repr(optimizer)})

    p = [nn.Parameter(torch.zeros(3)), nn.Parameter(torch.zeros(2))]
    O = torch.optim
    errors = [
        ("adam_lr", lambda: O.Adam(p, lr=-1.0)),
        ("adam_eps", lambda: O.Adam(p, eps=-1.0)),
        ("adam_beta0", lambda: O.Adam(p, betas=(1.0, 0.9))),
        ("adam_beta1", lambda: O.Adam(p, betas=(0.9, -0.1))),
        ("adam_weight_decay", lambda: O.Adam(p, weight_decay=-1.0)),
        ("adamw_lr", lambda: O.AdamW(p, lr=-1.0)),
        ("adamw_weight_decay", lambda: O.AdamW(p, weight_decay=-1.0)),
        ("sgd_lr", lambda: O.SGD(p, lr=-1.0)),
        ("sgd_momentum", lambda: O.SGD(p, lr=0.1, momentum=-1.0)),
        ("sgd_weight_decay", lambda: O.SGD(p, lr=0.1, weight_decay=-1.0)),
        ("sgd_nesterov", lambda: O.SGD(p, lr=0.1, nesterov=True)),
        ("sgd_nesterov_dampening", lambda: O.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
        ("empty", lambda: O.Adam([])),
        ("duplicate_across_groups", lambda: O.Adam([{"params": [p[0]]}, {"params": [p[0]]}])),
        ("non_leaf", lambda: O.Adam([p[0] * 2])),
        ("load_group_count", lambda: O.Adam(p).load_state_dict({"state": {}, "param_groups": []})),
        ("load_group_size", lambda: O.Adam(p).load_state_dict(
            {"state": {}, "param_groups": [dict(O.Adam(p).state_dict()["param_groups"][0], params=[0])]})),
    ]
    for name, fn in errors:
        try:
            cases.append({"name": "error_" + name, "kind": "error", **_error(fn)})
        except AssertionError:
            raise AssertionError(name) from None
    return cases


def record_training():
    torch.set_num_threads(1)
    rf.write("linear.json", linear_cases(), notes=(
        "torch.nn.Linear after torch.manual_seed (state_dict bits, repr), forward and gradients of F.linear for a "
        "seeded upstream gradient with *_err = |float32 - float64| (record_losses.case), the output's grad_fn name, "
        "errors; torch.nn.init.kaiming_uniform_/uniform_/calculate_gain. Recorded by record_training.py."))
    rf.write("loss_modules.json", loss_module_cases(), notes=(
        "What losses.json lacks for the loss modules: the grad_fn names PyTorch gives their outputs, their reprs and "
        "their errors. Recorded by record_training.py."))
    rf.write("optim_steps.json", optim_cases(), notes=(
        "torch.nn.Linear(5, 3) trained " + str(OPTIM_STEPS) + " steps by torch.optim.{SGD, Adam, AdamW} (default foreach=None: 1.13 takes the single-tensor path on the CPU) "
        "with CrossEntropyLoss or MSELoss through real autograd: per step the loss, the gradients (null when dropped "
        "before the step) and the parameters after it; the final optimizer.state_dict() (param_groups values as "
        "Python reprs), the optimizer's repr, and the constructors' and load_state_dict's errors. Recorded by "
        "record_training.py."))


if __name__ == "__main__":
    record_training()
