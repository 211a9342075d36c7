#!/usr/bin/python3
"""Records packed_utils.json: torch.nn.utils.rnn (PackedSequence and its functions), torch.sort and F.one_hot.

Part of record_fixtures.py (whose main() calls record_packed_utils()); to rewrite only this file run

    cd tests/RnnSharp.Tests/Fixtures && PYTHONHASHSEED=0 /usr/bin/python3 -c "import record_packed_utils as m; m.record_packed_utils()"

Every case has a "kind":
  pad_sequence    sequences (float or int64), batch_first, padding_value -> padded, grad_fn, and for float inputs
                  a seeded upstream gradient and each sequence's gradient
  pack_padded     input, lengths, batch_first, enforce_sorted -> data, batch_sizes, sorted/unsorted indices, str()
                  of the PackedSequence, data's grad_fn, upstream on data and the input's gradient
  roundtrip       pack_padded_sequence then pad_packed_sequence(batch_first2, padding_value, total_length):
                  padded, lengths, grad_fn, upstream on padded, the input's gradient (pack -> pad round trip)
  pack_sequence   sequences, enforce_sorted -> the PackedSequence as above, each sequence's gradient
  unpack_sequence pack_sequence(sequences, enforce_sorted) then unpack_sequence: the sequences and grad_fn names
  unpad_sequence  padded, lengths, batch_first -> the sequences and grad_fn names
  sort            input (float or int64), dim, descending, stable -> values, indices, grad_fn, upstream, gradient
  one_hot         indices, num_classes -> int64 result and str()
  str             str() of int64 tensors, their size() and int64 indexing as the course lesson prints them
  error           a call torch refuses: the function, its arguments, torch's exception type and message
These functions only move values (no arithmetic), so every value and gradient must match bit for bit.
Int64 tensors are {"shape", "data"} with integer data and "dtype": "int64"; float32 ones as rf.tensor.
"""

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import (pack_padded_sequence, pack_sequence, pad_packed_sequence, pad_sequence,
                                unpack_sequence, unpad_sequence)

import record_fixtures as rf

FILE = "packed_utils.json"


def anytensor(t):
    if t.dtype == torch.int64:
        return {"dtype": "int64", "shape": list(t.shape), "data": [int(v) for v in t.reshape(-1).tolist()]}
    return rf.tensor(t)


def opt(t):
    return None if t is None else anytensor(t)


def gen(seed):
    return torch.Generator().manual_seed(seed)


def randn(shape, seed):
    return torch.randn(tuple(shape), generator=gen(seed))


def randint(shape, seed, high=20):
    return torch.randint(0, high, tuple(shape), generator=gen(seed))


def make_sequences(lengths, trailing, dtype, seed):
    if dtype == "int64":
        return [randint((n, *trailing), seed + i) for i, n in enumerate(lengths)]
    return [randn((n, *trailing), seed + i) for i, n in enumerate(lengths)]


def padded_input(lengths, trailing, batch_first, dtype, seed, extra=0):
    """A padded batch whose padding holds values too (torch must ignore them)."""
    t = max(lengths) + extra
    shape = (len(lengths), t, *trailing) if batch_first else (t, len(lengths), *trailing)
    return randint(shape, seed) if dtype == "int64" else randn(shape, seed)


def grad_fn(t):
    return type(t.grad_fn).__name__ if t.grad_fn is not None else None


def packed_fields(p):
    return {"data": anytensor(p.data), "batch_sizes": anytensor(p.batch_sizes),
            "sorted_indices": opt(p.sorted_indices), "unsorted_indices": opt(p.unsorted_indices),
            "str": str(p), "data_grad_fn": grad_fn(p.data)}


