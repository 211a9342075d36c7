#!/usr/bin/python3
"""Records rnn_grad.json: gradients of torch.nn.RNN and torch.nn.RNNCell, for RnnSharp's fused backward.

Part of record_fixtures.py (whose main() calls record_rnn_grad()); to rewrite only this file run

    cd tests/RnnSharp.Tests/Fixtures && PYTHONHASHSEED=0 /usr/bin/python3 -c "import record_rnn_grad as m; m.record_rnn_grad()"

Each RNN case builds the module as record_forward() does (torch.manual_seed(seed), then torch.nn.RNN(**config)),
makes the input and h0 leaves that require grad, runs it in the recorded mode (dropout in training mode draws
from the global generator right after construction, as in rnn_forward.json), and back-propagates seeded random
upstream gradients of output AND h_n together:

    torch.autograd.backward([output, h_n], [grad_output, grad_h_n])

It records the forward results, the grad_fn names PyTorch gives output and h_n (they differ between
configurations: StackBackward0, CatBackward0, TransposeBackward1, SqueezeBackward1), and the gradients of the
input, h0 and every parameter in state-dict order. RNNCell cases do the same with one upstream gradient.

Every case is run a second time in float64 (module.double(), same seed, so the same weights and dropout masks)
and "torch_error" holds, per recorded gradient, max |float32 − float64| and max |float64|: PyTorch's own float32
error on that case, from which the C# tests derive their tolerance.
"""

import torch

import record_fixtures as rf


def _rnn_run(cfg, seq_len, batch, seed, unbatched, with_h0, train, scale, dtype):
    torch.manual_seed(seed)
    rnn = rf.make_rnn(cfg)
    rnn.train(train)
    d = 2 if cfg["bidirectional"] else 1
    if unbatched:
        x = rf.randn((seq_len, cfg["input_size"]), seed + 1000, scale)
        h0 = rf.randn((d * cfg["num_layers"], cfg["hidden_size"]), seed + 2000) if with_h0 else None
    else:
        shape = (batch, seq_len, cfg["input_size"]) if cfg["batch_first"] else (seq_len, batch, cfg["input_size"])
        x = rf.randn(shape, seed + 1000, scale)
        h0 = rf.randn((d * cfg["num_layers"], batch, cfg["hidden_size"]), seed + 2000) if with_h0 else None
    if dtype == torch.float64:
        rnn.double()  # the same float32 weights, widened: no draw
    x = x.to(dtype).requires_grad_(True)
    if h0 is not None:
        h0 = h0.to(dtype).requires_grad_(True)
    # The generator continues from where construction left it: dropout draws from there.
    output, h_n = rnn(x, h0) if h0 is not None else rnn(x)
    g_out = rf.randn(tuple(output.shape), seed + 3000).to(dtype)
    g_h = rf.randn(tuple(h_n.shape), seed + 4000).to(dtype)
    names = (type(output.grad_fn).__name__, type(h_n.grad_fn).__name__)
    torch.autograd.backward([output, h_n], [g_out, g_h])
    grads = [("input", x.grad)]
    if h0 is not None:
        grads.append(("h0", h0.grad))
    grads += [(k, p.grad) for k, p in rnn.named_parameters()]
    return rnn, x, h0, output, h_n, g_out, g_h, names, grads


def _errors(grads32, grads64):
    out = []
    for (name, g32), (_, g64) in zip(grads32, grads64):
        diff = (g32.double() - g64).abs().max().item()
        out.append({"name": name, "max_abs_diff": rf.f32(diff), "max_abs": rf.f32(g64.abs().max().item())})
    return out


def rnn_case(name, cfg, seq_len, batch, seed, *, unbatched=False, with_h0=False, train=False, scale=1.0):
    args = (cfg, seq_len, batch, seed, unbatched, with_h0, train, scale)
    rnn, x, h0, output, h_n, g_out, g_h, names, grads = _rnn_run(*args, torch.float32)
    *_, grads64 = _rnn_run(*args, torch.float64)
    return {
        "name": name, "seed": seed, "config": cfg, "training": train,
        "state_dict": rf.state_dict(rnn), "input": rf.tensor(x),
        "h0": rf.tensor(h0) if h0 is not None else None,
        "output": rf.tensor(output), "h_n": rf.tensor(h_n),
        "output_grad_fn": names[0], "h_n_grad_fn": names[1],
        "grad_output": rf.tensor(g_out), "grad_h_n": rf.tensor(g_h),
        "grads": [{"name": k, "tensor": rf.tensor(g)} for k, g in grads],
        "torch_error": _errors(grads, grads64),
    }


def _cell_run(isz, hsz, bias, nonlinearity, seed, unbatched, with_hx, dtype):
    torch.manual_seed(seed)
    cell = torch.nn.RNNCell(isz, hsz, bias=bias, nonlinearity=nonlinearity)
    if dtype == torch.float64:
        cell.double()
    x = rf.randn((isz,) if unbatched else (3, isz), seed + 1000).to(dtype).requires_grad_(True)
    hx = rf.randn((hsz,) if unbatched else (3, hsz), seed + 2000).to(dtype).requires_grad_(True) if with_hx else None
    h = cell(x, hx) if hx is not None else cell(x)
    g = rf.randn(tuple(h.shape), seed + 3000).to(dtype)
    name = type(h.grad_fn).__name__
    h.backward(g)
    grads = [("input", x.grad)]
    if hx is not None:
        grads.append(("hx", hx.grad))
    grads += [(k, p.grad) for k, p in cell.named_parameters()]
    return cell, x, hx, h, g, name, grads


