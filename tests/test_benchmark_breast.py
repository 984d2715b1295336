"""The breast-cancer side benchmark (benchmarks/bench_breast.py): the top 5
of each method scored by KNN on raw and on standardized columns."""

import numpy as np

from benchmarks import bench_breast, quality
from benchmarks.quality import knn_auc


def test_standardizing_stops_a_large_scale_column_from_deciding_the_distances():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 100)
    signal = y + 0.3 * rng.standard_normal(200)
    noise = 1e4 * rng.standard_normal(200)
    X = np.column_stack([signal, noise])[rng.permutation(200)]
    y = (X[:, 0] > 0.5).astype(int)
    assert knn_auc(X, y) < 0.7
    assert knn_auc(X, y, standardize=True) > 0.9
    assert knn_auc(X, y, [0]) > 0.9


def test_the_table_gives_both_scores_and_the_chosen_columns(monkeypatch):
    def first_five(X, y, kind, seed):
        return np.arange(X.shape[1], 0, -1, dtype=float)

    monkeypatch.setattr(bench_breast, "METHODS", {"first": first_five})
    monkeypatch.setattr(bench_breast, "CHEAP", ("first",))
    monkeypatch.setattr(bench_breast, "available", lambda names: (list(names), {}))
    monkeypatch.setattr(bench_breast, "gradient_boosting", first_five)
    result = bench_breast.run(smoke=True)
    rows = {row["method"]: row for row in result["rows"]}
    assert set(rows) == {"all features", "first", "gradient_boosting"}
    assert rows["first"]["top"] == [[0, 1, 2, 3, 4]]
    expected = knn_auc(*bench_breast.breast_cancer()[:2], [0, 1, 2, 3, 4], True)
    assert rows["first"]["standardized"] == [expected]
    table = bench_breast.markdown(result, smoke=True)
    assert "| first | " in table and "0 1 2 3 4" in table
    assert "0 mean radius" in table and "seed 0 of" in table


def test_the_main_harness_and_the_side_benchmark_score_alike(monkeypatch):
    def by_variance(X, y, kind, seed):
        return X.var(axis=0) * (1 + 0.01 * seed)

    monkeypatch.setattr(quality, "METHODS", {"variance": by_variance})
    means, per_seed = quality.run_breast_cancer(["variance"], seeds=(0, 1), log=id)
    tops, (raw, standardized) = quality.breast_top_scores(
        by_variance, (0, 1), (False, True)
    )
    # The largest-variance columns of breast cancer: mean and worst area,
    # mean and worst perimeter, and area error.
    assert tops == [[2, 3, 13, 22, 23]] * 2
    assert per_seed["variance"] == raw
    assert means["variance"] == np.mean(raw)
    X, y = bench_breast.breast_cancer()[:2]
    assert standardized == [knn_auc(X, y, [23, 3, 13, 22, 2], True)] * 2
