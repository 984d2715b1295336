"""benchmarks/bayes_columns.py replays make_classification's clusters."""

import numpy as np
from sklearn.datasets import make_classification

from benchmarks import bayes_columns


def test_the_replayed_clusters_are_make_classifications_own():
    n, d = bayes_columns.N_ROWS, bayes_columns.N_INFORMATIVE
    X, y = make_classification(
        n_samples=n,
        n_features=d,
        n_informative=d,
        n_redundant=0,
        n_repeated=0,
        shift=0.0,
        scale=1.0,
        flip_y=0.0,
        shuffle=False,
        random_state=3,
    )
    centres, mixing, z = bayes_columns.clusters(3)
    per_cluster = n // bayes_columns.N_CLUSTERS
    for k, (A, c) in enumerate(zip(mixing, centres, strict=True)):
        rows = slice(k * per_cluster, (k + 1) * per_cluster)
        np.testing.assert_allclose(X[rows], z[rows] @ A + c, rtol=1e-12)
        assert (y[rows] == k % 2).all()


def test_dropping_a_column_never_helps_the_bayes_classifier_much():
    full, costs = bayes_columns.column_costs(0, n_draws=4000)
    assert 0.9 < full <= 1.0
    assert len(costs) == bayes_columns.N_INFORMATIVE
    assert min(costs) > -0.01  # only sampling noise below zero
