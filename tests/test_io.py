"""Basis files: round trips, the on-disk layout seen by plain h5py, atomic writes, and a
reader that refuses damaged or hostile files with a BasisFileError."""

from __future__ import annotations

import os
import shutil
import tempfile
import tracemalloc
from fractions import Fraction

import h5py
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import intertwine
from intertwine import io
from intertwine.basis import Basis, Coo, Generators
from intertwine.io import BasisFileError, load, read_attributes, save

S3_PATTERN = [[0, 1, 1], [1, 0, 1], [1, 1, 0]]


def perm(p) -> sp.csr_matrix:
    """The permutation matrix sending basis vector j to p[j]."""
    n = len(p)
    return sp.csr_matrix((np.ones(n), (np.asarray(p), np.arange(n))), shape=(n, n))


def s3_generators() -> Generators:
    gens = [perm([1, 2, 0]), perm([1, 0, 2])]
    return Generators(in_=gens, out=[g.copy() for g in gens])


def s3_basis(**attrs) -> Basis:
    return Basis("S(3): V -> V", "S(3)", "V", "V", 3, 3, 2, "orbit", True,
                 pattern=np.array(S3_PATTERN, np.int8), generators=s3_generators(),
                 attrs=attrs)


def exact_coo_basis() -> Basis:
    fractions = [Fraction(1), Fraction(-1), Fraction(1, 3), Fraction(2**70), Fraction(-5, 7)]
    coo = Coo(index=np.array([0, 0, 1, 1, 2]), row=np.array([0, 1, 0, 1, 1]),
              col=np.array([0, 1, 1, 0, 1]), value=np.array([float(q) for q in fractions]),
              numerator=np.array([q.numerator for q in fractions], dtype=object),
              denominator=np.array([q.denominator for q in fractions], dtype=object))
    return Basis("S(2): V -> V", "S(2)", "V", "V", 2, 2, 3, "exact", True, coo=coo,
                 generators=Generators(in_=[perm([1, 0])], out=[perm([1, 0])]))


def numeric_coo_basis() -> Basis:
    coo = Coo(index=np.array([0, 1]), row=np.array([0, 0]), col=np.array([0, 1]),
              value=np.array([0.6, -0.8]))
    lie = sp.csr_matrix(np.array([[0.0, -1.0], [1.0, 0.0]]))
    gens = Generators(in_=[perm([1, 0])], out=[], lie_in=[lie], lie_out=[sp.csr_matrix((1, 1))])
    return Basis("SO(2): V -> 1", "SO(2)", "V", "1", 2, 1, 2, "numeric", False, coo=coo,
                 generators=gens, attrs={"residual": 1e-15})


def same_matrices(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        x.shape == y.shape and abs(sp.csr_matrix(x) - y).sum() == 0 for x, y in zip(a, b))


def assert_same(got: Basis, want: Basis) -> None:
    for name in ("spec", "group", "rep_in", "rep_out", "dim_in", "dim_out", "n_basis",
                 "method", "exact", "encoding"):
        assert getattr(got, name) == getattr(want, name), name
    assert type(got.exact) is bool
    if want.pattern is not None:
        assert got.pattern.dtype == want.pattern.dtype
        np.testing.assert_array_equal(got.pattern, want.pattern)
    else:
        for name in ("index", "row", "col", "value"):
            np.testing.assert_array_equal(getattr(got.coo, name), getattr(want.coo, name))
        if want.exact:
            assert list(got.coo.numerator) == list(want.coo.numerator)
            assert list(got.coo.denominator) == list(want.coo.denominator)
    for kind in ("in_", "out", "lie_in", "lie_out"):
        assert same_matrices(getattr(got.generators, kind), getattr(want.generators, kind))
        assert all(isinstance(m, sp.csr_matrix) and m.dtype == np.float64
                   for m in getattr(got.generators, kind))
    assert got.attrs == {**want.attrs, "intertwine_version": intertwine.__version__}


# -- round trips --------------------------------------------------------------------------

@pytest.mark.parametrize("make", [s3_basis, exact_coo_basis, numeric_coo_basis])
def test_round_trip(tmp_path, make):
    b = make()
    save(b, tmp_path / "b.h5")
    assert_same(load(tmp_path / "b.h5"), b)


