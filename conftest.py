"""pytest collects the package's doctests: skip the modules of extras not installed."""

import importlib.util

collect_ignore = [f"intertwine/{name}" for name in ("torch", "jax")
                  if importlib.util.find_spec(name) is None]