def pad_sequence_cases():
    c = []
    grid = [
        ("sorted", [4, 2, 1], (), "float32", False, 0.0),
        ("sorted_bf", [4, 2, 1], (), "float32", True, 0.0),
        ("unsorted_features", [2, 5, 3], (3,), "float32", False, 0.0),
        ("unsorted_features_bf", [2, 5, 3], (3,), "float32", True, -1.5),
        ("two_trailing", [3, 1], (2, 3), "float32", False, 2.25),
        ("two_trailing_bf", [3, 1], (2, 3), "float32", True, 0.0),
        ("all_equal", [3, 3, 3], (2,), "float32", True, 9.0),
        ("batch1", [4], (2,), "float32", False, 0.0),
        ("length1", [1, 1], (), "float32", True, 0.0),
        ("int64", [5, 2, 3], (), "int64", True, 0.0),
        ("int64_time_major", [5, 2, 3], (), "int64", False, 0.0),
        ("int64_padding_truncated", [2, 4], (2,), "int64", True, -1.7),
        ("int64_padding_7", [1, 3], (), "int64", False, 7.0),
    ]
    for i, (name, lengths, trailing, dtype, bf, pv) in enumerate(grid):
        seqs = make_sequences(lengths, trailing, dtype, 100 + 10 * i)
        case = {"kind": "pad_sequence", "name": "pad_" + name, "sequences": [anytensor(s) for s in seqs],
                "batch_first": bf, "padding_value": rf.f32(pv)}
        if dtype == "float32":
            xs = [s.clone().requires_grad_() for s in seqs]
            out = pad_sequence(xs, batch_first=bf, padding_value=pv)
            up = randn(out.shape, 900 + i)
            grads = torch.autograd.grad(out, xs, up)
            case.update(output=anytensor(out), grad_fn=grad_fn(out), str=str(out), upstream=rf.tensor(up),
                        grads=[rf.tensor(g) for g in grads])
        else:
            out = pad_sequence(seqs, batch_first=bf, padding_value=pv)
            case.update(output=anytensor(out), grad_fn=None, str=str(out))
        c.append(case)
    return c


# (name, lengths, trailing, batch_first, enforce_sorted, dtype, extra padded steps)
PACK_GRID = [
    ("sorted", [5, 3, 2], (), False, True, "float32", 0),
    ("sorted_bf", [5, 3, 2], (), True, True, "float32", 0),
    ("sorted_features", [4, 4, 1], (3,), False, True, "float32", 0),
    ("sorted_features_bf", [4, 4, 1], (3,), True, True, "float32", 0),
    ("longer_padding", [3, 2], (2,), True, True, "float32", 2),
    ("all_equal", [3, 3, 3], (2,), False, True, "float32", 0),
    ("batch1", [4], (3,), True, True, "float32", 0),
    ("length1", [1, 1, 1], (2,), False, True, "float32", 0),
    ("batch1_length1", [1], (), True, True, "float32", 0),
    ("two_trailing", [3, 2], (2, 2), False, True, "float32", 0),
    ("unsorted", [2, 5, 3, 5], (), False, False, "float32", 0),
    ("unsorted_bf", [2, 5, 3, 5], (2,), True, False, "float32", 0),
    ("unsorted_ties", [3, 1, 3, 1, 3], (2,), True, False, "float32", 0),
    ("unsorted_already_sorted", [4, 2, 1], (), False, False, "float32", 1),
    ("unsorted_features", [1, 6, 2], (3,), False, False, "float32", 0),
    ("int64_sorted_bf", [13, 11, 11, 8, 4], (), True, True, "int64", 0),
    ("int64_unsorted", [3, 5, 1], (), False, False, "int64", 0),
    ("int64_unsorted_bf_features", [2, 4, 4], (2,), True, False, "int64", 0),
]


