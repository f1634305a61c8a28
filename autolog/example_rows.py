"""The first rows of a fit's training data, copied before the fit runs.

A fit may change its X in place (``LinearRegression(copy_X=False)`` centers it; a callback or a
user's estimator may add a column to a DataFrame), and the signature and input example must
describe the data the user passed. Every plugin whose models take table-like data reads them from
``first_rows(X)`` taken in ``before_training``: a copy of ``EXAMPLE_ROWS`` rows (what the signature
and input example look at), microseconds whatever the size of X. Types are told by their module
name, so no data library is imported here.
"""

from __future__ import annotations

from typing import Any

EXAMPLE_ROWS = 5


def is_pandas(obj: Any) -> bool:
    return type(obj).__module__.split(".", 1)[0] == "pandas" and type(obj).__name__ in ("DataFrame", "Series")


def copied(X: Any) -> Any:
    """A copy of X (a list's items are not copied: rows of numbers)."""
    if isinstance(X, list):
        return list(X)
    return X.copy()


def first_rows(X: Any, rows: int = EXAMPLE_ROWS) -> Any:
    """A copy of the first ``rows`` rows of X; X itself when it cannot be sliced."""
    if is_pandas(X):
        return X.head(rows).copy()
    try:
        head = X[:rows]
    except Exception:
        return X
    return copied(head) if hasattr(head, "copy") or isinstance(head, list) else head
