#!/usr/bin/python3
"""Records legacy.json and legacy/*.pt: checkpoints in PyTorch's legacy format (before 1.6, and what
torch.save(..., _use_new_zipfile_serialization=False) still writes), for issue 11 point 2.

    legacy/*.pt    written by real torch.save(sd, f, _use_new_zipfile_serialization=False), or (for the hostile and
                   hand-made variants) by this script from such a file; each one checked with real
                   torch.load(path, weights_only=True)
    legacy.json    per file: what torch.load(path, weights_only=True) did with it: the keys, shapes, dtypes and
                   values it loaded, or the exception and its first line; and for the sentiment model, what the
                   loaded model computes on one input (float32, and float64 for the tolerance rule)

Part of record_fixtures.py (whose main() calls record_legacy()); to rewrite only these files run

    cd tests/RnnSharp.Tests/Fixtures && PYTHONHASHSEED=0 /usr/bin/python3 -c "import record_legacy as m; m.record_legacy()"

The legacy format names each storage by its memory address (str(storage._cdata)), so two runs would write different
bytes. canonical_keys() renames the storages "0", "1", ... in the order torch listed them (the pickles'
BINUNICODE strings are rewritten with their new lengths; nothing in a protocol-2 pickle points at byte offsets),
which makes the output deterministic; torch.load is then run on the renamed file.

Layout of a legacy file (torch/serialization.py, _legacy_save): pickle(MAGIC_NUMBER), pickle(PROTOCOL_VERSION),
pickle(sys_info), pickle(obj) with persistent ids ('storage', storage_type, key, location, numel, view_metadata),
pickle(sorted storage keys), then per key: int64 little-endian element count + the raw little-endian elements.
"""

import collections
import io
import os
import pickle
import pickletools
import struct
import tarfile

import torch

import record_fixtures as rf

HERE = os.path.dirname(os.path.abspath(__file__))
LEGACY = os.path.join(HERE, "legacy")
MAGIC = 0x1950a86a20f9469cfc6c


# ---------------------------------------------------------------- writing files


def _pickle_spans(data, count):
    """(start, end) byte ranges of the first `count` pickles in data."""
    spans = []
    f = io.BytesIO(data)
    for _ in range(count):
        start = f.tell()
        for _op, _arg, _pos in pickletools.genops(f):
            pass
        spans.append((start, f.tell()))
    return spans


def _rename_strings(blob, mapping):
    """Rewrites a protocol-2 pickle with every BINUNICODE string in mapping replaced (with its new length)."""
    out = bytearray()
    ops = list(pickletools.genops(blob))
    for i, (op, arg, pos) in enumerate(ops):
        end = ops[i + 1][2] if i + 1 < len(ops) else len(blob)
        if op.name == "BINUNICODE" and arg in mapping:
            new = mapping[arg].encode("utf-8")
            out += b"X" + struct.pack("<I", len(new)) + new
        else:
            out += blob[pos:end]
    return bytes(out)


def canonical_keys(data):
    """The legacy file `data` with its storages renamed "0", "1", ... in the order the state dict first names them,
    and listed (with their data) in sorted key order, as torch lists them."""
    pickles, records, trailing = parts_of(data)
    old_keys = pickle.loads(pickles[4])
    seen = []
    for op, arg, _ in pickletools.genops(pickles[3]):
        if op.name == "BINUNICODE" and arg in old_keys and arg not in seen:
            seen.append(arg)
    assert sorted(seen) == sorted(old_keys)
    mapping = {k: str(i) for i, k in enumerate(seen)}
    by_new = {mapping[k]: rec for k, rec in zip(old_keys, records)}
    new_keys = sorted(by_new)
    return join(pickles[:3] + [_rename_strings(pickles[3], mapping), dump2(new_keys)],
                [by_new[k] for k in new_keys], trailing)


def legacy_bytes(obj):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    return canonical_keys(buf.getvalue())


