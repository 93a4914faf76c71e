"""The gallery: the weight-sharing pictures of the introduction this project follows.

``make gallery`` runs ``python -m intertwine.show docs/gallery``; the tests
render the same list, so what the README shows is what the tests check.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GALLERY", "GalleryCase", "render_gallery"]


@dataclass(frozen=True)
class GalleryCase:
    name: str  # file name without .png
    spec: str
    what: str
    labels: bool = False


GALLERY = (
    GalleryCase("deepsets_s8", "S(8): V -> V", "DeepSets: identity plus all-ones (2)"),
    GalleryCase("maron_s5_t2_t2", "S(5): V**2 -> V**2", "Maron et al., 2-tensor layer (15)"),
    GalleryCase("s5_t2_invariants", "S(5): V**2 -> 1", "invariants of a 2-tensor (2)"),
    GalleryCase("hartford_s3_s4", "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]",
                "Hartford et al., exchangeable matrices (4)", labels=True),
    GalleryCase("hartford_s2_s3_s4", "S(2) x S(3) x S(4): V[0]*V[1]*V[2] -> V[0]*V[1]*V[2]",
                "three exchangeable axes: nested diagonals (8)"),
    GalleryCase("circulant_c8", "C(8): V -> V", "circulant convolution (8)"),
    GalleryCase("pooling_c8", "C(8): V -> 3*1", "three invariant sum-poolings (3)"),
    GalleryCase("o3_t2_t2", "O(3): V**2 -> V**2", "transpose P, trace - P, identity - P (3)"),
    GalleryCase("so2_v_v", "SO(2): V -> V", "identity and the rotation generator (2)"),
)


def render_gallery(folder) -> list[tuple[GalleryCase, Path]]:
    """Write every gallery picture into ``folder`` (which must exist)."""
    from ..api import compute
    from .figure import save_figure
    from .view import make_view

    written = []
    for case in GALLERY:
        path = Path(folder) / f"{case.name}.png"
        save_figure(make_view(compute(case.spec)), path, "png", labels=case.labels)
        written.append((case, path))
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: python -m intertwine.show EXISTING_FOLDER", file=sys.stderr)
        return 2
    for case, path in render_gallery(argv[0]):
        print(f"wrote {path} ({path.stat().st_size // 1024} KiB): {case.spec}")
    return 0