def test_round_trip_through_basis_methods(tmp_path):
    b = s3_basis(note="hello")
    b.save(str(tmp_path / "b.h5"))
    got = intertwine.load(tmp_path / "b.h5")
    assert_same(got, b)
    np.testing.assert_array_equal(got.dense(), b.dense())


def test_exact_values_stored_as_int64_or_decimal_strings(tmp_path):
    save(exact_coo_basis(), tmp_path / "b.h5")
    with h5py.File(tmp_path / "b.h5", "r") as f:
        num, den = f["basis/numerator"], f["basis/denominator"]
        assert h5py.check_string_dtype(num.dtype) is not None  # 2**70 does not fit int64
        assert num.asstr()[3] == str(2**70)
        assert den.dtype == np.int64
        assert f["basis/value"].dtype == np.float64
    got = load(tmp_path / "b.h5").coo
    assert got.numerator.dtype == object and got.numerator[3] == 2**70
    assert got.denominator.dtype == np.int64


def test_small_numerators_are_int64(tmp_path):
    b = exact_coo_basis()
    keep = np.array([True, True, True, False, True])
    c = b.coo
    b.coo = Coo(c.index[keep], c.row[keep], c.col[keep], c.value[keep],
                c.numerator[keep], c.denominator[keep])
    save(b, tmp_path / "b.h5")
    with h5py.File(tmp_path / "b.h5", "r") as f:
        assert f["basis/numerator"].dtype == np.int64
    got = load(tmp_path / "b.h5").coo
    assert got.numerator.dtype == np.int64
    assert got.numerator.tolist() == [1, -1, 1, -5]


def test_exact_numerators_derived_from_integral_values(tmp_path):
    coo = Coo(np.array([0, 1]), np.array([0, 1]), np.array([1, 0]), np.array([1.0, -2.0]))
    b = Basis("x", "S(2)", "V", "V", 2, 2, 2, "exact", True, coo=coo)
    save(b, tmp_path / "b.h5")
    got = load(tmp_path / "b.h5").coo
    assert got.numerator.tolist() == [1, -2] and got.denominator.tolist() == [1, 1]
    b.coo = Coo(coo.index, coo.row, coo.col, np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="non-integer"):
        save(b, tmp_path / "c.h5")
    assert not (tmp_path / "c.h5").exists()


def test_inexact_coo_has_no_numerators(tmp_path):
    save(numeric_coo_basis(), tmp_path / "b.h5")
    with h5py.File(tmp_path / "b.h5", "r") as f:
        assert set(f["basis"]) == {"index", "row", "col", "value"}


@st.composite
def pattern_bases(draw) -> Basis:
    dim_out, dim_in = draw(st.integers(0, 5)), draw(st.integers(0, 5))
    n = draw(st.integers(0, min(dim_in * dim_out, 6)))
    dtype = draw(st.sampled_from([np.int8, np.int16, np.int32, np.int64]))
    pattern = np.array(draw(st.lists(st.integers(-1, n - 1), min_size=dim_in * dim_out,
                                     max_size=dim_in * dim_out)), dtype).reshape(dim_out,
                                                                                 dim_in)
    return Basis("s", "g", "a", "b", dim_in, dim_out, n, "orbit", True, pattern=pattern)


@st.composite
def exact_bases(draw) -> Basis:
    dim_out, dim_in = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    n = draw(st.integers(1, min(4, dim_out * dim_in)))
    keys = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, dim_out - 1),
                                   st.integers(0, dim_in - 1)), unique=True, max_size=12))
    nums = st.integers(-2**80, 2**80).filter(bool)
    qs = [Fraction(draw(nums), draw(st.integers(1, 2**66))) for _ in keys]
    index, row, col = (np.array([k[i] for k in keys], np.int64) for i in range(3))
    used, index = np.unique(index, return_inverse=True)  # every element has an entry
    n = len(used)
    coo = Coo(index.ravel(), row, col, np.array([float(q) for q in qs], np.float64),
              np.array([q.numerator for q in qs], dtype=object),
              np.array([q.denominator for q in qs], dtype=object))
    return Basis("s", "g", "a", "b", dim_in, dim_out, n, "exact", True, coo=coo)