def parts_of(data):
    """The five pickles and the storage records of a legacy file: (pickles, [(count_bytes, raw)...], trailing)."""
    spans = _pickle_spans(data, 5)
    pickles = [data[a:b] for a, b in spans]
    keys = pickle.loads(pickles[4])
    at = spans[4][1]
    records = []
    obj_sizes = _storage_element_sizes(pickles[3])
    for k in keys:
        count = struct.unpack_from("<q", data, at)[0]
        n = count * obj_sizes[k]
        records.append((data[at:at + 8], data[at + 8:at + 8 + n]))
        at += 8 + n
    return pickles, records, data[at:]


def _storage_element_sizes(obj_pickle):
    """Storage key -> element size, from the persistent ids of the object pickle."""
    sizes = {}

    class Reader(pickle.Unpickler):
        def persistent_load(self, pid):
            sizes[pid[2]] = torch._utils._element_size(pid[1].dtype)
            return None

        def find_class(self, module, name):
            if module == "torch" and name.endswith("Storage"):
                return getattr(torch, name)
            return _Anything

    Reader(io.BytesIO(obj_pickle)).load()
    return sizes


class _Anything(dict):
    """Stands for any global while the element sizes are read (OrderedDict's items are set on it)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def __setstate__(self, state):
        pass


def join(pickles, records, trailing=b""):
    return b"".join(pickles) + b"".join(c + raw for c, raw in records) + trailing


def dump2(obj):
    return pickle.dumps(obj, protocol=2)


class _StorageRef:
    """Pickled as the persistent id `pid` by _LegacyPickler."""

    def __init__(self, pid):
        self.pid = pid


class _Rebuild:
    """Pickled as a call of `func` with `args` (a tensor is torch._utils._rebuild_tensor_v2(storage, ...))."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


class _LegacyPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, _StorageRef) else None


def hand_made(entries, storages, *, sys_info=None, magic=MAGIC, protocol_version=1001):
    """A legacy file written field by field, as _legacy_save writes it, for layouts torch 1.13 no longer writes
    (storage views) and for hostile variants. entries: [(name, pickled value)]; storages: [(key, dtype, tensor)]
    in file order."""
    if sys_info is None:
        sys_info = dict(protocol_version=1001, little_endian=True, type_sizes=dict(short=2, int=4, long=4))
    buf = io.BytesIO()
    pickle.dump(magic, buf, protocol=2)
    pickle.dump(protocol_version, buf, protocol=2)
    pickle.dump(sys_info, buf, protocol=2)
    _LegacyPickler(buf, protocol=2).dump(collections.OrderedDict(entries))
    pickle.dump([k for k, _, _ in storages], buf, protocol=2)
    for _, _, t in storages:
        raw = t.contiguous().numpy().tobytes()
        buf.write(struct.pack("<q", t.numel()) + raw)
    return buf.getvalue()


def tensor_ref(storage_type, key, numel, offset, size, stride, view=None):
    pid = ("storage", storage_type, key, "cpu", numel, view)
    return _Rebuild(torch._utils._rebuild_tensor_v2,
                    (_StorageRef(pid), offset, tuple(size), tuple(stride), False, collections.OrderedDict()))


# ---------------------------------------------------------------- recording


def _dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def _tensor_record(t):
    """A loaded tensor: dtype, shape, and its values (float32 text, or int64 as JSON integers)."""
    if t.dtype == torch.int64:
        return {"dtype": "int64", "shape": list(t.shape), "data": t.reshape(-1).tolist()}
    return {"dtype": _dtype_name(t), **rf.tensor(t)}


def _torch_outcome(path):
    """What torch.load(path, weights_only=True) does: ("loaded", value) or ("error", type name, first line)."""
    try:
        return ("loaded", torch.load(path, weights_only=True))
    except BaseException as e:  # noqa: B036 - any outcome is recorded, including AssertionError and EOFError
        text = str(e).splitlines()[0] if str(e) else ""
        return ("error", type(e).__name__, text)


def _write(name, data):
    path = os.path.join(LEGACY, name + ".pt")
    with open(path, "wb") as f:
        f.write(data)
    assert len(data) < 200 * 1024, (name, len(data))
    return path


