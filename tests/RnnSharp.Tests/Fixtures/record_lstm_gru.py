#!/usr/bin/python3
"""Records lstm_gru.json: torch.nn.LSTM, torch.nn.GRU, LSTMCell and GRUCell — init, forward, grad_fn names and
gradients — the ground truth for RnnSharp's LSTM/GRU kernels (issue 9).

Part of record_fixtures.py (whose main() calls record_lstm_gru()); to rewrite only this file run

    cd tests/RnnSharp.Tests/Fixtures && PYTHONHASHSEED=0 /usr/bin/python3 -c "import record_lstm_gru as m; m.record_lstm_gru()"

Each layer case: torch.manual_seed(seed), then torch.nn.LSTM(**config) / torch.nn.GRU(**config) (eval mode, no
dropout), so "state_dict" holds the init bits in registration order. The input (and h0, c0 when recorded) are
seeded leaves that require grad; the forward's outputs get seeded random upstream gradients together:

    torch.autograd.backward([output, h_n(, c_n)], [grad_output, grad_h_n(, grad_c_n)])

and "grads" holds the gradients of input, h0, c0 (when given) and every parameter in named_parameters() order.
Every case is run again in float64 (module.double(): the same float32 weights widened, same inputs) and
"torch_error" holds, per recorded forward result and gradient, max |float32 − float64| and max |float64|:
PyTorch's own float32 error on that case, from which the C# tests derive their tolerance.
Cell cases (kind lstm_cell / gru_cell) do the same with cell(input[, hx or (hx, cx)]).
"""

import torch

import record_fixtures as rf


def lstm_gru_config(input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                    bidirectional=False, proj_size=0):
    cfg = {"input_size": input_size, "hidden_size": hidden_size, "num_layers": num_layers, "bias": bias,
           "batch_first": batch_first, "dropout": rf.f32(0.0), "bidirectional": bidirectional}
    if proj_size:
        cfg["proj_size"] = proj_size
    return cfg


def _make(kind, cfg):
    kwargs = dict(cfg)
    kwargs["dropout"] = float(cfg["dropout"])
    return torch.nn.LSTM(**kwargs) if kind == "lstm" else torch.nn.GRU(**kwargs)


def make_leaves(kind, cfg, seq_len, batch, seed, unbatched, with_h0, scale, dtype):
    """A layer case's input (and h0, c0) as seeded leaves that require grad: ([(name, tensor)], the state argument)."""
    d = 2 if cfg["bidirectional"] else 1
    layers = cfg["num_layers"]
    h_size = cfg.get("proj_size", 0) or cfg["hidden_size"]
    lead = () if unbatched else (batch,)
    if unbatched:
        x_shape = (seq_len, cfg["input_size"])
    elif cfg["batch_first"]:
        x_shape = (batch, seq_len, cfg["input_size"])
    else:
        x_shape = (seq_len, batch, cfg["input_size"])
    x = rf.randn(x_shape, seed + 1000, scale).to(dtype).requires_grad_(True)
    leaves = [("input", x)]
    if not with_h0:
        return leaves, None
    h0 = rf.randn((d * layers,) + lead + (h_size,), seed + 2000).to(dtype).requires_grad_(True)
    leaves.append(("h0", h0))
    if kind != "lstm":
        return leaves, h0
    c0 = rf.randn((d * layers,) + lead + (cfg["hidden_size"],), seed + 2500).to(dtype).requires_grad_(True)
    leaves.append(("c0", c0))
    return leaves, (h0, c0)


def forward_backward(kind, module, leaves, state, seed):
    """module(input[, state]), then backward of seeded upstream gradients: (outs, upstream, grad_fn names, grads)."""
    x = leaves[0][1]
    output, hidden = module(x, state) if state is not None else module(x)
    outs = [("output", output)] + ([("h_n", hidden[0]), ("c_n", hidden[1])] if kind == "lstm" else [("h_n", hidden)])
    upstream = [(f"grad_{k}", rf.randn(tuple(t.shape), seed + 3000 + 500 * i).to(x.dtype)) for i, (k, t) in enumerate(outs)]
    names = {f"{k}_grad_fn": type(t.grad_fn).__name__ for k, t in outs}
    torch.autograd.backward([t for _, t in outs], [g for _, g in upstream])
    grads = [(k, t.grad) for k, t in leaves] + [(k, p.grad) for k, p in module.named_parameters()]
    return outs, upstream, names, grads


