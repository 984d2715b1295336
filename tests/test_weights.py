"""sample_weight and class_weight change which features the gates keep."""

import copy
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.utils.class_weight import compute_class_weight

from skcancelout import CancelOutSelector

FAST = dict(hidden_layer_sizes=(16,), n_estimators=3, max_iter=30, random_state=0)


def two_regimes(n=400, seed=0):
    """First half: y from features 0, 1; second half: y from features 2, 3."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 8))
    half = np.arange(n) < n // 2
    score = np.where(half, X[:, 0] + X[:, 1], X[:, 2] + X[:, 3])
    return X, (score > 0).astype(int), half


def top2(selector):
    return set(np.argsort(-selector.feature_importances_)[:2].tolist())


def test_zero_weights_act_like_dropping_rows():
    X, y, first = two_regimes()
    weighted = CancelOutSelector(**FAST).fit(X, y, sample_weight=first.astype(float))
    dropped = CancelOutSelector(**FAST).fit(X[first], y[first])
    assert top2(weighted) == top2(dropped) == {0, 1}


def test_upweighting_a_regime_raises_its_features():
    X, y, first = two_regimes()
    share = {}
    for w_first in (1.0, 5.0):
        weight = np.where(first, w_first, 1.0)
        imp = (
            CancelOutSelector(**FAST)
            .fit(X, y, sample_weight=weight)
            .feature_importances_
        )
        share[w_first] = imp[:2].mean() - imp[2:4].mean()
    assert share[5.0] > share[1.0] + 0.05


def test_partial_fit_sample_weight_zero_ignores_rows():
    X, y, first = two_regimes(n=1200)
    # Mixed batches: a batch of only zero weights is rejected.
    order = np.random.default_rng(0).permutation(1200)
    X, y, first = X[order], y[order], first[order]
    selector = CancelOutSelector(**dict(FAST, learning_rate_init=0.05))
    for _ in range(4):
        for start in range(0, 1200, 200):
            rows = slice(start, start + 200)
            selector.partial_fit(
                X[rows],
                y[rows],
                classes=[0, 1],
                sample_weight=(~first[rows]).astype(float),
            )
    assert top2(selector) == {2, 3}


def imbalanced(n=1000, seed=0):
    """About 3.5 % positives, defined by features 0 and 1; 8 noise columns."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 10))
    y = (X[:, 0] + 0.5 * X[:, 1] > 2.0).astype(int)
    return X, y


def test_balanced_class_weight_raises_the_minority_signal_above_noise():
    # Unweighted, a net that mostly predicts the majority needs the signal
    # less; balanced weights make the rare class count, so the gates of its
    # features stand further above those of the noise columns. The gates are
    # compared because they are what the weights act on; the default
    # importance is scaled by its most extreme z-score, so its gaps do not
    # compare between two fits. first_layer_decay is off: it pushes the
    # noise rows to zero in both fits, which hides the difference this test
    # is about. So is feature dropout: a net that trains without feature 0
    # on one step in ten cannot lean on it, which narrows the gate gaps of
    # both fits (seeds 0-2: 0.18-0.22 unweighted, 0.20-0.23 balanced).
    X, y = imbalanced()
    gap = {}
    for class_weight in (None, "balanced"):
        selector = CancelOutSelector(
            class_weight=class_weight,
            first_layer_decay=0.0,
            feature_dropout=0.0,
            importance_type="gate",
            **FAST,
        )
        gates = selector.fit(X, y).feature_importances_
        gap[class_weight] = gates[:2].mean() - gates[2:].mean()
    assert gap[None] > 0
    assert gap["balanced"] > gap[None] + 0.04
    balanced = CancelOutSelector(class_weight="balanced", **FAST).fit(X, y)
    assert set(np.argsort(-balanced.feature_importances_)[:2]) == {0, 1}


def test_class_weight_needs_classification():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    with pytest.raises(ValueError, match="class_weight applies to class labels"):
        CancelOutSelector(class_weight="balanced", **FAST).fit(X, X[:, 0])
    labels = (X[:, :2] > 0).astype(int)  # multilabel: said so, not "classification"
    with pytest.raises(ValueError, match="y here is a multilabel indicator matrix"):
        CancelOutSelector(class_weight="balanced", **FAST).fit(X, labels)


