"""The breast-cancer side benchmark (benchmarks/bench_breast.py): the top 5
of each method scored by KNN on raw and on standardized columns."""

import numpy as np

from benchmarks import bench_breast
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