def record_rnn_grad():
    torch.set_num_threads(1)
    cases = []
    # The grid of record_forward(): every switch of torch.nn.RNN, small sizes.
    for seed, name, cfg, mode in rf.rnn_grid(500):
        cases.append(rnn_case(name, cfg, 5, 2, seed, unbatched=mode.startswith("unbatched"), with_h0=mode.endswith("h0")))
    # Edges, sizes around the packed kernels' 32-wide panels, longer sequences, saturation.
    cases.append(rnn_case("edge_L1_N1_H1", rf.rnn_config(1, 1), 1, 1, 7, with_h0=True))
    cases.append(rnn_case("edge_L1_unbatched_bidir", rf.rnn_config(3, 2, bidirectional=True), 1, 1, 9, unbatched=True, with_h0=True))
    cases.append(rnn_case("long_L60_tanh", rf.rnn_config(3, 8), 60, 2, 11, with_h0=True))
    cases.append(rnn_case("long_L40_relu_bidir", rf.rnn_config(2, 5, nonlinearity="relu", bidirectional=True), 40, 1, 12))
    cases.append(rnn_case("saturating_tanh", rf.rnn_config(4, 6, num_layers=2), 8, 3, 13, scale=100.0, with_h0=True))
    for i, (isz, hsz) in enumerate([(8, 8), (9, 9), (16, 17), (31, 32), (33, 31), (64, 65)]):
        cases.append(rnn_case(f"simd_I{isz}_H{hsz}", rf.rnn_config(isz, hsz), 6, 3, 20 + i, with_h0=True))
    cases.append(rnn_case("medium_2layer_bidir_bf", rf.rnn_config(17, 40, num_layers=2, batch_first=True, bidirectional=True), 6, 4, 40, with_h0=True))
    cases.append(rnn_case("medium_3layer_relu", rf.rnn_config(16, 24, num_layers=3, nonlinearity="relu"), 12, 5, 41))
    # Dropout between layers in training mode: the masks come from the global generator after construction.
    cases.append(rnn_case("dropout_train_3layer", rf.rnn_config(3, 5, num_layers=3, dropout=0.5), 6, 4, 50, train=True))
    cases.append(rnn_case("dropout_train_bidir", rf.rnn_config(4, 6, num_layers=2, dropout=0.3, bidirectional=True), 5, 3, 51, train=True, with_h0=True))
    cases.append(rnn_case("dropout_train_unbatched_bf", rf.rnn_config(4, 6, num_layers=2, dropout=0.2, batch_first=True), 7, 1, 52, train=True, unbatched=True))
    cases.append(rnn_case("dropout_train_p1", rf.rnn_config(3, 4, num_layers=2, dropout=1.0), 4, 2, 53, train=True))
    cases.append(rnn_case("dropout_train_packed", rf.rnn_config(9, 33, num_layers=2, dropout=0.4, bidirectional=True, batch_first=True), 5, 3, 54, train=True))
    cases.append(rnn_case("dropout_eval", rf.rnn_config(3, 4, num_layers=3, dropout=0.5), 4, 2, 55, train=False))

    cells = []
    seed = 700
    for (isz, hsz) in [(4, 2), (1, 1), (9, 17)]:
        for nonlinearity in ("tanh", "relu"):
            for bias in (True, False):
                for mode in ("batched", "batched_hx", "unbatched", "unbatched_hx"):
                    seed += 1
                    args = (isz, hsz, bias, nonlinearity, seed, mode.startswith("unbatched"), mode.endswith("hx"))
                    cell, x, hx, h, g, name, grads = _cell_run(*args, torch.float32)
                    *_, grads64 = _cell_run(*args, torch.float64)
                    cells.append({
                        "name": f"cell_I{isz}_H{hsz}_{nonlinearity}_{'bias' if bias else 'nobias'}_{mode}",
                        "seed": seed,
                        "config": {"input_size": isz, "hidden_size": hsz, "bias": bias, "nonlinearity": nonlinearity},
                        "state_dict": rf.state_dict(cell), "input": rf.tensor(x),
                        "hx": rf.tensor(hx) if hx is not None else None,
                        "output": rf.tensor(h), "grad_fn": name, "grad_output": rf.tensor(g),
                        "grads": [{"name": k, "tensor": rf.tensor(t)} for k, t in grads],
                        "torch_error": _errors(grads, grads64),
                    })
    rf.write("rnn_grad.json", cases + cells,
             "RNN cases: torch.manual_seed(seed); rnn = torch.nn.RNN(**config); rnn.train(training); input (and h0) "
             "require grad; output, h_n = rnn(input[, h0]); torch.autograd.backward([output, h_n], [grad_output, grad_h_n]). "
             "RNNCell cases (name cell_*): h = cell(input[, hx]); h.backward(grad_output). grads: input, h0/hx, then "
             "named_parameters() order. torch_error: per gradient, max |float32 - float64| of the same case run after "
             "module.double(), and max |float64|.")