@settings(max_examples=25, deadline=None)
@given(pattern_bases())
def test_round_trip_random_patterns(b):
    with tempfile.TemporaryDirectory() as folder:
        save(b, os.path.join(folder, "b.h5"))
        assert_same(load(os.path.join(folder, "b.h5")), b)


@settings(max_examples=25, deadline=None)
@given(exact_bases())
def test_round_trip_random_fractions(b):
    with tempfile.TemporaryDirectory() as folder:
        save(b, os.path.join(folder, "b.h5"))
        got = load(os.path.join(folder, "b.h5")).coo
    assert [Fraction(int(p), int(q)) for p, q in zip(got.numerator, got.denominator)] == \
        [Fraction(p, q) for p, q in zip(b.coo.numerator, b.coo.denominator)]
    np.testing.assert_array_equal(got.value, b.coo.value)


# -- the layout as any HDF5 reader sees it ---------------------------------------------------

def test_root_attribute_types_in_plain_h5py(tmp_path):
    save(s3_basis(), tmp_path / "b.h5")
    with h5py.File(tmp_path / "b.h5", "r") as f:
        a = f.attrs
        for name in ("format", "spec", "group", "rep_in", "rep_out", "method", "encoding",
                     "intertwine_version"):
            assert isinstance(a[name], str), name
            info = h5py.check_string_dtype(a.get_id(name).dtype)
            assert info.encoding == "utf-8" and info.length is None, name  # variable length
        for name in ("format_version", "dim_in", "dim_out", "n_basis"):
            assert isinstance(a[name], np.integer), name
        assert isinstance(a["exact"], np.bool_) and a["exact"]
        assert (a["format"], a["format_version"], a["encoding"]) == \
            ("intertwine.basis", 1, "pattern")
        assert (a["dim_in"], a["dim_out"], a["n_basis"]) == (3, 3, 2)
        assert a["intertwine_version"] == intertwine.__version__


def test_weights_from_plain_h5py(tmp_path):
    save(s3_basis(), tmp_path / "b.h5")
    with h5py.File(tmp_path / "b.h5", "r") as f:
        pattern = f["pattern"][()]
        assert pattern.dtype.kind == "i" and pattern.shape == (f.attrs["dim_out"],
                                                               f.attrs["dim_in"])
    w = np.array([2.0, 5.0])
    W = np.where(pattern >= 0, w[pattern], 0)
    np.testing.assert_array_equal(W, [[2, 5, 5], [5, 2, 5], [5, 5, 2]])


def test_generators_layout(tmp_path):
    b = s3_basis()
    b.generators.out = []
    b.generators.in_[0] = b.generators.in_[0] + sp.csr_matrix((3, 3))  # harmless
    b.generators.in_[0].data[0] = 0.0  # an explicit zero must not reach the file
    save(b, tmp_path / "b.h5")
    with h5py.File(tmp_path / "b.h5", "r") as f:
        assert set(f["generators"]) == {"in", "out"}
        g_in, g_out = f["generators/in"], f["generators/out"]
        assert g_in.attrs["count"] == 2 and g_out.attrs["count"] == 0
        assert set(g_out) == {"index", "row", "col", "value"} and g_out["index"].shape == (0,)
        assert g_in["value"].dtype == np.float64
        assert (g_in["value"][()] != 0).all() and len(g_in["value"]) == 5
    save(numeric_coo_basis(), tmp_path / "c.h5")
    with h5py.File(tmp_path / "c.h5", "r") as f:
        assert set(f["generators"]) == {"in", "out", "lie_in", "lie_out"}
        assert f["generators/lie_out"].attrs["count"] == 1
        assert f["generators/lie_out/index"].shape == (0,)


def test_extra_attributes_do_not_override_contract(tmp_path):
    b = s3_basis(seconds=0.25, flag=True, count=np.int32(7), format="evil", spec="evil",
                 intertwine_version="0.0.1")
    save(b, tmp_path / "b.h5")
    with h5py.File(tmp_path / "b.h5", "r") as f:
        assert f.attrs["format"] == "intertwine.basis" and f.attrs["spec"] == b.spec
        assert isinstance(f.attrs["flag"], np.bool_)
    got = load(tmp_path / "b.h5")
    assert got.attrs == {"seconds": 0.25, "flag": True, "count": 7,
                         "intertwine_version": intertwine.__version__}
    assert all(type(v) in (str, int, float, bool) for v in got.attrs.values())
    attrs = read_attributes(tmp_path / "b.h5")
    assert list(attrs)[:len(io.REQUIRED)] == list(io.REQUIRED)
    assert attrs["exact"] is True and attrs["dim_in"] == 3 and attrs["seconds"] == 0.25


