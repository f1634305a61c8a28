"""Timestamps on the pages, always with their zone.

The server writes each time as ``<time datetime="...Z" data-ms="...">2026-12-05 00:03:35 UTC</time>``:
correct and labelled without JavaScript. ``static/local_time.js`` then shows it in the browser's
own time zone with that zone's abbreviation (``2026-12-05 01:03:35 CET``), keeping the UTC time
in the tooltip.
"""

from __future__ import annotations

import datetime

from markupsafe import Markup, escape


def utc_text(ms: int | float) -> str:
    moment = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


def time_element(ms: int | float | None) -> Markup:
    """The ``|time`` filter: a ``<time>`` element, or empty markup (falsy) for no time."""
    if not ms:
        return Markup("")
    moment = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    iso = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return Markup('<time datetime="{}" data-ms="{}">{}</time>').format(escape(iso), int(ms), utc_text(ms))
