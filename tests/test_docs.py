"""The manual builds without a warning and its examples run (``make test`` so keeps it from
going stale); the front page stays a front page; the benchmark page is generated."""

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"




def sphinx(builder: str, out: Path) -> subprocess.CompletedProcess:
    pytest.importorskip("sphinx")
    pytest.importorskip("sphinx_click")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    return subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q",
                           "-b", builder, "-d", str(out / "doctrees"), str(DOCS),
                           str(out / builder)],
                          capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)


def test_the_manual_builds_without_warnings(tmp_path):
    done = sphinx("html", tmp_path)
    assert done.returncode == 0, done.stderr[-4000:]
    html = (tmp_path / "html" / "cli.html").read_text()
    # the command line page is generated from click: every command is there
    for command in ("basis", "dim", "info", "verify", "batch", "show"):
        assert f'id="intertwine-{command}"' in html, command
    assert "FullOcta" in html  # and the grammar, from the registries


def test_the_manuals_examples_run(tmp_path):
    done = sphinx("doctest", tmp_path)
    report = (tmp_path / "doctest" / "output.txt")
    assert done.returncode == 0, (report.read_text()[-4000:] if report.exists() else
                                  done.stderr[-4000:])
    summary = report.read_text().split("Doctest summary")[1]
    tests = int(re.search(r"(\d+) tests", summary).group(1))
    assert tests >= 40 and " 0 failures in tests" in summary


def test_every_page_is_in_the_toctree():
    """Each page is listed by name; the pages other work adds (``OPTIONAL_PAGES`` in
    conf.py) join the toctree when their files exist, and only then."""
    index = (DOCS / "index.rst").read_text()
    listed = set(re.findall(r"^   (\w+)$", index, re.M))
    optional = set(re.search(r"OPTIONAL_PAGES = \(([^)]*)\)", (DOCS / "conf.py").read_text())
                   .group(1).replace('"', "").replace(" ", "").split(","))
    assert "OPTIONAL_PAGES" in listed and optional == {"irreps", "irreps_sn", "decompose",
                                                       "layers_between"}
    pages = {p.stem for p in DOCS.glob("*.rst")} - {"index"}
    assert pages - optional == listed - {"OPTIONAL_PAGES"}, pages ^ listed


def test_the_readme_is_a_front_page():
    text = (ROOT / "README.rst").read_text()
    assert len(text.splitlines()) <= 200
    assert "make bases" in text and "make test" in text
    assert not re.search(r"\b(commit|issue) [0-9a-f]{3,}", text)
    for link in re.findall(r"<(docs/[^>#]+)", text):  # its link table points at pages
        assert (ROOT / link).exists(), link


def test_the_readme_tour_counts_what_it_says():
    import intertwine

    text = (ROOT / "README.rst").read_text()
    claims = re.findall(r'\$ intertwine dim "([^"]+)"[^\n]*\n\s+(\d+)\n', text)
    assert len(claims) >= 2
    for spec, count in claims:
        assert intertwine.dim(spec) == int(count), spec


def _results_module():
    spec = importlib.util.spec_from_file_location("bench_results", ROOT / "bench" / "results.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_results_are_generated_from_json(tmp_path):
    docutils_core = pytest.importorskip("docutils.core")
    results = _results_module()
    (tmp_path / "results.json").write_text(json.dumps({
        "machine": {"date": "2026-12-06T10:00:00", "cpu": "Test CPU", "cpus": 2,
                    "python": "3.11.7", "load": 0.5},
        "rows": [{"case": "S(5): V**2 -> V**2", "kind": "basis", "method": "auto",
                  "n_basis": 15, "cli_s": 0.25, "floor_s": 0.2, "ratio": 1.25}]}))
    (tmp_path / "anyn.json").write_text(json.dumps(
        [{"case": "n50", "n_basis": 15, "anyn_s": 0.003, "sum_s": 0.0001, "peak_mb": 11.0}]))
    text = results.render(tmp_path)
    assert "Run of 2026-12-06T10:00:00 on Test CPU, 2 CPUs" in text
    assert "``S(5): V**2 -> V**2``" in text and "1.25" in text
    row = next(line for line in text.split("Layers for any n")[1].splitlines()
               if line.startswith("n50"))
    assert row.split()[1:4] == ["15", "3", "0.1"]  # n_basis, forward ms, x.sum() ms
    assert row.split()[4] == "2"  # 0.003 s / (15 x 0.0001 s)
    assert "``bench/exact.json``" in text.split("Not run here")[1]  # what is missing
    # the page is valid reStructuredText: no warning from docutils
    docutils_core.publish_doctree(text, settings_overrides={"halt_level": 2,
                                                            "report_level": 2})


def test_the_3d_tables_are_generated_for_another_page(tmp_path):
    """bench/RESULTS_conv3d.rst: the Conv3d step and escnn in 3-D, with no section title
    (docs/layers_between.rst includes it under its own), nested runs read, D8 refused."""
    docutils_core = pytest.importorskip("docutils.core")
    results = _results_module()
    run = {"build_s": 4.0, "peak_mib": 900.0, "build_mib": 300.0}
    ours = {"build_s": 0.05, "peak_mib": 450.0, "build_mib": 3.0}
    (tmp_path / "escnn3d_results.json").write_text(json.dumps({
        "meta": {"date": "2026-12-06 23:00 UTC", "cpu": "Test CPU", "cpus": 2,
                 "escnn": "1.0.11"},
        "rows": [{"group": "Octa", "k": 3, "escnn_dim": 240, "intertwine_dim": 648,
                  "span_inside": True, "escnn_cold": run, "escnn_warm": run, "file": ours,
                  "cold_over_file": 80.0, "warm_over_file": 8.0},
                 {"group": "D8", "k": 3, "escnn_dim": 96, "escnn_cold": run,
                  "escnn_warm": run, "intertwine_exit": 2}]}))
    text = results.render(tmp_path, only=results.CONV3D)
    assert ".. rubric:: Against escnn in 3-D" in text and "escnn 1.0.11" in text
    assert not re.search(r"^[-=~]{4,}$", text, re.M)  # tables only, no section titles
    octa = next(line for line in text.splitlines() if line.startswith("Octa k=3"))
    assert octa.split()[2:6] == ["240", "648", "yes", "4"]  # dims, span, escnn cold s
    assert "80" in octa.split() and "0.05" in octa.split()
    d8 = next(line for line in text.splitlines() if line.startswith("D8 k=3"))
    assert "refused (exit 2)" in d8
    assert "``bench/conv3d_step.json``" in text  # not run: said so
    docutils_core.publish_doctree(text, settings_overrides={"halt_level": 2,
                                                            "report_level": 2})