def _run(kind, cfg, seq_len, batch, seed, unbatched, with_h0, scale, dtype):
    torch.manual_seed(seed)
    module = _make(kind, cfg)
    module.eval()
    if dtype == torch.float64:
        module.double()
    leaves, state = make_leaves(kind, cfg, seq_len, batch, seed, unbatched, with_h0, scale, dtype)
    return (module, leaves) + forward_backward(kind, module, leaves, state, seed)


def _errors(pairs32, pairs64):
    out = []
    for (name, a), (_, b) in zip(pairs32, pairs64):
        out.append({"name": name, "max_abs_diff": rf.f32((a.double() - b).abs().max().item()),
                    "max_abs": rf.f32(b.abs().max().item())})
    return out


def layer_case(kind, name, cfg, seq_len, batch, seed, *, unbatched=False, with_h0=False, scale=1.0):
    args = (kind, cfg, seq_len, batch, seed, unbatched, with_h0, scale)
    module, leaves, outs, upstream, names, grads = _run(*args, torch.float32)
    _, _, outs64, _, _, grads64 = _run(*args, torch.float64)
    case = {"name": f"{kind}_{name}", "kind": kind, "seed": seed, "config": cfg, "unbatched": unbatched,
            "repr": repr(module), "state_dict": rf.state_dict(module)}
    for k, t in leaves:
        case[k] = rf.tensor(t)
    for k, t in outs:
        case[k] = rf.tensor(t)
    case.update(names)
    for k, t in upstream:
        case[k] = rf.tensor(t)
    case["grads"] = [{"name": k, "tensor": rf.tensor(g)} for k, g in grads]
    case["torch_error"] = _errors(outs + grads, outs64 + grads64)
    return case


def _cell_run(kind, isz, hsz, bias, seed, unbatched, with_hx, dtype):
    torch.manual_seed(seed)
    cell = torch.nn.LSTMCell(isz, hsz, bias=bias) if kind == "lstm_cell" else torch.nn.GRUCell(isz, hsz, bias=bias)
    if dtype == torch.float64:
        cell.double()
    lead = () if unbatched else (3,)
    x = rf.randn(lead + (isz,), seed + 1000).to(dtype).requires_grad_(True)
    leaves = [("input", x)]
    if with_hx:
        hx = rf.randn(lead + (hsz,), seed + 2000).to(dtype).requires_grad_(True)
        leaves.append(("hx", hx))
    if kind == "lstm_cell":
        if with_hx:
            cx = rf.randn(lead + (hsz,), seed + 2500).to(dtype).requires_grad_(True)
            leaves.append(("cx", cx))
            h, c = cell(x, (hx, cx))
        else:
            h, c = cell(x)
        outs = [("h", h), ("c", c)]
    else:
        h = cell(x, hx) if with_hx else cell(x)
        outs = [("h", h)]
    upstream = [(f"grad_{k}", rf.randn(tuple(t.shape), seed + 3000 + 500 * i).to(dtype)) for i, (k, t) in enumerate(outs)]
    names = {f"{k}_grad_fn": type(t.grad_fn).__name__ for k, t in outs}
    torch.autograd.backward([t for _, t in outs], [g for _, g in upstream])
    grads = [(k, t.grad) for k, t in leaves] + [(k, p.grad) for k, p in cell.named_parameters()]
    return cell, leaves, outs, upstream, names, grads


def cell_case(kind, isz, hsz, bias, seed, mode):
    args = (kind, isz, hsz, bias, seed, mode.startswith("unbatched"), mode.endswith("hx"))
    cell, leaves, outs, upstream, names, grads = _cell_run(*args, torch.float32)
    _, _, outs64, _, _, grads64 = _cell_run(*args, torch.float64)
    case = {"name": f"{kind}_I{isz}_H{hsz}_{'bias' if bias else 'nobias'}_{mode}", "kind": kind, "seed": seed,
            "config": {"input_size": isz, "hidden_size": hsz, "bias": bias}, "unbatched": mode.startswith("unbatched"),
            "repr": repr(cell), "state_dict": rf.state_dict(cell)}
    for k, t in leaves + outs + upstream:
        case[k] = rf.tensor(t)
    case.update(names)
    case["grads"] = [{"name": k, "tensor": rf.tensor(g)} for k, g in grads]
    case["torch_error"] = _errors(outs + grads, outs64 + grads64)
    return case


