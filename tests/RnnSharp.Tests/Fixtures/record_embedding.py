#!/usr/bin/python3
"""Records embedding.json: PyTorch's CPU normal_ (how it draws and how it consumes the generator) and
torch.nn.Embedding (init, forward, grad_fn, gradients, padding_idx, from_pretrained, errors, repr) — issue 9, point 5.

Part of record_fixtures.py (whose main() calls record_embedding()); to rewrite only this file run

    cd tests/RnnSharp.Tests/Fixtures && PYTHONHASHSEED=0 /usr/bin/python3 -c "import record_embedding as m; m.record_embedding()"

Case kinds:
- "normal": g = torch.Generator().manual_seed(seed); for each size in "sizes", torch.empty(size).normal_(mean, std,
  generator=g) (its values in "values", one tensor per size); then torch.rand(8, generator=g) in "after" — the
  uniform draw that shows how many generator outputs normal_ consumed (and, below 16 elements, that the cached
  second Box–Muller value carries over between calls). "reseed_between" re-seeds g before every size.
  "uniforms" holds torch.rand(size) drawn from a fresh generator with the same seed: the inputs of ATen's
  vectorised Box–Muller for a single size, from which the C# test measures the ulp distance of other log/cos/sin.
- "randn": torch.randn(*shape, generator=g) and a uniform after it.
- "init": torch.manual_seed(seed), nn.Embedding(num_embeddings, embedding_dim, padding_idx): "weight"; then
  torch.rand(8) from the global generator in "after".
- "seq2seq_init": lab11_6_seq2seq.py's modules in its order after torch.manual_seed(0): Encoder (Embedding(17, 16),
  GRU(16, 16)) then Decoder (Embedding(13, 16), GRU(16, 16), Linear(16, 13)): every state_dict, in order.
- "forward": an Embedding from torch.manual_seed(seed), int64 "indices" (JSON integers, row-major, "indices_shape"),
  "output", its grad_fn name, a seeded upstream gradient "grad_output" and weight.grad after backward.
- "from_pretrained": nn.Embedding.from_pretrained(embeddings, freeze, padding_idx): weight, requires_grad, repr,
  forward output and (when not frozen) weight.grad.
- "error": what PyTorch raises (Python type and message).
- "repr": repr(nn.Embedding(...)) and the normalised padding_idx.
"""

import torch

import record_fixtures as rf

FILE = "embedding.json"
NORMAL_SIZES = [1, 2, 7, 15, 16, 17, 31, 32, 33, 100]


def _ints(t):
    return [int(v) for v in t.reshape(-1).tolist()]


