"""feature_dropout: each net trains without a random share of the features."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_wine, make_regression

from skcancelout import CancelOutSelector
from skcancelout._training import feature_keep

FAST = dict(hidden_layer_sizes=(16,), n_estimators=3, max_iter=20, random_state=0)


def wine_with_probes(seed, n_probes=50):
    """load_wine plus probes: real columns, each with its rows permuted."""
    rng = np.random.default_rng(seed)
    X, y = load_wine(return_X_y=True)
    source = rng.integers(0, X.shape[1], n_probes)
    probes = np.column_stack([rng.permutation(X[:, j]) for j in source])
    return np.hstack([X, probes]), y


def test_dropout_keeps_weak_and_redundant_wine_columns_above_probes():
    # Without dropout the nets fit the 178 rows with a few strong columns and
    # close the gates of weaker or redundant ones (magnesium, proanthocyanins,
    # nonflavanoid phenols), while a few probes help to memorise rows. With
    # dropout no single column can be relied on. Counted over three seeds:
    # the wine columns ranked above every probe.
    above = {}
    for rate in (0.0, "auto"):
        above[rate] = 0
        for seed in range(3):
            X, y = wine_with_probes(seed)
            imp = (
                CancelOutSelector(feature_dropout=rate, random_state=seed)
                .fit(X, y)
                .feature_importances_
            )
            above[rate] += int((imp[:13] > imp[13:].max()).sum())
    assert above["auto"] >= above[0.0] + 3


def test_auto_is_off_for_regression_and_a_tenth_then_seven_tenths_for_labels():
    X, y = make_regression(n_samples=120, n_features=6, random_state=0)
    auto = CancelOutSelector(**FAST).fit(X, y).feature_importances_
    off = CancelOutSelector(feature_dropout=0.0, **FAST).fit(X, y)
    np.testing.assert_array_equal(auto, off.feature_importances_)

    labels = (y > np.median(y)).astype(int)
    auto = CancelOutSelector(**FAST).fit(X, labels).feature_importances_
    pair = CancelOutSelector(feature_dropout=(0.1, 0.7), **FAST).fit(X, labels)
    np.testing.assert_array_equal(auto, pair.feature_importances_)
    for other in (0.0, 0.1, (0.1, 0.1), (0.1, 0.4)):
        fitted = CancelOutSelector(feature_dropout=other, **FAST).fit(X, labels)
        assert not np.array_equal(auto, fitted.feature_importances_)


def test_a_pair_of_rates_switches_at_half_of_max_iter():
    # (0.1, 0.1) is the constant 0.1; (0.1, 0.3) matches it epoch for epoch
    # through the first half and then departs.
    X, y = make_regression(n_samples=100, n_features=5, random_state=3)
    labels = (y > 0).astype(int)
    params = dict(FAST, max_iter=10, n_iter_no_change=100, keep_gate_history=True)
    history = {
        rate: CancelOutSelector(feature_dropout=rate, **params)
        .fit(X, labels)
        .gate_history_
        for rate in (0.1, (0.1, 0.1), (0.1, 0.3))
    }
    as_list = CancelOutSelector(feature_dropout=[0.1, 0.3], **params).fit(X, labels)
    np.testing.assert_array_equal(as_list.gate_history_, history[(0.1, 0.3)])
    np.testing.assert_array_equal(history[0.1], history[(0.1, 0.1)])
    np.testing.assert_array_equal(history[0.1][:5], history[(0.1, 0.3)][:5])
    assert not np.array_equal(history[0.1][5:], history[(0.1, 0.3)][5:])


def test_the_stopping_rule_restarts_when_the_rate_changes():
    # With an impossible tol every epoch after the first counts as a stall:
    # a constant rate stops after 1 + n_iter_no_change = 4 epochs. With a
    # pair the rate changes at epoch 4 of 6, before the count reaches 3;
    # the loss is then measured at another rate, so the count restarts and
    # the fit runs to max_iter.
    X, y = make_regression(n_samples=60, n_features=4, random_state=4)
    labels = (y > 0).astype(int)
    params = dict(FAST, max_iter=6, tol=1e9, n_iter_no_change=3)
    constant = CancelOutSelector(feature_dropout=0.1, **params).fit(X, labels)
    pair = CancelOutSelector(feature_dropout=(0.1, 0.3), **params).fit(X, labels)
    assert constant.n_iter_ == 4
    assert pair.n_iter_ == 6


def test_auto_is_off_in_partial_fit():
    X, y = make_regression(n_samples=100, n_features=5, random_state=2)
    labels = (y > 0).astype(int)
    streams = []
    for rate in ("auto", 0.0):
        selector = CancelOutSelector(feature_dropout=rate, **FAST)
        for _ in range(3):
            selector.partial_fit(X, labels, classes=[0, 1])
        streams.append(selector.gate_weights_)
    np.testing.assert_array_equal(*streams)


def test_dropout_is_reproducible_and_applies_to_partial_fit():
    X, y = make_regression(n_samples=100, n_features=5, random_state=1)
    fits = [
        CancelOutSelector(feature_dropout=0.3, **FAST).fit(X, y).feature_importances_
        for _ in range(2)
    ]
    np.testing.assert_array_equal(*fits)
    streams = []
    for rate in (0.0, 0.3):
        selector = CancelOutSelector(feature_dropout=rate, **FAST)
        for _ in range(3):
            selector.partial_fit(X, y)
        streams.append(selector.gate_weights_)
    assert not np.array_equal(*streams)


def test_keep_multipliers_drop_the_asked_share_independently_per_net():
    class Net:
        gate = torch.zeros(4, 5000)

    keep = feature_keep(Net(), 0.3, torch.Generator().manual_seed(0))
    dropped = (keep == 0).float().mean(dim=1)
    assert torch.allclose(dropped, torch.full((4,), 0.3), atol=0.03)
    assert not torch.equal(keep[0], keep[1])  # each net draws its own
    assert torch.allclose(keep[keep > 0], torch.tensor(1 / 0.7))
    assert feature_keep(Net(), 0.0, torch.Generator()) is None


@pytest.mark.parametrize("rate", [1.0, -0.1, "half", (0.1,), (0.1, 1.0), [0.1, "x"]])
def test_invalid_dropout_rate_is_rejected(rate):
    X, y = make_regression(n_samples=30, n_features=3, random_state=0)
    with pytest.raises(ValueError, match="feature_dropout"):
        CancelOutSelector(feature_dropout=rate).fit(X, y)


def test_an_epochs_draw_equals_one_draw_per_step():
    # Training draws an epoch's masks at once; the seeded stream must be the
    # same as drawing them step by step, so results do not depend on it.
    class Net:
        gate = torch.zeros(3, 50)

    epoch = feature_keep(Net(), 0.4, torch.Generator().manual_seed(5), steps=4)
    generator = torch.Generator().manual_seed(5)
    steps = [feature_keep(Net(), 0.4, generator) for _ in range(4)]
    assert epoch.shape == (4, 3, 50)
    assert torch.equal(epoch, torch.stack(steps))


def test_masks_drawn_in_chunks_train_the_same_networks(monkeypatch):
    # 178 wine rows in batches of 32 are 6 steps an epoch; a draw limit of
    # 4 steps' masks splits every epoch into two draws, one of them short.
    import skcancelout._training as training

    X, y = load_wine(return_X_y=True)
    params = dict(FAST, batch_size=32, feature_dropout=0.3)
    whole = CancelOutSelector(**params).fit(X, y).gate_weights_
    n_gates = params["n_estimators"] * X.shape[1]
    monkeypatch.setattr(training, "KEEP_DRAW_ELEMENTS", 4 * n_gates)
    chunked = CancelOutSelector(**params).fit(X, y).gate_weights_
    np.testing.assert_array_equal(whole, chunked)
    monkeypatch.setattr(training, "KEEP_DRAW_ELEMENTS", 1)  # one step a draw
    np.testing.assert_array_equal(
        whole, CancelOutSelector(**params).fit(X, y).gate_weights_
    )


@pytest.mark.parametrize("rate", [(0.1,), (0.1, 0.7, 0.2), (0.1, 1.0), (True, 0.5)])
def test_a_bad_pair_of_rates_is_refused_before_any_work(monkeypatch, rate):
    X, labels = wine_with_probes(0)

    def no_statistics(*args, **kwargs):
        raise AssertionError("X was read before the check")

    monkeypatch.setattr(CancelOutSelector, "_validate_input", no_statistics)
    with pytest.raises(ValueError, match="feature_dropout as a pair"):
        CancelOutSelector(feature_dropout=rate, **FAST).fit(X, labels)
    with pytest.raises(ValueError, match="feature_dropout as a pair"):
        CancelOutSelector(feature_dropout=rate, **FAST).partial_fit(
            X, labels, classes=np.unique(labels)
        )
