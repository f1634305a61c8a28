"""The client side of the tracking REST protocol (MLflow's REST API 2.0).

``http`` (a small stdlib HTTP client with keep-alive and retries), ``rest_store`` (the store
interface over HTTP, what the batching writer writes through for an ``http(s)://`` URI),
``rest_artifacts`` (artifacts through a server's proxied artifact service). Nothing here imports
the server; the server side of the same protocol is ``tracking_core.server``.
"""
