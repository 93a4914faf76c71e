"""Ground floor: the error every layer raises for a spec it cannot accept."""

from __future__ import annotations

__all__ = ["SpecError"]


class SpecError(ValueError):
    """A spec that cannot be understood; ``column`` is 1-based (None: whole spec)."""

    def __init__(self, message: str, text: str = "", column: int | None = None):
        super().__init__(message if column is None else f"{message} at column {column}")
        self.message = message
        self.text = text
        self.column = column

    def pointer(self) -> str:
        """The failing spec with a caret under the position, for a terminal."""
        if self.column is None or not self.text:
            return f"  {self.text}" if self.text else ""
        return f"  {self.text}\n  {' ' * (self.column - 1)}^"