def test_large_pattern_is_chunked(tmp_path):
    pattern = np.zeros((1100, 1000), np.int8)  # more than 1e6 entries
    pattern[::2] = 1
    b = Basis("s", "g", "a", "b", 1000, 1100, 2, "orbit", True, pattern=pattern)
    save(b, tmp_path / "b.h5")
    with h5py.File(tmp_path / "b.h5", "r") as f:
        ds = f["pattern"]
        assert ds.chunks is not None and ds.chunks[1] == 1000  # whole rows
        assert ds.compression is None
        assert np.prod(ds.chunks) * ds.dtype.itemsize <= 4 << 20
    np.testing.assert_array_equal(load(tmp_path / "b.h5").pattern, pattern)


def test_pattern_chunks_are_a_few_mib():
    assert io._pattern_chunks((10**4, 10**3), 4) == (524, 1000)  # whole rows
    assert io._pattern_chunks((3, 10**8), 1) == (1, 2 << 20)  # a row larger than a chunk
    assert io._pattern_chunks((0, 5), 1) is None


def test_gzip_uses_only_builtin_filters(tmp_path):
    save(exact_coo_basis(), tmp_path / "c.h5", compression="gzip")
    save(s3_basis(), tmp_path / "p.h5", compression="gzip")
    with h5py.File(tmp_path / "p.h5", "r") as f:
        assert f["pattern"].compression == "gzip" and f["pattern"].shuffle
    assert_same(load(tmp_path / "c.h5"), exact_coo_basis())
    with pytest.raises(ValueError, match="compression"):
        save(s3_basis(), tmp_path / "x.h5", compression="lzf")


# -- atomic writing --------------------------------------------------------------------------

