#!/usr/bin/python3
"""Records packed_rnn.json: torch.nn.RNN, LSTM and GRU run on a PackedSequence — forward, grad_fn names and
gradients — the ground truth for RnnSharp's variable-length recurrent layers (issue 10).

Part of record_fixtures.py (whose main() calls record_packed_rnn()); to rewrite only this file run

    cd tests/RnnSharp.Tests/Fixtures && PYTHONHASHSEED=0 /usr/bin/python3 -c "import record_packed_rnn as m; m.record_packed_rnn()"

Each case: torch.manual_seed(seed), then the module (so "state_dict" holds its init bits; train mode only in the
dropout cases, whose masks come from the global generator right after the init). Sequences of the given lengths
(seeded, feature size input_size) are packed with pack_sequence(seqs, enforce_sorted) — sorted cases are given
longest first — and the packed data is made a leaf that requires grad:

    packed = PackedSequence(pack_sequence(seqs, enforce_sorted).data.requires_grad_(), batch_sizes, sorted_indices, unsorted_indices)
    output, h_n(, c_n) = module(packed[, h0 or (h0, c0)])
    torch.autograd.backward([output.data, h_n(, c_n)], [grad_output, grad_h_n(, grad_c_n)])

"grads" holds the gradients of data, h0, c0 (when given) and every parameter in named_parameters() order. Every
case is run again in float64 (module.double(), same inputs widened; the dropout cases draw the same masks) and
"torch_error" holds, per forward result and gradient, max |float32 − float64| and max |float64|.
"""

import torch
from torch.nn.utils.rnn import PackedSequence, pack_sequence

import record_fixtures as rf
from record_lstm_gru import _errors, lstm_gru_config


def config(kind, input_size, hidden_size, num_layers=1, bias=True, bidirectional=False, proj_size=0, dropout=0.0,
           batch_first=False):
    """record_lstm_gru's config (dropout as given), with the nonlinearity of an RNN."""
    cfg = lstm_gru_config(input_size, hidden_size, num_layers, bias, batch_first, bidirectional, proj_size)
    cfg["dropout"] = rf.f32(dropout)
    if kind.startswith("rnn"):
        cfg["nonlinearity"] = "relu" if kind == "rnn_relu" else "tanh"
    return cfg


def _make(kind, cfg):
    kwargs = dict(cfg)
    kwargs["dropout"] = float(cfg["dropout"])
    if kind.startswith("rnn"):
        return torch.nn.RNN(**kwargs)
    return torch.nn.LSTM(**kwargs) if kind == "lstm" else torch.nn.GRU(**kwargs)


def _run(kind, cfg, lengths, enforce_sorted, with_h0, train, seed, dtype):
    torch.manual_seed(seed)
    module = _make(kind, cfg)
    module.train(train)
    if dtype == torch.float64:
        module.double()
    seqs = [rf.randn((n, cfg["input_size"]), seed + 1000 + i).to(dtype) for i, n in enumerate(lengths)]
    p = pack_sequence(seqs, enforce_sorted=enforce_sorted)
    data = p.data.detach().clone().requires_grad_(True)
    packed = PackedSequence(data, p.batch_sizes, p.sorted_indices, p.unsorted_indices)
    d = 2 if cfg["bidirectional"] else 1
    h_size = cfg.get("proj_size", 0) or cfg["hidden_size"]
    leaves = [("data", data)]
    state = None
    if with_h0:
        h0 = rf.randn((d * cfg["num_layers"], len(lengths), h_size), seed + 2000).to(dtype).requires_grad_(True)
        leaves.append(("h0", h0))
        state = h0
        if kind == "lstm":
            c0 = rf.randn((d * cfg["num_layers"], len(lengths), cfg["hidden_size"]), seed + 2500).to(dtype).requires_grad_(True)
            leaves.append(("c0", c0))
            state = (h0, c0)
    output, hidden = module(packed, state) if state is not None else module(packed)
    outs = [("output", output.data)] + ([("h_n", hidden[0]), ("c_n", hidden[1])] if kind == "lstm" else [("h_n", hidden)])
    upstream = [(f"grad_{k}", rf.randn(tuple(t.shape), seed + 3000 + 500 * i).to(dtype)) for i, (k, t) in enumerate(outs)]
    names = {f"{k}_grad_fn": type(t.grad_fn).__name__ for k, t in outs}
    torch.autograd.backward([t for _, t in outs], [g for _, g in upstream])
    grads = [(k, t.grad) for k, t in leaves] + [(k, q.grad) for k, q in module.named_parameters()]
    return module, p, leaves, outs, upstream, names, grads


def case(kind, name, cfg, lengths, seed, *, enforce_sorted=True, with_h0=False, train=False):
    args = (kind, cfg, lengths, enforce_sorted, with_h0, train, seed)
    module, p, leaves, outs, upstream, names, grads = _run(*args, torch.float32)
    _, _, _, outs64, _, _, grads64 = _run(*args, torch.float64)
    c = {"name": f"{kind}_{name}", "kind": kind, "seed": seed, "config": cfg, "lengths": lengths,
         "enforce_sorted": enforce_sorted, "train": train, "repr": repr(module), "state_dict": rf.state_dict(module),
         "batch_sizes": p.batch_sizes.tolist(),
         "sorted_indices": None if p.sorted_indices is None else p.sorted_indices.tolist(),
         "unsorted_indices": None if p.unsorted_indices is None else p.unsorted_indices.tolist()}
    for k, t in leaves + outs:
        c[k] = rf.tensor(t)
    c.update(names)
    for k, t in upstream:
        c[k] = rf.tensor(t)
    c["grads"] = [{"name": k, "tensor": rf.tensor(g)} for k, g in grads]
    c["torch_error"] = _errors(outs + grads, outs64 + grads64)
    return c


