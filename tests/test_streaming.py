"""partial_fit: one epoch per call, state carried over, drift followed."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification

from skcancelout import CancelOutSelector

FAST = dict(hidden_layer_sizes=(16,), n_estimators=2, random_state=0)


def drift_stream(n_batches, rows=200, seed=0, kind="labels", n_features=10):
    """Batches whose target uses features 0-2, then 3-5 from half-way.

    ``kind``: ``"labels"`` (the sign of their sum), ``"regression"`` (the
    sum), or ``"unsupervised"`` (no target; those columns share a factor).
    """
    rng = np.random.default_rng(seed)
    for t in range(n_batches):
        relevant = [0, 1, 2] if t < n_batches // 2 else [3, 4, 5]
        X = rng.standard_normal((rows, n_features))
        if kind == "unsupervised":
            X[:, relevant] = rng.standard_normal((rows, 1)) + 0.3 * X[:, relevant]
            yield X, None
            continue
        signal = X[:, relevant].sum(axis=1)
        yield X, signal if kind == "regression" else (signal > 0).astype(int)


def drift_leads(selector, stream, **partial_fit_params):
    """After each batch: mean importance of features 3-5 minus that of 0-2."""
    lead = []
    for X, y in stream:
        selector.partial_fit(X, y, **partial_fit_params)
        imp = selector.feature_importances_
        lead.append(imp[3:6].mean() - imp[:3].mean())
    return lead


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


def test_a_gate_history_switched_on_mid_stream_keeps_one_row_per_epoch():
    # It held only the epochs since, beside an n_iter_ that counts them all.
    batches = list(drift_stream(4, rows=60))
    selector = CancelOutSelector(**FAST)
    for X, y in batches[:2]:
        selector.partial_fit(X, y, classes=[0, 1])
    selector.set_params(keep_gate_history=True)
    for X, y in batches[2:]:
        selector.partial_fit(X, y)
    history = selector.gate_history_
    assert history.shape == (selector.n_iter_, 10) == (4, 10)
    assert np.isnan(history[:2]).all() and np.isfinite(history[2:]).all()
    fitted = CancelOutSelector(max_iter=3, **FAST).fit(*batches[0])
    fitted.set_params(keep_gate_history=True).partial_fit(*batches[1])
    assert fitted.gate_history_.shape == (4, 10)
    assert np.isnan(fitted.gate_history_[:3]).all()


@pytest.mark.parametrize("kind", ["regression", "multilabel"])
def test_a_later_batch_of_numbers_as_text_is_refused(kind):
    # NumPy parsed "1" and "2": the batch trained as numbers.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    if kind == "regression":
        y = X[:, 0].round(1)
    else:
        y = (X[:, :2] > 0).astype(int)
    selector = CancelOutSelector(**FAST).partial_fit(X, y)
    seen = selector.n_samples_seen_
    for text in (y.astype(str), y.astype(str).astype(object)):
        with pytest.raises(ValueError, match="numeric again, got strings"):
            selector.partial_fit(X, text)
    assert selector.n_samples_seen_ == seen


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
    lead = drift_leads(selector, drift_stream(60), classes=[0, 1])
    # Old features lead before the change, the new ones by the end.
    assert lead[29] < -0.1
    assert lead[-1] > 0


def test_default_two_layer_networks_follow_concept_drift():
    # The loss jump at the change used to kill most second-layer units of
    # the default (32, 32) networks, which then never learned the new
    # features; partial_fit now gives dead units fresh weights.
    selector = CancelOutSelector(n_estimators=2, random_state=0)
    lead = drift_leads(selector, drift_stream(60), classes=[0, 1])
    assert lead[29] < -0.1
    assert min(lead[45:]) > 0


def test_revived_units_leave_outputs_unchanged_and_live_units_alone():
    import torch

    from skcancelout._network import GatedEnsemble
    from skcancelout._training import EnsembleAdam, TrainingData, revive_dead_units

    model = GatedEnsemble(
        5,
        2,
        (6, 4),
        3,
        "sigmoid",
        0.0,
        torch.Generator().manual_seed(0),
        torch.zeros(5),
        torch.ones(5),
        torch.device("cpu"),
    )
    optimizer = EnsembleAdam(model, lr=0.01, weight_decay={})
    optimizer.exp_avg.fill_(1.0)
    optimizer.exp_avg_sq.fill_(1.0)
    x = torch.randn(40, 5)
    with torch.no_grad():
        model.biases[0].fill_(5.0)  # every unit fires on every row...
        model.biases[1].fill_(5.0)
        model.biases[0][0, 0, 1] = -100.0  # ...but two  # net 0, first layer, unit 1
        model.biases[1][2, 0, 3] = -100.0  # net 2, second layer, unit 3
        before_out = model(x).clone()
        before = {name: p.detach().clone() for name, p in model.named_parameters()}
    data = TrainingData(x, None, None, torch.device("cpu"))
    idle = [torch.zeros(3, 6, dtype=torch.long), torch.zeros(3, 4, dtype=torch.long)]
    # 40 rows without firing: not yet idle long enough.
    assert revive_dead_units(model, optimizer, data, torch.Generator(), idle, 80) == 0
    assert int(idle[0][0, 1]) == 40 and int(idle[1][2, 3]) == 40
    assert int(idle[0].sum() + idle[1].sum()) == 80
    assert revive_dead_units(model, optimizer, data, torch.Generator(), idle, 80) == 2
    assert int(idle[0].sum() + idle[1].sum()) == 0
    with torch.no_grad():
        torch.testing.assert_close(model(x), before_out)
        w1, b1, w2, b2 = (p.detach() for p in model.layers()[:4])
        # Revived: fresh incoming weights, a live unit now, no outgoing weight.
        assert not torch.equal(w1[:, 0, 1], before["weights.0"][:, 0, 1])
        assert torch.all(w2[0, 1, :] == 0)
        assert torch.all(model.weights[2].detach()[2, 3, :] == 0)
        assert abs(float(b1[0, 0, 1])) < 1 and abs(float(b2[2, 0, 3])) < 1
        # Other units keep their weights.
        keep = torch.ones_like(w1, dtype=torch.bool)
        keep[:, 0, 1] = False
        assert torch.equal(w1[keep], before["weights.0"][keep])
    # The revived entries' Adam moments restart from 0, the others keep theirs.
    segment = model.segments[model.weights[1]]
    moments = optimizer.exp_avg[segment].view_as(model.weights[1])
    assert torch.all(moments[0, 1, :] == 0)  # out of net 0's revived unit
    assert torch.all(moments[2, :, 3] == 0)  # into net 2's revived unit
    assert float(moments[1].min()) == 1.0
    assert float(optimizer.exp_avg_sq.min()) == 0.0
    assert float(optimizer.exp_avg_sq.max()) == 1.0


def test_importances_follow_a_drifting_regression_target():
    selector = CancelOutSelector(n_estimators=2, random_state=0)
    lead = drift_leads(selector, drift_stream(40, kind="regression"))
    assert lead[19] < -0.1
    assert min(lead[30:]) > 0


def test_unsupervised_stream_follows_a_moving_block_of_related_columns():
    # Without labels the default penalty shuts the gates of columns that
    # carry nothing yet; partial_fit keeps every gate at least 0.2 open, so
    # the block can be followed when it moves.
    selector = CancelOutSelector(n_estimators=2, random_state=0)
    stream = drift_stream(80, kind="unsupervised", n_features=12)
    lead = drift_leads(selector, stream)
    assert lead[39] < -0.1
    assert min(lead[55:]) > 0


def test_partial_fit_keeps_sigmoid_gates_from_shutting():
    X, y = next(drift_stream(2))
    params = dict(FAST, alpha=5.0)
    fitted = CancelOutSelector(**params).fit(X, y)
    streamed = CancelOutSelector(**params)
    for _ in range(30):
        streamed.partial_fit(X, y, classes=[0, 1])
    # fit lets a strong penalty shut gates; a stream keeps them >= 0.2.
    assert (1 / (1 + np.exp(-fitted.gate_weights_))).min() < 0.2
    assert (1 / (1 + np.exp(-streamed.gate_weights_))).min() >= 0.2 - 1e-6


def test_gate_floor_leaves_softmax_gates_alone():
    import torch

    from skcancelout._network import GatedEnsemble
    from skcancelout._training import floor_gates

    model = GatedEnsemble(
        4,
        1,
        (3,),
        2,
        "softmax",
        0.0,
        torch.Generator().manual_seed(0),
        torch.zeros(4),
        torch.ones(4),
        torch.device("cpu"),
    )
    with torch.no_grad():
        model.gate.fill_(-8.0)
    assert floor_gates(model, 0.2) == 0
    assert bool((model.gate == -8.0).all())


def test_revival_looks_at_a_bounded_number_of_rows_of_a_large_batch():
    import torch

    from skcancelout._network import GatedEnsemble
    from skcancelout._training import (
        REVIVE_CHECK_ROWS,
        EnsembleAdam,
        TrainingData,
        revive_dead_units,
    )

    model = GatedEnsemble(
        3,
        1,
        (4,),
        1,
        "sigmoid",
        0.0,
        torch.Generator().manual_seed(0),
        torch.ones(3),  # a shift, so centering would change the rows
        torch.ones(3),
        torch.device("cpu"),
    )
    with torch.no_grad():
        model.biases[0].fill_(5.0)
        model.biases[0][0, 0, 0] = -100.0
    x = torch.randn(3 * REVIVE_CHECK_ROWS, 3)
    before = x.clone()
    idle = [torch.zeros(1, 4, dtype=torch.long)]
    optimizer = EnsembleAdam(model, lr=0.01, weight_decay={})
    data = TrainingData(x, None, None, torch.device("cpu"))
    revive_dead_units(model, optimizer, data, torch.Generator(), idle, 10**9)
    assert idle[0].tolist() == [[REVIVE_CHECK_ROWS, 0, 0, 0]]
    assert torch.equal(x, before)  # the batch itself is not centered in place


def test_verbose_partial_fit_reports_revived_units_and_floored_gates(capsys):
    X, y = next(drift_stream(2))
    selector = CancelOutSelector(**dict(FAST, alpha=5.0, verbose=1))
    for _ in range(30):
        selector.partial_fit(X, y, classes=[0, 1])
    out = capsys.readouterr().out
    assert "raised" in out and "gates to 0.2" in out
    quiet = CancelOutSelector(**dict(FAST, alpha=5.0))
    for _ in range(30):
        quiet.partial_fit(X, y, classes=[0, 1])
    assert "partial_fit:" not in capsys.readouterr().out


def test_running_statistics_count_a_column_constant_within_a_batch():
    # Before: a batch's constant column entered the merge with the
    # stand-in scale (its largest |value|) instead of a spread of 0.
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((200, 2))
    Z[:100, 1] = 3.0
    selector = CancelOutSelector(random_state=0)
    selector.partial_fit(Z[:100], Z[:100, 0]).partial_fit(Z[100:], Z[100:, 0])
    np.testing.assert_allclose(selector.mean_, Z.mean(axis=0))
    np.testing.assert_allclose(selector.scale_, Z.std(axis=0))


def test_running_statistics_of_a_rare_indicator_column():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 3))
    X[:, 2] = rng.random(1000) < 0.02  # many 50-row batches hold no 1 at all
    y = (X[:, 0] > 0).astype(int)
    selector = CancelOutSelector(random_state=0)
    for start in range(0, 1000, 50):
        rows = slice(start, start + 50)
        selector.partial_fit(X[rows], y[rows], classes=[0, 1])
    np.testing.assert_allclose(selector.scale_, X.std(axis=0))


@pytest.mark.parametrize(
    "first, later, message",
    [
        ("regression", "two targets", "fitted with 1 targets"),
        ("binary", "two columns", "one per row"),
        ("multilabel", "two labels", "fitted with 3 label columns"),
        ("multilabel", "one label", "fitted with 3 label columns"),
    ],
)
def test_a_batch_with_other_y_columns_is_refused_and_changes_nothing(
    first, later, message
):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 4))
    first_y = {
        "regression": X[:50, 0],
        "binary": (X[:50, 0] > 0).astype(int),
        "multilabel": (X[:50, :3] > 0).astype(int),
    }[first]
    classes = [0, 1] if first == "binary" else None
    selector = CancelOutSelector(random_state=0).partial_fit(
        X[:50], first_y, classes=classes
    )
    seen, mean = selector.n_samples_seen_, selector.mean_.copy()
    later_y = {
        "two targets": np.c_[X[50:, 0], X[50:, 1]],
        "two columns": (X[50:, :2] > 0).astype(int),
        "two labels": (X[50:, :2] > 0).astype(int),
        "one label": (X[50:, 0] > 0).astype(int),
    }[later]
    with pytest.raises(ValueError, match=message):
        selector.partial_fit(X[50:] + 100, later_y)
    assert selector.n_samples_seen_ == seen
    np.testing.assert_array_equal(selector.mean_, mean)


def test_classes_must_list_two_classes():
    X = np.random.default_rng(0).standard_normal((20, 3))
    with pytest.raises(ValueError, match="classes lists a single class"):
        CancelOutSelector().partial_fit(X, np.zeros(20, int), classes=[0])


@pytest.mark.parametrize("scale", [1e-170, 1e160])
def test_running_statistics_at_extreme_scales_equal_those_of_fit(scale):
    # Merged in absolute units, spreads near 1e-170 squared to 0 (every
    # column constant) and near 1e160 to infinity (NaN statistics).
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4)) * scale
    X[:, 3] += 3 * scale  # an offset, so the mean matters too
    y = X[:, 0] / scale
    stream = CancelOutSelector(**FAST)
    for rows in np.array_split(np.arange(200), 4):
        stream.partial_fit(X[rows], y[rows])
    whole = CancelOutSelector(**FAST).fit(X, y)
    np.testing.assert_allclose(stream.mean_, whole.mean_, rtol=1e-9)
    np.testing.assert_allclose(stream.scale_, whole.scale_, rtol=1e-9)
    assert np.argmax(stream.feature_importances_) == 0


def test_a_stream_goes_on_row_by_row_after_its_first_batch():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    y = X[:, 0] + 0.1 * rng.standard_normal(60)
    selector = CancelOutSelector(**FAST).partial_fit(X[:10], y[:10])
    for row in range(10, 60):
        selector.partial_fit(X[row : row + 1], y[row : row + 1])
    assert selector.n_samples_seen_ == 60
    np.testing.assert_allclose(selector.mean_, X.mean(axis=0))
    np.testing.assert_allclose(selector.scale_, X.std(axis=0))
    with pytest.raises(ValueError, match="minimum of 2"):
        CancelOutSelector(**FAST).partial_fit(X[:1], y[:1])  # the first needs 2


def test_a_first_batch_of_few_whole_numbers_names_the_regression_fix():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    y = np.round(100 * X[:, 0])  # a measurement; 20 rows show few values
    with pytest.raises(ValueError, match="task='regression'"):
        CancelOutSelector(**FAST).partial_fit(X, y)
    selector = CancelOutSelector(task="regression", **FAST).partial_fit(X, y)
    assert not hasattr(selector, "classes_")


@pytest.mark.slow
def test_wide_batches_are_read_in_blocks_of_bounded_size(monkeypatch):
    # Evaluation and the revival check read rows in blocks; at 4096 rows a
    # block of a 20000-column X would be 328 MB of float32.
    from skcancelout import _training

    gathered = []
    rows = _training.TrainingData.rows

    def recording(self, index):
        out = rows(self, index)
        gathered.append(out[0].shape)
        return out

    monkeypatch.setattr(_training.TrainingData, "rows", recording)
    rng = np.random.default_rng(0)
    X = sp.random(5000, 20000, density=0.001, format="csr", random_state=0)
    y = (rng.random(5000) < 0.5).astype(int)
    selector = CancelOutSelector(**FAST, early_stopping=True, max_iter=2)
    selector.fit(X, y)
    selector.partial_fit(X, y)
    # No read is larger than a training batch (256 rows here) or a block.
    most_rows = max(256, _training.BLOCK_ENTRIES // 20000)
    assert max(shape[0] for shape in gathered) <= most_rows


def test_partial_fit_after_an_early_stopped_fit_keeps_fits_validation_curve():
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    selector = CancelOutSelector(early_stopping=True, max_iter=5, **FAST).fit(X, y)
    curve = list(selector.validation_loss_curve_)
    assert len(curve) == selector.n_iter_ == len(selector.loss_curve_)
    selector.partial_fit(X, y)
    # partial_fit holds nothing out: the curve stays fit's, as documented.
    assert selector.validation_loss_curve_ == curve
    assert len(selector.loss_curve_) == len(curve) + 1


def test_a_regression_stream_whose_first_batch_is_constant_finds_its_features():
    # y's mean and spread are running statistics, like X's: fixed by a first
    # batch of y == 0, they standardized every later target by a spread of
    # 1, the loss stayed near 3e7 and feature 2 displaced feature 1.
    rng = np.random.RandomState(0)
    X = rng.standard_normal((1000, 5))
    y = 1000 * (3 * X[:, 0] + X[:, 1]) + 5000
    y[:50] = 0.0
    selector = CancelOutSelector(random_state=0, max_features=2, task="regression")
    with pytest.warns(UserWarning, match="y has been so far constant"):
        selector.partial_fit(X[:50], y[:50])
    for start in range(50, 1000, 50):
        selector.partial_fit(X[start : start + 50], y[start : start + 50])
    assert selector.get_support(indices=True).tolist() == [0, 1]
    assert selector.loss_curve_[-1] < 1.0  # the loss of standardized targets


@pytest.mark.parametrize(
    "bad",
    [
        {"learning_rate_init": -0.1},
        {"alpha": -1.0},
        {"importance_type": "bogus"},
        {"batch_size": 0},
        {"feature_dropout": 1.5},
    ],
)
def test_parameters_set_between_calls_are_checked(bad):
    # scikit-learn checks partial_fit's parameters on the first call only;
    # a negative learning rate set later trained on, as gradient ascent.
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    selector = CancelOutSelector(**FAST).partial_fit(X[:100], y[:100], classes=[0, 1])
    seen = selector.n_samples_seen_
    with pytest.raises(ValueError, match="parameter of CancelOutSelector must be"):
        selector.set_params(**bad).partial_fit(X[100:], y[100:])
    assert selector.n_samples_seen_ == seen


@pytest.mark.parametrize("start", ["fit", "partial_fit"])
def test_the_gate_activation_cannot_change_mid_stream(start):
    # The sigmoid-trained gate weights were silently read as softmax ones.
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    selector = CancelOutSelector(max_iter=3, **FAST)
    if start == "fit":
        selector.fit(X[:100], y[:100])
    else:
        selector.partial_fit(X[:100], y[:100], classes=[0, 1])
    before = selector.feature_importances_.copy()
    selector.set_params(gate_activation="softmax")
    with pytest.raises(ValueError, match="gate_activation='sigmoid'"):
        selector.partial_fit(X[100:], y[100:])
    np.testing.assert_array_equal(selector.feature_importances_, before)
    selector.set_params(gate_activation="sigmoid").partial_fit(X[100:], y[100:])


def test_a_callable_max_features_set_mid_stream_is_evaluated_there():
    # It was accepted, trained on, and get_support then refused it.
    X, y = make_classification(
        n_samples=200, n_features=6, n_informative=2, n_redundant=0, random_state=0
    )
    selector = CancelOutSelector(**FAST).partial_fit(X[:100], y[:100], classes=[0, 1])
    selector.set_params(max_features=lambda X: X.shape[1] // 3)
    selector.partial_fit(X[100:], y[100:])
    assert selector.max_features_ == 2
    assert selector.transform(X).shape == (200, 2)


@pytest.mark.parametrize("scale", [1e-170, 1e-300])
def test_running_statistics_after_a_batch_of_zeros_keep_a_tiny_spread(scale):
    # A column of zeros has no scale of its own (absmax 1 stands in); it set
    # the unit of the merge, the squares of a spread of 1e-170 underflowed
    # and the stream's y read as constant.
    rng = np.random.RandomState(0)
    X = rng.standard_normal((400, 4))
    y = scale * (3 * X[:, 0] + X[:, 1])
    X[:50, 2] = 0.0  # X's running statistics merge the same way
    y[:50] = 0.0
    stream = CancelOutSelector(task="regression", **FAST)
    with pytest.warns(UserWarning, match="constant"):
        stream.partial_fit(X[:50], y[:50])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "y has been so far constant"
        for start in range(50, 400, 50):
            stream.partial_fit(X[start : start + 50], y[start : start + 50])
    whole = CancelOutSelector(task="regression", **FAST).fit(X, y)
    np.testing.assert_allclose(stream.scale_, whole.scale_, rtol=1e-12)
    np.testing.assert_allclose(stream._y_stats.scale, whole._y_stats.scale, rtol=1e-12)


def test_classes_without_y_is_refused_not_trained_unsupervised():
    # partial_fit(X, classes=...) trained an unsupervised stream and ignored
    # classes: most likely y was forgotten.
    X, y = make_classification(n_samples=100, n_features=6, random_state=0)
    selector = CancelOutSelector(**FAST)
    with pytest.raises(ValueError, match="classes was passed without y"):
        selector.partial_fit(X, classes=[0, 1])
    assert not hasattr(selector, "n_samples_seen_")
    selector.partial_fit(X, y, classes=[0, 1])  # as meant
    assert selector.classes_.tolist() == [0, 1]
