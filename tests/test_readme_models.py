"""The manual's code is run as written: the reader function for other projects
(docs/reading.rst, against ``Basis.sparse``/``dense``) and the models of "Build a model"
(docs/layers.rst) with their claims (their ``assert`` lines: equivariance, the 2-IGN's
test error, the C4 CNN's accuracy)."""

import re
from pathlib import Path

import numpy as np
import pytest

import intertwine
from intertwine.api import compute_to_file

DOCS = Path(__file__).resolve().parent.parent / "docs"


def section(title: str, page: str) -> str:
    text = (DOCS / page).read_text()
    start = text.index(f"\n{title}\n{'=' * len(title)}\n")
    following = re.search(r"\n[^\n]+\n=+\n", text[start + len(title) + 2:])
    return text[start:start + len(title) + 2 + (following.start() if following else len(text))]


def python_blocks(text: str) -> list[str]:
    """The bodies of the ``.. code-block:: python`` directives, dedented."""
    blocks = []
    for match in re.finditer(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", text):
        lines = match.group(1).rstrip("\n").splitlines()
        blocks.append("\n".join(line[4:] for line in lines) + "\n")
    return blocks


def test_the_reader_for_other_projects(tmp_path):
    (code,) = python_blocks(section("Loading a basis", "reading.rst"))
    assert "import intertwine" not in code and len(code.splitlines()) <= 34
    namespace = {}
    exec(compile(code, "docs/reading.rst:read_basis", "exec"), namespace)
    read_basis = namespace["read_basis"]
    for spec, method in [("S(4): V**2 -> V", "auto"), ("O(3): V**2 -> V**2", "exact"),
                         ("SO(2): V**2 -> V**2", "numeric"), ("C(6): 2*1 -> V", "auto")]:
        path = tmp_path / "basis.h5"
        basis = intertwine.compute(spec, method)
        basis.save(path)
        sparse = read_basis(str(path))
        assert sparse.shape == (basis.n_basis, basis.dim_out * basis.dim_in)
        assert abs(sparse - basis.sparse()).max() == 0
        assert np.array_equal(read_basis(str(path), dense=True), basis.dense())
    labels = tmp_path / "labels.h5"  # a partitions-only file: a clear error, no KeyError
    compute_to_file("S(4): V**2 -> V**2", labels, partitions_only=True)
    with pytest.raises(ValueError, match="set-partition labels, not entries"):
        read_basis(str(labels))


def test_files_describe_their_datasets(tmp_path):
    import h5py

    expected = {"S(3): V -> V": {"pattern": ["-1", "(dim_out, dim_in)"]},
                "O(3): V**2 -> 1": {"basis": ["B_index[row, col] = value"],
                                    "basis/index": ["n_basis"], "basis/row": ["dim_out"],
                                    "basis/col": ["dim_in"], "generators/lie_in": ["(9, 9)"]}}
    for spec, described in expected.items():
        intertwine.compute(spec).save(tmp_path / "b.h5")
        with h5py.File(tmp_path / "b.h5") as f:
            for name, words in described.items():
                assert all(w in f[name].attrs["description"] for w in words), name
            assert "(row[e], col[e])" in f["generators/in"].attrs["description"]


def test_build_a_model_examples_run_and_hold():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)  # tiny tensors: threads only contend on a shared machine
    blocks = python_blocks(section("Build a model", "layers.rst"))
    assert len(blocks) == 4
    namespace = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"docs/layers.rst:Build a model block {i}", "exec"), namespace)
    # the claims are the blocks' own asserts; these check that they measured something
    assert namespace["baseline"] > 2 * namespace["test_error"]
    assert sum(p.numel() for p in namespace["ign"][0].parameters()) == 15 * 8 + 8 * 2