def record_packed_rnn():
    torch.set_num_threads(1)
    cases = []
    seed = 5000
    for kind in ("rnn_tanh", "lstm", "gru"):
        for num_layers in (1, 2):
            for bidirectional in (False, True):
                for enforce_sorted in (True, False):
                    for with_h0 in (False, True):
                        seed += 1
                        lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
                        name = (f"grid_l{num_layers}_{'bi' if bidirectional else 'uni'}"
                                f"_{'sorted' if enforce_sorted else 'unsorted'}{'_h0' if with_h0 else ''}")
                        cases.append(case(kind, name, config(kind, 3, 4, num_layers, bidirectional=bidirectional),
                                          lengths, seed, enforce_sorted=enforce_sorted, with_h0=with_h0))
    seed = 5200
    for kind in ("rnn_tanh", "rnn_relu", "lstm", "gru"):
        extra = [
            ("equal_lengths", config(kind, 3, 4, bidirectional=True), [4, 4, 4], False, True, False),
            ("batch1", config(kind, 2, 3, 2), [6], True, True, False),
            ("length1_all", config(kind, 2, 3, bidirectional=True), [1, 1], True, True, False),
            ("H33_bi_unsorted", config(kind, 5, 33, bidirectional=True), [2, 7, 1, 6, 2], False, True, False),
            ("nobias_batch_first", config(kind, 3, 4, 2, bias=False, bidirectional=True, batch_first=True), [4, 2, 2], True, True, False),
            ("dropout_train", config(kind, 3, 4, 3, bidirectional=True, dropout=0.5), [6, 4, 1], False, False, True),
        ]
        for name, cfg, lengths, enforce_sorted, with_h0, train in extra:
            seed += 1
            cases.append(case(kind, name, cfg, lengths, seed, enforce_sorted=enforce_sorted, with_h0=with_h0, train=train))
    for name, cfg, lengths, enforce_sorted, with_h0 in [
        ("proj_P2", config("lstm", 3, 4, proj_size=2), [5, 3, 3, 1], True, True),
        ("proj_l2_bi_P3_unsorted", config("lstm", 3, 5, 2, bidirectional=True, proj_size=3), [2, 6, 4], False, True),
        ("proj_l2_bi_P2_noh0", config("lstm", 3, 4, 2, bidirectional=True, proj_size=2), [4, 1, 3], False, False),
    ]:
        seed += 1
        cases.append(case("lstm", name, cfg, lengths, seed, enforce_sorted=enforce_sorted, with_h0=with_h0))
    cases.extend(error_cases())
    rf.write("packed_rnn.json", cases, __doc__.split("\n\n", 1)[1].strip())


def error_cases():
    """PyTorch's messages for a packed input the layer refuses (kind "error": module, what was passed, the message)."""
    torch.manual_seed(0)
    out = []
    seqs = [torch.zeros(3, 3), torch.zeros(2, 3)]
    good = pack_sequence(seqs)
    for kind, name, make_input, state in [
        ("rnn_tanh", "data_1d", lambda: pack_sequence([torch.zeros(3, dtype=torch.long), torch.zeros(2, dtype=torch.long)]), None),
        ("gru", "data_3d", lambda: pack_sequence([torch.zeros(3, 1, 3), torch.zeros(2, 1, 3)]), None),
        ("lstm", "feature_size", lambda: pack_sequence([torch.zeros(3, 5), torch.zeros(2, 5)]), None),
        ("rnn_tanh", "h0_batch", lambda: good, ("h0", [1, 3, 4])),
        ("gru", "h0_rank", lambda: good, ("h0", [2, 4])),
        ("lstm", "c0_batch", lambda: good, ("c0", [1, 3, 4])),
        ("lstm", "h0_size", lambda: good, ("h0", [1, 2, 5])),
    ]:
        module = _make(kind, config(kind, 3, 4))
        arg = None
        if state is not None:
            which, shape = state
            h0 = torch.zeros(*shape) if which == "h0" else torch.zeros(1, 2, 4)
            c0 = torch.zeros(*shape) if which == "c0" else torch.zeros(1, 2, 4)
            arg = (h0, c0) if kind == "lstm" else h0
        try:
            module(make_input(), arg) if arg is not None else module(make_input())
            raise AssertionError(f"{name}: torch accepted it")
        except RuntimeError as e:
            out.append({"name": f"error_{kind}_{name}", "kind": "error", "module": kind, "state": state,
                        "message": str(e)})
    # A hand-made PackedSequence: sorted indices out of range, when PyTorch inverts them, and when it permutes h0 by them.
    data, batch_sizes = torch.zeros(5, 3), torch.tensor([2, 2, 1])
    try:
        PackedSequence(data, batch_sizes, torch.tensor([1, 2]))
        raise AssertionError("torch inverted an out-of-range permutation")
    except RuntimeError as e:
        out.append({"name": "error_ctor_sorted_out_of_range", "kind": "error_permutation", "message": str(e)})
    lstm = _make("lstm", config("lstm", 3, 4))
    try:
        lstm(PackedSequence(data, batch_sizes, torch.tensor([1, 2]), torch.tensor([0, 1])), (torch.zeros(1, 2, 4), torch.zeros(1, 2, 4)))
        raise AssertionError("torch permuted h0 by an out-of-range index")
    except RuntimeError as e:
        out.append({"name": "error_forward_sorted_out_of_range", "kind": "error_permutation", "message": str(e)})
    return out


if __name__ == "__main__":
    record_packed_rnn()
