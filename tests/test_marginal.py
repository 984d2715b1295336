"""The univariate evidence that importance_type="combined" adds."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats
from sklearn.datasets import load_wine
from sklearn.feature_selection import f_classif, f_regression

from benchmarks.metrics import traced_peak
from skcancelout import CancelOutSelector
from skcancelout import _marginal as marginal
from skcancelout._data import ColumnStats
from skcancelout._importance import combined
from skcancelout._marginal import (
    BONUS,
    LEVEL,
    MAX_CONDITIONED,
    N_PERMUTATIONS,
    RAMP,
    TRUST_SPAN,
    WIDE_WEIGHT,
    linear_pvalues,
    marginal_evidence,
    marginal_pvalues,
    wide_evidence,
)


def _pvalues(X, target, task, weight=None):
    return marginal_pvalues(X, ColumnStats.from_data(X), target, task, weight)


def _tall_regression(sparse):
    """200 000 rows: sparse (200 columns, 1 % stored) or dense float32 (40),
    and a target linked to most columns, so the conditional test runs."""
    rng = np.random.RandomState(0)
    n = 200_000
    if sparse:
        X = sp.random(n, 200, density=0.01, format="csr", random_state=0)
        return X, (X[:, :30] @ np.ones(30) + 0.1 * rng.normal(size=n))[:, None]
    X = rng.normal(size=(n, 40)).astype(np.float32)
    return X, (X[:, :36] @ rng.uniform(0.5, 1.0, 36) + rng.normal(size=n))[:, None]


@pytest.mark.parametrize("sparse", [False, True])
def test_pvalues_are_those_of_the_f_tests(sparse):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 6)) * [1, 10, 1e-3, 1e4, 1, 1] + [0, 5, 0, -1e5, 0, 0]
    labels = (X[:, 0] + 0.3 * rng.normal(size=120) > 0).astype(int) + (X[:, 1] > 5)
    value = X[:, 2] * 1e3 + rng.normal(size=120)
    data = sp.csr_matrix(X) if sparse else X
    np.testing.assert_allclose(
        _pvalues(data, labels, "multiclass"), f_classif(X, labels)[1], rtol=1e-6
    )
    np.testing.assert_allclose(
        _pvalues(data, value[:, None], "regression"),
        f_regression(X, value)[1],
        rtol=1e-6,
    )


def test_several_targets_take_the_smallest_pvalue_times_their_number():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(200, 5))
    Y = np.column_stack([X[:, 0] + rng.normal(size=200), rng.normal(size=200)])
    each = np.column_stack([f_regression(X, Y[:, j])[1] for j in range(2)])
    expected = np.minimum(1.0, 2 * each.min(axis=1))
    np.testing.assert_allclose(_pvalues(X, Y, "regression"), expected, rtol=1e-6)
    # A constant target tests nothing (p = 1) but still counts as a test.
    with_constant = np.column_stack([Y, np.full(200, 3.0)])
    np.testing.assert_allclose(
        _pvalues(X, with_constant, "regression"),
        np.minimum(1.0, 3 * each.min(axis=1)),
        rtol=1e-6,
    )


def test_weights_count_by_effective_size_and_zero_weight_drops_a_row():
    rng = np.random.RandomState(2)
    X = rng.normal(size=(150, 4))
    y = (X[:, 0] + rng.normal(size=150) > 0).astype(int)
    weight = rng.uniform(0.5, 2.0, size=150)
    p = _pvalues(X, y, "binary", weight)
    np.testing.assert_allclose(_pvalues(X, y, "binary", 1000 * weight), p)
    weight[:30] = 0.0
    kept = slice(30, None)
    np.testing.assert_allclose(
        _pvalues(X, y, "binary", weight),
        _pvalues(X[kept], y[kept], "binary", weight[kept]),
        rtol=1e-9,
    )
    # Equal weights are no weights.
    np.testing.assert_allclose(
        _pvalues(X, y, "binary", np.full(150, 3.0)), f_classif(X, y)[1], rtol=1e-6
    )


def test_constant_columns_and_tiny_samples_give_no_evidence():
    X = np.column_stack([np.ones(50), np.arange(50.0)])
    y = (np.arange(50) > 25).astype(int)
    p = _pvalues(X, y, "binary")
    assert p[0] == 1.0 and p[1] < 1e-6
    assert _pvalues(X[:2], y[[0, 40]], "binary").tolist() == [1.0, 1.0]
    assert _pvalues(X[:2], np.array([[0.0], [1.0]]), "regression").tolist() == [
        1.0,
        1.0,
    ]


def test_evidence_is_zero_below_the_corrected_line_and_capped_above():
    n_features = 50
    critical = stats.norm.isf(LEVEL / n_features)
    z = critical + np.array([-critical, -0.1, RAMP / 2, RAMP, RAMP + 1.0, 30.0])
    pvalues = np.ones(n_features)
    pvalues[:6] = stats.norm.sf(z)
    bonus = marginal_evidence(pvalues)
    expected = [0, 0, BONUS / 2, BONUS, BONUS, BONUS]
    np.testing.assert_allclose(bonus[:6], expected, atol=1e-9)
    assert np.all(bonus[6:] == 0)


def test_evidence_reorders_close_columns_but_not_a_clear_winner():
    final = np.full((2, 6), 0.01) + 0.001 * np.arange(6)
    final[:, 0] = 1.0  # clearly used by the networks, no marginal link
    evidence = np.zeros(6)
    evidence[1] = BONUS  # weak in the networks, linked to y on its own
    out = combined(final, final, evidence=evidence).mean(axis=0)
    order = np.argsort(-out)
    assert order[0] == 0 and order[1] == 1
    assert np.argsort(-combined(final, final).mean(axis=0))[1] == 5


def test_wide_evidence_lifts_by_the_statistic_only_where_columns_outnumber_rows():
    rng = np.random.default_rng(0)
    pvalues = stats.norm.sf(rng.normal(size=400))
    pvalues[:3] = [1e-4, 1e-3, 1.0]  # strong, weaker, constant column
    for rows in (400, 1000):
        assert not np.any(wide_evidence(pvalues, rows))
    lift = wide_evidence(pvalues, 100)
    assert np.all(lift >= 0) and np.all(np.isfinite(lift))
    assert lift[0] > lift[1] > 0 and lift[2] == 0
    # Stronger p-values lift more (below the median nothing is lifted).
    z = stats.norm.isf(pvalues[3:])
    order = np.argsort(z)
    assert np.all(np.diff(lift[3:][order]) >= 0)
    assert 0.4 < np.mean(lift[3:] > 0) < 0.6
    # Proportional to the share 1 - n / d of columns the rows cannot pin
    # down, and to the weight.
    np.testing.assert_allclose(wide_evidence(pvalues, 200), lift * (0.5 / 0.75))
    np.testing.assert_allclose(
        wide_evidence(pvalues, 100, weight=2 * WIDE_WEIGHT), 2 * lift
    )


def test_wide_evidence_fades_as_the_permutations_lower_the_line():
    rng = np.random.default_rng(1)
    pvalues = stats.norm.sf(rng.normal(size=300))
    bonferroni = LEVEL / 300
    full = wide_evidence(pvalues, 30, bonferroni)
    np.testing.assert_array_equal(full, wide_evidence(pvalues, 30))
    # Lowered by half the span: half the lift; by the span or more: none.
    half = stats.norm.sf(stats.norm.isf(bonferroni) + TRUST_SPAN / 2)
    np.testing.assert_allclose(wide_evidence(pvalues, 30, half), full / 2)
    for units in (TRUST_SPAN, 5.0):
        line = stats.norm.sf(stats.norm.isf(bonferroni) + units)
        assert not np.any(wide_evidence(pvalues, 30, line))


def test_the_wide_lift_changes_nothing_with_more_rows_than_columns(monkeypatch):
    X, y = load_wine(return_X_y=True)  # 178 rows, 13 columns
    with_lift = CancelOutSelector(max_iter=10, random_state=0).fit(X, y)
    monkeypatch.setattr(marginal, "WIDE_WEIGHT", 0.0)
    without = CancelOutSelector(max_iter=10, random_state=0).fit(X, y)
    np.testing.assert_array_equal(
        with_lift.feature_importances_, without.feature_importances_
    )


def _bonus_as_expected(fitted, rows, constant=None):
    """linear_bonus_ is the two capped bonuses plus the wide lift of ``rows``
    rows (``constant`` columns left out of it), in importance units; returns
    that evidence before the redundancy discount."""
    evidence = np.maximum(
        marginal_evidence(fitted.univariate_pvalues_, fitted.univariate_line_),
        marginal_evidence(fitted.conditional_pvalues_, fitted.conditional_line_),
    )
    lift = wide_evidence(
        fitted.univariate_pvalues_,
        rows,
        fitted.univariate_line_,
        constant=constant,
    )
    expected = (evidence + lift) * fitted.redundancy_factor_
    bonus = fitted.linear_bonus_
    np.testing.assert_allclose(bonus, expected * (bonus.max() / expected.max()))
    return evidence + lift


def test_on_wide_data_the_lift_enters_the_bonus_and_moves_linked_columns_up(
    monkeypatch,
):
    rng = np.random.default_rng(0)
    n, d = 60, 600
    X = rng.normal(size=(n, d))
    y = (X[:, :6] @ np.full(6, 0.5) + rng.normal(size=n) > 0).astype(int)
    selector = CancelOutSelector(max_iter=20, random_state=0).fit(X, y)
    univariate = selector.univariate_pvalues_
    evidence = _bonus_as_expected(selector, n)
    assert np.sum(evidence > 0) > 100  # far more than pass the test

    monkeypatch.setattr(marginal, "WIDE_WEIGHT", 0.0)
    without = CancelOutSelector(max_iter=20, random_state=0).fit(X, y)
    # The networks' part is the same fit; the lift moves the columns the F
    # test ranks high up the ranking.
    strongest = np.argsort(univariate)[:10]
    rank = np.argsort(np.argsort(-selector.feature_importances_))
    rank_without = np.argsort(np.argsort(-without.feature_importances_))
    assert rank[strongest].mean() < 0.6 * rank_without[strongest].mean()


def test_the_wide_lift_counts_rows_of_positive_weight_whatever_their_weight():
    """300 rows beside 200 columns: no lift, however skewed the weights
    (sample_weight or class_weight); rows of weight 0 drop out, and 150
    rows left get it."""
    rng = np.random.default_rng(2)
    n, d = 300, 200
    X = rng.normal(size=(n, d))
    y = (X[:, :4].sum(axis=1) + rng.normal(size=n) > 1.5).astype(int)
    assert 0.05 < y.mean() < 0.25  # imbalanced: "balanced" weighs rows unevenly
    skewed = np.where(np.arange(n) < 60, 1.0, 0.05)
    fits = {
        "plain": ({}, {}),
        "skewed": ({}, {"sample_weight": skewed}),
        "balanced": ({"class_weight": "balanced"}, {}),
        "half dropped": ({}, {"sample_weight": (np.arange(n) < 150) * 1.0}),
    }
    lifted = {}
    for name, (params, fit_params) in fits.items():
        fitted = CancelOutSelector(max_iter=5, random_state=0, **params)
        fitted.fit(X, y, **fit_params)
        rows = 150 if name == "half dropped" else n
        _bonus_as_expected(fitted, rows)
        lifted[name] = np.sum(fitted.linear_bonus_ > 0)
    assert max(lifted["plain"], lifted["skewed"], lifted["balanced"]) < 10
    assert lifted["half dropped"] > 50


def test_constant_columns_neither_count_nor_gain_in_the_wide_lift():
    rng = np.random.default_rng(3)
    n, d = 150, 100
    X = rng.normal(size=(n, d))
    y = (X[:, :4].sum(axis=1) + rng.normal(size=n) > 0).astype(int)
    padded = np.hstack([X, np.zeros((n, 200)), np.full((n, 20), 7.0)])
    tall = CancelOutSelector(max_iter=5, random_state=0).fit(padded, y)
    _bonus_as_expected(tall, n, constant=np.ptp(padded, axis=0) == 0)
    assert np.sum(tall.linear_bonus_ > 0) < 10  # 100 varying columns < 150 rows
    assert not np.any(tall.linear_bonus_[d:])

    # With more varying columns than rows, constant ones leave the lift of
    # the others as it is without them (they would sit at p = 1 and pull
    # the median down, lifting noise).
    p = stats.norm.sf(rng.normal(size=400))
    p_padded = np.r_[p, np.ones(300)]
    constant = np.r_[np.zeros(400, bool), np.ones(300, bool)]
    lift = wide_evidence(p_padded, 100, constant=constant)
    np.testing.assert_array_equal(lift[:400], wide_evidence(p, 100))
    assert not np.any(lift[400:])


def test_partial_fit_adds_no_wide_lift():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 300))
    y = (X[:, 0] > 0).astype(int)
    stream = CancelOutSelector(random_state=0).partial_fit(X, y, classes=[0, 1])
    assert stream.univariate_pvalues_ is None and not np.any(stream.linear_bonus_)
    fitted = CancelOutSelector(max_iter=5, random_state=0).fit(X, y)
    assert np.sum(fitted.linear_bonus_ > 0) > 100
    fitted.partial_fit(X, y)
    assert not np.any(fitted.linear_bonus_)


@pytest.mark.parametrize("seed", [5, 10])
def test_every_wine_column_ranks_above_permuted_probes(seed):
    """Weak real columns of a small sample beat lucky noise. Without the
    evidence (skcancelout 0.x before it) both seeds put a probe in the top 13."""
    rng = np.random.default_rng(seed)
    X, y = load_wine(return_X_y=True)
    probes = np.column_stack([rng.permutation(X[:, j % 13]) for j in range(50)])
    rows = rng.permutation(len(y))[:133]  # three quarters, as in the benchmark
    X, y = np.hstack([X, probes])[rows], y[rows]
    selector = CancelOutSelector(random_state=seed).fit(X, y)
    assert set(np.argsort(-selector.feature_importances_)[:13]) == set(range(13))


def test_an_interaction_keeps_its_place_above_a_weak_marginal_column():
    rng = np.random.RandomState(0)
    n = 1000
    X = rng.normal(size=(n, 12))
    y = ((X[:, 0] * X[:, 1] > 0) ^ (rng.uniform(size=n) < 0.03)).astype(int)
    X[:, 2] += 0.25 * (2 * y - 1)  # a weak direct link: passes the test
    assert f_classif(X, y)[1][2] < LEVEL / 12 and f_classif(X, y)[1][:2].min() > 0.01
    selector = CancelOutSelector(random_state=0).fit(X, y)
    order = np.argsort(-selector.feature_importances_)
    assert set(order[:2]) == {0, 1} and order[2] == 2


def test_fit_exposes_the_pvalues_and_the_bonus_it_added():
    X, y = load_wine(return_X_y=True)
    selector = CancelOutSelector(max_iter=20, random_state=0).fit(X, y)
    np.testing.assert_allclose(
        selector.univariate_pvalues_, f_classif(X, y)[1], rtol=1e-6
    )
    bonus = selector.linear_bonus_
    univariate, conditional = (
        selector.univariate_pvalues_,
        selector.conditional_pvalues_,
    )
    # Normal residuals: both lines are Bonferroni's.
    assert selector.univariate_line_ == selector.conditional_line_ == LEVEL / 13
    passed = np.minimum(univariate, conditional) < LEVEL / 13
    assert passed.sum() >= 10
    assert np.all(bonus[~passed] == 0) and np.all(bonus[passed] > 0)
    # One scale turns the evidence into importance units; near-copies are
    # discounted as their importances are (phenols and flavanoids, r = 0.86).
    evidence = np.maximum(
        marginal_evidence(univariate, selector.univariate_line_),
        marginal_evidence(conditional, selector.conditional_line_),
    )
    factor = selector.redundancy_factor_
    assert factor.min() < 1
    expected = evidence * factor
    np.testing.assert_allclose(bonus, expected * (bonus.max() / expected.max()))


def test_importances_minus_the_bonus_rank_as_without_evidence():
    rng = np.random.RandomState(3)
    final, first = rng.gamma(1.0, size=(4, 30)), rng.gamma(1.0, size=(4, 30))
    evidence = np.where(rng.rand(30) < 0.3, BONUS, 0.0)
    result, bonus = combined(final, first, evidence=evidence, return_bonus=True)
    plain = combined(final, first)
    networks = (result - bonus).ravel()
    # An increasing affine map of the plain scores: the same ranking.
    assert np.corrcoef(networks, plain.ravel())[0, 1] > 1 - 1e-12
    assert np.array_equal(np.argsort(networks), np.argsort(plain.ravel()))
    assert np.all(result.mean(axis=0)[evidence > 0] > 0)
    unchanged, none = combined(final, first, return_bonus=True)
    np.testing.assert_array_equal(unchanged, plain)
    assert not np.any(none)


def test_the_bonus_is_zero_without_the_combined_importance_or_a_target():
    X, y = load_wine(return_X_y=True)
    gate = CancelOutSelector(importance_type="gate", max_iter=5, random_state=0)
    gate.fit(X, y)
    assert gate.univariate_pvalues_.shape == (X.shape[1],)
    assert not np.any(gate.linear_bonus_)

    unsupervised = CancelOutSelector(max_iter=5, random_state=0).fit(X)
    assert unsupervised.univariate_pvalues_ is None
    assert unsupervised.conditional_pvalues_ is None
    assert not np.any(unsupervised.linear_bonus_)

    stream = CancelOutSelector(random_state=0).fit(X, y)
    assert stream.univariate_pvalues_ is not None
    stream.partial_fit(X, y)
    assert stream.univariate_pvalues_ is None
    assert stream.conditional_pvalues_ is None
    assert not np.any(stream.linear_bonus_)


@pytest.mark.parametrize("sparse", [False, True])
def test_pvalues_with_many_classes_are_those_of_the_f_test(sparse):
    # The classes enter as a sparse one-hot; with 300 classes a dense one
    # would be rows x classes floats.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(3000, 4))
    labels = rng.randint(0, 300, size=3000)
    X[:, 0] += labels / 100  # linked to the class
    data = sp.csr_matrix(X) if sparse else X
    weight = rng.uniform(0.5, 2.0, size=3000)
    np.testing.assert_allclose(
        _pvalues(data, labels, "multiclass"), f_classif(X, labels)[1], rtol=1e-6
    )
    doubled = _pvalues(data, labels, "multiclass", np.full(3000, 2.0))
    np.testing.assert_allclose(doubled, _pvalues(data, labels, "multiclass"))
    weighted = _pvalues(data, labels, "multiclass", weight)
    assert weighted[0] < 1e-10 and np.all(weighted[1:] > 1e-4)


@pytest.mark.parametrize("dense_labels", [True, False])
@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_sparse_pvalues_from_the_stored_entries_equal_the_dense_ones(
    task, dense_labels, monkeypatch
):
    # Sparse X is summed over its stored entries, not densified row by row.
    # Class labels are densified for the product unless there are too many
    # rows x classes; both ways give the dense p-values.
    if not dense_labels:
        monkeypatch.setattr(marginal, "_DENSE_TARGET_ENTRIES", 0)
    rng = np.random.RandomState(0)
    X = sp.random(400, 50, density=0.05, format="csc", random_state=0).toarray()
    X[:, 3] = 1e6 + rng.normal(size=400)  # an offset, stored in every row
    X[:, 4] *= 1e-200
    target = (
        (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
        if task == "multiclass"
        else np.c_[X[:, 0] + rng.normal(size=400), X[:, 2]]
    )
    weight = rng.uniform(0.1, 3.0, size=400)
    for w in (None, weight):
        np.testing.assert_allclose(
            _pvalues(sp.csc_matrix(X), target, task, w),
            _pvalues(X, target, task, w),
            rtol=1e-7,
        )


def _conditional(X, target, task, weight=None):
    return linear_pvalues(X, ColumnStats.from_data(X), target, task, weight).conditional


def _partial_f_test(X, Y, given, weight):
    """Reference: weighted least squares residuals of each column and of Y
    on [1, X[:, given]], then the F test of the one on the other."""
    root = np.sqrt(weight)[:, None]
    design = np.column_stack([np.ones(len(X)), X[:, given]]) * root

    def residual(v):
        return v - design @ np.linalg.lstsq(design, v, rcond=None)[0]

    left_y = residual(Y * root)
    n_eff = weight.sum() ** 2 / np.sum(weight**2)
    df1 = np.linalg.matrix_rank(left_y)
    df2 = n_eff - 1 - len(given) - df1
    pvalues = np.ones(X.shape[1])
    for j in np.setdiff1d(np.arange(X.shape[1]), given):
        left_x = residual(X[:, [j]] * root)
        fitted = left_y @ np.linalg.lstsq(left_y, left_x, rcond=None)[0]
        r2 = float(np.sum(fitted**2) / np.sum(left_x**2))
        pvalues[j] = stats.f.sf(r2 / (1 - r2) * df2 / df1, df1, df2)
    return pvalues


def _suppressor_data(n=400, seed=0):
    """y = a + noise; column 0 is a + b, column 1 is b: column 1 has no
    link to y of its own (corr(b, y) = 0) but a clear one beside column 0."""
    rng = np.random.RandomState(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    X = np.column_stack([a + b, b, rng.normal(size=(n, 18))])
    return X, a + 0.5 * rng.normal(size=n)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_conditional_pvalues_are_those_of_the_partial_f_test(sparse, weighted):
    X, y = _suppressor_data()
    X[:, 5] = X[:, 5] * 1e-3 + 40.0  # an offset and a small scale
    rng = np.random.RandomState(1)
    weight = rng.uniform(0.2, 3.0, size=len(y)) if weighted else np.ones(len(y))
    labels = (y > 0).astype(int) + (y > 1)
    data = sp.csc_matrix(X) if sparse else X
    for task, target, Y in (
        ("regression", y[:, None], y[:, None]),
        ("multiclass", labels, np.eye(3)[labels]),
    ):
        marginal, conditional, line, _ = linear_pvalues(
            data, ColumnStats.from_data(X), target, task, weight
        )
        given = np.flatnonzero(marginal < line)
        assert 0 in given and 1 not in given  # b alone says nothing of y
        np.testing.assert_allclose(
            conditional, _partial_f_test(X, Y, given, weight), rtol=1e-6, atol=1e-300
        )
        assert conditional[1] < 1e-20  # beside a + b, b is clear


def test_the_conditional_test_finds_a_suppressor_the_selector_then_keeps():
    X, y = _suppressor_data()
    selector = CancelOutSelector(random_state=0).fit(X, y)
    assert selector.univariate_pvalues_[1] > 0.05
    assert selector.conditional_pvalues_[1] < 1e-20
    assert selector.linear_bonus_[1] == pytest.approx(selector.linear_bonus_.max())
    assert set(np.argsort(-selector.feature_importances_)[:2]) == {0, 1}


def test_nothing_passes_conditionally_when_nothing_is_left_of_y():
    # A noise-free linear target: once its columns are regressed out, the
    # residue is rounding error, which noise columns must not "explain".
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 40))
    y = X[:, :3] @ [3.0, -2.0, 1.5]
    marginal, conditional, *_ = linear_pvalues(
        X, ColumnStats.from_data(X), y[:, None], "regression"
    )
    assert np.all(marginal[:3] < 1e-10)
    np.testing.assert_array_equal(conditional, 1.0)


def test_conditioning_columns_their_copies_and_constants_get_one():
    X, y = _suppressor_data()
    X[:, 7] = X[:, 0] * 2.0 - 1.0  # an exact copy of a conditioning column
    X[:, 8] = 3.0
    conditional = _conditional(X, y[:, None], "regression")
    assert conditional[0] == 1.0 and conditional[7] == 1.0 and conditional[8] == 1.0
    assert conditional[1] < 1e-20


def test_nothing_passing_the_univariate_test_means_no_conditional_test():
    rng = np.random.RandomState(2)
    X = rng.normal(size=(200, 10))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)  # no column linked on its own
    marginal = _pvalues(X, y, "binary")
    assert marginal.min() > LEVEL / 10
    np.testing.assert_array_equal(_conditional(X, y, "binary"), 1.0)


def test_the_conditional_test_regresses_out_at_most_the_strongest_columns():
    rng = np.random.RandomState(0)
    n, strong = 2000, MAX_CONDITIONED + 8
    X = rng.normal(size=(n, strong + 10))
    y = X[:, :strong] @ np.linspace(1.0, 2.0, strong) + rng.normal(size=n)
    marginal, conditional, *_ = linear_pvalues(
        X, ColumnStats.from_data(X), y[:, None], "regression"
    )
    given = np.argsort(marginal)[:MAX_CONDITIONED]
    assert np.all(conditional[given] == 1.0)
    # The weakest strong columns were left out and are tested; they pass.
    tested = np.setdiff1d(np.arange(strong), given)
    assert tested.size == 8 and np.all(conditional[tested] < 1e-10)


def test_conditional_classes_with_an_absent_class_and_zero_weights():
    # The class test never builds a classes x classes matrix; an index with
    # no rows and rows of weight 0 must not change its degrees of freedom.
    X, y = _suppressor_data(n=500, seed=3)
    labels = np.digitize(y, [-1.0, 0.0, 1.0]) * 2  # classes 0, 2, 4, 6
    weight = np.random.RandomState(4).uniform(0.5, 2.0, size=len(y))
    weight[:40] = 0.0
    marginal, conditional, line, _ = linear_pvalues(
        X, ColumnStats.from_data(X), labels, "multiclass", weight
    )
    given = np.flatnonzero(marginal < line)
    expected = _partial_f_test(X, np.eye(7)[labels], given, weight)
    np.testing.assert_allclose(conditional, expected, rtol=1e-6, atol=1e-300)


def test_a_target_left_only_as_rounding_error_is_not_tested():
    # One target is explained exactly by the passing columns, the other
    # almost: after float32 rounding the first leaves a residue of about
    # 1e-13, which noise columns must not "explain" (they did, p 5e-11).
    rng = np.random.RandomState(34)
    X = rng.normal(size=(300, 40))
    Y = np.column_stack(
        [X[:, :3] @ [3.0, -2.0, 1.5], X[:, 3] + 1e-4 * rng.normal(size=300)]
    )
    Y = ((Y - Y.mean(0)) / Y.std(0)).astype(np.float32)
    marginal, conditional, line, _ = linear_pvalues(
        X, ColumnStats.from_data(X), Y, "regression"
    )
    given = np.flatnonzero(marginal < line)
    # The reference with the second target alone: the only one left.
    expected = _partial_f_test(X, Y[:, [1]].astype(float), given, np.ones(300))
    np.testing.assert_allclose(conditional, expected, rtol=1e-5)


def test_when_every_column_passes_the_ones_left_out_are_still_tested():
    rng = np.random.RandomState(0)
    n, d = 2000, MAX_CONDITIONED + 8
    X = rng.normal(size=(n, d))
    y = X @ np.linspace(1.0, 2.0, d) + rng.normal(size=n)
    marginal, conditional, *_ = linear_pvalues(
        X, ColumnStats.from_data(X), y[:, None], "regression"
    )
    assert np.all(marginal < LEVEL / d)
    left_out = np.argsort(marginal)[MAX_CONDITIONED:]
    assert np.all(conditional[left_out] < 1e-10)


@pytest.mark.slow
@pytest.mark.parametrize("sparse", [False, True])
def test_the_conditional_test_reads_x_in_blocks(sparse):
    # No copy of X and no rows x conditioning-columns array: on tall X the
    # conditional test costs little memory beside the univariate one.
    X, y = _tall_regression(sparse)
    stats_ = ColumnStats.from_data(X)
    peaks = {
        conditional: traced_peak(
            linear_pvalues, X, stats_, y, "regression", None, conditional, 0
        )
        for conditional in (False, True)
    }
    marginal = marginal_pvalues(X, stats_, y, "regression")
    assert np.sum(marginal < LEVEL / X.shape[1]) >= 30  # the test ran
    # A rows x 32 float64 array alone would be 51 MB, X itself is 32 MB
    # dense and 4.8 MB sparse (values and indices).
    assert peaks[True] < 1.25 * peaks[False]
    assert sparse or peaks[True] < 0.25 * X.nbytes


def _sparse_rare(seed, classes=False, n=300, d=1000):
    """Sparse skewed columns beside a target that is zero (or one class)
    in all but about 5 % of the rows: the F tests' normal errors fail."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=0.01, random_state=seed, format="csr")
    X.data = rng.exponential(size=X.nnz)
    rare = rng.random(n) < 0.05
    if classes:
        return X, rare.astype(int), "binary"
    return X, (rare * rng.exponential(size=n))[:, None], "regression"