def grid(seed):
    """Every switch at input 3, hidden 4: yields (seed, name, config, mode), seeds from seed + 1 on."""
    for num_layers in (1, 2):
        for bias in (True, False):
            for batch_first in (False, True):
                for bidirectional in (False, True):
                    for mode in ("batched", "batched_h0", "unbatched", "unbatched_h0"):
                        cfg = lstm_gru_config(3, 4, num_layers, bias, batch_first, bidirectional)
                        name = (f"grid_l{num_layers}_{'bias' if bias else 'nobias'}"
                                f"_{'bf' if batch_first else 'sf'}_{'bi' if bidirectional else 'uni'}_{mode}")
                        seed += 1
                        yield seed, name, cfg, mode


def record_lstm_gru():
    torch.set_num_threads(1)
    cases = []
    for kind, base in (("lstm", 900), ("gru", 1100)):
        for seed, name, cfg, mode in grid(base):
            cases.append(layer_case(kind, name, cfg, 5, 2, seed,
                                    unbatched=mode.startswith("unbatched"), with_h0=mode.endswith("h0")))
        s = base + 100
        cases.append(layer_case(kind, "edge_L1_N1_H1", lstm_gru_config(1, 1), 1, 1, s + 1, with_h0=True))
        cases.append(layer_case(kind, "large_I5_H33", lstm_gru_config(5, 33), 4, 2, s + 2, with_h0=True))
        cases.append(layer_case(kind, "medium_2layer_bidir_bf_H12", lstm_gru_config(6, 12, num_layers=2, batch_first=True,
                                                                                   bidirectional=True), 3, 2, s + 3))
        cases.append(layer_case(kind, "long_L30", lstm_gru_config(3, 6), 30, 2, s + 4, with_h0=True))
        cases.append(layer_case(kind, "saturating", lstm_gru_config(4, 6, num_layers=2), 6, 3, s + 5, scale=30.0,
                                with_h0=True))
    # proj_size > 0 (LSTM only): h has proj_size features, weight_hr_l{k} is (proj_size, hidden_size).
    s = 1300
    for name, cfg, unbatched, with_h0 in [
        ("proj_l1_P2", lstm_gru_config(3, 4, proj_size=2), False, False),
        ("proj_l1_P3_h0", lstm_gru_config(3, 5, proj_size=3), False, True),
        ("proj_l2_bi_P2_h0", lstm_gru_config(3, 4, num_layers=2, bidirectional=True, proj_size=2), False, True),
        ("proj_l2_bf_nobias_P3", lstm_gru_config(3, 6, num_layers=2, bias=False, batch_first=True, proj_size=3), False, False),
        ("proj_unbatched_bi_P1_h0", lstm_gru_config(2, 3, bidirectional=True, proj_size=1), True, True),
        ("proj_H34_P33", lstm_gru_config(4, 34, proj_size=33), False, True),
    ]:
        s += 1
        cases.append(layer_case("lstm", name, cfg, 4, 2, s, unbatched=unbatched, with_h0=with_h0))
    seed = 1400
    for kind in ("lstm_cell", "gru_cell"):
        for (isz, hsz) in [(4, 2), (1, 1)]:
            for bias in (True, False):
                for mode in ("batched", "batched_hx", "unbatched", "unbatched_hx"):
                    seed += 1
                    cases.append(cell_case(kind, isz, hsz, bias, seed, mode))
        # One hidden size above the packed kernels' 32-wide panels (kept to two cases for the file's size).
        for mode in ("batched_hx", "unbatched"):
            seed += 1
            cases.append(cell_case(kind, 9, 33, True, seed, mode))
    rf.write("lstm_gru.json", cases,
             "Layer cases (kind lstm/gru): torch.manual_seed(seed); module = torch.nn.LSTM/GRU(**config) in eval mode; "
             "input, h0 (and c0) require grad; output, h_n(, c_n) = module(input[, h0 or (h0, c0)]); "
             "torch.autograd.backward([output, h_n(, c_n)], [grad_output, grad_h_n(, grad_c_n)]). Cell cases "
             "(kind lstm_cell/gru_cell): h(, c) = cell(input[, hx or (hx, cx)]), upstream grad_h(, grad_c). grads: "
             "input, h0/hx, c0/cx (when given), then named_parameters() order. torch_error: per forward result and "
             "gradient, max |float32 - float64| of the same case run after module.double(), and max |float64|.")
