"""fit(X) without y: masked reconstruction keeps columns with shared structure."""

import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcancelout import CancelOutSelector


def factor_data(n=400, n_factors=2, n_informative=6, n_noise=14, seed=0):
    """Columns 0..n_informative-1 mix latent factors; the rest are noise."""
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n, n_factors))
    loadings = rng.uniform(0.5, 1.0, (n_factors, n_informative))
    informative = factors @ loadings + 0.3 * rng.standard_normal((n, n_informative))
    X = np.hstack([informative, rng.standard_normal((n, n_noise))])
    # Equal variances: only the shared structure tells the columns apart.
    return X / X.std(axis=0)


def test_fit_without_y_finds_the_factor_columns():
    X = factor_data()
    selector = CancelOutSelector(
        n_estimators=3, max_iter=40, max_features=6, random_state=0
    ).fit(X)
    assert not hasattr(selector, "classes_")
    assert set(selector.get_support(indices=True)) == set(range(6))
    assert selector.transform(X).shape == (400, 6)


def test_partial_fit_without_y_keeps_reconstructing():
    X = factor_data(n=200)
    selector = CancelOutSelector(n_estimators=2, random_state=0)
    selector.partial_fit(X[:100]).partial_fit(X[100:])
    assert selector.n_iter_ == 2
    assert selector.n_samples_seen_ == 200


def test_selector_before_kmeans_beats_kmeans_on_all_columns():
    X_blobs, labels = make_blobs(
        n_samples=300, centers=3, n_features=6, cluster_std=2.0, random_state=0
    )
    rng = np.random.default_rng(0)
    X = StandardScaler().fit_transform(
        np.hstack([X_blobs, rng.standard_normal((300, 40))])
    )
    kmeans = KMeans(n_clusters=3, n_init=10, random_state=0)
    plain = adjusted_rand_score(labels, kmeans.fit_predict(X))
    pipe = make_pipeline(
        CancelOutSelector(n_estimators=3, max_iter=40, max_features=6, random_state=0),
        KMeans(n_clusters=3, n_init=10, random_state=0),
    )
    selected = adjusted_rand_score(labels, pipe.fit_predict(X))
    assert selected > plain + 0.1
    assert np.isin(pipe[0].get_support(indices=True), range(6)).mean() >= 5 / 6
