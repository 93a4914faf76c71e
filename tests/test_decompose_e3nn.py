"""decompose against e3nn's ReducedTensorProducts: the isotypic subspaces (the row spaces
of each irrep's block of Q, unique whatever the choice among copies) agree with e3nn's,
mapped to the full Cartesian tensors through sym/alt's embedding E (Q E⁺ with
E⁺ = M⁻¹ Eᵀ), to 1e-10."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import intertwine

torch = pytest.importorskip("torch")
o3 = pytest.importorskip("e3nn.o3")

FORMULAS = {"ij=ji": ("sym", 2), "ij=-ji": ("alt", 2), "ijk=jik=ikj": ("sym", 3),
            "ijkl=jikl=klij": ("symsym", 2)}
IRREPS = {"1o": "1o", "1o+2e": "(1o + 2e)", "0e+1o": "(0e + 1o)"}


def embedding(d: int, k: int, strict: bool) -> np.ndarray:
    """E: sorted tuples of range(d) (strictly increasing for alt) -> the full tensor
    (row-major), copying each coordinate to every permutation of its tuple (with the
    permutation's sign for alt): sym/alt's coordinates in docs/."""
    tuples = list(itertools.combinations(range(d), k) if strict else
                  itertools.combinations_with_replacement(range(d), k))
    e = np.zeros((d ** k, len(tuples)))
    for c, t in enumerate(tuples):
        for perm in set(itertools.permutations(range(k))):
            u = tuple(t[p] for p in perm)
            flat = 0
            for x in u:
                flat = flat * d + x
            sign = np.linalg.det(np.eye(k)[list(perm)]) if strict else 1
            e[flat, c] = sign
    return e


def full_embedding(kind: str, k: int, d: int) -> np.ndarray:
    if kind in ("sym", "alt"):
        return embedding(d, k, kind == "alt")
    inner = embedding(d, 2, False)  # sym(sym(R, 2), 2): E_outer then E_inner (x) E_inner
    outer = embedding(inner.shape[1], 2, False)
    return np.kron(inner, inner) @ outer


def projector(rows: np.ndarray) -> np.ndarray:
    u, s, _ = np.linalg.svd(rows.T, full_matrices=False)
    u = u[:, s > 1e-9 * s.max()]
    return u @ u.T


def e3nn_label(mul_ir) -> str:
    return f"{mul_ir.ir.l}{'e' if mul_ir.ir.p == 1 else 'o'}"


#: the elasticity tensor of "1o+2e" (dimension 666) takes e3nn about 40 s and us about
#: 10 s: bench/reduced.py checks its subspaces the same way (``agrees`` in reduced.json)
CASES = [(f, i) for f in FORMULAS for i in IRREPS if (f, i) != ("ijkl=jikl=klij", "1o+2e")]


@pytest.mark.parametrize(("formula", "i"), CASES)
def test_isotypic_subspaces_equal_e3nn(formula, i):
    assert isotypic_distance(formula, i) < 1e-10


def isotypic_distance(formula: str, i: str) -> float:
    """The largest difference of the projectors onto the isotypic subspaces of ours and
    e3nn's (the same irreps required)."""
    kind, k = FORMULAS[formula]
    rep = {"sym": f"sym({IRREPS[i]}, {k})", "alt": f"alt({IRREPS[i]}, {k})",
           "symsym": f"sym(sym({IRREPS[i]}, 2), 2)"}[kind]
    d = intertwine.decompose(f"O(3): {rep}")
    dim_i = o3.Irreps(i).dim
    e = full_embedding(kind, 3 if formula == "ijk=jik=ikj" else 2, dim_i)
    qe = d.change_of_basis() @ np.linalg.pinv(e)  # rows in the full Cartesian space
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # e3nn solves in the default dtype
    try:
        rtp = o3.ReducedTensorProducts(formula, i=i)
    finally:
        torch.set_default_dtype(default)
    c = rtp.change_of_basis.to(torch.float64).reshape(rtp.irreps_out.dim, -1).numpy()
    theirs, at = {}, 0
    for mul_ir in rtp.irreps_out:
        rows = c[at:at + mul_ir.dim]
        theirs[e3nn_label(mul_ir)] = np.vstack([theirs.get(e3nn_label(mul_ir),
                                                           np.zeros((0, c.shape[1]))), rows])
        at += mul_ir.dim
    ours = {}
    for label, first, last in d.blocks():
        ours[label] = np.vstack([ours.get(label, np.zeros((0, qe.shape[1]))), qe[first:last]])
    assert sorted(ours) == sorted(theirs)
    assert all(len(ours[label]) == len(theirs[label]) for label in ours)
    return max(np.abs(projector(ours[label]) - projector(theirs[label])).max()
               for label in ours)