def test_balanced_class_weight_counts_rows_by_their_weight():
    # Rows of weight 0 are as if not passed in the class frequencies too:
    # here they are most of class 1, and counting them flipped which class
    # "balanced" favoured ([1.34, 0.80] against [0.92, 1.10]).
    rng = np.random.RandomState(0)
    X = rng.standard_normal((300, 4))
    y = (X[:, 0] + rng.standard_normal(300) > -0.5).astype(int)
    weight = np.where((y == 1) & (np.arange(300) < 150), 0.0, 1.0)
    kept = weight > 0
    params = dict(class_weight="balanced", max_iter=1, random_state=0)
    weighted = CancelOutSelector(**params).fit(X, y, sample_weight=weight)
    dropped = CancelOutSelector(**params).fit(X[kept], y[kept])
    # The linear tests weigh rows as training does.
    np.testing.assert_allclose(
        weighted.univariate_pvalues_, dropped.univariate_pvalues_, rtol=1e-9
    )


def test_partial_fit_refuses_balanced_class_weight_and_accepts_a_dict():
    # One batch cannot tell the class frequencies of a stream (as in
    # SGDClassifier); a dict computed from all labels works.
    X, y = imbalanced(n=200)
    selector = CancelOutSelector(class_weight="balanced", **FAST)
    with pytest.raises(ValueError, match="pass class_weight as a dict"):
        selector.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(selector, "feature_importances_")
    weights = compute_class_weight("balanced", classes=np.array([0, 1]), y=y)
    selector.set_params(class_weight=dict(enumerate(weights)))
    selector.partial_fit(X, y, classes=[0, 1])
    assert selector.feature_importances_.shape == (X.shape[1],)


def _weight_norm(selector):
    return sum(
        float(np.linalg.norm(v))
        for k, v in selector._net_state.items()
        if k.startswith("weights.")
    )


def test_weight_decay_shrinks_network_weights_but_not_gates_or_biases():
    X, y, _ = two_regimes()
    plain = CancelOutSelector(**FAST).fit(X, y)
    decayed = CancelOutSelector(weight_decay=0.1, **FAST).fit(X, y)
    assert _weight_norm(decayed) < 0.8 * _weight_norm(plain)
    model = decayed._build_model(
        8, torch.Generator(), torch.zeros(8), torch.ones(8), torch.device("cpu")
    )
    decay = decayed._optimizer(model).decay

    def rates(param):
        # float32 rates, one per entry of the parameter
        return set(decay[model.segments[param]].double().numpy().round(6))

    first, *rest = model.weights
    assert rates(first) == {round(0.1 + decayed.first_layer_decay, 6)}
    assert [rates(w) for w in rest] == [{0.1}] * len(rest)
    assert rates(model.gate) == {0.0}
    assert {rate for b in model.biases for rate in rates(b)} == {0.0}


def test_partial_fit_follows_a_weight_decay_changed_between_calls():
    X, y, _ = two_regimes()
    params = dict(FAST, max_iter=1)
    steady = CancelOutSelector(**params).partial_fit(X, y, classes=[0, 1])
    changed = CancelOutSelector(**params).partial_fit(X, y, classes=[0, 1])
    changed.set_params(weight_decay=1.0)
    for _ in range(5):
        steady.partial_fit(X, y)
        changed.partial_fit(X, y)
    assert _weight_norm(changed) < 0.9 * _weight_norm(steady)


@pytest.mark.parametrize("seed", [0, 2])
def test_first_layer_decay_lifts_weak_linear_signal_above_noise(seed):
    # Noise-free y = X[:, :8] @ coef with two weak coefficients (1.0, 0.7).
    # Without the decay, unused features keep their random first-layer rows
    # and the weak ones drown among them (these seeds miss one of the 8).
    # The networks' own ranking is compared: the conditional linear test
    # lifts the weak columns of this noise-free target with or without it.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((300, 60))
    y = X[:, :8] @ np.array([8, 7, 6, 5, 4, 3, 1.0, 0.7])
    margin = {}
    for decay in (0.0, 0.003):
        fitted = CancelOutSelector(first_layer_decay=decay, random_state=seed)
        fitted.fit(X, y)
        imp = fitted.feature_importances_ - fitted.linear_bonus_
        margin[decay] = imp[6:8].min() / imp[8:].max()
    assert margin[0.0] < 1 < margin[0.003]


