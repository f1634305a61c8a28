"""Start-up hook of ``autolog run`` (see ``autolog.run_command``): Python imports this module at
start-up because ``autolog run`` put its directory first on ``PYTHONPATH``.

It takes itself out of ``sys.path`` and ``PYTHONPATH`` (processes the script starts are not
autologged), imports the environment's own ``sitecustomize`` if there is one, then enables
autologging with the options ``autolog run`` was given.
"""

import os
import sys


def _forget_bootstrap_dir(here):
    sys.path[:] = [entry for entry in sys.path if not entry or os.path.abspath(entry) != here]
    kept = [
        entry
        for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep)
        if entry and os.path.abspath(entry) != here
    ]
    if kept:
        os.environ["PYTHONPATH"] = os.pathsep.join(kept)
    else:
        os.environ.pop("PYTHONPATH", None)


def _import_the_environments_sitecustomize(this_module):
    del sys.modules[__name__]
    try:
        import sitecustomize  # noqa: F401  (the next one on sys.path, ours being gone)
    except ImportError as exc:
        if exc.name != "sitecustomize":
            print(f"Error in sitecustomize; set PYTHONVERBOSE for traceback: {exc!r}", file=sys.stderr)
    except Exception as exc:  # what site.py does with a failing sitecustomize
        print(f"Error in sitecustomize; set PYTHONVERBOSE for traceback: {exc!r}", file=sys.stderr)
    finally:
        sys.modules.setdefault(__name__, this_module)


def _main():
    _forget_bootstrap_dir(os.path.dirname(os.path.abspath(__file__)))
    _import_the_environments_sitecustomize(sys.modules[__name__])
    payload = os.environ.pop("AUTOLOG_RUN_PAYLOAD", None)
    if payload is None:
        return
    try:
        from autolog.run_command import bootstrap
    except ImportError as exc:
        print(
            f"autolog run: autologging is not enabled: this Python ({sys.executable}) cannot import autolog: {exc}",
            file=sys.stderr,
        )
        return
    bootstrap(payload)


_main()