def pack_padded_cases():
    c = []
    for i, (name, lengths, trailing, bf, es, dtype, extra) in enumerate(PACK_GRID):
        x = padded_input(lengths, trailing, bf, dtype, 200 + i, extra)
        case = {"kind": "pack_padded", "name": "pack_" + name, "input": anytensor(x), "lengths": lengths,
                "batch_first": bf, "enforce_sorted": es}
        if dtype == "float32":
            xr = x.clone().requires_grad_()
            p = pack_padded_sequence(xr, torch.tensor(lengths), batch_first=bf, enforce_sorted=es)
            up = randn(p.data.shape, 1200 + i)
            (g,) = torch.autograd.grad(p.data, [xr], up)
            case.update(packed_fields(p), upstream=rf.tensor(up), grad=rf.tensor(g))
        else:
            p = pack_padded_sequence(x, torch.tensor(lengths), batch_first=bf, enforce_sorted=es)
            case.update(packed_fields(p))
        c.append(case)
    return c


def roundtrip_cases():
    c = []
    # (pack grid entry, batch_first of pad_packed, padding value, total_length)
    grid = [
        ("sorted", False, 0.0, None),
        ("sorted", True, 0.0, None),
        ("sorted_bf", True, -2.5, None),
        ("sorted_features", False, 1.0, 6),
        ("sorted_features_bf", True, 0.0, 4),
        ("longer_padding", True, 0.0, None),
        ("all_equal", True, 0.0, 5),
        ("batch1", False, 3.0, None),
        ("length1", True, 0.0, None),
        ("batch1_length1", True, 0.0, 3),
        ("two_trailing", True, 0.5, None),
        ("unsorted", False, 0.0, None),
        ("unsorted", True, 0.0, 7),
        ("unsorted_bf", True, -1.0, None),
        ("unsorted_ties", True, 0.0, None),
        ("unsorted_ties", False, 0.0, None),
        ("unsorted_already_sorted", False, 0.0, None),
        ("unsorted_features", True, 0.0, None),
        ("int64_sorted_bf", True, 0.0, None),
        ("int64_unsorted", False, 0.0, None),
        ("int64_unsorted_bf_features", True, -3.0, 6),
    ]
    by_name = {g[0]: (i, g) for i, g in enumerate(PACK_GRID)}
    for j, (pname, bf2, pv, total) in enumerate(grid):
        i, (_, lengths, trailing, bf, es, dtype, extra) = by_name[pname]
        x = padded_input(lengths, trailing, bf, dtype, 200 + i, extra)
        name = f"roundtrip_{pname}_{'bf' if bf2 else 'tm'}" + (f"_total{total}" if total else "") + (f"_pad{pv:g}" if pv else "")
        case = {"kind": "roundtrip", "name": name, "input": anytensor(x), "lengths": lengths, "batch_first": bf,
                "enforce_sorted": es, "batch_first2": bf2, "padding_value": rf.f32(pv), "total_length": total}
        if dtype == "float32":
            xr = x.clone().requires_grad_()
            p = pack_padded_sequence(xr, torch.tensor(lengths), batch_first=bf, enforce_sorted=es)
            out, lens = pad_packed_sequence(p, batch_first=bf2, padding_value=pv, total_length=total)
            up = randn(out.shape, 2200 + j)
            (g,) = torch.autograd.grad(out, [xr], up)
            case.update(output=anytensor(out), out_lengths=anytensor(lens), grad_fn=grad_fn(out), str=str(out),
                        upstream=rf.tensor(up), grad=rf.tensor(g))
        else:
            p = pack_padded_sequence(x, torch.tensor(lengths), batch_first=bf, enforce_sorted=es)
            out, lens = pad_packed_sequence(p, batch_first=bf2, padding_value=pv, total_length=total)
            case.update(output=anytensor(out), out_lengths=anytensor(lens), grad_fn=None, str=str(out))
        c.append(case)
    return c