@pytest.mark.parametrize("classes", [False, True])
def test_permutations_raise_the_line_where_chance_passes_bonferroni(classes):
    # Unrelated data, 20 draws: at p < 0.5 / d, on average 22 (regression)
    # and 34 (classes) columns pass per draw, in every draw. At the
    # permutation lines about one does, and in about half of the draws.
    draws, passing, any_pass = 20, [], 0
    for seed in range(draws):
        X, target, task = _sparse_rare(seed, classes)
        tests = linear_pvalues(X, ColumnStats.from_data(X), target, task)
        bonferroni = np.minimum(tests.univariate, tests.conditional) < LEVEL / 1000
        passed = (tests.univariate < tests.univariate_line) | (
            tests.conditional < tests.conditional_line
        )
        assert bonferroni.sum() >= 5 and tests.univariate_line < 1e-3 * LEVEL / 1000
        passing.append(passed.sum())
        any_pass += passed.any()
    assert np.mean(passing) < 2.0 and any_pass <= 0.7 * draws


def test_with_normal_errors_the_lines_stay_bonferronis():
    for seed in range(5):
        rng = np.random.RandomState(seed)
        X = rng.normal(size=(300, 50))
        y = X[:, 0] + rng.normal(size=300)
        tests = linear_pvalues(X, ColumnStats.from_data(X), y[:, None], "regression")
        assert tests.univariate[0] < 1e-10
        # The median of the permutations' smallest p-values sits above the
        # line here (0.5 / d is near their 40th percentile).
        assert tests.univariate_line == tests.conditional_line == LEVEL / 50
    fixed = linear_pvalues(
        X, ColumnStats.from_data(X), y[:, None], "regression", None, True, 0
    )
    assert fixed.univariate_line == fixed.conditional_line == LEVEL / 50


