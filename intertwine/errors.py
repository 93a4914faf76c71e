"""Ground floor: the error every layer raises for a spec it cannot accept."""

from __future__ import annotations

__all__ = ["SpecError", "TooLarge", "MAX_DIMENSION_BITS", "magnitude", "printable"]


class SpecError(ValueError):
    """A spec that cannot be understood; ``column`` is 1-based (None: whole spec)."""

    def __init__(self, message: str, text: str = "", column: int | None = None):
        super().__init__(message if column is None else f"{message} at column {column}")
        self.message = message
        self.text = text
        self.column = column

    def pointer(self) -> str:
        """The failing spec with a caret under the position, for a terminal (control
        characters escaped, so that the spec cannot drive the terminal)."""
        if self.column is None or not self.text:
            return f"  {printable(self.text)}" if self.text else ""
        shift = len(printable(self.text[:self.column - 1]))
        return f"  {printable(self.text)}\n  {' ' * shift}^"


def printable(text: str, keep: str = "") -> str:
    """``text`` with every unprintable character (controls, escapes, line separators)
    written as its Python escape, ``\\x1b``; characters in ``keep`` are left alone."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in text)


class TooLarge(ValueError):
    """The problem is too large for the requested method (or to compute at all)."""


#: the largest dimension worth a number: 2**MAX_DIMENSION_BITS (a 125 KB integer).  Sizes
#: beyond it are refused before they are computed; `dim` answers up to it by formula.
MAX_DIMENSION_BITS = 10**6


def magnitude(n: int) -> str:
    """A short, safe rendering of a possibly huge int: ``1.1e+12`` or ``about 10^40000``
    (never str() of a number beyond Python's digit limit, never a float overflow)."""
    if n < 10**15:
        return f"{n:.3g}" if n >= 10**6 else str(n)
    digits = int((n.bit_length() - 1) * 0.30102999566398120) + 1
    return f"about 10^{digits - 1}" if digits > 300 else f"{float(n):.3g}"