def pack_sequence_cases():
    c = []
    grid = [
        ("sorted", [4, 2, 1], (), True, "float32"),
        ("sorted_features", [3, 3, 2], (2,), True, "float32"),
        ("unsorted", [1, 4, 2, 4], (), False, "float32"),
        ("unsorted_features", [2, 3, 1], (2, 2), False, "float32"),
        ("batch1", [3], (2,), True, "float32"),
        ("int64_docs", [3, 2, 1], (), True, "int64"),
        ("int64_unsorted", [2, 6, 4], (), False, "int64"),
    ]
    for i, (name, lengths, trailing, es, dtype) in enumerate(grid):
        seqs = make_sequences(lengths, trailing, dtype, 300 + 10 * i)
        case = {"kind": "pack_sequence", "name": "packseq_" + name, "sequences": [anytensor(s) for s in seqs],
                "enforce_sorted": es}
        if dtype == "float32":
            xs = [s.clone().requires_grad_() for s in seqs]
            p = pack_sequence(xs, enforce_sorted=es)
            up = randn(p.data.shape, 3200 + i)
            grads = torch.autograd.grad(p.data, xs, up)
            case.update(packed_fields(p), upstream=rf.tensor(up), grads=[rf.tensor(g) for g in grads])
        else:
            case.update(packed_fields(pack_sequence(seqs, enforce_sorted=es)))
        c.append(case)
        # unpack_sequence of the same: the caller's sequences back, in the caller's order
        if dtype == "float32":
            xs = [s.clone().requires_grad_() for s in seqs]
            outs = unpack_sequence(pack_sequence(xs, enforce_sorted=es))
        else:
            outs = unpack_sequence(pack_sequence(seqs, enforce_sorted=es))
        c.append({"kind": "unpack_sequence", "name": "unpack_" + name, "sequences": [anytensor(s) for s in seqs],
                  "enforce_sorted": es, "outputs": [anytensor(o) for o in outs], "grad_fns": [grad_fn(o) for o in outs]})
    return c


def unpad_sequence_cases():
    c = []
    grid = [
        ("tm", [4, 2, 3], (), False, "float32"),
        ("bf", [4, 2, 3], (2,), True, "float32"),
        ("bf_longer", [1, 3], (), True, "float32"),
        ("int64_bf", [2, 5], (), True, "int64"),
        ("int64_tm_features", [3, 1], (2,), False, "int64"),
    ]
    for i, (name, lengths, trailing, bf, dtype) in enumerate(grid):
        x = padded_input(lengths, trailing, bf, dtype, 400 + i, 1 if "longer" in name else 0)
        xin = x.clone().requires_grad_() if dtype == "float32" else x.clone()
        # torch 1.13's unpad_sequence transposes its argument in place when batch_first=False; record on a copy
        outs = unpad_sequence(xin.clone() if dtype == "float32" else xin, torch.tensor(lengths), batch_first=bf)
        c.append({"kind": "unpad_sequence", "name": "unpad_" + name, "input": anytensor(x), "lengths": lengths,
                  "batch_first": bf, "outputs": [anytensor(o) for o in outs], "grad_fns": [grad_fn(o) for o in outs]})
    return c


def sort(x, dim, descending, stable):
    # stable not passed calls the overload whose backward is SortBackward0; passing it, SortBackward1
    if stable is None:
        return torch.sort(x, dim=dim, descending=descending)
    return torch.sort(x, dim=dim, descending=descending, stable=stable)


