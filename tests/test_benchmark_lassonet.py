"""The LassoNet-at-defaults side benchmark (benchmarks/bench_lassonet.py)."""

import numpy as np
import pytest

from benchmarks import bench_lassonet


@pytest.fixture
def fake_lassonet(monkeypatch):
    calls = []

    def ranking(X, y, kind, seed, budget):
        calls.append(budget)
        return np.arange(X.shape[1], 0, -1, dtype=float)  # first columns first

    monkeypatch.setattr(bench_lassonet, "lassonet_path", ranking)
    monkeypatch.setattr(bench_lassonet, "available", lambda names: (list(names), {}))
    return calls


def test_smoke_run_fits_a_short_path_and_reports_one_seed(fake_lassonet):
    result = bench_lassonet.run(smoke=True)
    assert fake_lassonet == [{"n_iters": (20, 2), "path_multiplier": 1.5}]
    row = result["summary"]["diabetes+probes"]
    assert row["n_seeds"] == 1 and 0.0 <= row["hit_at_k"] <= 1.0
    table = bench_lassonet.markdown(result, smoke=True)
    assert "(smoke run)" in table
    assert "| diabetes+probes | " in table and " / -- |" in table  # one seed


def test_full_table_sets_the_defaults_beside_the_main_runs_numbers(
    fake_lassonet, monkeypatch
):
    monkeypatch.setattr(
        bench_lassonet, "TASKS", {"wine+probes": bench_lassonet.TASKS["wine+probes"]}
    )
    monkeypatch.setattr(bench_lassonet, "SEEDS", range(2))
    result = bench_lassonet.run(smoke=False)
    assert fake_lassonet == [{}, {}]  # the package's own defaults
    main = result["main_run"]["wine+probes"]
    table = bench_lassonet.markdown(result, smoke=False)
    row = next(line for line in table.splitlines() if line.startswith("| wine+probes"))
    budget = main["lassonet"]
    assert f"{budget['hit_at_k']:.2f} / {budget['stability']:.2f}" in row
    assert f"{main['skcancelout']['fit_seconds']:.2f}" in row
    # The best other peer by hit@k, named.
    best = max((main[m]["hit_at_k"], m) for m in bench_lassonet._PEERS if m in main)
    assert f"{best[1]} {best[0]:.2f}" in row
