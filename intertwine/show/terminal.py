"""Terminal helpers shared by the text renderers (``text`` and ``overview``):
background colour codes and wrapping of legend items."""

from __future__ import annotations

import numpy as np

from .palette import xterm256

__all__ = ["swatches", "wrap"]


def _style(rgb, mode: str) -> str:
    if mode == "truecolor":
        return "\x1b[48;2;{};{};{}m".format(*(int(c) for c in rgb))
    return f"\x1b[48;5;{int(xterm256(np.asarray(rgb))[0])}m"


def swatches(rgbs: np.ndarray, mode: str) -> list[str]:
    if mode == "truecolor":
        return [_style(c, mode) for c in rgbs]
    return [f"\x1b[48;5;{int(i)}m" for i in xterm256(rgbs)]


def wrap(items: list[str], visible: list[int], width: int, sep: str = ", ") -> list[str]:
    lines, line, used = [], "", 0
    for item, n in zip(items, visible):
        if line and used + len(sep) + n > width:
            lines.append(line + sep.rstrip())
            line, used = "", 0
        line, used = (line + sep + item, used + len(sep) + n) if line else (item, n)
    return lines + ([line] if line else [])
