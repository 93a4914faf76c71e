"""intertwine: bases of equivariant linear maps (intertwiners), exact and fast.

>>> import intertwine
>>> intertwine.compute("S(5): V**2 -> V**2").n_basis
15

The public names are imported on first use (PEP 562), so that ``intertwine dim`` and
``intertwine info`` start without loading solvers, scipy or sympy they do not need.
"""

__version__ = "0.2.0"

__all__ = ["compute", "dim", "load", "decompose", "Basis", "Decomposition", "SpecError",
           "parse_spec", "__version__"]

_LAZY = {"compute": "api", "dim": "api", "load": "api", "Basis": "basis",
         "SpecError": "spec", "parse_spec": "spec", "decompose": "decomposition",
         "Decomposition": "decomposition"}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
