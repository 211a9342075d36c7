#!/usr/bin/python3
"""Records the LSTM/GRU fixtures beyond lstm_gru.json's numeric grid (issue 9, points 1, 2 and 7):

    lstm_gru_init.json     parameters right after torch.manual_seed(seed) and construction, and a torch.rand draw after
    lstm_gru_errors.json   the exception type and message PyTorch raises for each bad call, and the dropout warning
    lstm_gru_repr.json     repr(module) for many configurations
    lstm_gru_dropout.json  LSTM/GRU in training mode with dropout between layers: outputs, grad_fn names, gradients
    lstm_gru_interop.json  (with interop/lstm_*.pt, gru_*.pt, *.safetensors) weights of models trained in torch

Part of record_fixtures.py (whose main() calls record_lstm_gru_more()); to rewrite only these files run

    cd tests/RnnSharp.Tests/Fixtures && PYTHONHASHSEED=0 /usr/bin/python3 -c "import record_lstm_gru_more as m; m.record_lstm_gru_more()"

Numeric cases are run a second time in float64 (module.double() after the same seed: the same float32 weights
widened, the same dropout masks) and "torch_error" holds, per recorded tensor, max |float32 − float64| and
max |float64|: PyTorch's own float32 error on that case, from which the C# tests derive their tolerance (the rule
of ReferenceLstmGruTests: atol = 2·δ + 4·ulp(max |value|)).
"""

import collections
import os
import warnings

import torch

import record_fixtures as rf
from record_lstm_gru import _errors, forward_backward, lstm_gru_config, make_leaves


def _config(kind, input_size, hidden_size, *, dropout=0.0, **kwargs):
    cfg = lstm_gru_config(input_size, hidden_size, **kwargs)
    cfg["dropout"] = rf.f32(dropout)
    return cfg


