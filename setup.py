"""The one compiled part: intertwine.solvers._modular (sparse elimination modulo a prime).

Everything else is in setup.cfg.  The extension is optional: where it cannot be built (no
C compiler), the package installs without it and the exact solver keeps its pure-Python
elimination (``solvers/integer.py``), only slower on large systems.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("intertwine.solvers._modular",
                             ["intertwine/solvers/_modular.c"],
                             optional=True)])
