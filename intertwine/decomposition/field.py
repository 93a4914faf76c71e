"""``GROUP : REP`` -- a representation without an arrow, what ``decompose`` takes.

Parsed with the spec grammar (see the spec strings in docs/); an arrow is refused with a
pointer to it, so that ``intertwine basis``'s specs are not mistaken for fields.

>>> str(parse_field("D(4):sym(V,2)"))
'D(4): sym(V, 2)'
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SpecError
from ..spec import Group, Rep, _Parser, _resolve

__all__ = ["Field", "parse_field"]


@dataclass(frozen=True)
class Field:
    group: Group
    rep: Rep

    def __str__(self) -> str:
        return f"{self.group}: {self.rep}"

    def spec_to(self, target: str) -> str:
        """The spec ``GROUP: REP -> target``."""
        return f"{self.group}: {self.rep} -> {target}"


def parse_field(text: str | Field) -> Field:
    """Parse ``GROUP : REP``; a SpecError (ValueError) for anything else, an arrow too."""
    if isinstance(text, Field):
        return text
    if not isinstance(text, str):
        raise SpecError(f"a representation must be a string, not {type(text).__name__}")
    if not text.strip():
        raise SpecError("empty representation; expected GROUP: REP, e.g. 'D(4): V**2'")
    p = _Parser(text)
    group = p.group()
    if not p.accept(":"):
        raise p.error(f"expected ':' after the group, found {p.describe(p.tok)}")
    rep, _ = p.rep()
    if p.tok.kind == "op" and p.tok.text in ("->", "→"):
        raise p.error("decompose takes one representation, GROUP: REP, without '->'")
    p.end()
    return Field(group, _resolve(rep, group, text))
