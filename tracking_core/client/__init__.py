"""The client room: what runs inside a training process.

``fluent`` (the module-level API over a stack of active runs), ``tracking_client``
(``TrackingClient``), ``tracker`` (one tracking destination per URI and process: ``tracker_for``),
``local_tracker`` (the ``Tracker`` of a local store) and ``rest_tracker`` (the same over the REST
API), ``writer`` (the batching writer). The client never imports the server or the UI.
"""

from __future__ import annotations

from .tracking_client import TrackingClient

__all__ = ["TrackingClient"]