def sort_cases():
    c = []
    nan = float("nan")
    grid = [
        ("float_ties", torch.tensor([1.0, 3.0, 1.0, 2.0, 3.0, 1.0, -0.0, 0.0, 2.0]), -1),
        ("float_nan", torch.tensor([1.0, nan, 0.0, nan, 1.0, -2.0, float("inf"), float("-inf")]), -1),
        ("float_2d_dim1", torch.randint(-2, 3, (3, 7), generator=gen(501)).float(), 1),
        ("float_2d_dim0", torch.randint(-2, 3, (6, 4), generator=gen(502)).float(), 0),
        ("float_3d_mid", torch.randint(-1, 2, (2, 5, 3), generator=gen(503)).float(), -2),
        ("float_long_ties", torch.randint(0, 4, (70,), generator=gen(504)).float(), 0),
        ("float_random", randn((33,), 505), 0),
        ("float_scalar", torch.tensor(3.5), 0),
        ("float_length1", torch.tensor([2.0]), -1),
        ("int64_lesson", torch.tensor([11, 8, 11, 4, 13]), -1),
        ("int64_ties", torch.randint(0, 3, (40,), generator=gen(506)), 0),
        ("int64_2d", torch.randint(-5, 5, (4, 6), generator=gen(507)), 1),
        ("int64_extremes", torch.tensor([0, -9223372036854775808, 9223372036854775807, 5, -1, 5]), 0),
    ]
    for i, (name, x, dim) in enumerate(grid):
        for descending in (False, True):
            for k, stable in enumerate((None, False, True)):
                case = {"kind": "sort", "name": f"sort_{name}_{'desc' if descending else 'asc'}{['', '_unstable', '_stable'][k]}",
                        "input": anytensor(x), "dim": dim, "descending": descending, "stable": stable}
                if x.dtype == torch.float32:
                    xr = x.clone().requires_grad_()
                    v, ix = sort(xr, dim, descending, stable)
                    up = randn(v.shape, 5000 + 6 * i + 3 * descending + k)
                    (g,) = torch.autograd.grad(v, [xr], up)
                    case.update(values=anytensor(v), indices=anytensor(ix), grad_fn=grad_fn(v), upstream=rf.tensor(up),
                                grad=rf.tensor(g))
                else:
                    v, ix = sort(x, dim, descending, stable)
                    case.update(values=anytensor(v), indices=anytensor(ix), grad_fn=None)
                c.append(case)
    return c


def one_hot_cases():
    c = []
    grid = [
        ("infer", torch.tensor([3, 0, 2]), -1),
        ("given", torch.tensor([3, 0, 2]), 6),
        ("exact", torch.tensor([1, 0]), 2),
        ("2d", torch.tensor([[6, 4, 8], [0, 17, 1]]), 18),
        ("2d_infer", torch.tensor([[1, 4], [0, 2]]), -1),
        ("scalar", torch.tensor(2), 4),
        ("empty_given", torch.tensor([], dtype=torch.int64), 3),
        ("empty_2d", torch.zeros((2, 0), dtype=torch.int64), 5),
    ]
    for name, x, n in grid:
        out = F.one_hot(x, num_classes=n)
        c.append({"kind": "one_hot", "name": "one_hot_" + name, "input": anytensor(x), "num_classes": n,
                  "output": anytensor(out), "str": str(out)})
    return c


def str_cases():
    """What the lesson prints of int64 tensors: size() and the tensor, and indexing by an int64 tensor."""
    c = []
    for i, n in enumerate([11, 8, 4, 1, 13]):
        x = randint((n,), 600 + i)
        c.append({"kind": "str", "name": f"str_size_{n}", "input": anytensor(x),
                  "str": f"{x.size()} {x}", "shape_str": str(x.shape)})
    x = randint((5, 13), 610)
    idx = torch.tensor([4, 0, 2, 1, 3])
    c.append({"kind": "str", "name": "str_index_rows", "input": anytensor(x), "index": anytensor(idx),
              "output": anytensor(x[idx]), "str": str(x[idx]), "shape_str": str(x[idx].shape)})
    y = randint((6,), 611)
    c.append({"kind": "str", "name": "str_index_vector", "input": anytensor(y), "index": anytensor(idx[:3]),
              "output": anytensor(y[idx[:3]]), "str": str(y[idx[:3]]), "shape_str": str(y[idx[:3]].shape)})
    return c


def error(name, fn_name, fn, **args):
    try:
        fn()
    except Exception as ex:  # pylint: disable=broad-except
        return {"kind": "error", "name": name, "function": fn_name, "args": args, "type": type(ex).__name__,
                "message": str(ex).split("\n")[0]}
    raise AssertionError(f"{name}: torch accepted it")


