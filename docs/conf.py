"""Sphinx configuration of intertwine's manual (``make docs``: warnings are errors)."""

import importlib.util
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)

import intertwine  # noqa: E402

project = "intertwine"
author = "the intertwine developers"
copyright = "the intertwine developers"
release = version = intertwine.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.doctest", "sphinx_click"]
exclude_patterns = ["_build", "gallery"]
html_theme = "alabaster"
html_static_path = []
# no network: no intersphinx, no remote images
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the signatures name the types; docstrings say the rest
# the layer modules of extras not installed are documented from mocks, not skipped
autodoc_mock_imports = [name for name in ("torch", "jax")
                        if importlib.util.find_spec(name) is None]

# Examples that write files run in a fresh temporary folder, removed afterwards.
doctest_global_setup = """
import os as _os, tempfile as _tempfile
_here = _os.getcwd()
_scratch = _tempfile.TemporaryDirectory()
_os.chdir(_scratch.name)
import importlib.util as _util
torch_missing = _util.find_spec("torch") is None
jax_missing = _util.find_spec("jax") is None
"""
doctest_global_cleanup = """
_os.chdir(_here)
_scratch.cleanup()
"""


def _literal_epilog(app, ctx, lines):
    """The commands' epilogs (the spec grammar, examples) are plain text laid out for a
    terminal: show them as it does, not parsed as reStructuredText (``V**2``)."""
    text = ctx.command.epilog.replace("\b\n", "").strip("\n")
    body = ["    " + line if line else "" for line in text.splitlines()]
    lines[:] = [".. code-block:: text", "", *body, ""]


#: pages of the user guide that other work adds (irreducible representations, the
#: decomposition, the layers between layers): listed, in this order, where the
#: ``OPTIONAL_PAGES`` line of index.rst's toctree stands, once their files exist
OPTIONAL_PAGES = ("irreps", "irreps_sn", "decompose", "layers_between")


def _optional_pages(app, docname, source):
    if docname == "index":
        here = os.path.dirname(__file__)
        present = [p for p in OPTIONAL_PAGES if os.path.exists(os.path.join(here, p + ".rst"))]
        source[0] = source[0].replace("   OPTIONAL_PAGES\n", "".join(f"   {p}\n" for p in present))


def setup(app):
    app.connect("sphinx-click-process-epilog", _literal_epilog)
    app.connect("source-read", _optional_pages)

# Only the examples of these pages run here (``.. doctest::``); the docstrings' examples
# that autodoc shows are run by pytest in their modules' namespaces.
doctest_test_doctest_blocks = ""
