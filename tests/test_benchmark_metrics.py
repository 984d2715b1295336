"""The benchmark's no-repeat bound on stability (benchmarks/metrics.py,
``stability_ceiling``), which the benchmark page compares stability with."""

import numpy as np
import pytest

from benchmarks import metrics


def test_ceiling_is_one_for_perfect_hits_and_m_over_2k_minus_m_otherwise():
    assert metrics.stability_ceiling([10, 10, 10], 10) == 1.0
    assert metrics.stability_ceiling([6, 6], 10) == pytest.approx(6 / 14)
    # Pairs use the smaller count: (9, 6) -> 6/14, (9, 9) -> 9/11, (6, 9) -> 6/14.
    expected = np.mean([6 / 14, 9 / 11, 6 / 14])
    assert metrics.stability_ceiling([9, 6, 9], 10) == pytest.approx(expected)
    assert np.isnan(metrics.stability_ceiling([10], 10))


def test_ceiling_bounds_stability_when_irrelevant_picks_do_not_repeat():
    rng = np.random.default_rng(0)
    k, relevant = 10, np.arange(10)
    sets, counts = [], []
    for seed in range(5):
        m = int(rng.integers(3, 11))
        real = rng.choice(relevant, m, replace=False)
        noise = 100 * (seed + 1) + np.arange(k - m)  # never shared across seeds
        sets.append(np.concatenate([real, noise]))
        counts.append(m)
    assert metrics.stability(sets) <= metrics.stability_ceiling(counts, k)
    # With the same relevant columns in every set the bound is reached.
    nested = [
        np.concatenate([relevant[:m], 100 * (i + 1) + np.arange(k - m)])
        for i, m in enumerate(counts)
    ]
    assert metrics.stability(nested) == pytest.approx(
        metrics.stability_ceiling(counts, k)
    )


def test_top_k_breaks_ties_reproducibly_but_not_by_column_order():
    rng = np.random.default_rng(0)
    picks = set()
    for _ in range(20):
        # Ten columns tied at the top (a LassoNet path's ceiling), the rest
        # below with values that differ from draw to draw, as seeds do.
        importances = np.r_[np.ones(10), rng.random(20) * 0.5]
        top = metrics.top_k(importances, 3)
        assert set(top) <= set(range(10))
        np.testing.assert_array_equal(top, metrics.top_k(importances.copy(), 3))
        picks.add(tuple(sorted(top)))
    assert len(picks) > 10  # column order would give (0, 1, 2) every time
    np.testing.assert_array_equal(metrics.top_k([0.1, 0.5, 0.3, 0.9], 2), [3, 1])


def test_score_at_k_depends_on_the_set_not_on_its_order():
    # A forest's draws of candidate columns follow their order, so two
    # rankings with the same top k must hand it the columns in one order.
    from benchmarks.tasks import TASKS

    task = TASKS["wine+probes"](2)
    X_tr, X_te, y_tr, y_te = metrics.split(task.X, task.y, task.kind, 2)
    k = int(task.relevant_mask.sum())
    relevant = np.flatnonzero(task.relevant_mask)
    scores = set()
    for order in (relevant, relevant[::-1], np.roll(relevant, 5)):
        importances = np.zeros(task.X.shape[1])
        importances[order] = np.arange(2 * k, k, -1)  # same set, another ranking
        scores.add(
            metrics.score_at_k(importances, k, X_tr, X_te, y_tr, y_te, task.kind, 2)
        )
    assert len(scores) == 1
