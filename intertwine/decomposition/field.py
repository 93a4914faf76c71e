"""``GROUP : REP`` -- a representation without an arrow, what ``decompose`` takes.

Parsed with the spec grammar (see the spec strings in docs/); an arrow is refused with a
pointer to it, so that ``intertwine basis``'s specs are not mistaken for fields.

>>> str(parse_field("D(4):sym(V,2)"))
'D(4): sym(V, 2)'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..spec import Group, Rep
from ..spec import parse_field as parse_spec_field

__all__ = ["Field", "parse_field"]


@dataclass(frozen=True)
class Field:
    group: Group
    rep: Rep

    def __str__(self) -> str:
        return f"{self.group}: {self.rep}"

    def spec_to(self, target: str) -> str:
        """The spec ``GROUP: REP -> target``."""
        return self._source + target

    @cached_property
    def _source(self) -> str:
        """``GROUP: REP -> `` (printed once: a decomposition asks for several targets)."""
        return f"{self.group}: {self.rep} -> "


def parse_field(text: str | Field) -> Field:
    """Parse ``GROUP : REP``; a SpecError (ValueError) for anything else, an arrow too."""
    if isinstance(text, Field):
        return text
    return Field(*parse_spec_field(text))
