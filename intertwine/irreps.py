"""The C(n)/D(n) label functions of version 0.2, now in ``groups/cyclic.py`` (the family
owns its irreducible representations); kept importable under this name."""

from .groups.cyclic import (  # noqa: F401
    character,
    dimension,
    generator_matrices,
    is_rational,
    is_valid_label,
    signed_generators,
    valid_labels,
)

__all__ = ["valid_labels", "is_valid_label", "dimension", "is_rational", "generator_matrices",
           "signed_generators", "character"]
