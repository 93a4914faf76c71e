"""Colours shared by the terminal and the figures, computed with numpy alone.

Qualitative colours (one per parameter) must keep *neighbouring* parameters apart:
the elements B_k, B_{k+1} often sit next to each other in the matrix.  The first 9
are matplotlib's tab10 without its grey.  After them, colours are picked greedily,
each as far as possible (in CIELAB) from every colour already used, white and the
separator greys included (glasbey's idea), which also spreads consecutive parameters
apart.  (tab20's light halves were tried first: in Maron's 15-colour picture the light
pink, lilac and rose were hard to tell apart.)

The diverging map (blue, white at 0, red) draws signed values; 0 is exactly white.

>>> qualitative(3).tolist()
[[31, 119, 180], [255, 127, 14], [44, 160, 44]]
>>> diverging(np.array([-1.0, 0.0, 1.0]), 1.0).tolist()
[[33, 102, 172], [255, 255, 255], [178, 24, 43]]
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["BACKGROUND", "SEPARATORS", "qualitative", "diverging", "xterm256"]

BACKGROUND = (255, 255, 255)
#: separator colour by depth: the coarsest boundaries darkest
SEPARATORS = ((34, 34, 34), (140, 140, 140))

_TAB10 = ["1f77b4", "ff7f0e", "2ca02c", "d62728", "9467bd", "8c564b", "e377c2",
          "bcbd22", "17becf"]
_BASE = np.array([[int(h[i:i + 2], 16) for i in (0, 2, 4)] for h in _TAB10], np.uint8)

_DIVERGING = np.array([[33, 102, 172], [103, 169, 207], [255, 255, 255],
                       [239, 138, 98], [178, 24, 43]], float)


def qualitative(n: int) -> np.ndarray:
    """``n`` distinguishable colours as uint8 RGB rows, the same for every call."""
    return _extended(max(n, len(_BASE)))[:n].copy()


def separator(depth: int) -> tuple[int, int, int]:
    return SEPARATORS[min(depth, len(SEPARATORS) - 1)]


@lru_cache(maxsize=8)
def _extended(n: int) -> np.ndarray:
    if n <= len(_BASE):
        return _BASE
    grid = np.linspace(0, 255, 22).round()
    cand = np.stack(np.meshgrid(grid, grid, grid, indexing="ij"), -1).reshape(-1, 3)
    lab = _lab(cand)
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    # not grey, black or white (background, separators), and not garish
    usable = (chroma > 25) & (chroma < 65) & (lab[:, 0] > 38) & (lab[:, 0] < 86)
    cand, lab = cand[usable], lab[usable]
    avoid = np.vstack([_BASE, [BACKGROUND], SEPARATORS]).astype(float)
    nearest = np.min(np.linalg.norm(lab[:, None] - _lab(avoid)[None], axis=2), axis=1)
    picked = []
    for _ in range(n - len(_BASE)):
        i = int(np.argmax(nearest))
        picked.append(cand[i])
        nearest = np.minimum(nearest, np.linalg.norm(lab - lab[i], axis=1))
        if nearest.max() <= 0:  # every candidate used: start over (colours repeat)
            nearest = np.linalg.norm(lab - lab[i], axis=1) + 1e-9
    return np.vstack([_BASE, np.array(picked, np.uint8)])


def _lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0..255) to CIELAB (D65)."""
    c = np.asarray(rgb, float) / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = lin @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                          [0.0193, 0.1192, 0.9505]]).T
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]),
                     200 * (f[:, 1] - f[:, 2])], axis=1)


def diverging(values: np.ndarray, vmax: float) -> np.ndarray:
    """uint8 RGB for each value, symmetric around 0 (white) and saturated at +-vmax."""
    t = np.clip(np.asarray(values, float) / (vmax or 1.0), -1, 1)
    stops = np.linspace(-1, 1, len(_DIVERGING))
    rgb = np.stack([np.interp(t, stops, _DIVERGING[:, c]) for c in range(3)], axis=-1)
    return np.rint(rgb).astype(np.uint8)


@lru_cache(maxsize=1)
def _xterm_table() -> np.ndarray:
    steps = np.array([0, 95, 135, 175, 215, 255])
    cube = np.stack(np.meshgrid(steps, steps, steps, indexing="ij"), -1).reshape(-1, 3)
    greys = np.repeat(np.arange(8, 239, 10)[:, None], 3, axis=1)
    return _lab(np.vstack([cube, greys]))


def xterm256(rgb: np.ndarray) -> np.ndarray:
    """Nearest colour index (16..255) of the xterm 256-colour palette, by CIELAB distance."""
    lab = _lab(np.asarray(rgb).reshape(-1, 3))
    d = np.linalg.norm(lab[:, None] - _xterm_table()[None], axis=2)
    return np.argmin(d, axis=1) + 16