def _valid_case(name, data, note, **extra):
    path = _write(name, data)
    outcome = _torch_outcome(path)
    assert outcome[0] == "loaded", (name, outcome)
    loaded = outcome[1]
    case = {"name": name, "file": "legacy/" + name + ".pt", "note": note, "keys": list(loaded.keys()),
            "tensors": [_tensor_record(v) for v in loaded.values()]}
    case.update(extra)
    return case, loaded


def _refused_case(name, data, phrase, note, *, torch_words=True, run_torch=True):
    """A file RnnSharp must refuse with a ModelFileException containing `phrase`. torch_words: the phrase is
    PyTorch's own (asserted against its message). run_torch=False: torch is not run on it (say why in note)."""
    path = _write(name, data)
    case = {"name": name, "file": "legacy/" + name + ".pt", "note": note, "phrase": phrase}
    if run_torch:
        outcome = _torch_outcome(path)
        if outcome[0] == "loaded":
            assert not torch_words, name
            case["torch_outcome"] = "loaded"
        else:
            case["torch_outcome"] = "error"
            case["torch_error_type"] = outcome[1]
            case["torch_error"] = outcome[2]
            if torch_words:
                assert phrase in outcome[2], (name, outcome)
    else:
        assert not torch_words
        case["torch_outcome"] = "not run"
    case["in_torch_words"] = torch_words
    return case


class Sentiment(torch.nn.Module):
    """A sentiment classifier as public repositories write it: Embedding, a 2-layer bidirectional LSTM, and a
    Linear on the last layer's two final hidden states."""

    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(20, 6)
        self.lstm = torch.nn.LSTM(6, 5, num_layers=2, bidirectional=True, batch_first=True)
        self.fc = torch.nn.Linear(10, 2)

    def forward(self, text):
        embedded = self.embedding(text)
        output, (hidden, cell) = self.lstm(embedded)
        logits = self.fc(torch.cat((hidden[-2], hidden[-1]), dim=1))
        return [("embedded", embedded), ("output", output), ("h_n", hidden), ("c_n", cell), ("logits", logits)]


