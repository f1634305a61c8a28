"""How a run describes torch data it was given (hook ``autolog_describe_dataset``): tensors and
``DataLoader``s, what Lightning's ``fit``/``test``/``validate`` take.

A tensor by a bounded sample of its values (rows copied to the CPU only when sampled); a
``DataLoader`` without iterating it: the tensors of a ``TensorDataset`` (sampled as arrays), also
under ``Subset``s (what ``random_split`` gives: the usual Lightning split), whose indices are part
of the content (a sample of them, composed through nested subsets: validation and test sets of the
same size differ by their rows); else its dataset's type, length and the batch size
(``digest_covers``: structure).
"""

from __future__ import annotations

import sys
from typing import Any

from autolog.plugin import SAMPLE_BYTES, DataSummary, hash_array, kind_of, new_digest, row_sample, tensor_schema


def describe(data: Any) -> DataSummary | None:
    """The summary of a torch tensor or ``DataLoader``, None for anything else."""
    if (type(data).__module__ or "").split(".")[0] != "torch":
        return None
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    import numpy as np

    if isinstance(data, torch.Tensor):
        return _tensor(data, np, torch)
    data_module = sys.modules.get("torch.utils.data")
    if data_module is not None and isinstance(data, data_module.DataLoader):
        return _loader(data, np, torch, data_module)
    return None


def tensor_as_array(t: Any, np: Any, torch: Any) -> Any:
    """A numpy array holding ``t`` or, when it lives elsewhere than the CPU, a sample of its rows."""
    t = t.detach()
    if t.device.type != "cpu":
        rows = (
            row_sample(np, t.shape[0], SAMPLE_BYTES // max(t.element_size() * max(t[0].numel(), 1), 1))
            if t.dim()
            else None
        )
        t = (t if rows is None else t[torch.as_tensor(rows, device=t.device)]).cpu()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy()


def _under_subsets(dataset: Any, np: Any, data_module: Any) -> tuple[Any, Any]:
    """(the dataset under any ``Subset``s, a sample of the rows of it they select, or None).

    The sample is bounded (``row_sample`` positions of the outer indices, mapped through the inner
    ones), so a subset of millions of rows costs no more than a small one."""
    subset = getattr(data_module, "Subset", None)
    if subset is None or not isinstance(dataset, subset):
        return dataset, None
    outer = dataset.indices
    picked = row_sample(np, len(outer), SAMPLE_BYTES // 8)
    rows = np.asarray(
        [int(outer[i]) for i in picked] if picked is not None else [int(i) for i in outer], dtype=np.int64
    )
    dataset = dataset.dataset
    while isinstance(dataset, subset):
        inner = dataset.indices
        rows = np.asarray([int(inner[i]) for i in rows], dtype=np.int64)
        dataset = dataset.dataset
    return dataset, rows


def _tensor(t: Any, np: Any, torch: Any) -> DataSummary:
    digest = new_digest("Tensor", tuple(t.shape), str(t.dtype))
    hash_array(digest, tensor_as_array(t, np, torch), np)
    schema = {"tensors": [tensor_schema("features", str(t.dtype).replace("torch.", ""), tuple(t.shape))]}
    profile = {"shape": list(t.shape), "num_rows": int(t.shape[0]) if t.dim() else 1, "num_elements": int(t.numel())}
    return DataSummary(digest, "torch", schema, profile)


def _loader(loader: Any, np: Any, torch: Any, data_module: Any) -> DataSummary:
    dataset = loader.dataset
    batch_size = loader.batch_size
    try:
        length = len(dataset)
    except TypeError:  # an IterableDataset without __len__
        length = None
    digest = new_digest("DataLoader", type(dataset).__module__, type(dataset).__qualname__, length, batch_size)
    profile: dict[str, Any] = {"num_rows": length, "batch_size": batch_size}
    try:
        profile["num_batches"] = len(loader)
    except TypeError:
        pass
    schema: dict[str, Any] = {"tensors": []}
    covers = "structure"
    dataset, indices = _under_subsets(dataset, np, data_module)
    if indices is not None:
        hash_array(digest, indices, np)
    if isinstance(dataset, data_module.TensorDataset):
        for position, tensor in enumerate(dataset.tensors):
            hash_array(digest, tensor_as_array(tensor, np, torch), np)
            schema["tensors"].append(
                tensor_schema(f"tensor_{position}", str(tensor.dtype).replace("torch.", ""), tuple(tensor.shape))
            )
        covers = "content"
    else:
        schema = {"dataset_type": kind_of(dataset)}
    return DataSummary(digest, "torch", schema, profile, None, covers)
