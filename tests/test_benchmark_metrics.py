"""The benchmark's stability ceiling (benchmarks/metrics.py), which the closing
tables of the benchmark page compare stability with."""

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
