"""Records what the autograd core must reproduce: PyTorch 1.13's error messages, grad_fn names and printing
for leaves, views and clones, and the gradients that flow back through them. Run through record_fixtures.main(),
or alone: PYTHONHASHSEED=0 /usr/bin/python3 -c "import record_autograd as m; m.record_autograd()"."""

import torch

import record_fixtures as rf


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the message is what is recorded
        return {"type": type(e).__name__, "message": str(e).split("\n")[0]}
    raise AssertionError("expected an error")


def record_autograd():
    cases = []

    def leaf(seed, *shape):
        g = torch.Generator().manual_seed(seed)
        return torch.randn(*shape, generator=g).requires_grad_()

    # Errors, in PyTorch's words.
    x = leaf(1, 2, 3)
    cases.append({"name": "error_backward_non_scalar", **_error(lambda: x.view(6).backward())})
    cases.append({"name": "error_backward_no_grad", **_error(lambda: torch.ones(2).sum().backward())})
    cases.append({"name": "error_requires_grad_int64", **_error(lambda: torch.tensor([1, 2]).requires_grad_())})
    cases.append({"name": "error_requires_grad_false_on_non_leaf",
                  **_error(lambda: x.view(6).requires_grad_(False))})
    cases.append({"name": "error_inplace_on_leaf", **_error(lambda: x.fill_(1.0))})
    cases.append({"name": "error_item_not_one_element", **_error(lambda: torch.ones(2).item())})
    cases.append({"name": "error_grad_shape_mismatch", **_error(lambda: x.view(6).backward(torch.ones(5)))})
    y = x.clone()
    z = y * y
    z.sum().backward()
    cases.append({"name": "error_backward_twice", **_error(lambda: z.sum().backward())})
    w = x.clone()
    t = w.tanh()
    with torch.no_grad():
        t.add_(1)
    cases.append({"name": "error_saved_tensor_modified", **_error(lambda: t.sum().backward())})

    # Views, selections and clones: grad_fn names, printing, and the gradients they pass back.
    for name, op in [("view", lambda a: a.view(6)), ("view_3d", lambda a: a.view(3, 1, 2)),
                     ("select0", lambda a: a[1]), ("select0_negative", lambda a: a[-1]), ("clone", lambda a: a.clone())]:
        a = leaf(7, 2, 3)
        out = op(a)
        g = torch.Generator().manual_seed(8)
        upstream = torch.randn(out.shape, generator=g)
        out.backward(upstream)
        cases.append({"name": name, "input": rf.tensor(a), "grad_fn": out.grad_fn.name(), "str": str(out),
                      "upstream": rf.tensor(upstream), "input_grad": rf.tensor(a.grad)})

    # A leaf that requires grad prints requires_grad=True; its detach() does not.
    a = leaf(9, 2, 2)
    cases.append({"name": "print_leaf", "input": rf.tensor(a), "str": str(a), "detached": str(a.detach())})
    # Gradients add up across backward calls until cleared.
    a = leaf(10, 3)
    for _ in range(2):
        a.view(3).backward(torch.ones(3))
    cases.append({"name": "accumulate_twice", "input": rf.tensor(a), "input_grad": rf.tensor(a.grad)})

    rf.write("autograd.json", cases,
             "The autograd core: PyTorch's errors, grad_fn names, printing and view/select/clone gradients.")
