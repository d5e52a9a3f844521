"""The ODP bootstrap's fix of chainladder's hat-matrix adjustment overrides a private method,
``BootstrapODPSample._get_hat(self, X, exp_incr_triangle)``: pyproject.toml pins the chainladder
releases whose hook was read, and a release without the hook is refused once with a clear
``ComputationError`` (exit 4), never an AttributeError and never the unfixed sampler.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import chainladder as cl
import numpy as np
import pytest
from packaging.requirements import Requirement

from reserva.errors import ComputationError
from reserva.reserves.claims import triangles
from reserva.reserves.claims.triangles import CHAINLADDER_PIN, bootstrap_odp
from tests.test_cli import run

ROOT = Path(__file__).resolve().parents[2]
TRIANGLE = np.array([[[100.0, 150.0, 165.0, 170.0], [110.0, 160.0, 180.0, np.nan],
                      [120.0, 185.0, np.nan, np.nan], [130.0, np.nan, np.nan, np.nan]]])


@pytest.fixture
def fresh_check():
    """The hook is checked once per process: forget the verdict before and after the test."""
    triangles._hook_problem.cache_clear()
    yield
    triangles._hook_problem.cache_clear()


def test_the_pin_is_the_installed_release_and_the_modules_word():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = [d for d in deps if Requirement(d).name == "chainladder"]
    assert pinned == [CHAINLADDER_PIN]
    spec = Requirement(CHAINLADDER_PIN).specifier
    assert version("chainladder") in spec
    assert "0.11.0" not in spec  # an upper bound: a new minor release is read before it is allowed


def test_the_installed_release_has_the_hook(fresh_check):
    assert triangles._hook_problem() is None
    b = bootstrap_odp(TRIANGLE, n_sims=20, seed=3)
    assert np.isfinite(b.mean).all()


def test_a_release_without_the_hook_is_refused_once(monkeypatch, fresh_check):
    monkeypatch.delattr(cl.BootstrapODPSample, "_get_hat")
    for _ in range(2):
        with pytest.raises(ComputationError) as err:
            bootstrap_odp(TRIANGLE, n_sims=20, seed=3)
        text = str(err.value)
        assert "it has no BootstrapODPSample._get_hat" in text
        assert f"fix: pip install '{CHAINLADDER_PIN}'" in text
    assert triangles._hook_problem.cache_info().misses == 1


def test_a_hook_of_another_signature_is_refused(monkeypatch, fresh_check):
    monkeypatch.setattr(cl.BootstrapODPSample, "_get_hat", lambda self, X: None)
    with pytest.raises(ComputationError, match=r"_get_hat takes \(self, X\), not \(self, X, "):
        bootstrap_odp(TRIANGLE, n_sims=20, seed=3)


def test_a_fit_that_no_longer_calls_the_hook_is_refused(monkeypatch, fresh_check):
    fit = cl.BootstrapODPSample.fit

    def fit_without_hook(self, X, y=None, sample_weight=None):
        self.hat_adj = False  # as a release that computed the adjustment elsewhere would
        return fit(self, X, y, sample_weight)

    monkeypatch.setattr(cl.BootstrapODPSample, "fit", fit_without_hook)
    with pytest.raises(ComputationError, match="fit does not call _get_hat"):
        bootstrap_odp(TRIANGLE, n_sims=20, seed=3)


def test_a_fit_without_the_design_matrix_is_refused(monkeypatch, fresh_check):
    monkeypatch.setattr(cl.BootstrapODPSample, "_get_design_matrix", lambda self, X: None)
    with pytest.raises(ComputationError, match="sets no design_matrix_"):
        bootstrap_odp(TRIANGLE, n_sims=20, seed=3)


def test_the_command_says_so_in_one_line_exit_4(monkeypatch, fresh_check, tmp_path, capsys):
    path = tmp_path / "tri.csv"
    path.write_text("origin,1,2,3,4\n2021,100,150,165,170\n2022,110,160,180,\n"
                    "2023,120,185,,\n2024,130,,,\n")
    monkeypatch.delattr(cl.BootstrapODPSample, "_get_hat")
    code, out, err = run(capsys, "ibnr", str(path), "--bootstrap", "50")
    assert code == 4 and out == ""
    assert err.startswith("reserva: the ODP bootstrap cannot use chainladder ") and err.count("\n") == 1
