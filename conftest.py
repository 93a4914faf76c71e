"""pytest collects the package's doctests: skip the modules of extras not installed."""

import importlib.util

collect_ignore = [f"intertwine/{name}" for name in ("torch", "jax")
                  if importlib.util.find_spec(name) is None]
if importlib.util.find_spec("flax") is None or importlib.util.find_spec("jax") is None:
    collect_ignore.append("intertwine/flax.py")
