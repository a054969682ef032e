"""Regenerate docs/sample-output.svg, the README's picture, from the bundled sample.

    python scripts/readme_picture.py            # writes docs/sample-output.svg
    python scripts/readme_picture.py --check    # exit 1 when the picture is stale

The picture is what `logsleuth fixtures/sample.log` prints on a 100-column terminal,
exported with rich's own SVG export, so it always shows the real current output.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from rich.console import Console

from logsleuth import Options, analyze
from logsleuth.render.terminal import render_terminal

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "sample.log"
PICTURE = ROOT / "docs" / "sample-output.svg"


def picture() -> str:
    """The SVG of the rich output for the bundled sample."""
    result = analyze([str(SAMPLE)], Options())
    result.sources = ["fixtures/sample.log"]            # not the absolute path of this checkout
    console = Console(record=True, width=100, force_terminal=True, color_system="truecolor",
                      file=io.StringIO(), highlight=False, soft_wrap=False)
    console.print(render_terminal(result, "en"))
    return console.export_svg(title="logsleuth fixtures/sample.log")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is stale")
    args = parser.parse_args()
    svg = picture()
    if args.check:
        stale = not PICTURE.exists() or PICTURE.read_text(encoding="utf-8") != svg
        print(f"{PICTURE.relative_to(ROOT)} is {'stale' if stale else 'current'}")
        return 1 if stale else 0
    PICTURE.parent.mkdir(exist_ok=True)
    PICTURE.write_text(svg, encoding="utf-8")
    print(f"wrote {PICTURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
