"""The tracking server: an ASGI app (Starlette on uvicorn) speaking the MLflow REST API 2.0.

Modules, one job each: ``config`` (what the command line chose), ``context`` (the store and the
artifact destination a request works on; also handed to the UI), ``protocol`` (entities to and from
MLflow's JSON shapes), ``tracking_api`` and ``artifact_api`` (the endpoints), ``security`` (host,
origin, CORS and credential checks), ``users`` (the users file), ``app`` (assembly), ``cli``
(``autolog server`` / ``autolog ui``). Starlette and uvicorn are the ``autolog[server]`` extra and
are imported only here.
"""

from __future__ import annotations