def record_valid(cases):
    torch.manual_seed(1100)
    rnn = torch.nn.RNN(4, 3, num_layers=2)
    case, _ = _valid_case("rnn", legacy_bytes(rnn.state_dict()), "torch.nn.RNN(4, 3, num_layers=2).state_dict()")
    cases.append(case)

    torch.manual_seed(1101)
    model = Sentiment()
    # A few SGD steps, so that the weights are trained values, not only the init.
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    g = torch.Generator().manual_seed(1102)
    text = torch.randint(0, 20, (3, 7), generator=g)
    target = torch.tensor([0, 1, 1])
    for _ in range(5):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(text)[-1][1], target).backward()
        opt.step()
    model.eval()
    x = torch.randint(0, 20, (2, 9), generator=g)
    with torch.no_grad():
        outs = model(x)
        outs64 = model.double()(x)
    model.float()
    case, loaded = _valid_case(
        "sentiment_lstm", legacy_bytes(model.state_dict()),
        "state_dict of Sentiment = (embedding: Embedding(20, 6), lstm: LSTM(6, 5, num_layers=2, bidirectional=True, "
        "batch_first=True), fc: Linear(10, 2)), 5 SGD steps (lr 0.5) of cross_entropy; forward: "
        "fc(cat((h_n[-2], h_n[-1]), 1)) of lstm(embedding(text)); outputs of the float32 model on input (eval)",
        input={"dtype": "int64", "shape": list(x.shape), "data": x.reshape(-1).tolist()})
    for k, t in outs:
        case[k] = rf.tensor(t)
    case["torch_error"] = [{"name": k, "max_abs_diff": rf.f32((a.double() - b).abs().max().item()),
                            "max_abs": rf.f32(b.abs().max().item())} for (k, a), (_, b) in zip(outs, outs64)]
    cases.append(case)

    torch.manual_seed(1103)
    gru = torch.nn.GRU(3, 4, bias=False, batch_first=True)
    case, _ = _valid_case("gru", legacy_bytes(gru.state_dict()), "torch.nn.GRU(3, 4, bias=False, batch_first=True)")
    cases.append(case)

    torch.manual_seed(1104)
    bn = torch.nn.BatchNorm1d(3)
    bn.train()
    bn(torch.randn(5, 3))
    buffers = collections.OrderedDict(bn.state_dict())
    buffers["steps"] = torch.arange(-3, 9, dtype=torch.int64).reshape(3, 4)
    buffers["big"] = torch.tensor([2**62, -(2**63), 2**63 - 1], dtype=torch.int64)
    case, _ = _valid_case("int64_buffers", legacy_bytes(buffers),
                          "BatchNorm1d(3) after one training step (num_batches_tracked is a 0-d int64) + int64 tensors")
    cases.append(case)

    torch.manual_seed(1105)
    base = torch.randn(4, 6)
    longs = torch.arange(24, dtype=torch.int64).reshape(4, 6)
    views = collections.OrderedDict([
        ("base", base), ("row", base[1]), ("rows", base[1:3]), ("flat_slice", base.view(-1)[5:17]),
        ("column", base[:, 2]), ("transposed", base.t()), ("expanded", base[0:1, :3].expand(3, 3)),
        ("tied", base), ("strided", base[::2, 1::2]), ("long_rows", longs[2:]), ("long_column", longs[:, 1]),
    ])
    case, _ = _valid_case("shared_views", legacy_bytes(views),
                          "views of one float32 storage (and one int64 storage): offsets, slices, strides, stride 0, "
                          "the same tensor under two names")
    cases.append(case)

    base = torch.zeros(4)
    empty = collections.OrderedDict([
        ("empty", torch.zeros(0)), ("empty_2d", torch.zeros(3, 0)), ("at_end", base[4:]),
        ("far_past_end", base.as_strided((0, 3), (3, 1), 1000)), ("empty_long", torch.zeros(0, 2, dtype=torch.int64)),
    ])
    case, _ = _valid_case("empty", legacy_bytes(empty), "empty tensors, also at and past their storage's end")
    cases.append(case)

    scalars = collections.OrderedDict([("scalar", torch.tensor(3.25)), ("long_scalar", torch.tensor(-7)),
                                       ("one", torch.tensor([1.5]))])
    case, _ = _valid_case("scalar", legacy_bytes(scalars), "0-d tensors (float32 and int64) and a 1-element tensor")
    cases.append(case)

    torch.manual_seed(1106)
    floats = collections.OrderedDict([("f64", torch.randn(2, 3, dtype=torch.float64)),
                                      ("f16", torch.randn(5).half()), ("bf16", torch.randn(2, 2).bfloat16())])
    case, loaded = _valid_case("other_floats", legacy_bytes(floats),
                               "float64, float16 and bfloat16 tensors (RnnSharp converts them to float32, as for zip files)")
    cases.append(case)

    # Storage views (view_metadata), which PyTorch before 0.4 wrote for a storage that was a slice of another and
    # which 1.13 still reads: tensors rebuild over the view, at offsets inside it.
    torch.manual_seed(1107)
    root = torch.randn(10)
    F = torch.FloatStorage
    data = hand_made([
        ("whole", tensor_ref(F, "0", 10, 0, [10], [1])),
        ("in_view", tensor_ref(F, "0", 10, 1, [2, 2], [2, 1], view=("1", 3, 6))),
        ("same_view_again", tensor_ref(F, "0", 10, 0, [6], [1], view=("1", 3, 6))),
        ("second_view", tensor_ref(F, "0", 10, 0, [3], [2], view=("2", 4, 5))),
    ], [("0", torch.float32, root)])
    case, _ = _valid_case("storage_views", data, "storage views through view_metadata (written field by field)")
    cases.append(case)

    # Bytes after the last storage: torch ignores them.
    data = legacy_bytes(collections.OrderedDict(w=torch.ones(2))) + b"trailing bytes"
    case, _ = _valid_case("trailing_bytes", data, "bytes after the last storage, which PyTorch ignores")
    cases.append(case)


