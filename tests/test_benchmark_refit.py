"""The refit-stability benchmark (benchmarks/bench_refit.py): the same data,
refitted with other seeds, scored by the Jaccard index of the top-k sets."""

import numpy as np
import pytest

from benchmarks import bench_refit


def _fixed(X, y, kind, seed):
    """The same ranking whatever the seed."""
    return np.arange(X.shape[1], 0, -1, dtype=float)


def _seeded(X, y, kind, seed):
    """A new random ranking for every seed."""
    return np.random.default_rng(seed).random(X.shape[1])


def _unsupported(X, y, kind, seed):
    raise NotImplementedError("no such task")


def _broken(X, y, kind, seed):
    raise ValueError("bad input")


@pytest.fixture
def fake_methods(monkeypatch):
    methods = {
        "fixed": _fixed,
        "seeded": _seeded,
        "unsupported": _unsupported,
        "broken": _broken,
    }
    monkeypatch.setattr(bench_refit, "METHODS", methods)
    return list(methods)


def test_a_seed_free_method_is_fully_stable_and_a_random_one_is_not(fake_methods):
    records = bench_refit.refit_task("wine+probes", 0, fake_methods, (0, 100, 200), 0.2)
    by_method = {r["method"]: r for r in records}
    fixed, seeded = by_method["fixed"], by_method["seeded"]
    assert fixed["refit_stability"] == 1.0
    assert len(fixed["top_k"]) == 3 and len(fixed["top_k"][0]) == 13
    # 13 of 63 columns at random: pairs share a few columns, not all.
    assert seeded["refit_stability"] < 0.5
    assert len(seeded["hit_at_k"]) == 3
    assert "unsupported" in by_method["unsupported"]
    assert by_method["broken"]["error"] == "ValueError: bad input"


def test_summary_averages_over_data_seeds_and_the_table_marks_unsupported(
    fake_methods,
):
    records = []
    for data_seed in (0, 1):
        records += bench_refit.refit_task(
            "wine+probes", data_seed, fake_methods[:3], (0, 100), 0.2
        )
    summary = bench_refit.summarize(records)
    rows = {row["method"]: row for row in summary}
    seeded = [r["refit_stability"] for r in records if r["method"] == "seeded"]
    assert rows["seeded"]["refit_stability"] == pytest.approx(np.mean(seeded))
    assert rows["seeded"]["n_data_seeds"] == 2
    assert rows["unsupported"]["unsupported"]
    result = {
        "summary": summary,
        "offsets": [0, 100],
        "data_seeds": [0, 1],
        "skipped": {},
    }
    table = bench_refit.markdown(result, smoke=False)
    assert "| wine+probes | 1.00 / " in table
    assert table.rstrip().endswith("| tasks at >= 0.9 | 1 of 1 | 0 of 1 | 0 of 0 |")
    assert "n/a" in table


def test_a_failed_fit_fails_the_run(fake_methods, monkeypatch):
    monkeypatch.setattr(bench_refit, "CHEAP", ("fixed", "broken"))
    with pytest.raises(RuntimeError, match="broken/0: ValueError: bad input"):
        bench_refit.run(smoke=True)


@pytest.mark.slow
def test_fitting_in_several_processes_gives_the_same_numbers(monkeypatch):
    # The workers look the methods up by name in a fresh import: real ones.
    monkeypatch.setattr(bench_refit, "CHEAP", ("l1_linear", "skcancelout"))
    alone = bench_refit.run(smoke=True, jobs=1)
    shared = bench_refit.run(smoke=True, jobs=2)
    assert [r["method"] for r in alone["records"]] == ["l1_linear", "skcancelout"]
    assert shared["records"] == alone["records"]
    assert shared["summary"] == alone["summary"]
