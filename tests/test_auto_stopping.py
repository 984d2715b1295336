"""early_stopping="auto": keep the held-out split only if the networks generalize."""

import numpy as np
import pytest
import torch

from skcancelout import CancelOutSelector
from skcancelout._training import TrainingData, constant_loss

SMALL = dict(n_estimators=2, hidden_layer_sizes=(8,), random_state=0)


def _data(target, weight=None):
    X = torch.zeros(len(target), 1)
    w = None if weight is None else torch.as_tensor(weight, dtype=torch.float32)
    return TrainingData(X, target, w, torch.device("cpu"))


def test_constant_loss_regression_is_the_mse_of_the_training_mean():
    train = _data(torch.tensor([[0.0], [2.0]]))
    validation = _data(torch.tensor([[1.0], [4.0]]))
    # The training mean is 1: errors 0 and 3.
    assert constant_loss("regression", train, validation, 1) == pytest.approx(4.5)


def test_constant_loss_classification_is_the_log_loss_of_the_frequencies():
    train = _data(torch.tensor([0, 0, 0, 1]))
    validation = _data(torch.tensor([0, 1]))
    # Smoothed frequencies (3.5, 1.5) / 5.
    expected = -(np.log(0.7) + np.log(0.3)) / 2
    loss = constant_loss("binary", train, validation, 2)
    assert loss == pytest.approx(expected, rel=1e-5)


def test_constant_loss_uses_sample_weights():
    train = _data(torch.tensor([[0.0], [2.0]]), weight=[3.0, 1.0])
    validation = _data(torch.tensor([[0.0], [1.0]]), weight=[1.0, 0.0])
    # Weighted training mean 0.5; only the first validation row counts.
    assert constant_loss("regression", train, validation, 1) == pytest.approx(0.25)


def test_auto_keeps_the_split_when_the_networks_generalize():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 10))
    y = 3 * X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(400)
    selector = CancelOutSelector(**SMALL).fit(X, y)
    assert selector.early_stopping_used_
    assert len(selector.validation_loss_curve_) == selector.n_iter_
    assert set(np.argsort(selector.feature_importances_)[-2:]) == {0, 1}


def test_auto_gives_the_rows_back_when_nothing_generalizes():
    # Labels independent of X: no network beats the class frequencies.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 6))
    y = rng.integers(0, 2, 300)
    selector = CancelOutSelector(max_iter=8, **SMALL).fit(X, y)
    assert not selector.early_stopping_used_
    # The check ran after 2 epochs on the split; training went on without it.
    assert len(selector.validation_loss_curve_) == 2
    assert selector.n_iter_ > 2


def test_auto_trains_on_every_row_without_y_or_epochs_to_spare():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 5))
    y = X[:, 0] + X[:, 1]
    for extra, y_fit in [({}, None), ({"max_iter": 2}, y)]:
        params = {**SMALL, **extra}
        auto = CancelOutSelector(early_stopping="auto", **params).fit(X, y_fit)
        off = CancelOutSelector(early_stopping=False, **params).fit(X, y_fit)
        np.testing.assert_array_equal(
            auto.feature_importances_, off.feature_importances_
        )
        assert not auto.early_stopping_used_
        assert auto.validation_loss_curve_ == []


def test_auto_falls_back_to_all_rows_when_no_split_is_possible():
    # Three classes in six rows: a 10 % split cannot hold one of each.
    X = np.arange(12, dtype=float).reshape(6, 2)
    y = np.array([0, 0, 1, 1, 2, 2])
    selector = CancelOutSelector(max_iter=4, **SMALL).fit(X, y)
    assert not selector.early_stopping_used_
    # Asked for explicitly, the same split is an error that says what to do.
    with pytest.raises(ValueError, match="early_stopping=False"):
        CancelOutSelector(early_stopping=True, max_iter=4, **SMALL).fit(X, y)


def test_auto_beats_training_to_the_end_on_a_small_noisy_regression():
    # diabetes with permuted copies of its columns ("probes"), as in the
    # benchmark: long training lets probes in; stopping on held-out rows
    # keeps more real columns in the top 10.
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    hits = {}
    for mode in ("auto", False):
        found = []
        for seed in range(3):
            rng = np.random.default_rng(seed)
            probes = np.column_stack([rng.permutation(X[:, j % 10]) for j in range(30)])
            data = np.hstack([X, probes])
            selector = CancelOutSelector(early_stopping=mode, random_state=seed)
            selector.fit(data, y)
            found.append(np.mean(np.argsort(selector.feature_importances_)[-10:] < 10))
        hits[mode] = np.mean(found)
    assert hits["auto"] > hits[False]
