"""``python -m logsleuth`` and the ``logsleuth`` command."""


def main() -> None:
    """Entry point. Ctrl-C while the program is still loading exits 130, quietly."""
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    run()


if __name__ == "__main__":   # guarded: worker processes import the package again
    main()
