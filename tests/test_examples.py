"""The worked examples in examples/ run, and their equivariance checks can fail."""

import importlib.util
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import intertwine

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SPECS = {  # one per encoding and kind of group, with a non-square one
    "maron": "S(5): V**2 -> V**2",              # pattern
    "pooling": "C(8): V -> 3*1",                 # pattern, 3 x 8
    "hartford": "S(2) x S(3): V[0]*V[1] -> V[0]*V[1]",
    "lorentz": "SO(1,3): V**2 -> V**2",          # coo, exact, Lie generators
    "o3": "O(3): V**3 -> V",                      # coo, exact, discrete and Lie generators
}


def example(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bases")
    paths = {}
    for name, spec in SPECS.items():
        paths[name] = folder / f"{name}.h5"
        intertwine.compute(spec).save(paths[name])
    paths["numeric"] = folder / "numeric.h5"
    intertwine.compute("O(3): V**2 -> V**2", method="numeric").save(paths["numeric"])
    # not equivariant: two positions of one orbit of S(4) on V moved to another element
    b = intertwine.compute("S(4): V -> V")
    broken = b.pattern.copy()
    broken[0, 1], broken[2, 2] = 0, 1
    paths["broken"] = folder / "broken.h5"
    replace(b, pattern=broken).save(paths["broken"])
    return paths


@pytest.mark.parametrize("name", [*SPECS, "numeric"])
def test_numpy_example_builds_an_equivariant_layer(files, name, capsys):
    assert example("load_numpy").main([str(files[name])]) == 0
    out = capsys.readouterr().out
    assert ": equivariant" in out and intertwine.load(files[name]).spec in out


def test_numpy_layer_is_the_weighted_sum_of_the_basis(files):
    module = example("load_numpy")
    for name in ("maron", "lorentz", "numeric"):
        layer = module.Layer(str(files[name]), seed=3)
        dense = intertwine.load(files[name]).dense().astype(float)
        assert np.allclose(layer.dense(), np.tensordot(layer.w, dense, axes=1), atol=1e-12)


def test_numpy_example_detects_a_broken_basis(files, capsys):
    assert example("load_numpy").main([str(files["broken"])]) == 1
    assert "NOT equivariant" in capsys.readouterr().out


def test_numpy_example_runs_as_a_script(files):
    result = subprocess.run([sys.executable, str(EXAMPLES / "load_numpy.py"),
                             str(files["hartford"])], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and "equivariant" in result.stdout
    result = subprocess.run([sys.executable, str(EXAMPLES / "load_numpy.py"), "missing.h5"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "error" in result.stderr


def test_numpy_example_explains_a_partitions_only_file(tmp_path, capsys):
    path = tmp_path / "labels.h5"
    done = subprocess.run([sys.executable, "-m", "intertwine", "basis", "S(5): V**2 -> V**2",
                           "--partitions-only", "-o", str(path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert example("load_numpy").main([str(path)]) == 2
    err = capsys.readouterr().err
    assert "partitions-only file" in err and 'intertwine basis "S(5): V**2 -> V**2"' in err
    assert "Traceback" not in err and "KeyError" not in err
    assert len(err.strip().splitlines()) <= 4


def test_rotated_digits_quick(tmp_path, capsys):
    """The quick mode runs, prints the table, writes the figure; the C4 and D4 models
    give the same accuracy at every quarter turn (invariant by construction), which the
    plain CNN does not have to."""
    pytest.importorskip("sklearn")
    pytest.importorskip("torch")
    module = example("rotated_digits")
    results = module.run(quick=True, angles=(0, 45, 90, 180, 270))
    for name in ("C4 CNN", "D4 CNN"):
        acc = results[name]["accuracy"]
        assert acc[0] == acc[90] == acc[180] == acc[270]
    figure = tmp_path / "digits.png"
    module.figure(results, str(figure))
    assert figure.stat().st_size > 1000
    assert "C4 CNN" in module.table(results)