def test_the_selector_gives_no_bonus_to_noise_that_passes_bonferroni_by_chance():
    rng = np.random.default_rng(0)
    n, d = 500, 3000
    X = sp.random(n, d, density=0.01, random_state=0, format="csr")
    X.data = rng.exponential(size=X.nnz)
    y = np.asarray(X[:, :5].sum(axis=1)).ravel()  # zero in 92 % of the rows
    selector = CancelOutSelector(n_estimators=2, max_iter=5, random_state=0).fit(X, y)
    lowest = np.minimum(selector.univariate_pvalues_, selector.conditional_pvalues_)
    assert np.sum(lowest[5:] < LEVEL / d) >= 40  # Bonferroni's passes: noise
    noise_bonus = selector.linear_bonus_[5:] > 0
    assert noise_bonus.sum() <= 2
    assert np.sum(selector.linear_bonus_[:5] > 0) >= 3


@pytest.mark.parametrize("classes", [False, True])
def test_the_lines_are_the_same_for_dense_sparse_and_scaled_weights(classes):
    X, target, task = _sparse_rare(3, classes, n=200, d=300)
    weight = np.random.RandomState(0).uniform(0.5, 2.0, size=200)
    stats_ = ColumnStats.from_data(X)
    lines = [
        linear_pvalues(data, stats_, target, task, w)[2:]
        for data, w in (
            (X, weight),
            (X.toarray(), weight),
            (sp.csc_matrix(X), 1000 * weight),
        )
    ]
    assert lines[0][0] < LEVEL / 300
    np.testing.assert_allclose(lines[1], lines[0], rtol=1e-6)
    np.testing.assert_allclose(lines[2], lines[0], rtol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("sparse", [False, True])
def test_the_permutations_cost_little_memory_beside_x(sparse):
    X, y = _tall_regression(sparse)
    n = X.shape[0]
    # Sparse: the float64 copy of its entries (and indices) a pass makes.
    stored = X.nnz * 12 if sparse else X.nbytes
    stats_ = ColumnStats.from_data(X)
    peaks = {
        permutations: traced_peak(
            linear_pvalues, X, stats_, y, "regression", None, False, permutations
        )
        for permutations in (0, N_PERMUTATIONS)
    }
    # The permuted targets of one pass take at most an eighth of X's
    # float32 size, or half the copy of sparse X's entries that a pass
    # makes (or one target): 19 of them at once would be 30 MB.
    assert (
        peaks[N_PERMUTATIONS] < peaks[0] + (1 if sparse else 0.3) * stored + 3 * 8 * n
    )


@pytest.mark.parametrize("classes", [False, True])
def test_rows_of_weight_zero_change_no_line(classes):
    # Zero-weight rows with outlying targets (or a class of their own) would
    # make the permutations' null heavy-tailed if they were permuted in.
    X, target, task = _sparse_rare(5, classes, n=300, d=300)
    extra = sp.random(30, 300, density=0.02, random_state=1, format="csr")
    if classes:
        tail = np.full(30, 2)
    else:
        tail = np.full((30, 1), 50.0)
    full = sp.vstack([X, extra], format="csr")
    weight = np.r_[np.ones(300), np.zeros(30)]
    kept = linear_pvalues(X, ColumnStats.from_data(X), target, task)
    padded = linear_pvalues(
        full, ColumnStats.from_data(full), np.r_[target, tail], task, weight
    )
    np.testing.assert_allclose(padded.univariate, kept.univariate, rtol=1e-9)
    assert padded[2:] == pytest.approx(kept[2:], rel=1e-9)


@pytest.mark.parametrize("conditional", [False, True])
@pytest.mark.parametrize(
    ("n", "d", "n_classes"), [(2000, 300, 1000), (20000, 50, 2000)]
)
def test_many_classes_keep_the_permutations_small(n, d, n_classes, conditional):
    # With many classes each permutation's class sums are as large as X (or
    # larger): 19 at once peaked at 47 MB against 7 MB without permutations,
    # and keeping them for the second test at 19 MB against 6 MB.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, d))
    labels = np.arange(n) % n_classes
    X[:, 0] += labels % 2 * 3.0  # a column passes: the second test runs
    stats_ = ColumnStats.from_data(X)
    peaks = {
        permutations: traced_peak(
            linear_pvalues,
            *(X, stats_, labels, "multiclass", None, conditional, permutations),
        )
        for permutations in (0, N_PERMUTATIONS)
    }
    assert peaks[N_PERMUTATIONS] < peaks[0] + X.nbytes
