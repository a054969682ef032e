"""Pure functions from an Analysis to text: terminal (rich), plain text, Markdown, JSON."""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable

#: report format -> (module, function); imported on use (rich is not needed for JSON)
REPORT_RENDERERS = {"rich": ("terminal", "render_terminal"), "text": ("text", "render_text"),
                    "markdown": ("markdown", "render_markdown"), "json": ("data", "render_json")}


def report_renderer(fmt: str) -> Callable[[Any, str], Any]:
    """The function that renders an Analysis in ``fmt``, called as ``render(result, lang)``."""
    module, name = REPORT_RENDERERS[fmt]
    return getattr(import_module(f".{module}", __name__), name)
