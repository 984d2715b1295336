"""importance_type: what the importances mean and how they are combined."""

import numpy as np
import pytest

from skcancelout import CancelOutSelector
from skcancelout._importance import combined, gate_weight, robust_z

FAST = dict(n_estimators=4, random_state=0)


def test_robust_z_has_median_zero_and_handles_rows_without_spread():
    values = np.array([[1.0, 2.0, 3.0, 4.0, 100.0], [5.0, 5.0, 5.0, 5.0, 5.0]])
    z = robust_z(values)
    assert z[0, 2] == 0.0  # the median
    assert z[0, 4] > 50  # the outlier stands out; the MAD ignores it
    np.testing.assert_array_equal(z[1], 0.0)


def test_combined_keeps_clear_final_winners_and_breaks_ties_with_first_epoch():
    rng = np.random.RandomState(0)
    final = 0.01 + 0.001 * rng.rand(1, 20)
    final[0, 0] = 1.0  # clearly used by the trained network
    final[0, 1] = final[0, 2] = 0.0105  # two columns the final net treats alike
    first = np.full((1, 20), 0.5)
    first[0, 2] = 0.9  # column 2 was linked to y after the first epoch
    first[0, 5] = 0.95  # so was column 5, beside a clear final winner
    out = combined(final, first)
    order = np.argsort(-out[0])
    assert order[0] == 0
    assert out[0, 2] > out[0, 1]
    assert out.min() == 0.0 and out.max() == 1.0


def test_combined_gives_the_network_that_learned_more_say_in_the_mean():
    """One network of three found feature 0 (a parity-like interaction is
    found by few networks); the other two rank noise feature 3 first by a
    small margin. Scaling every row to a maximum of 1 would let the two
    noisy rows outvote the clear one; a shared scale does not."""
    rng = np.random.RandomState(0)
    final = 1.0 + 0.05 * rng.rand(3, 12)
    final[0, 0] = 10.0
    final[1:, 3] = 1.3
    first = np.ones((3, 12))  # no first-epoch signal: robust z of 0
    out = combined(final, first)
    assert np.argmax(out.mean(axis=0)) == 0
    z = robust_z(final)
    z -= z.min(axis=1, keepdims=True)
    per_row = z / z.max(axis=1, keepdims=True)
    assert np.argmax(per_row.mean(axis=0)) == 3
    # Each row keeps its own order, and the array spans [0, 1].
    np.testing.assert_array_equal(
        np.argsort(out, axis=1, kind="stable"), np.argsort(final, axis=1, kind="stable")
    )
    assert out.min() == 0.0 and out.max() == 1.0


def test_combined_falls_back_to_gate_weight_on_rows_without_spread():
    final = np.array([[0.2, 0.2, 0.2]])
    np.testing.assert_allclose(combined(final, final), gate_weight(final, 1.0))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_redundant_copies_of_a_signal_both_rank_above_noise(seed):
    """A second, noisy copy of the informative column is relevant too."""
    rng = np.random.RandomState(seed)
    n = 300
    signal = rng.normal(size=n)
    copy = signal + 0.3 * rng.normal(size=n)
    other = rng.normal(size=n)
    X = np.column_stack([signal, copy, other, rng.normal(size=(n, 20))])
    y = signal + 0.5 * other + 0.5 * rng.normal(size=n)
    selector = CancelOutSelector(random_state=seed).fit(X, y)
    assert set(np.argsort(-selector.feature_importances_)[:3]) == {0, 1, 2}


@pytest.mark.parametrize("kind", ["combined", "gate_weight", "gate"])
def test_importances_are_in_unit_interval(kind):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 12))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    selector = CancelOutSelector(importance_type=kind, max_iter=20, **FAST)
    importances = selector.fit(X, y).all_importances_
    assert importances.min() >= 0 and importances.max() <= 1
    if kind == "combined":  # one scale shared by all networks
        assert importances.max() == 1.0
    elif kind == "gate_weight":  # each network scaled to its own maximum
        np.testing.assert_allclose(importances.max(axis=1), 1.0)


def test_one_epoch_ranks_as_gate_weight_in_every_network():
    """After one epoch the first-epoch and final states are the same, so each
    network's ranking is gate_weight's (the mean over networks can differ
    where two features nearly tie, as each network's scale differs). In
    ``fit`` the marginal evidence lifts columns linked to y on their own
    (0 and 3 here); the others keep gate_weight's order."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 10))
    y = X[:, 0] - 2 * X[:, 3] + 0.1 * rng.normal(size=200)
    noise = [1, 2, 4, 5, 6, 7, 8, 9]

    def per_net_ranks(kind, streamed):
        selector = CancelOutSelector(importance_type=kind, max_iter=1, **FAST)
        selector = selector.partial_fit(X, y) if streamed else selector.fit(X, y)
        columns = slice(None) if streamed else noise
        return np.argsort(-selector.all_importances_[:, columns], axis=1)

    for streamed in (True, False):
        np.testing.assert_array_equal(
            per_net_ranks("combined", streamed), per_net_ranks("gate_weight", streamed)
        )


@pytest.mark.parametrize(
    "n_samples, batch_size, epochs_read",
    [
        (400, "auto", [1]),  # 8 steps in the first epoch
        (100, "auto", [1, 2]),  # 32-row batches: 4 steps an epoch
        (100, 50, [1, 2, 3, 4]),  # 2 steps an epoch
        (100, 8, [1]),  # 13 steps in the first epoch
    ],
)
def test_early_importance_is_read_once_the_networks_took_8_steps(
    monkeypatch, n_samples, batch_size, epochs_read
):
    # The early ranking of "combined" is the networks' state after their
    # first 8 optimizer steps, rounded up to a whole epoch: with few rows an
    # epoch has fewer steps, and one epoch alone moves the first layer less.
    import skcancelout._training as training

    rng = np.random.RandomState(0)
    X = rng.randn(n_samples, 5)
    y = (X[:, 0] > 0).astype(int)
    reads = []
    product = training._gate_weight_product

    def counted(model):
        reads.append(len(reads) + 1)
        return product(model)

    monkeypatch.setattr(training, "_gate_weight_product", counted)
    CancelOutSelector(
        max_iter=6, batch_size=batch_size, n_iter_no_change=100, **FAST
    ).fit(X, y)
    assert reads == epochs_read
