"""Records torch_save.json: what real PyTorch 1.13 makes of the files RnnSharp's Torch.Save wrote.

The files in saved/*.pt are the C# writer's output, committed (TorchSaveTests writes them when
RNNSHARP_WRITE_SAVED=1). For each, this loads it with torch.load(weights_only=True) and records every
tensor's name, dtype, shape, stride, storage offset, storage identity and bits; then saves what it loaded
with torch.save into saved/torch/<same name>.pt, so that the C# tests can compare the bytes with torch's
own writer. Optimizer state dicts are also loaded into a torch optimizer with load_state_dict.

PyTorch 1.13's weights_only unpickler has no BINFLOAT opcode, so it refuses every optimizer state dict
(torch's own files too: the float options lr, betas, eps); that refusal is recorded, and the optimizer
files are then read with the full unpickler (they are our own committed files) for load_state_dict.

Run: cd tests/RnnSharp.Tests/Fixtures && PYTHONHASHSEED=0 /usr/bin/python3 -c "import record_torch_save as m; m.record_torch_save()"
"""

import collections
import filecmp
import os
import pickle
import shutil
import tempfile
import zipfile

import torch

import record_fixtures as rf

SAVED = os.path.join(rf.HERE, "saved")
TORCH_SAVED = os.path.join(SAVED, "torch")


def _tensors(items):
    """Entries in order; 'storage' numbers storages in order of first appearance, as torch.save keys them."""
    storages = {}
    out = []
    for name, t in items:
        if t.numel() > 0:
            key = t.storage().data_ptr()
        else:
            key = ("empty", name)
        storage = storages.setdefault(key, len(storages))
        entry = {
            "name": name,
            "dtype": str(t.dtype),
            "shape": list(t.shape),
            "stride": list(t.stride()),
            "offset": t.storage_offset(),
            "storage": storage,
            "storage_numel": t.storage().size(),
            "requires_grad": t.requires_grad,
        }
        flat = t.reshape(-1)
        if t.dtype == torch.float32:
            entry["bits"] = [v & 0xFFFFFFFF for v in flat.view(torch.int32).tolist()]
        else:
            entry["data"] = flat.tolist()
        out.append(entry)
    return out


def _resave(obj, name):
    path = os.path.join(TORCH_SAVED, name + ".pt")
    torch.save(obj, path)
    return filecmp.cmp(path, os.path.join(SAVED, name + ".pt"), shallow=False)


def _optimizer(name, params):
    if name.startswith("adamw"):
        return torch.optim.AdamW(params)
    if name.startswith("adam"):
        return torch.optim.Adam(params)
    return torch.optim.SGD(params, lr=0.1)


def _archive_names():
    cases = []
    sd = collections.OrderedDict(w=torch.zeros(1))
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "dir.d"))
        for i, rel in enumerate(["model.pt", "a.b.pth", "ckpt", "dir.d/weights.pt", "dir.d/.pt", ".hidden"]):
            path = os.path.join(tmp, rel)
            case = {"name": f"archive_name_{i}", "kind": "archive_name", "path": rel}
            try:
                torch.save(sd, path)
                with zipfile.ZipFile(path) as z:
                    case["archive"] = z.namelist()[0].split("/")[0]
            except RuntimeError as e:
                case["archive"] = None
                case["message"] = str(e).split("] . ", 1)[-1].split(": ")[0] + ": "  # without the enforce location
            cases.append(case)
    return cases


def record_torch_save():
    os.makedirs(TORCH_SAVED, exist_ok=True)
    cases = []
    for file in sorted(f for f in os.listdir(SAVED) if f.endswith(".pt")):
        name = file[:-3]
        path = os.path.join(SAVED, file)
        try:
            loaded = torch.load(path, weights_only=True)
            weights_only = "ok"
        except pickle.UnpicklingError as e:
            loaded = None
            weights_only = str(e).split("WeightsUnpickler error: ")[-1]
        if loaded is not None and "state" not in loaded:
            case = {"name": name, "kind": "state_dict", "weights_only": weights_only,
                    "type": type(loaded).__name__, "tensors": _tensors(loaded.items())}
            case["torch_bytes_equal"] = _resave(loaded, name)
        else:
            sd = torch.load(path, weights_only=False)
            params = [torch.nn.Parameter(torch.zeros(2, 3)), torch.nn.Parameter(torch.zeros(2))]
            opt = _optimizer(name, params)
            opt.load_state_dict(sd)
            items, nones = [], []
            for index, state in sd["state"].items():
                for key, value in state.items():
                    (nones.append(f"state.{index}.{key}") if value is None else items.append((f"state.{index}.{key}", value)))
            case = {"name": name, "kind": "optimizer", "weights_only": weights_only, "load_state_dict": "ok",
                    "tensors": _tensors(items), "none_states": nones,
                    "param_groups": [[[k, repr(v)] for k, v in g.items()] for g in opt.state_dict()["param_groups"]]}
            case["torch_bytes_equal"] = _resave(sd, name)
        cases.append(case)
    cases.extend(_archive_names())
    rf.write("torch_save.json", cases,
             "torch.load(weights_only=True) of the files RnnSharp's Torch.Save wrote (saved/*.pt), and torch.save of "
             "what it loaded (saved/torch/*.pt); optimizer files also through optimizer.load_state_dict. "
             "Recorded by record_torch_save.py.")
