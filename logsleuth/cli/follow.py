"""``analyze --follow``: each new problem as it appears (a line, an NDJSON object, or a
live rich view), then the full report when the input ends or on Ctrl-C (the normal way
to stop, so the exit status is the report's, not 130)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..environment import Environment
from ..status import ExitStatus, exit_status
from .output import chosen_format, console, emit, fail
from .params import Output, UsageProblem

if TYPE_CHECKING:
    from ..options import Options
    from ..entry import Entry
    from ..follow import Follower


def follow_input(env: Environment, inputs: tuple[str, ...], options: Options,
                 output: Output) -> ExitStatus:
    """Follow one FILE or standard input until it ends or Ctrl-C."""
    from ..follow import Follower, follow_blocks, run
    from ..pipeline import Pipeline
    from ..sources import InputError

    if len(inputs) > 1:
        raise UsageProblem("--follow takes one FILE or standard input")
    try:
        name, blocks, waiting = follow_blocks(inputs[0] if inputs else "-", env.stdin)
    except InputError as exc:
        return fail(env, str(exc), ExitStatus.INPUT_ERROR)
    if waiting:
        env.stderr.write(f"logsleuth: {waiting}\n")
        env.stderr.flush()
    follower = Follower(Pipeline(options), name)
    fmt = chosen_format(env, output.fmt)
    if fmt == "rich":
        _follow_live(env, follower, blocks, output)
    else:
        run(follower, blocks, _announcer(env, fmt, output))
    result = follower.analysis()
    if fmt == "ndjson":
        _final_summary(env, result, output)
    else:
        emit(env, result, output)
    return exit_status(result, output.fail_on)


def _follow_live(env: Environment, follower: Follower, blocks, output: Output) -> None:
    """The live rich view, refreshed while reading; new problems printed above it."""
    from rich.live import Live
    from rich.text import Text

    from ..follow import run
    from ..outbound import outbound_text
    from ..render.live import new_entry_line, render_live

    with Live(render_live(follower.analysis(), output.lang), console=console(env, output.color),
              refresh_per_second=4, transient=True) as live:
        def refresh() -> None:
            live.update(render_live(follower.analysis(), output.lang))

        def announce(new: list[Entry]) -> None:
            for entry in new:
                line = new_entry_line(entry, output.lang)
                live.console.print(Text(outbound_text(line, mask_secrets=output.mask_secrets)))

        run(follower, blocks, announce, refresh)


def _announcer(env: Environment, fmt: str, output: Output) -> Callable[[list[Entry]], None]:
    """One line per new problem: NDJSON or text on stdout; before a Markdown or JSON
    report, text on stderr."""
    from ..outbound import outbound_text
    from ..render.live import new_entry_json, new_entry_line

    out = env.stdout if fmt in ("text", "ndjson") else env.stderr

    def announce(new: list[Entry]) -> None:
        for entry in new:
            line = (new_entry_json(entry, output.mask_secrets) if fmt == "ndjson"
                    else outbound_text(new_entry_line(entry, output.lang),
                                       mask_secrets=output.mask_secrets))
            out.write(line + "\n")
        out.flush()

    return announce


def _final_summary(env: Environment, result, output: Output) -> None:
    from ..outbound import neutralise
    from ..render.live import summary_json

    shown = neutralise(result, mask_secrets=False, for_terminal=False)   # masked by the library
    env.stdout.write(summary_json(shown) + "\n")
    env.stdout.flush()
