"""Pictures of weight sharing: ``intertwine show`` in the terminal and as figures.

An equivariant layer is best understood by looking at it: W = sum_k w_k B_k drawn with
one colour per parameter.  ``view`` turns a basis into what to draw, ``text`` draws it
in a terminal (or as plain symbols), ``figure`` as a PNG or SVG with matplotlib (an
optional extra), and ``gallery`` lists the pictures of the README.
"""

from .gallery import GALLERY, GalleryCase, render_gallery
from .text import MODES, TooWide, render_text
from .view import View, make_view, read_target

__all__ = ["GALLERY", "GalleryCase", "MODES", "TooWide", "View", "make_view", "read_target",
           "render_gallery", "render_text"]
