"""One small real training per framework for the quickstart; each module has ``demo()``.

``demo()`` trains with autologging already enabled and returns a one-line description; it must
take a few seconds at most. A module whose framework is not installed raises ImportError.
"""