@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit, RuntimeError])
@pytest.mark.parametrize("where", ["write_generators", "_write_coo", "replace"])
def test_interrupted_write_leaves_old_file(tmp_path, monkeypatch, exc, where):
    path = tmp_path / "b.h5"
    save(s3_basis(), path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise exc("interrupted")

    if where == "replace":
        monkeypatch.setattr(io.write.os, "replace", boom)
    else:
        monkeypatch.setattr(io.write, where, boom)
    with pytest.raises(exc):
        save(exact_coo_basis(), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["b.h5"]  # no temporary file left behind


def test_interrupted_first_write_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(io.write, "_write_pattern",
                        lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        save(s3_basis(), tmp_path / "b.h5")
    assert os.listdir(tmp_path) == []


def test_file_mode_follows_umask(tmp_path):
    old = os.umask(0o022)
    try:
        save(s3_basis(), tmp_path / "b.h5")
    finally:
        os.umask(old)
    assert (tmp_path / "b.h5").stat().st_mode & 0o777 == 0o644


def test_save_into_missing_folder(tmp_path):
    with pytest.raises(BasisFileError, match="folder does not exist") as info:
        save(s3_basis(), tmp_path / "nope" / "b.h5")
    assert isinstance(info.value, FileNotFoundError)
    assert not (tmp_path / "nope").exists()


def test_save_refuses_inconsistent_basis(tmp_path):
    b = s3_basis()
    b.pattern = b.pattern[:2]
    with pytest.raises(ValueError, match="shape"):
        save(b, tmp_path / "b.h5")
    b = s3_basis()
    b.generators.in_.append(perm([1, 0]))
    with pytest.raises(ValueError, match="3x3"):
        save(b, tmp_path / "b.h5")
    assert os.listdir(tmp_path) == []


# -- the reader against damaged and hostile files ---------------------------------------------

def _set(path, **attrs):
    with h5py.File(path, "a") as f:
        for key, value in attrs.items():
            f.attrs[key] = value


def _replace(path, name, **kwargs):
    with h5py.File(path, "a") as f:
        del f[name]
        f.create_dataset(name, **kwargs)


def _add_empty_lie(path, count):
    """Lie generators that vanish on both sides: entries cannot bound their count."""
    with h5py.File(path, "a") as f:
        for kind in ("lie_in", "lie_out"):
            g = f["generators"].create_group(kind)
            for key, dtype in (("index", int), ("row", int), ("col", int), ("value", float)):
                g[key] = np.zeros(0, dtype)
            g.attrs["count"] = count


def _drop_last_element(path):
    with h5py.File(path, "a") as f:
        keep = f["basis/index"][()] < 1  # 2 entries for 3 elements
        for key in ("index", "row", "col", "value", "numerator", "denominator"):
            data = f["basis"][key][()][keep]
            del f["basis"][key]
            f["basis"][key] = data


def _edit(path, name, index, value):
    with h5py.File(path, "a") as f:
        data = f[name][()]
        data[index] = value
        del f[name]
        f[name] = data


def _link(path, link):
    with h5py.File(path, "a") as f:
        f["elsewhere"] = f["pattern"][()]
        del f["pattern"]
        f["pattern"] = link(path)


def _external_storage(path):
    raw = os.path.join(os.path.dirname(path), "raw.bin")
    np.array(S3_PATTERN, np.int8).tofile(raw)
    _replace(path, "pattern", shape=(3, 3), dtype=np.int8, external=[(raw, 0, 9)])


def _virtual(path):
    other = os.path.join(os.path.dirname(path), "other.h5")
    shutil.copy(path, other)
    layout = h5py.VirtualLayout(shape=(3, 3), dtype=np.int8)
    layout[...] = h5py.VirtualSource(other, "pattern", shape=(3, 3))
    with h5py.File(path, "a") as f:
        del f["pattern"]
        f.create_virtual_dataset("pattern", layout)


def _external_link(path):
    other = os.path.join(os.path.dirname(path), "other.h5")
    shutil.copy(path, other)
    _link(path, lambda p: h5py.ExternalLink(other, "/pattern"))


def _huge_declared_pattern(path):
    # 10**12 entries declared, none written: the file stays tiny
    _set(path, dim_in=10**6, dim_out=10**6)
    _replace(path, "pattern", shape=(10**6, 10**6), dtype=np.int8, chunks=(1000, 1000))


def _delete(path, name):
    with h5py.File(path, "a") as f:
        del f[name]


def _write_bytes(data):
    return lambda path: open(path, "wb").write(data)


def _truncate(path):
    data = open(path, "rb").read()
    open(path, "wb").write(data[:len(data) // 2])


PATTERN_CASES = {
    "wrong format": (lambda p: _set(p, format="something.else"), "format is"),
    "no format": (lambda p: _delete_attr(p, "format"), "format attribute missing"),
    "format_version 2": (lambda p: _set(p, format_version=2),
                         r"unsupported format_version 2 \(this intertwine reads 1\)"),
    "format_version str": (lambda p: _set(p, format_version="1"), "format_version"),
    "missing dim_out": (lambda p: _delete_attr(p, "dim_out"), "dim_out missing"),
    "dim_in not int": (lambda p: _set(p, dim_in=3.0), "dim_in"),
    "exact not bool": (lambda p: _set(p, exact=2), "exact"),
    "negative dim": (lambda p: _set(p, dim_in=-3), "negative"),
    "n_basis too large": (lambda p: _set(p, n_basis=10), "n_basis"),
    "unknown encoding": (lambda p: _set(p, encoding="png"), "encoding"),
    "dim_in 10**12": (lambda p: _set(p, dim_in=10**12), "shape"),
    "huge declared pattern": (_huge_declared_pattern, "too large|claims"),
    "pattern value too large": (lambda p: _edit(p, "pattern", (0, 0), 2), "outside"),
    "pattern value below -1": (lambda p: _edit(p, "pattern", (0, 0), -2), "outside"),
    "pattern float": (lambda p: _replace(p, "pattern", data=np.zeros((3, 3))), "type"),
    "pattern missing": (lambda p: _delete(p, "pattern"), "pattern missing"),
    "generators missing": (lambda p: _delete(p, "generators"), "generators missing"),
    "generators/out missing": (lambda p: _delete(p, "generators/out"), "out missing"),
    "generator row out of range": (lambda p: _edit(p, "generators/in/row", 0, 3), "row"),
    "generator index >= count": (lambda p: _edit(p, "generators/in/index", 0, 2), "index"),
    "generator value nan": (lambda p: _edit(p, "generators/out/value", 0, np.nan), "finite"),
    "generator count huge": (lambda p: _set_group(p, "generators/out", count=10**13),
                             "claims 10000000000000"),
    # issue 10: 46 s and 1 GB before; the data bounds the count
    "generator count 10**6, 9 entries": (
        lambda p: _set_group(p, "generators/in", count=10**6), "claims 1000000"),
    "lie count 10**12": (lambda p: _add_empty_lie(p, 10**12), "without entries"),
    # issue 10: a 3.8 GB chunk declared for a small pattern
    "huge chunk": (lambda p: _replace(p, "pattern", data=np.zeros((3, 3), np.int8),
                                      maxshape=(None, None), chunks=(2000, 2000),
                                      compression="gzip"), "chunks of 4 MB"),
    "generator no count": (lambda p: _delete_attr(p, "count", "generators/in"), "count"),
    "external link": (_external_link, "external link"),
    "soft link": (lambda p: _link(p, lambda _: h5py.SoftLink("/elsewhere")), "soft link"),
    "external storage": (_external_storage, "other files"),
    "virtual dataset": (_virtual, "other files"),
    "text file": (_write_bytes(b"S(3): V -> V\n" * 10), "not a readable HDF5 file"),
    "empty file": (_write_bytes(b""), "not a readable HDF5 file"),
    "truncated": (_truncate, "not a readable HDF5 file"),
}

COO_CASES = {
    "coo index out of range": (lambda p: _edit(p, "basis/index", 0, 3), "index"),
    "coo col out of range": (lambda p: _edit(p, "basis/col", 0, -1), "col"),
    "coo duplicate": (lambda p: _edit(p, "basis/row", 1, 0) or _edit(p, "basis/col", 1, 0),
                      "twice"),
    "coo lengths differ": (lambda p: _replace(p, "basis/value", data=np.ones(4)), "length"),
    "coo value int": (lambda p: _replace(p, "basis/value", data=np.ones(5, np.int64)), "type"),
    "coo value inf": (lambda p: _edit(p, "basis/value", 0, np.inf), "finite"),
    "denominator zero": (lambda p: _edit(p, "basis/denominator", 0, 0), "positive"),
    # issue 10: exit 3 ("728 TiB") for n_basis=10**9 before: every element needs an entry
    "an element without entries": (_drop_last_element, "n_basis is 3 but"),
    "numerator not digits": (lambda p: _edit(p, "basis/numerator", 0, b"1e5"), "decimal"),
    "numerator mismatch": (lambda p: _edit(p, "basis/numerator", 0, b"7"), "disagrees"),
    "numerator missing": (lambda p: _delete(p, "basis/numerator"), "numerator missing"),
}


def _set_group(path, where, **attrs):
    with h5py.File(path, "a") as f:
        f[where].attrs.update(attrs)


def _delete_attr(path, name, where="/"):
    with h5py.File(path, "a") as f:
        del f[where].attrs[name]


def _check_refused(path, match):
    tracemalloc.start()
    try:
        with pytest.raises(BasisFileError, match=match) as info:
            load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 << 20  # refused before allocating anything big
    message = str(info.value)
    assert "\n" not in message and str(path) in message


@pytest.mark.parametrize("case", list(PATTERN_CASES))
def test_refuses_bad_pattern_file(tmp_path, monkeypatch, case):
    monkeypatch.setattr(io, "MAX_BYTES", 1 << 30)
    path = tmp_path / "b.h5"
    save(s3_basis(), path)
    damage, match = PATTERN_CASES[case]
    damage(str(path))
    _check_refused(path, match)


@pytest.mark.parametrize("case", list(COO_CASES))
def test_refuses_bad_coo_file(tmp_path, case):
    path = tmp_path / "b.h5"
    save(exact_coo_basis(), path)
    damage, match = COO_CASES[case]
    damage(str(path))
    _check_refused(path, match)


@pytest.mark.parametrize("attrs, match", [
    ({"format": "x"}, "not a basis file"),
    ({"format_version": 2}, "unsupported format_version 2"),
])
def test_read_attributes_validates_format(tmp_path, attrs, match):
    save(s3_basis(), tmp_path / "b.h5")
    _set(tmp_path / "b.h5", **attrs)
    with pytest.raises(BasisFileError, match=match):
        read_attributes(tmp_path / "b.h5")


def test_missing_paths(tmp_path):
    with pytest.raises(BasisFileError, match="no such file") as info:
        load(tmp_path / "nothing.h5")
    assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(BasisFileError, match="folder does not exist"):
        read_attributes(tmp_path / "nope" / "b.h5")
    with pytest.raises(BasisFileError, match="folder"):
        load(tmp_path)


def test_memory_limit(tmp_path, monkeypatch):
    save(s3_basis(), tmp_path / "b.h5")
    monkeypatch.setattr(io, "MAX_BYTES", 16)
    with pytest.raises(BasisFileError, match="too large"):
        load(tmp_path / "b.h5")
    assert read_attributes(tmp_path / "b.h5")["n_basis"] == 2  # reads no dataset


def test_memory_limit_from_environment(monkeypatch):
    monkeypatch.setenv("INTERTWINE_MAX_BYTES", "12345")
    assert io._default_max_bytes() == 12345
    monkeypatch.setenv("INTERTWINE_MAX_BYTES", "2e9")
    assert io._default_max_bytes() == 2 * 10**9
    monkeypatch.delenv("INTERTWINE_MAX_BYTES")
    assert io._default_max_bytes() > 1 << 20


def test_accepts_other_writers_conventions(tmp_path):
    """Fixed-length byte strings, 32-bit and shape-(1,) integers, exact as 0/1, unsigned
    pattern, big-endian coo, unknown extra datasets and attributes."""
    path = tmp_path / "b.h5"
    save(s3_basis(), path)
    with h5py.File(path, "a") as f:
        for name in ("format", "spec", "group", "method", "encoding"):
            f.attrs[name] = np.bytes_(f.attrs[name].encode())
        f.attrs["dim_in"] = np.int32(3)
        f.attrs["n_basis"] = np.array([2], np.uint16)
        f.attrs["exact"] = np.uint8(1)
        f.attrs["origin"] = np.array([b"a", b"b"])
        f["notes"] = np.arange(3)
        del f["pattern"]
        f["pattern"] = np.array(S3_PATTERN, np.uint8)
        del f["generators/in/value"]
        f["generators/in/value"] = np.ones(6, ">f8")
    got = load(path)
    assert got.spec == "S(3): V -> V" and got.exact is True and got.n_basis == 2
    assert got.pattern.dtype.kind == "i" and got.pattern.tolist() == S3_PATTERN
    assert got.attrs["origin"] == ["a", "b"]
    assert same_matrices(got.generators.in_, s3_generators().in_)


def _attributes(path) -> dict:
    """Every object's attributes (the version aside), by name."""
    found = {}
    with h5py.File(path) as f:
        found["/"] = {k: repr(v) for k, v in f.attrs.items() if k != "intertwine_version"}
        f.visititems(lambda name, obj: found.update(
            {name: {k: repr(v) for k, v in obj.attrs.items()}}))
    return found


@pytest.mark.parametrize("spec, method", [("O(3): V**3 -> V", "exact"),
                                          ("SO(3): V**2 -> V**2", "exact"),
                                          ("S(4): V**2 -> V**2", "orbit")])
def test_streamed_and_whole_files_describe_the_same_objects(spec, method, tmp_path,
                                                            monkeypatch):
    """Descriptions are set as each object is created, on every writing path: a file
    streamed block by block says what a file saved whole says."""
    from intertwine.api import compute_to_file
    from intertwine.solvers import exact

    intertwine.compute(spec, method).save(tmp_path / "whole.h5")
    monkeypatch.setattr(exact, "STREAM_BLOCK_ENTRIES", 4)
    compute_to_file(spec, tmp_path / "streamed.h5", method)
    whole, streamed = _attributes(tmp_path / "whole.h5"), _attributes(tmp_path / "streamed.h5")
    assert whole == streamed
    described = [name for name, attrs in whole.items() if "description" in attrs]
    assert ("pattern" in described) == (method == "orbit")
    assert method == "orbit" or {"basis", "basis/index", "basis/row", "basis/col",
                                 "basis/value", "basis/numerator", "basis/denominator",
                                 "generators", "generators/in"} <= set(described)