def record_refused(cases):
    torch.manual_seed(1110)
    sd = collections.OrderedDict([("a", torch.randn(2, 3)), ("b", torch.randn(4)), ("c", torch.arange(3))])
    good = legacy_bytes(sd)
    pickles, records, trailing = parts_of(good)
    F = torch.FloatStorage

    def rep(i, blob):
        ps = list(pickles)
        ps[i] = blob
        return ps

    # Magic number and protocol version.
    bad_magic = bytearray(good)
    bad_magic[5] ^= 0x01
    cases.append(_refused_case("bad_magic", bytes(bad_magic), "Invalid magic number; corrupt file?",
                               "one bit of the magic number flipped"))
    cases.append(_refused_case("bad_protocol", join(rep(1, dump2(1000)), records), "Invalid protocol version: 1000",
                               "protocol version 1000 instead of 1001"))
    cases.append(_refused_case("protocol_is_text", join(rep(1, dump2("1001")), records), "Invalid protocol version: 1001",
                               "the protocol version pickled as the string '1001'"))

    # Storage records.
    recs = list(records)
    recs[0] = (struct.pack("<q", 2**40), records[0][1])
    cases.append(_refused_case("huge_element_count", join(pickles, recs), "storage has wrong byte size",
                               "the first storage's element count says 2**40"))
    recs = list(records)
    count0 = struct.unpack("<q", records[0][0])[0]
    recs[0] = (struct.pack("<q", count0 - 1), records[0][1])
    cases.append(_refused_case("short_element_count", join(pickles, recs), "storage has wrong byte size",
                               "storage '0' says one element fewer than its persistent id"))
    recs = list(records)
    recs[2] = (struct.pack("<q", -1), records[2][1])
    cases.append(_refused_case("negative_element_count", join(pickles, recs), "storage has wrong byte size",
                               "an element count of -1"))
    cases.append(_refused_case("truncated_in_data", good[:-5], "unexpected EOF",
                               "the file ends 5 bytes before the last storage's end"))
    cases.append(_refused_case("truncated_in_count", join(pickles, records)[:len(join(pickles, records[:2])) + 3],
                               "unexpected EOF", "the file ends inside the last storage's element count"))

    # The key list.
    cases.append(_refused_case("key_missing", join(rep(4, dump2(["0", "1"])), records[:2]),
                               "storage '2' is never read", "the key list leaves out a storage (and its data)",
                               torch_words=False))
    cases.append(_refused_case("key_duplicated", join(rep(4, dump2(["0", "1", "1", "2"])),
                                                      [records[0], records[1], records[1], records[2]]),
                               "storage '1' is listed twice", "a key listed twice (with its data twice)",
                               torch_words=False))
    cases.append(_refused_case("key_unknown", join(rep(4, dump2(["0", "1", "2", "9"])), records + [records[2]]),
                               "storage '9'", "the key list names a storage no tensor uses", torch_words=False))
    cases.append(_refused_case("keys_not_a_list", join(rep(4, dump2({"0": 1})), records),
                               "the storage keys", "the key list is a dict", torch_words=False))

    # The pickles: truncated, hostile, deep.
    obj = pickles[3]
    cases.append(_refused_case("truncated_in_pickle", b"".join(pickles[:3]) + obj[:len(obj) // 2],
                               "ends", "the file ends in the middle of the state dict's pickle", torch_words=False))
    hostile = _Rebuild(os.system, ("echo pwned",))
    cases.append(_refused_case("hostile_global_in_state_dict", hand_made([("a", hostile)], []),
                               "posix.system", "the state dict calls os.system", torch_words=True))
    sys_info = _Rebuild(os.system, ("echo pwned",))
    cases.append(_refused_case("hostile_global_in_sys_info", join(rep(2, dump2(sys_info)), records),
                               "posix.system", "the sys_info pickle calls os.system", torch_words=True))
    cases.append(_refused_case("hostile_global_in_key_list", join(rep(4, dump2([sys_info])), records),
                               "posix.system", "the key list pickle calls os.system", torch_words=True))
    deep = b"\x80\x02" + b"]" * 100000 + b"a" * 99999 + b"."
    cases.append(_refused_case("deep_nesting", join(rep(3, deep), []),
                               "does not hold a state dict", "a list nested 100000 deep instead of the state dict",
                               torch_words=False))
    marks = b"\x80\x02" + b"(" * 100000 + b"."
    cases.append(_refused_case("many_marks", join(rep(3, marks), []),
                               "STOP", "100000 MARKs and STOP", torch_words=False))

    # Persistent ids and tensors.
    cases.append(_refused_case("zip_style_persistent_id", hand_made(
        [("a", _Rebuild(torch._utils._rebuild_tensor_v2, (_StorageRef(("storage", F, "0", "cpu", 4)), 0, (4,), (1,),
                                                          False, collections.OrderedDict())))],
        [("0", torch.float32, torch.ones(4))]),
        "persistent id", "a 5-element persistent id, as zip files have", torch_words=False))
    cases.append(_refused_case("int32_storage", legacy_bytes({"i": torch.arange(3, dtype=torch.int32)}),
                               "torch.IntStorage is not supported", "an int32 tensor, which PyTorch loads",
                               torch_words=False))
    cases.append(_refused_case("tensor_past_storage", hand_made(
        [("a", tensor_ref(F, "0", 4, 2, [3], [1]))], [("0", torch.float32, torch.ones(4))]),
        "reaches past its storage", "a tensor of 3 elements at offset 2 of a 4-element storage (torch's set_ grows "
        "the storage, then finds the data too short)", torch_words=False))
    cases.append(_refused_case("view_past_root", hand_made(
        [("a", tensor_ref(F, "0", 4, 0, [2], [1], view=("1", 3, 5)))], [("0", torch.float32, torch.ones(4))]),
        "view", "a storage view of 5 elements at offset 3 of a 4-element storage", torch_words=False))
    cases.append(_refused_case("two_types_one_key", hand_made(
        [("a", tensor_ref(F, "0", 4, 0, [4], [1])), ("b", tensor_ref(torch.DoubleStorage, "0", 2, 0, [2], [1]))],
        [("0", torch.float32, torch.ones(4))]),
        "two different types or sizes", "one storage key with two storage types", torch_words=False))
    cases.append(_refused_case("huge_numel_in_pickle", hand_made(
        [("a", tensor_ref(F, "0", 2**40, 0, [4], [1]))], [("0", torch.float32, torch.ones(4))]),
        f"{2**40} elements", "a storage of 2**40 elements in a file of a few hundred bytes (torch not run: it would "
        "first try to allocate 4 TiB)", torch_words=False, run_torch=False))
    cases.append(_refused_case("expand_stride0", legacy_bytes({"w": torch.full((1,), 0.75).expand(12000, 12000)}),
                               "default budget of", "one element expanded with stride 0 to [12000, 12000]: PyTorch "
                               "keeps a view, RnnSharp would copy 576 MB out", torch_words=False))

    # The pre-0.4 tar format.
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member in ("storages", "tensors", "pickle"):
            info = tarfile.TarInfo(member)
            info.size = 1
            info.mtime = 0
            tar.addfile(info, io.BytesIO(b"\x00"))
    cases.append(_refused_case("tar_format", buf.getvalue(), "tar", "the tar layout of PyTorch before 0.4 (members "
                               "storages, tensors, pickle)", torch_words=False))


def record_legacy():
    os.makedirs(LEGACY, exist_ok=True)
    torch.set_num_threads(1)
    cases = []
    record_valid(cases)
    record_refused(cases)
    rf.write("legacy.json", cases,
             "Checkpoints in PyTorch's legacy format (torch.save(..., _use_new_zipfile_serialization=False), storage "
             "keys renamed 0, 1, ... for determinism) and hostile variants of them. Valid cases: what "
             "torch.load(path, weights_only=True) loaded (keys, and per tensor dtype, shape, data: float32 text or "
             "int64 integers); sentiment_lstm adds the model's float32 outputs on `input` and torch_error "
             "(max |float32 - float64|). Refused cases: phrase (what RnnSharp's ModelFileException must say; "
             "PyTorch's own words when in_torch_words) and what torch did (torch_outcome, torch_error_type, "
             "torch_error).")