def _two_parts(seed=0):
    """Rows 0-99: y follows column 0; rows 100-299: y follows column 1.

    300 rows make "auto" batches of 37 and a last batch of 4 rows in each
    epoch, so with rows 100-299 at weight 0 some batch holds no weight.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((300, 6))
    y = np.where(np.arange(300) < 100, X[:, 0] > 0, X[:, 1] > 0).astype(int)
    return X, y


def test_rows_of_weight_zero_are_trained_as_if_absent():
    # Before: a mini-batch whose rows all had weight 0 gave a 0/0 loss, and
    # fit ended in "Training diverged" (with 2/3 of the weights zero, most
    # fits hit such a batch).
    X, y = _two_parts()
    weight = np.r_[np.ones(100), np.zeros(200)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no NaN back-off
        selector = CancelOutSelector(random_state=0).fit(X, y, sample_weight=weight)
    assert selector.feature_importances_.argmax() == 0
    flipped = CancelOutSelector(random_state=0).fit(X, y, sample_weight=1 - weight)
    assert flipped.feature_importances_.argmax() == 1


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("target", ["none", "classes", "values"])
def test_rows_of_weight_zero_count_nowhere(sparse, target):
    # They counted in the statistics that standardize X: an outlier of
    # weight 0 (1e6 here) squeezed its column's real values to about 0, and
    # a column varying only on rows of weight 0 was ranked (first, without y).
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5))
    X[0, 1] = 1e300  # 1e6 could not reach the overflow of weights x squares
    X[100:, 2] = 5.0
    values = X[:, 0] + X[:, 1] + 0.1 * rng.normal(size=200)
    y = {"none": None, "classes": (values > 0).astype(int), "values": values}[target]
    weight = np.r_[np.zeros(100), np.ones(100)]
    data = sp.csr_matrix(X) if sparse else X
    kept = slice(100, None)
    weighted = CancelOutSelector(**FAST).fit(data, y, sample_weight=weight)
    dropped = CancelOutSelector(**FAST).fit(data[kept], None if y is None else y[kept])
    np.testing.assert_array_equal(
        weighted.feature_importances_, dropped.feature_importances_
    )
    np.testing.assert_array_equal(weighted.mean_, dropped.mean_)
    for name in ("univariate_pvalues_", "conditional_pvalues_", "linear_bonus_"):
        np.testing.assert_array_equal(
            getattr(weighted, name), getattr(dropped, name), err_msg=name
        )
    assert weighted.n_samples_seen_ == 100
    assert weighted.feature_importances_[2] == 0.0
    # A stream too: its statistics take in only the rows of weight.
    stream = CancelOutSelector(**FAST)
    for rows in (slice(0, 120), slice(120, 200)):
        batch_y = None if y is None else y[rows]
        classes = [0, 1] if target == "classes" and rows.start == 0 else None
        stream.partial_fit(data[rows], batch_y, classes, sample_weight=weight[rows])
    np.testing.assert_allclose(stream.mean_, X[100:].mean(axis=0), rtol=1e-12)
    assert stream.n_samples_seen_ == 100


def test_a_wild_target_of_weight_zero_does_not_scale_the_others():
    # A corrupt label weighted out must not set the scale of y: standardized
    # by a spread of 6e7 the real targets were all near 0, the networks
    # learned nothing, and their own ranking lost feature 0.
    rng = np.random.RandomState(0)
    X = rng.standard_normal((300, 5))
    y = 3 * X[:, 0] + X[:, 1] + 0.1 * rng.standard_normal(300)
    corrupt = y.copy()
    corrupt[0] = 1e9
    weight = np.r_[0.0, np.ones(299)]
    params = dict(max_iter=30, random_state=0, importance_type="gate_weight")
    weighted = CancelOutSelector(**params).fit(X, corrupt, sample_weight=weight)
    dropped = CancelOutSelector(**params).fit(X[1:], y[1:])
    assert set(np.argsort(-weighted.feature_importances_)[:2]) == {0, 1}
    assert weighted.loss_curve_[-1] < 2 * dropped.loss_curve_[-1]


def test_class_weight_without_y_is_refused_with_advice():
    X = np.random.default_rng(0).standard_normal((40, 3))
    # Before: TypeError "object of type 'NoneType' has no len()".
    for class_weight in ({0: 1.0}, "balanced"):
        selector = CancelOutSelector(class_weight=class_weight, max_iter=1)
        with pytest.raises(ValueError, match="without y .* class_weight=None"):
            selector.fit(X)
    # (partial_fit refuses "balanced" for streams first.)
    selector = CancelOutSelector(class_weight={0: 1.0}, max_iter=1)
    with pytest.raises(ValueError, match="without y .* class_weight=None"):
        selector.partial_fit(X)


def test_an_outlier_of_weight_zero_raises_no_numpy_warning():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((100, 3))
    y = 1e-10 * X[:, 0]
    y[0] = 1e300  # weighted out; once divided with the rest, it overflowed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CancelOutSelector(max_iter=2, random_state=0).fit(
            X, y, sample_weight=np.r_[0.0, np.ones(99)]
        )


def test_zero_weights_with_early_stopping_and_partial_fit():
    X, y = _two_parts()
    weight = np.r_[np.ones(100), np.zeros(200)][
        np.random.default_rng(1).permutation(300)
    ]
    selector = CancelOutSelector(early_stopping=True, random_state=0)
    assert np.isfinite(selector.fit(X, y, sample_weight=weight).loss_curve_).all()
    assert np.isfinite(selector.validation_loss_curve_).all()
    stream = CancelOutSelector(batch_size=8, random_state=0)
    stream.partial_fit(X, y, classes=[0, 1], sample_weight=weight)
    assert np.isfinite(stream.loss_curve_).all()


def test_one_class_left_with_positive_weight_is_refused():
    X, y = _two_parts()
    with pytest.raises(ValueError, match="Only one class has rows of positive weight"):
        CancelOutSelector(class_weight={0: 0.0, 1: 1.0}).fit(X, y)


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_class_weight_must_be_finite_and_non_negative(bad):
    X, y = _two_parts()
    with pytest.raises(ValueError, match="class_weight must give every class"):
        CancelOutSelector(class_weight={0: bad, 1: 5.0}).fit(X, y)


def test_huge_equal_weights_act_as_no_weights():
    X, y = _two_parts()
    plain = CancelOutSelector(max_iter=5, random_state=0).fit(X, y)
    huge = CancelOutSelector(max_iter=5, random_state=0)
    huge.fit(X, y, sample_weight=np.full(300, 1e307))
    np.testing.assert_allclose(
        huge.feature_importances_, plain.feature_importances_, atol=1e-5
    )


def test_a_class_weight_dict_weighs_later_batches_that_lack_its_classes():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] > 0.5).astype(int)
    stream = CancelOutSelector(class_weight={1: 10.0}, **FAST)
    stream.partial_fit(X[:60], y[:60], classes=[0, 1])
    zeros, mixed = y == 0, np.arange(60, 120)

    def after(batch, class_weight):
        selector = copy.deepcopy(stream).set_params(class_weight=class_weight)
        return selector.partial_fit(X[batch], y[batch]).feature_importances_

    # A batch of class 0 alone: every row weighs 1 under either dict, so the
    # dicts agree; a batch of both classes tells them apart.
    np.testing.assert_array_equal(after(zeros, {1: 10.0}), after(zeros, {1: 3.0}))
    assert not np.array_equal(after(mixed, {1: 10.0}), after(mixed, {1: 3.0}))


def test_a_class_seen_only_in_rows_of_weight_zero_stays_a_class():
    # As in scikit-learn's classifiers: classes_ lists every label of y, so
    # predict-style consumers of classes_ see the same set with or without
    # the weights; that class's output simply never trains.
    X, y, _ = two_regimes()
    y = y.copy()
    y[:20] = 2
    weight = (y != 2).astype(float)
    selector = CancelOutSelector(**FAST).fit(X, y, sample_weight=weight)
    np.testing.assert_array_equal(selector.classes_, [0, 1, 2])
    assert selector.n_samples_seen_ == len(X) - 20
