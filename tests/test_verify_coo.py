"""``verify`` of coo files in slices: the streaming path, forced with a tiny band."""

import h5py
import numpy as np
import pytest

import intertwine
from intertwine.check.verify import verify_file
from intertwine.io import BasisFileError, save

FIELDS = ("index", "row", "col", "value", "numerator", "denominator")


def results(path, band_entries=None):
    return list(verify_file(path, band_entries))


def rounded(checks):
    """The checks without their measured residuals, which vary with the summation order."""
    return [(passed, message.split(" (max")[0]) for passed, message in checks]


def failures(path, band_entries=8):
    return [m for passed, m in results(path, band_entries) if passed is False]


@pytest.fixture(scope="module")
def exact(tmp_path_factory):
    path = tmp_path_factory.mktemp("coo") / "exact.h5"
    save(intertwine.compute("SO(3): V**3 -> V**3", "exact"), path)
    return path


@pytest.fixture(scope="module")
def numeric(tmp_path_factory):
    path = tmp_path_factory.mktemp("coo") / "numeric.h5"
    save(intertwine.compute("SO(3): V**2 -> V**2", "numeric"), path)
    return path


def rewritten(source, target, change):
    """A copy of ``source`` whose basis datasets are ``change(dict of arrays)``."""
    target.write_bytes(source.read_bytes())
    with h5py.File(target, "r+") as f:
        g = f["basis"]
        arrays = {k: g[k][()] for k in FIELDS if k in g}
        dtypes = {k: g[k].dtype for k in arrays}
        change(arrays)
        for k, a in arrays.items():
            del g[k]
            g.create_dataset(k, data=np.asarray(a, dtypes[k]))
    return target


def test_small_bands_give_the_same_checks(exact, numeric):
    for path in (exact, numeric):
        whole = results(path)
        assert all(passed for passed, _ in whole), whole
        for band in (1, 8, 64):
            assert rounded(results(path, band)) == rounded(whole)


def test_entries_in_any_order(exact, numeric, tmp_path):
    """The contract allows any order: elements are then gathered pass by pass."""
    for path in (exact, numeric):
        def shuffle(a):
            order = np.random.default_rng(0).permutation(len(a["index"]))
            for k in a:
                a[k] = a[k][order]
        shuffled = rewritten(path, tmp_path / "shuffled.h5", shuffle)
        assert rounded(results(shuffled, 8)) == rounded(results(path))


def last_element(a):
    return np.flatnonzero(a["index"] == a["index"].max())


def test_a_wrong_entry_in_the_last_slice_is_caught(exact, tmp_path):
    def damage(a):
        at = last_element(a)[-1]
        a["value"][at] *= 3
        a["numerator"][at] *= 3
    bad = rewritten(exact, tmp_path / "bad.h5", damage)
    for band in (8, None):
        assert any("equivariant" in m for m in failures(bad, band))


def test_a_broken_pivot_in_the_last_element_is_caught(exact, tmp_path):
    def damage(a):
        at = last_element(a)
        first = at[np.argmin(a["row"][at] * 27 + a["col"][at])]  # its leading entry
        a["value"][first], a["numerator"][first], a["denominator"][first] = 0.5, 1, 2
    bad = rewritten(exact, tmp_path / "pivot.h5", damage)
    assert "not in reduced row-echelon form" in failures(bad)


def test_a_fraction_disagreeing_in_the_last_slice_is_refused(exact, tmp_path):
    def damage(a):
        a["numerator"][-1] += 1
    bad = rewritten(exact, tmp_path / "fraction.h5", damage)
    with pytest.raises(BasisFileError, match="disagrees with numerator/denominator"):
        results(bad, 8)


def test_a_repeated_entry_in_the_last_element_is_refused(exact, tmp_path):
    def damage(a):
        for k in a:
            a[k] = np.append(a[k], a[k][-1])
    bad = rewritten(exact, tmp_path / "twice.h5", damage)
    for band in (8, None):
        with pytest.raises(BasisFileError, match="entry twice"):
            results(bad, band)


def test_a_zero_last_element_is_caught(exact, tmp_path):
    def damage(a):
        keep = a["index"] != a["index"].max()
        for k in a:
            a[k] = a[k][keep]
    bad = rewritten(exact, tmp_path / "zero.h5", damage)
    assert "some basis element is zero" in failures(bad)


def test_a_numeric_element_scaled_in_the_last_slice_is_caught(numeric, tmp_path):
    def damage(a):
        a["value"][last_element(a)] *= 1.5
    bad = rewritten(numeric, tmp_path / "scaled.h5", damage)
    for band in (8, None):
        assert any(m.startswith("orthonormal") for m in failures(bad, band))


def test_the_budget_sets_the_band(exact, monkeypatch):
    """INTERTWINE_MAX_BYTES / 32 entries at a time: here 1250 (of 771), so the entries
    are read an eighth of that at a time (then whole elements, a quarter)."""
    import intertwine.io

    seen = []
    real = intertwine.io.CooFile.read

    def read(self, lo, hi, exact=True):
        seen.append(hi - lo)
        return real(self, lo, hi, exact)
    monkeypatch.setattr(intertwine.io.CooFile, "read", read)
    monkeypatch.setattr(intertwine.io, "MAX_BYTES", 1250 * 32)
    assert all(passed for passed, _ in results(exact))
    assert max(seen) <= 1250 // 4 and len(seen) > 771 // 156
