"""``python -m autolog``: the same as the ``autolog`` command."""

from .cli import main

raise SystemExit(main())
