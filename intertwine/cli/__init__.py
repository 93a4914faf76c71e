"""The command line: the click application (``app``), the start-up that runs common
commands without click (``launch``), and what the commands do besides the mathematics
(``commands``: writing files, progress, usage errors).

``intertwine.cli.cli`` (the click group) and ``intertwine.cli.main`` (the console entry)
are imported on first use: ``launch`` starts without click.
"""


def __getattr__(name):
    if name in ("cli", "main"):
        from importlib import import_module

        return getattr(import_module(".app", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