def error_cases():
    e = []
    x = torch.zeros(3, 2)

    def ppad(lengths, shape=(3, 2), **kw):
        return lambda: pack_padded_sequence(torch.zeros(shape), torch.tensor(lengths), **kw)

    e.append(error("pack_unsorted_enforced", "pack_padded_sequence", ppad([2, 3]), shape=[3, 2], lengths=[2, 3]))
    e.append(error("pack_zero_length", "pack_padded_sequence", ppad([3, 0]), shape=[3, 2], lengths=[3, 0]))
    e.append(error("pack_zero_length_unsorted", "pack_padded_sequence", ppad([0, 3], enforce_sorted=False),
                   shape=[3, 2], lengths=[0, 3], enforce_sorted=False))
    e.append(error("pack_lengths_count", "pack_padded_sequence", ppad([3, 2, 1]), shape=[3, 2], lengths=[3, 2, 1]))
    e.append(error("pack_lengths_count_bf", "pack_padded_sequence", ppad([3, 2, 1], (2, 3), batch_first=True),
                   shape=[2, 3], lengths=[3, 2, 1], batch_first=True))
    e.append(error("pack_lengths_2d", "pack_padded_sequence",
                   lambda: pack_padded_sequence(x, torch.tensor([[3, 2]])), shape=[3, 2], lengths=[[3, 2]]))
    e.append(error("pad_packed_total_too_short", "pad_packed_sequence",
                   lambda: pad_packed_sequence(pack_padded_sequence(x, torch.tensor([3, 2])), total_length=2),
                   shape=[3, 2], lengths=[3, 2], total_length=2))
    e.append(error("pad_sequence_empty", "pad_sequence", lambda: pad_sequence([]), lengths=[]))
    e.append(error("pad_sequence_trailing_mismatch", "pad_sequence",
                   lambda: pad_sequence([torch.zeros(3, 2), torch.zeros(2, 3)]), shapes=[[3, 2], [2, 3]]))
    e.append(error("pad_sequence_scalar", "pad_sequence", lambda: pad_sequence([torch.tensor(1.0)]), shapes=[[]]))
    e.append(error("pack_sequence_unsorted", "pack_sequence",
                   lambda: pack_sequence([torch.zeros(2), torch.zeros(3)]), shapes=[[2], [3]]))
    oh = F.one_hot
    e.append(error("one_hot_negative", "one_hot", lambda: oh(torch.tensor([-1, 2])), data=[-1, 2], num_classes=-1))
    e.append(error("one_hot_negative_given", "one_hot", lambda: oh(torch.tensor([1, -2]), 4), data=[1, -2], num_classes=4))
    e.append(error("one_hot_too_large", "one_hot", lambda: oh(torch.tensor([1, 2]), 2), data=[1, 2], num_classes=2))
    e.append(error("one_hot_num_classes_negative", "one_hot", lambda: oh(torch.tensor([1, 2]), -2), data=[1, 2], num_classes=-2))
    e.append(error("one_hot_empty_infer", "one_hot", lambda: oh(torch.tensor([], dtype=torch.int64)), data=[], num_classes=-1))
    e.append(error("one_hot_float", "one_hot", lambda: oh(torch.tensor([1.0, 2.0])), float_data=[1, 2], num_classes=-1))
    e.append(error("sort_dim_out_of_range", "sort", lambda: torch.sort(torch.zeros(2, 3), dim=2), shape=[2, 3], dim=2))
    return e


def record_packed_utils():
    torch.manual_seed(0)
    cases = (pad_sequence_cases() + pack_padded_cases() + roundtrip_cases() + pack_sequence_cases()
             + unpad_sequence_cases() + sort_cases() + one_hot_cases() + str_cases() + error_cases())
    rf.write(FILE, cases, "torch.nn.utils.rnn (pad/pack/unpack and PackedSequence's str), torch.sort and "
             "F.one_hot; see record_packed_utils.py for the case kinds. Exact: these functions only move values.")


if __name__ == "__main__":
    record_packed_utils()