def _catch(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - recording whatever torch raises
        return type(e).__name__, str(e)
    raise AssertionError("expected an error")


def _normal_cases():
    cases = []

    def normal(name, seed, sizes, mean=0.0, std=1.0, reseed_between=False):
        g = torch.Generator().manual_seed(seed)
        values = []
        for n in sizes:
            if reseed_between:
                g.manual_seed(seed)
            values.append(rf.tensor(torch.empty(n).normal_(mean, std, generator=g)))
        after = torch.rand(8, generator=g)
        case = {"name": name, "kind": "normal", "seed": seed, "sizes": sizes, "mean": rf.f32(mean),
                "std": rf.f32(std), "reseed_between": reseed_between, "values": values, "after": rf.tensor(after)}
        if len(sizes) == 1:
            case["uniforms"] = rf.tensor(torch.rand(sizes[0], generator=torch.Generator().manual_seed(seed)))
        cases.append(case)

    for seed in (0, 1, 42):
        for n in NORMAL_SIZES:
            normal(f"normal_{n}_seed{seed}", seed, [n])
    normal("normal_4096_seed7", 7, [4096])  # a large sample for the ulp statistics
    normal("normal_sequence", 3, NORMAL_SIZES)  # cache carried over between the scalar calls
    normal("normal_scalar_pairs", 5, [1, 1, 1, 3, 2])
    normal("normal_reseed_clears_cache", 5, [1, 1], reseed_between=True)
    normal("normal_mean_std_7", 11, [7], mean=0.5, std=2.0)
    normal("normal_mean_std_33", 11, [33], mean=-1.25, std=0.1)
    normal("normal_empty", 2, [0, 1])

    for name, shape in [("randn_3x7", (3, 7)), ("randn_2x3x4", (2, 3, 4)), ("randn_5", (5,))]:
        g = torch.Generator().manual_seed(9)
        t = torch.randn(*shape, generator=g)
        cases.append({"name": name, "kind": "randn", "seed": 9, "shape": list(shape), "values": rf.tensor(t),
                      "after": rf.tensor(torch.rand(8, generator=g))})
    return cases


def _init_cases():
    cases = []
    for seed, n, d, pad in [(0, 17, 16, None), (0, 13, 16, None), (1, 10, 3, 0), (2, 10, 3, -1), (3, 5, 1, None),
                            (4, 3, 5, None), (5, 1, 1, None), (6, 1, 20, 0), (7, 4, 4, 2)]:
        torch.manual_seed(seed)
        e = torch.nn.Embedding(n, d, padding_idx=pad)
        cases.append({"name": f"init_{n}x{d}_pad{pad}_seed{seed}", "kind": "init", "seed": seed,
                      "num_embeddings": n, "embedding_dim": d, "padding_idx": pad,
                      "weight": rf.tensor(e.weight), "after": rf.tensor(torch.rand(8))})

    # lab11_6_seq2seq.py: enc = Encoder(17, 16); dec = Decoder(16, 13), built right after torch.manual_seed(0) (its
    # preprocessing draws nothing from torch; checked once: these equal the lesson's enc/dec state_dict bit for bit).
    torch.manual_seed(0)
    enc_embedding = torch.nn.Embedding(17, 16)
    enc_gru = torch.nn.GRU(16, 16)
    dec_embedding = torch.nn.Embedding(13, 16)
    dec_gru = torch.nn.GRU(16, 16)
    dec_out = torch.nn.Linear(16, 13)
    cases.append({"name": "seq2seq_init", "kind": "seq2seq_init", "seed": 0, "modules": [
        {"name": "encoder.embedding", "state_dict": rf.state_dict(enc_embedding)},
        {"name": "encoder.gru", "state_dict": rf.state_dict(enc_gru)},
        {"name": "decoder.embedding", "state_dict": rf.state_dict(dec_embedding)},
        {"name": "decoder.gru", "state_dict": rf.state_dict(dec_gru)},
        {"name": "decoder.out", "state_dict": rf.state_dict(dec_out)},
    ], "after": rf.tensor(torch.rand(8))})
    return cases


def _forward_cases():
    cases = []
    configs = [
        # name, num_embeddings, embedding_dim, padding_idx, indices
        ("vector", 10, 3, None, [1, 2, 4, 5]),
        ("repeated", 10, 3, None, [1, 1, 1, 9, 1]),
        ("matrix", 10, 4, None, [[1, 2, 4, 5], [4, 3, 2, 9]]),
        ("scalar", 6, 5, None, 3),
        ("cube", 7, 2, None, [[[0, 6], [1, 5]], [[2, 4], [3, 3]], [[6, 6], [0, 0]]]),
        ("padding", 10, 3, 0, [[0, 2, 0, 5], [3, 0, 0, 9]]),
        ("padding_negative", 10, 3, -1, [9, 1, 9, 2]),
        ("padding_unused", 8, 3, 2, [0, 1, 3]),
        ("wide", 17, 16, None, [0, 16, 5, 5, 12]),
        ("empty", 5, 3, None, torch.zeros(2, 0, dtype=torch.int64).tolist()),
    ]
    for i, (name, n, d, pad, idx) in enumerate(configs):
        seed = 100 + i
        torch.manual_seed(seed)
        e = torch.nn.Embedding(n, d, padding_idx=pad)
        indices = torch.tensor(idx, dtype=torch.int64) if name != "empty" else torch.zeros(2, 0, dtype=torch.int64)
        out = e(indices)
        grad_out = rf.randn(tuple(out.shape), seed + 1000)
        out.backward(grad_out)
        cases.append({"name": f"forward_{name}", "kind": "forward", "seed": seed, "num_embeddings": n,
                      "embedding_dim": d, "padding_idx": pad, "indices_shape": list(indices.shape),
                      "indices": _ints(indices), "weight": rf.tensor(e.weight), "output": rf.tensor(out),
                      "grad_fn": type(out.grad_fn).__name__, "grad_output": rf.tensor(grad_out),
                      "weight_grad": rf.tensor(e.weight.grad)})
    return cases


def _pretrained_cases():
    cases = []
    for name, freeze, pad in [("frozen", True, None), ("trainable", False, None), ("trainable_padding", False, 1),
                              ("frozen_padding_negative", True, -2)]:
        emb = rf.randn((4, 3), 77)
        e = torch.nn.Embedding.from_pretrained(emb.clone(), freeze=freeze, padding_idx=pad)
        indices = torch.tensor([[1, 3], [2, 1]], dtype=torch.int64)
        out = e(indices)
        case = {"name": f"from_pretrained_{name}", "kind": "from_pretrained", "embeddings": rf.tensor(emb),
                "freeze": freeze, "padding_idx": pad, "normalized_padding_idx": e.padding_idx,
                "requires_grad": e.weight.requires_grad, "repr": repr(e),
                "indices_shape": list(indices.shape), "indices": _ints(indices), "output": rf.tensor(out),
                "grad_fn": type(out.grad_fn).__name__ if out.grad_fn is not None else None}
        if not freeze:
            grad_out = rf.randn(tuple(out.shape), 78)
            out.backward(grad_out)
            case["grad_output"] = rf.tensor(grad_out)
            case["weight_grad"] = rf.tensor(e.weight.grad)
        cases.append(case)
    return cases


def _error_cases():
    cases = []

    def error(name, fn, **info):
        kind, message = _catch(fn)
        cases.append(dict({"name": f"error_{name}", "kind": "error", "type": kind, "message": message}, **info))

    for std in (-1.0, -0.25):
        for n in (3, 20):
            error(f"normal_std{std}_{n}", lambda n=n, std=std: torch.nn.init.normal_(torch.empty(n), 0.0, std),
                  size=n, mean=rf.f32(0.0), std=rf.f32(std))
    error("randn_negative", lambda: torch.randn(2, -1), shape=[2, -1])
    E = torch.nn.Embedding  # noqa: N806
    error("padding_too_large", lambda: E(10, 3, padding_idx=10), num_embeddings=10, embedding_dim=3, padding_idx=10)
    error("padding_too_small", lambda: E(10, 3, padding_idx=-11), num_embeddings=10, embedding_dim=3, padding_idx=-11)
    error("no_rows_padding", lambda: E(0, 3, padding_idx=0), num_embeddings=0, embedding_dim=3, padding_idx=0)
    error("negative_num_embeddings", lambda: E(-1, 3), num_embeddings=-1, embedding_dim=3)
    error("negative_embedding_dim", lambda: E(4, -2), num_embeddings=4, embedding_dim=-2)
    torch.manual_seed(0)
    e = E(10, 3)
    for name, idx in [("index_too_large", [1, 10]), ("index_negative", [-1]), ("index_far", [[0, 2], [1, 1000]])]:
        t = torch.tensor(idx, dtype=torch.int64)
        error(name, lambda t=t: e(t), num_embeddings=10, embedding_dim=3, indices_shape=list(t.shape), indices=_ints(t))
    error("float_indices", lambda: e(torch.tensor([1.0, 2.0])), num_embeddings=10, embedding_dim=3)
    error("pretrained_1d", lambda: E.from_pretrained(torch.ones(3)), embeddings_shape=[3])
    error("pretrained_padding", lambda: E.from_pretrained(torch.ones(3, 2), padding_idx=3), embeddings_shape=[3, 2],
          padding_idx=3)
    return cases


def _repr_cases():
    cases = []
    for n, d, pad in [(17, 16, None), (10, 3, 0), (10, 3, -1), (13, 16, 12), (0, 3, None), (5, 0, None)]:
        e = torch.nn.Embedding(n, d, padding_idx=pad)
        cases.append({"name": f"repr_{n}x{d}_pad{pad}", "kind": "repr", "num_embeddings": n, "embedding_dim": d,
                      "padding_idx": pad, "normalized_padding_idx": e.padding_idx, "repr": repr(e),
                      "parameters": [k for k, _ in e.named_parameters()]})
    return cases


def record_embedding():
    torch.set_default_dtype(torch.float32)
    cases = _normal_cases() + _init_cases() + _forward_cases() + _pretrained_cases() + _error_cases() + _repr_cases()
    rf.write(FILE, cases,
             "torch.Tensor.normal_ / torch.randn on the CPU generator (values and the uniform draw after them) and "
             "torch.nn.Embedding: init after manual_seed, the seq2seq lesson's init order, forward, EmbeddingBackward0 "
             "gradients (padding_idx rows get none), from_pretrained, errors, repr. Written by record_embedding.py.")


if __name__ == "__main__":
    record_embedding()
