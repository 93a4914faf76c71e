"""irr(l) of SO(3), irr(l, p) / 0e, 1o, ... of O(3) (docs/irreps.rst) against e3nn 0.6.

The matrices come from the package's own pipeline (``Problem``: the Lie generators and
discrete generators it solves with); e3nn (torch float64, installed with torch by
``make test``, pinned there) is the reference for the basis and for the Wigner 3j
symbols.  Like the other PyTorch tests these need torch; everything that does not is
in test_irreps_exact.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm, logm

import intertwine
from intertwine.groups import factor_data
from intertwine.problem import Problem
from intertwine.spec import parse_group

torch = pytest.importorskip("torch")
o3 = pytest.importorskip("e3nn.o3")


@pytest.fixture(autouse=True)
def float64():
    """e3nn builds its generators in torch's default dtype: float64 for 1e-12."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def irrep_of(spec_group: str, rep: str):
    """(Lie generators on V, d rho of them, discrete generators' rho) of one irrep."""
    problem = Problem.from_spec(f"{spec_group}: {rep} -> {rep}")
    f = parse_group(spec_group).factors[0]
    on_v = [a.toarray() for a in factor_data(f).lie]
    lie = [a.toarray() for a in problem.lie_in]
    discrete = [g.matrix().toarray() for g in problem.discrete_in]
    return on_v, lie, discrete


def rho_of_rotation(on_v, lie, r):
    """exp of d rho at the logarithm of R, written in the Lie generators on V."""
    a = np.real(logm(r))
    basis = np.array([m.ravel() for m in on_v]).T
    c = np.linalg.lstsq(basis, a.ravel(), rcond=None)[0]
    return expm(sum(ck * m for ck, m in zip(c, lie)))


@pytest.mark.parametrize("l", range(9))
def test_matrices_equal_e3nn_at_random_rotations(l):
    on_v, lie, _ = irrep_of("SO(3)", f"irr({l})")
    torch.manual_seed(l)
    for r in o3.rand_matrix(4):
        ours = rho_of_rotation(on_v, lie, r.numpy())
        theirs = o3.Irrep(l, 1).D_from_matrix(r).numpy()
        assert np.abs(ours - theirs).max() < 1e-12


@pytest.mark.parametrize("l", range(9))
@pytest.mark.parametrize("p", ["e", "o"])
def test_o3_reflection_and_inversion_equal_e3nn(l, p):
    on_v, lie, discrete = irrep_of("O(3)", f"{l}{p}")
    (g,) = factor_data(parse_group("O(3)").factors[0]).discrete
    reflection = torch.tensor(g.matrix().toarray(), dtype=torch.float64)
    theirs = o3.Irrep(l, 1 if p == "e" else -1).D_from_matrix(reflection).numpy()
    assert np.abs(discrete[0] - theirs).max() < 1e-12
    # the inversion -I = reflection times the half turn diag(1, -1, -1)
    about_x = np.array([[0, 0, 0], [0, 0, -1], [0, 1, 0]])
    k = next(k for k, a in enumerate(on_v) if np.array_equal(a, about_x))
    half_turn = expm(np.pi * lie[k])  # (logm has no unique real value at a half turn)
    sign = 1 if p == "e" else -1
    assert np.abs(discrete[0] @ half_turn - sign * np.eye(2 * l + 1)).max() < 1e-12


def solver_3j(l1, l2, l3):
    b = intertwine.compute(f"SO(3): irr({l1}) * irr({l2}) -> irr({l3})")
    assert b.n_basis == 1 and b.method == "exact"
    return b.dense()[0].T.reshape(2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1)


def assert_proportional(ours, theirs):
    k = np.unravel_index(np.abs(theirs).argmax(), theirs.shape)
    scale = ours[k] / theirs[k]
    assert np.abs(ours - scale * theirs).max() < 1e-10 * np.abs(ours).max()


@pytest.mark.parametrize("l1", range(7))
def test_wigner_3j_every_block_up_to_6(l1):
    """Every block with l1, l2 <= 6 (about 20 s in all here: the exact solver on the
    rational form), the general solver against e3nn's ``o3.wigner_3j``."""
    for l2 in range(7):
        for l3 in range(abs(l1 - l2), l1 + l2 + 1):
            assert_proportional(solver_3j(l1, l2, l3),
                                o3.wigner_3j(l1, l2, l3, dtype=torch.float64).numpy())