def _make(kind, cfg):
    kwargs = dict(cfg)
    kwargs["dropout"] = float(cfg["dropout"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dropout with one layer warns (recorded in lstm_gru_errors.json)
        return torch.nn.LSTM(**kwargs) if kind == "lstm" else torch.nn.GRU(**kwargs)


def _make_cell(kind, cfg):
    cls = torch.nn.LSTMCell if kind == "lstm_cell" else torch.nn.GRUCell
    return cls(cfg["input_size"], cfg["hidden_size"], bias=cfg["bias"])


def _cell_config(input_size, hidden_size, bias=True):
    return {"input_size": input_size, "hidden_size": hidden_size, "bias": bias}


# ---------------------------------------------------------------- init


def record_init():
    cases = []
    small = {
        "lstm": [
            _config("lstm", 4, 2), _config("lstm", 1, 1), _config("lstm", 3, 5, num_layers=2),
            _config("lstm", 3, 5, bidirectional=True),
            _config("lstm", 6, 4, num_layers=3, bias=False, bidirectional=True),
            _config("lstm", 4, 8, proj_size=3),
            _config("lstm", 4, 8, num_layers=2, bidirectional=True, proj_size=3, dropout=0.3),
            _config("lstm", 5, 6, bias=False, batch_first=True, proj_size=1),
        ],
        "gru": [
            _config("gru", 4, 2), _config("gru", 1, 1), _config("gru", 3, 5, num_layers=2),
            _config("gru", 3, 5, bidirectional=True),
            _config("gru", 6, 4, num_layers=3, bias=False, bidirectional=True),
            _config("gru", 5, 6, batch_first=True, dropout=0.5, num_layers=2),
        ],
    }
    seeds = [0, 1, 42, 2**31 - 1, -1, 2**32 + 7, -(2**40) - 3]
    for kind, configs in small.items():
        for seed in seeds:
            for cfg in configs:
                torch.manual_seed(seed)
                module = _make(kind, cfg)
                cases.append({"kind": kind, "seed": seed, "config": cfg, "state_dict": rf.state_dict(module),
                              "rand_after": rf.tensor(torch.rand(5))})
    # Larger hidden sizes (around the SIMD widths), one seed each to keep the file small.
    for kind, seed, cfg in [("lstm", 0, _config("lstm", 10, 33)), ("gru", 1, _config("gru", 7, 33, num_layers=2, batch_first=True)),
                            ("lstm", 2, _config("lstm", 7, 17, num_layers=2, batch_first=True, dropout=0.25, proj_size=16))]:
        torch.manual_seed(seed)
        module = _make(kind, cfg)
        cases.append({"kind": kind, "seed": seed, "config": cfg, "state_dict": rf.state_dict(module),
                      "rand_after": rf.tensor(torch.rand(5))})
    for kind in ("lstm_cell", "gru_cell"):
        for seed in [0, 3, 99]:
            for cfg in [_cell_config(4, 2), _cell_config(3, 7, bias=False), _cell_config(16, 17)]:
                torch.manual_seed(seed)
                cell = _make_cell(kind, cfg)
                cases.append({"kind": kind, "seed": seed, "config": cfg, "state_dict": rf.state_dict(cell),
                              "rand_after": rf.tensor(torch.rand(5))})
    # Several modules from one seed: the generator's stream continues across them, in construction order.
    torch.manual_seed(7)
    seq = [("lstm", _config("lstm", 4, 3)), ("gru", _config("gru", 2, 6, num_layers=2)),
           ("lstm_cell", _cell_config(5, 4)), ("gru_cell", _cell_config(3, 2)),
           ("lstm", _config("lstm", 3, 4, bidirectional=True, proj_size=2))]
    modules = [{"kind": k, "config": cfg,
                "state_dict": rf.state_dict(_make_cell(k, cfg) if k.endswith("_cell") else _make(k, cfg))}
               for k, cfg in seq]
    cases.append({"kind": "sequence", "seed": 7, "modules": modules, "rand_after": rf.tensor(torch.rand(5))})
    for i, c in enumerate(cases):
        c["name"] = f"{i:03d}_{c['kind']}_seed{c['seed']}"
    rf.write("lstm_gru_init.json", cases,
             "torch.manual_seed(seed); module = torch.nn.LSTM/GRU/LSTMCell/GRUCell(**config); state_dict in registration "
             "order (compare bit for bit); rand_after = torch.rand(5) right after construction: the generator's position. "
             "kind sequence: several modules built one after the other after one seed.")


# ---------------------------------------------------------------- errors


def _catch(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
    except Exception as e:  # noqa: BLE001 - we record whatever PyTorch raises
        return type(e).__name__, str(e)
    raise AssertionError("expected an error")


def record_errors():
    z = torch.zeros
    lstm = torch.nn.LSTM(4, 2)
    lstm_proj = torch.nn.LSTM(4, 3, proj_size=2)
    lstm_bi = torch.nn.LSTM(4, 2, num_layers=2, bidirectional=True)
    gru = torch.nn.GRU(4, 2)
    gru_bi = torch.nn.GRU(4, 2, num_layers=2, bidirectional=True)
    lstm_cell = torch.nn.LSTMCell(4, 2)
    gru_cell = torch.nn.GRUCell(4, 2)
    i64 = torch.int64
    checks = {
        "lstm_input_size": lambda: lstm(z(5, 3, 3)),
        "lstm_input_size_unbatched": lambda: lstm(z(5, 3)),
        "lstm_batched_h0_2d_c0_3d": lambda: lstm(z(5, 3, 4), (z(1, 2), z(1, 3, 2))),
        "lstm_batched_h0_3d_c0_2d": lambda: lstm(z(5, 3, 4), (z(1, 3, 2), z(1, 2))),
        "lstm_unbatched_h0_3d_c0_2d": lambda: lstm(z(5, 4), (z(1, 1, 2), z(1, 2))),
        "lstm_unbatched_h0_3d_c0_3d": lambda: lstm(z(5, 4), (z(1, 1, 2), z(1, 1, 2))),
        "lstm_h0_batch": lambda: lstm(z(5, 3, 4), (z(1, 2, 2), z(1, 3, 2))),
        "lstm_c0_batch": lambda: lstm(z(5, 3, 4), (z(1, 3, 2), z(1, 2, 2))),
        "lstm_h0_layers": lambda: lstm_bi(z(5, 3, 4), (z(2, 3, 2), z(4, 3, 2))),
        "lstm_c0_layers": lambda: lstm_bi(z(5, 3, 4), (z(4, 3, 2), z(2, 3, 2))),
        "lstm_h0_hidden": lambda: lstm(z(5, 3, 4), (z(1, 3, 3), z(1, 3, 2))),
        "lstm_c0_hidden": lambda: lstm(z(5, 3, 4), (z(1, 3, 2), z(1, 3, 3))),
        "lstm_proj_h0_hidden_size": lambda: lstm_proj(z(5, 3, 4), (z(1, 3, 3), z(1, 3, 3))),
        "lstm_proj_c0_proj_size": lambda: lstm_proj(z(5, 3, 4), (z(1, 3, 2), z(1, 3, 2))),
        "lstm_unbatched_h0_shape": lambda: lstm(z(5, 4), (z(2, 2), z(1, 2))),
        "lstm_empty_sequence": lambda: lstm(z(0, 3, 4)),
        "lstm_empty_sequence_unbatched": lambda: lstm(z(0, 4)),
        "lstm_int64_input": lambda: lstm(z(5, 3, 4, dtype=i64)),
        "lstm_int64_h0": lambda: lstm(z(5, 3, 4), (z(1, 3, 2, dtype=i64), z(1, 3, 2))),
        "lstm_dropout_negative": lambda: torch.nn.LSTM(4, 2, dropout=-0.1),
        "lstm_dropout_above_one": lambda: torch.nn.LSTM(4, 2, dropout=1.5),
        "lstm_proj_size_negative": lambda: torch.nn.LSTM(4, 2, proj_size=-1),
        "lstm_proj_size_equal_hidden": lambda: torch.nn.LSTM(4, 2, proj_size=2),
        "lstm_proj_size_above_hidden": lambda: torch.nn.LSTM(4, 2, proj_size=3),
        "gru_input_size": lambda: gru(z(5, 3, 3)),
        "gru_input_size_unbatched": lambda: gru(z(5, 3)),
        "gru_h0_batch": lambda: gru(z(5, 3, 4), z(1, 2, 2)),
        "gru_h0_layers": lambda: gru_bi(z(5, 3, 4), z(2, 3, 2)),
        "gru_h0_hidden": lambda: gru(z(5, 3, 4), z(1, 3, 3)),
        "gru_batched_input_unbatched_h0": lambda: gru(z(5, 3, 4), z(1, 2)),
        "gru_unbatched_input_batched_h0": lambda: gru(z(5, 4), z(1, 1, 2)),
        "gru_unbatched_h0_shape": lambda: gru(z(5, 4), z(2, 2)),
        "gru_empty_sequence": lambda: gru(z(0, 3, 4)),
        "gru_int64_input": lambda: gru(z(5, 3, 4, dtype=i64)),
        "gru_int64_h0": lambda: gru(z(5, 3, 4), z(1, 3, 2, dtype=i64)),
        "gru_dropout_negative": lambda: torch.nn.GRU(4, 2, dropout=-0.1),
        "gru_dropout_above_one": lambda: torch.nn.GRU(4, 2, dropout=1.5),
        "lstm_cell_input_size": lambda: lstm_cell(z(3, 3)),
        "lstm_cell_input_rank": lambda: lstm_cell(z(1, 3, 4)),
        "lstm_cell_hx_hidden": lambda: lstm_cell(z(3, 4), (z(3, 3), z(3, 2))),
        "lstm_cell_cx_hidden": lambda: lstm_cell(z(3, 4), (z(3, 2), z(3, 3))),
        "lstm_cell_hx_batch": lambda: lstm_cell(z(3, 4), (z(2, 2), z(3, 2))),
        "lstm_cell_cx_batch": lambda: lstm_cell(z(3, 4), (z(3, 2), z(2, 2))),
        "lstm_cell_int64_input": lambda: lstm_cell(z(3, 4, dtype=i64)),
        "gru_cell_input_size": lambda: gru_cell(z(3, 3)),
        "gru_cell_input_rank": lambda: gru_cell(z(1, 3, 4)),
        "gru_cell_hx_hidden": lambda: gru_cell(z(3, 4), z(3, 3)),
        "gru_cell_hx_batch": lambda: gru_cell(z(3, 4), z(2, 2)),
        "gru_cell_int64_input": lambda: gru_cell(z(3, 4, dtype=i64)),
    }
    # GRU has no proj_size; the C# Gru has no such parameter at all, so this is recorded for the README only.
    checks["gru_proj_size"] = lambda: torch.nn.GRU(4, 2, proj_size=1)
    cases = []
    for name, fn in checks.items():
        kind, message = _catch(fn)
        cases.append({"name": name, "python_exception": kind, "message": message})
    # Dropout with one layer: a UserWarning, nothing else (the module is built and applies no dropout).
    for kind in ("lstm", "gru"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _ = torch.nn.LSTM(4, 2, dropout=0.5) if kind == "lstm" else torch.nn.GRU(4, 2, dropout=0.5)
        assert len(caught) == 1
        cases.append({"name": f"{kind}_dropout_one_layer", "warning": caught[0].category.__name__,
                      "message": str(caught[0].message)})
    rf.write("lstm_gru_errors.json", cases,
             "The exception type and message PyTorch raises for each bad call to torch.nn.LSTM/GRU/LSTMCell/GRUCell "
             "(cases with \"warning\": what it warns instead; it raises nothing).")


# ---------------------------------------------------------------- reprs


def record_repr():
    cases = []
    layer_kwargs = [
        (5, 10, {}), (5, 10, {"batch_first": True}), (1, 1, {}), (4, 8, {"num_layers": 2}),
        (4, 8, {"bias": False}), (4, 8, {"bidirectional": True}), (4, 8, {"dropout": 0.3, "num_layers": 2}),
        (4, 8, {"dropout": 0.5}), (4, 8, {"dropout": 1.0, "num_layers": 3}), (4, 8, {"dropout": 0.1, "num_layers": 2}),
        (4, 8, {"dropout": 0.25, "num_layers": 2}), (4, 8, {"dropout": 1e-5, "num_layers": 2}),
        (4, 8, {"num_layers": 3, "bias": False, "batch_first": True, "dropout": 0.2, "bidirectional": True}),
        (100, 256, {"num_layers": 2, "batch_first": True}),
    ]
    for kind in ("lstm", "gru"):
        for isz, hsz, kw in layer_kwargs:
            cfg = _config(kind, isz, hsz, **kw)
            cases.append({"kind": kind, "config": cfg, "repr": repr(_make(kind, cfg))})
    for isz, hsz, kw in [(4, 8, {"proj_size": 3}), (4, 8, {"num_layers": 2, "dropout": 0.3, "bidirectional": True, "proj_size": 3}),
                         (5, 10, {"batch_first": True, "proj_size": 9}), (2, 3, {"bias": False, "proj_size": 1})]:
        cfg = _config("lstm", isz, hsz, **kw)
        cases.append({"kind": "lstm", "config": cfg, "repr": repr(_make("lstm", cfg))})
    for kind in ("lstm_cell", "gru_cell"):
        for cfg in [_cell_config(4, 3), _cell_config(4, 3, bias=False), _cell_config(1, 1), _cell_config(128, 64)]:
            cases.append({"kind": kind, "config": cfg, "repr": repr(_make_cell(kind, cfg))})
    for i, c in enumerate(cases):
        c["name"] = f"{i:02d}_{c['repr']}"
    rf.write("lstm_gru_repr.json", cases, "repr(module) of torch.nn.LSTM/GRU/LSTMCell/GRUCell(**config).")


# ---------------------------------------------------------------- dropout in training mode


def _dropout_run(kind, cfg, seq_len, batch, seed, train, unbatched, with_h0, dtype):
    torch.manual_seed(seed)
    module = _make(kind, cfg)
    module.train(train)
    if dtype == torch.float64:
        module.double()  # the same float32 weights, widened: no draw
    leaves, state = make_leaves(kind, cfg, seq_len, batch, seed, unbatched, with_h0, 1.0, dtype)
    # The masks come from the global generator, which the forward continues from where construction left it;
    # the backward draws nothing, so torch.rand after it shows where the forward left the generator.
    outs, upstream, names, grads = forward_backward(kind, module, leaves, state, seed)
    return module, leaves, outs, upstream, names, grads, torch.rand(4)


def dropout_case(kind, name, cfg, seq_len, batch, seed, *, train=True, unbatched=False, with_h0=False):
    args = (kind, cfg, seq_len, batch, seed, train, unbatched, with_h0)
    module, leaves, outs, upstream, names, grads, rand_after = _dropout_run(*args, torch.float32)
    _, _, outs64, _, _, grads64, rand_after64 = _dropout_run(*args, torch.float64)
    assert torch.equal(rand_after, rand_after64)
    for (_, a), (_, b) in zip(outs, outs64):  # the same masks in both runs
        assert (a.double() - b).abs().max().item() < 1e-4, name
    case = {"name": f"{kind}_{name}", "kind": kind, "seed": seed, "config": cfg, "training": train,
            "unbatched": unbatched, "state_dict": rf.state_dict(module)}
    for k, t in leaves + outs:
        case[k] = rf.tensor(t)
    case.update(names)
    for k, t in upstream:
        case[k] = rf.tensor(t)
    case["grads"] = [{"name": k, "tensor": rf.tensor(g)} for k, g in grads]
    case["torch_error"] = _errors(outs + grads, outs64 + grads64)
    case["rand_after"] = rf.tensor(rand_after)
    return case


def record_dropout():
    cases = []
    for kind, s in (("lstm", 1500), ("gru", 1600)):
        cases.append(dropout_case(kind, "l2_p0.3_h0", _config(kind, 4, 6, num_layers=2, dropout=0.3), 5, 3, s + 1, with_h0=True))
        cases.append(dropout_case(kind, "l3_p0.5", _config(kind, 3, 5, num_layers=3, dropout=0.5), 6, 4, s + 2))
        cases.append(dropout_case(kind, "l2_p1", _config(kind, 3, 4, num_layers=2, dropout=1.0), 4, 2, s + 3))
        cases.append(dropout_case(kind, "l2_bi_bf_p0.4_H17", _config(kind, 5, 17, num_layers=2, batch_first=True,
                                                                     bidirectional=True, dropout=0.4), 4, 2, s + 4))
        cases.append(dropout_case(kind, "l2_unbatched_bf_p0.2_h0", _config(kind, 4, 6, num_layers=2, batch_first=True,
                                                                           dropout=0.2), 7, 1, s + 5, unbatched=True, with_h0=True))
        cases.append(dropout_case(kind, "l3_bi_p0.5", _config(kind, 3, 4, num_layers=3, bidirectional=True, dropout=0.5), 4, 2, s + 6))
        cases.append(dropout_case(kind, "l1_p0.5_warns_only", _config(kind, 3, 4, dropout=0.5), 4, 2, s + 7))
        cases.append(dropout_case(kind, "l3_p0.5_eval", _config(kind, 3, 4, num_layers=3, dropout=0.5), 4, 2, s + 8, train=False))
    cases.append(dropout_case("lstm", "proj_l2_p0.5_P3_h0", _config("lstm", 4, 5, num_layers=2, dropout=0.5, proj_size=3), 5, 2, 1701,
                              with_h0=True))
    cases.append(dropout_case("lstm", "proj_l2_bi_p0.3_P2", _config("lstm", 3, 4, num_layers=2, dropout=0.3, bidirectional=True,
                                                                   proj_size=2), 4, 3, 1702))
    rf.write("lstm_gru_dropout.json", cases,
             "torch.manual_seed(seed); module = torch.nn.LSTM/GRU(**config); module.train(training); input (and h0, c0) "
             "require grad; output, h_n(, c_n) = module(input[, state]) — the dropout masks between layers come from "
             "the global generator after construction; torch.autograd.backward([output, h_n(, c_n)], "
             "[grad_output, grad_h_n(, grad_c_n)]), which draws nothing; rand_after = torch.rand(4) after that. grads: input, h0, c0 "
             "(when given), then named_parameters() order. torch_error: max |float32 - float64| per tensor.")


# ---------------------------------------------------------------- weights of models trained in torch


class _Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(4, 5, batch_first=True)
        self.fc = torch.nn.Linear(5, 2)

    def forward(self, x):
        output, _ = self.lstm(x)
        return self.fc(output)


class _Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = _Encoder()

    def forward(self, x):
        return self.encoder(x)


def _train(model, run, x, target, steps=5):
    """A few SGD steps (lr 0.1) on the MSE between run(model, x) and target."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(run(model, x), target)
        loss.backward()
        optimizer.step()


def _eval_outputs(kind, module, x):
    with torch.no_grad():
        output, hidden = module(x)
    return [("output", output)] + ([("h_n", hidden[0]), ("c_n", hidden[1])] if kind == "lstm" else [("h_n", hidden)])


def record_interop():
    os.makedirs(rf.INTEROP, exist_ok=True)
    cases = []

    def save(name, state, prefix, kind, cfg, module, x, note):
        """torch.save(state, name.pt) and the same values as name.safetensors; what module computes in float32/64."""
        pt = os.path.join(rf.INTEROP, name + ".pt")
        torch.save(state, pt)
        rf.write_safetensors(os.path.join(rf.INTEROP, name + ".safetensors"), {k: ("F32", v) for k, v in state.items()},
                             {"format": "pt", "source": "record_lstm_gru_more.py"})
        module.eval()
        outs = _eval_outputs(kind, module, x)
        outs64 = _eval_outputs(kind, module.double(), x.double())
        module.float()
        for fmt in ("pt", "safetensors"):
            case = {"name": f"{name}_{fmt}", "file": f"interop/{name}.{fmt}", "format": fmt, "note": note, "kind": kind,
                    "config": cfg, "keys": list(state.keys()), "state_dict": rf.state_dict(module), "input": rf.tensor(x)}
            if prefix:
                case["prefix"] = prefix
            for k, t in outs:
                case[k] = rf.tensor(t)
            case["torch_error"] = _errors(outs, outs64)
            cases.append(case)

    def layer_run(module, x):
        output, _ = module(x)
        return output

    for name, seed, cfg, shapes, note in [
        ("lstm_bidir_proj_trained", 1800,
         _config("lstm", 5, 8, num_layers=2, batch_first=True, bidirectional=True, proj_size=3), ((2, 6, 5), (2, 6, 6), (3, 7, 5)),
         "a two-layer bidirectional LSTM with proj_size=3, batch_first, 5 SGD steps (lr 0.1) on an MSE loss"),
        ("gru_2layer_trained", 1810, _config("gru", 4, 6, num_layers=2), ((5, 2, 4), (5, 2, 6), (6, 3, 4)),
         "a two-layer GRU, 5 SGD steps (lr 0.1) on an MSE loss"),
    ]:
        kind = name.split("_")[0]
        torch.manual_seed(seed)
        module = _make(kind, cfg)
        _train(module, layer_run, rf.randn(shapes[0], seed + 1), rf.randn(shapes[1], seed + 2))
        save(name, module.state_dict(), None, kind, cfg, module, rf.randn(shapes[2], seed + 3), note)

    torch.manual_seed(1820)
    model = _Model()
    x = rf.randn((2, 5, 4), 1821)
    _train(model, lambda m, v: m(v), x, rf.randn((2, 5, 2), 1822))
    cfg = _config("lstm", 4, 5, batch_first=True)
    save("model_with_lstm_submodule_trained", model.state_dict(), "encoder.lstm.", "lstm", cfg, model.encoder.lstm,
         rf.randn((3, 6, 4), 1823),
         "torch.save(model.state_dict()) of model.encoder = (lstm: LSTM(4, 5, batch_first=True), fc: Linear(5, 2)), "
         "5 SGD steps (lr 0.1) on an MSE loss of fc(lstm(x)[0])")
    rf.write("lstm_gru_interop.json", cases,
             "State dicts of LSTM/GRU models trained a few SGD steps in torch, saved with torch.save (.pt) and as "
             "safetensors (record_fixtures.write_safetensors: the safetensors package is not installed for "
             "/usr/bin/python3), and what the float32 module computes in eval mode on a fresh input: output, h_n(, c_n). "
             "prefix: the sub-module's key prefix in a larger model. torch_error: max |float32 - float64| per tensor.")


def record_lstm_gru_more():
    torch.set_num_threads(1)
    record_init()
    record_errors()
    record_repr()
    record_dropout()
    record_interop()


if __name__ == "__main__":
    record_lstm_gru_more()
