"""partial_fit: one epoch per call, state carried over, drift followed."""

import numpy as np
import pytest
from sklearn.datasets import make_classification

from skcancelout import CancelOutSelector

FAST = dict(hidden_layer_sizes=(16,), n_estimators=2, random_state=0)


def drift_stream(n_batches, rows=200, seed=0):
    """Batches whose label uses features 0-2, then 3-5 from half-way."""
    rng = np.random.default_rng(seed)
    for t in range(n_batches):
        relevant = [0, 1, 2] if t < n_batches // 2 else [3, 4, 5]
        X = rng.standard_normal((rows, 10))
        yield X, (X[:, relevant].sum(axis=1) > 0).astype(int)


def test_first_call_needs_classes_for_classification():
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    selector = CancelOutSelector(**FAST)
    with pytest.raises(ValueError, match="classes must be passed"):
        selector.partial_fit(X, y)
    assert not hasattr(selector, "n_samples_seen_")
    selector.partial_fit(X, y, classes=[0, 1])
    # Later calls may leave classes out.
    selector.partial_fit(X, y)
    assert selector.n_iter_ == 2


@pytest.mark.parametrize("with_y", [False, True])
def test_regression_and_unsupervised_need_no_classes(with_y):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    y = X[:, 0] if with_y else None
    selector = CancelOutSelector(**FAST).partial_fit(X, y)
    assert selector.n_iter_ == 1


def test_state_is_carried_across_calls():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=5.0, scale=np.arange(1, 7), size=(300, 6))
    y = (X[:, 0] > 5).astype(int)
    selector = CancelOutSelector(**FAST)
    for start in range(0, 300, 70):  # uneven last batch on purpose
        selector.partial_fit(
            X[start : start + 70], y[start : start + 70], classes=[0, 1]
        )
    assert selector.n_samples_seen_ == 300
    np.testing.assert_allclose(selector.mean_, X.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(selector.scale_, X.std(axis=0), rtol=1e-10)
    assert selector.n_iter_ == 5
    assert len(selector.loss_curve_) == 5


def test_rejected_batch_leaves_state_untouched():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.arange(40) % 2
    selector = CancelOutSelector(**FAST).partial_fit(X, y, classes=[0, 1])
    mean = selector.mean_.copy()
    with pytest.raises(ValueError, match="not in classes_"):
        selector.partial_fit(X + 100, np.full(40, 7))
    assert selector.n_samples_seen_ == 40
    np.testing.assert_array_equal(selector.mean_, mean)


def test_partial_fit_continues_after_fit():
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    selector = CancelOutSelector(max_iter=3, **FAST).fit(X, y)
    selector.partial_fit(X, y)
    assert selector.n_iter_ == 4
    assert selector.n_samples_seen_ == 200


def test_one_pass_ranks_like_fit():
    X, y = make_classification(
        n_samples=1200,
        n_features=12,
        n_informative=3,
        n_redundant=0,
        shuffle=False,
        class_sep=1.5,
        random_state=0,
    )
    # One pass is only ~40 optimizer steps; a larger rate lets gates move.
    params = dict(FAST, batch_size=32, learning_rate_init=0.03)
    full = CancelOutSelector(max_iter=20, **params).fit(X, y)
    streamed = CancelOutSelector(**params)
    for start in range(0, 1200, 200):
        streamed.partial_fit(
            X[start : start + 200], y[start : start + 200], classes=[0, 1]
        )
    top_full = set(np.argsort(-full.feature_importances_)[:3])
    top_stream = set(np.argsort(-streamed.feature_importances_)[:3])
    assert top_full == {0, 1, 2}
    assert len(top_full & top_stream) >= 2


def test_importances_follow_concept_drift():
    selector = CancelOutSelector(**FAST)
    lead = []
    for X, y in drift_stream(60):
        selector.partial_fit(X, y, classes=[0, 1])
        imp = selector.feature_importances_
        lead.append(imp[3:6].mean() - imp[:3].mean())
    # Old features lead before the change, the new ones by the end.
    assert lead[29] < -0.1
    assert lead[-1] > 0
