"""redundancy: near-copies of more important features rank lower."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer

from skcancelout import CancelOutSelector
from skcancelout._data import ColumnStats
from skcancelout._redundancy import (
    N_CANDIDATES,
    correlations,
    power_of,
    redundancy_factors,
)

FAST = dict(n_estimators=4, max_iter=40, random_state=0)


def _corr(X, columns, weight=None):
    return correlations(X, ColumnStats.from_data(X), columns, weight)


def test_correlations_match_numpy_with_and_without_weights():
    rng = np.random.RandomState(0)
    ordinary = rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6))
    X = ordinary.copy()
    X[:, 2] *= 1e200  # scaled before summing: no overflow
    columns = np.array([4, 0, 2])
    expected = np.corrcoef(ordinary[:, columns].T)
    np.testing.assert_allclose(_corr(X, columns), expected, atol=1e-10)
    weight = rng.uniform(0, 3, size=500)
    cov = np.cov(ordinary[:, columns].T, aweights=weight)
    std = np.sqrt(np.diag(cov))
    np.testing.assert_allclose(
        _corr(X, columns, weight), cov / np.outer(std, std), atol=1e-10
    )


def test_correlations_of_sparse_equal_dense_and_constant_columns_get_zero():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(300, 5)) * (rng.rand(300, 5) < 0.3)
    X[:, 3] = 0.0
    columns = np.arange(5)
    dense = _corr(X, columns)
    np.testing.assert_allclose(_corr(sp.csc_matrix(X), columns), dense, atol=1e-12)
    assert np.all(dense[3] == 0) and np.all(dense[:, 3] == 0)
    assert np.all(np.isfinite(dense))


def _lookup(corr):
    return lambda columns: corr[np.ix_(columns, columns)]


def test_half_correlation_halves_and_weak_correlations_barely_move():
    importances = np.array([1.0, 0.9, 0.8])
    for r in (0.9, 0.99):
        corr = np.eye(3)
        corr[0, 1] = corr[1, 0] = r
        factors = redundancy_factors(importances, _lookup(corr), 0.99)
        assert factors[0] == factors[2] == 1.0
        np.testing.assert_allclose(factors[1], 1 - r ** power_of(0.99))
    np.testing.assert_allclose(1 - 0.99 ** power_of(0.99), 0.5)
    assert 1 - 0.9 ** power_of(0.99) > 0.999


def test_walk_discounts_by_the_closest_feature_already_walked_past():
    # 0 and 1 are copies; 2 is a near-copy of 1 only. 1 is discounted away
    # by 0, and 2 is still discounted by 1 although 1 ranks low.
    corr = np.eye(4)
    corr[0, 1] = corr[1, 0] = 1.0
    corr[1, 2] = corr[2, 1] = 0.995
    corr[0, 2] = corr[2, 0] = 0.995
    importances = np.array([1.0, 0.95, 0.9, 0.3])
    factors = redundancy_factors(importances, _lookup(corr), 0.99)
    assert factors[0] == 1.0 and factors[1] == 0.0 and factors[3] == 1.0
    assert 0 < factors[2] < 0.5
    ranked = np.argsort(-importances * factors)
    np.testing.assert_array_equal(ranked, [0, 3, 2, 1])


def test_only_the_most_important_candidates_are_correlated():
    importances = np.linspace(1, 0, N_CANDIDATES + 20)
    asked = []

    def corr_of(columns):
        asked.append(columns)
        return np.ones((columns.size, columns.size))

    factors = redundancy_factors(importances, corr_of, 0.99)
    np.testing.assert_array_equal(np.sort(asked[0]), np.arange(N_CANDIDATES))
    assert factors[0] == 1.0 and np.all(factors[1:N_CANDIDATES] == 0.0)
    assert np.all(factors[N_CANDIDATES:] == 1.0)


def _copy_problem(seed):
    rng = np.random.RandomState(seed)
    n = 400
    X = rng.normal(size=(n, 8))
    y = (2 * X[:, 0] + X[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return np.column_stack([X, X[:, 0] * 3.0 + 1.0]), y  # column 8 copies 0


@pytest.mark.parametrize("seed", [0, 1])
def test_an_exact_copy_gives_way_to_a_feature_that_adds_something(seed):
    X, y = _copy_problem(seed)
    plain = CancelOutSelector(redundancy=None, max_features=2, **FAST).fit(X, y)
    assert set(np.flatnonzero(plain.get_support())) == {0, 8}
    selector = CancelOutSelector(max_features=2, **FAST).fit(X, y)
    assert selector.redundancy_factor_[[0, 8]].min() < 1e-6  # the copy
    assert selector.redundancy_factor_[[0, 8]].max() == 1.0
    kept = 0 if selector.redundancy_factor_[0] == 1.0 else 8
    assert set(np.flatnonzero(selector.get_support())) == {kept, 1}
    assert np.all(selector.redundancy_factor_[[1, 2, 3, 4, 5, 6, 7]] > 0.99)


def test_discounted_attributes_stay_consistent():
    X, y = _copy_problem(0)
    selector = CancelOutSelector(**FAST).fit(X, y)
    plain = CancelOutSelector(redundancy=None, **FAST).fit(X, y)
    factor = selector.redundancy_factor_
    np.testing.assert_allclose(
        selector.all_importances_, plain.all_importances_ * factor
    )
    np.testing.assert_allclose(
        selector.feature_importances_, selector.all_importances_.mean(axis=0)
    )
    np.testing.assert_allclose(
        selector.feature_importances_std_, plain.feature_importances_std_ * factor
    )
    np.testing.assert_allclose(selector.linear_bonus_, plain.linear_bonus_ * factor)
    np.testing.assert_array_equal(plain.redundancy_factor_, 1.0)
    # every network's own selection agrees that the copy is out
    frequency = selector.set_params(max_features=2).get_selection_frequency()
    assert frequency[[0, 8]].min() == 0


def test_partial_fit_does_not_discount():
    X, y = _copy_problem(0)
    selector = CancelOutSelector(**FAST).partial_fit(X, y, classes=[0, 1])
    np.testing.assert_array_equal(selector.redundancy_factor_, 1.0)


def test_breast_cancer_top_five_holds_one_size_column():
    """Worst radius, perimeter and area correlate at 0.98-0.99: the top 5 of
    the default selector keeps one of them and four features that add more."""
    X, y = load_breast_cancer(return_X_y=True)
    size = {20, 22, 23}
    plain = CancelOutSelector(redundancy=None, random_state=0).fit(X, y)
    assert len(size & set(np.argsort(-plain.feature_importances_)[:5])) == 3
    selector = CancelOutSelector(random_state=0).fit(X, y)
    assert len(size & set(np.argsort(-selector.feature_importances_)[:5])) == 1


def test_redundancy_is_validated():
    X, y = _copy_problem(0)
    with pytest.raises(ValueError, match="redundancy"):
        CancelOutSelector(redundancy=1.0).fit(X, y)
