"""The command line: the click application (``app``), the start-up that runs common
commands without click (``launch``), and what the commands do besides the mathematics
(``commands``: writing files, progress, usage errors).

``intertwine.cli.cli`` (the click group) and ``intertwine.cli.main`` (the console entry)
are imported on first use: ``launch`` starts without click.
"""


def __getattr__(name):
    if name == "cli":
        from .app import cli

        return cli
    if name == "main":
        from .launch import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
