"""Behaviour of CancelOutSelector that users rely on."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from skcancelout import CancelOutSelector

FAST = dict(max_iter=40, n_estimators=4, random_state=0)


def top(selector, k):
    return set(np.argsort(-selector.feature_importances_)[:k].tolist())


def test_recovers_informative_columns(informative_classification):
    X, y = informative_classification
    selector = CancelOutSelector(random_state=0).fit(X, y)
    assert top(selector, 3) == {0, 1, 2}
    assert set(np.flatnonzero(selector.get_support())) >= {0, 1, 2}


def test_recovers_nonlinear_regression_signal(informative_regression):
    X, y = informative_regression
    selector = CancelOutSelector(random_state=0).fit(X, y)
    assert top(selector, 3) == {0, 1, 2}


def test_fitted_attributes(informative_classification):
    X, y = informative_classification
    selector = CancelOutSelector(keep_gate_history=True, **FAST).fit(X, y)
    d = X.shape[1]
    imp = selector.feature_importances_
    assert isinstance(imp, np.ndarray) and imp.shape == (d,)
    assert np.all(imp >= 0) and np.all(np.isfinite(imp))
    assert selector.all_importances_.shape == (4, d)
    np.testing.assert_allclose(imp, selector.all_importances_.mean(axis=0))
    assert selector.feature_importances_std_.shape == (d,)
    assert selector.gate_weights_.shape == (4, d)
    assert selector.gate_history_.shape == (selector.n_iter_, d)
    assert len(selector.loss_curve_) == selector.n_iter_ <= 40
    assert selector.n_features_in_ == d
    np.testing.assert_array_equal(selector.classes_, [0, 1])
    assert not hasattr(CancelOutSelector(**FAST).fit(X, y), "gate_history_")


def test_an_int_hidden_layer_sizes_is_one_layer(informative_classification):
    # As in MLPClassifier: 16 means (16,), and fits the same network.
    X, y = informative_classification
    params = dict(FAST, max_iter=3)
    one = CancelOutSelector(hidden_layer_sizes=16, **params).fit(X, y)
    same = CancelOutSelector(hidden_layer_sizes=(16,), **params).fit(X, y)
    np.testing.assert_array_equal(one.feature_importances_, same.feature_importances_)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        CancelOutSelector(hidden_layer_sizes=0).fit(X, y)


def test_select_from_model_wrapping_keeps_the_same_features(
    informative_classification,
):
    X, y = informative_classification
    for threshold in [None, "median", "1.2*mean", 0.4]:
        own = CancelOutSelector(threshold=threshold, **FAST).fit(X, y)
        wrapped = SelectFromModel(CancelOutSelector(**FAST), threshold=threshold)
        wrapped.fit(X, y)
        np.testing.assert_array_equal(wrapped.get_support(), own.get_support())


def test_threshold_and_max_features_apply_without_refit(informative_classification):
    X, y = informative_classification
    selector = CancelOutSelector(**FAST).fit(X, y)
    importances = selector.feature_importances_.copy()
    assert selector.threshold_ == pytest.approx(importances.mean())
    selector.set_params(threshold="median")
    assert selector.get_support().sum() == X.shape[1] // 2
    assert selector.threshold_ == pytest.approx(np.median(importances))
    selector.set_params(threshold=None, max_features=2)
    assert selector.threshold_ == -np.inf
    np.testing.assert_array_equal(
        selector.get_support(indices=True), np.sort(np.argsort(-importances)[:2])
    )
    selector.set_params(threshold="1.5*mean", max_features=100)
    assert selector.threshold_ == pytest.approx(1.5 * importances.mean())
    np.testing.assert_array_equal(
        selector.get_support(), importances >= 1.5 * importances.mean()
    )
    np.testing.assert_array_equal(selector.feature_importances_, importances)


def test_callable_max_features(informative_classification):
    X, y = informative_classification
    selector = CancelOutSelector(max_features=lambda X: X.shape[1] // 4, **FAST)
    assert selector.fit(X, y).transform(X).shape == (X.shape[0], 3)
    selector.set_params(max_features=lambda X: 1)
    with pytest.raises(ValueError, match="refit"):
        selector.get_support()


def test_a_callable_max_features_is_not_read_from_an_earlier_fit(
    informative_classification,
):
    X, y = informative_classification

    def half(X):
        return X.shape[1] // 2

    selector = CancelOutSelector(max_features=half, **FAST).fit(X[:, :6], y)
    assert selector.max_features_ == 3
    selector.set_params(max_features=2).fit(X, y)
    pickle.dumps(selector)  # the replaced local function is no longer held
    # The same callable again: evaluated on no X of this fit, so refused
    # (it was read as 3, from the first fit's six columns).
    selector.set_params(max_features=half)
    with pytest.raises(ValueError, match="refit"):
        selector.get_support()
    assert selector.fit(X, y).max_features_ == X.shape[1] // 2


def test_bad_threshold_string(informative_classification):
    X, y = informative_classification
    # Refused before training, not after it at the first get_support.
    # A number written as a string is refused too, as in SelectFromModel.
    for bad in ("twice mean", "nan*mean", "0.3"):
        with pytest.raises(ValueError, match="1.5\\*mean"):
            CancelOutSelector(threshold=bad, **FAST).fit(X, y)
    # Set after fit, it is refused where it is read.
    selector = CancelOutSelector(**FAST).fit(X, y).set_params(threshold="twice mean")
    with pytest.raises(ValueError, match="1.5\\*mean"):
        selector.transform(X)


def test_transform_inverse_transform_and_names(informative_classification):
    X, y = informative_classification
    selector = CancelOutSelector(max_features=3, **FAST).fit(X, y)
    Xt = selector.transform(X)
    kept = selector.get_support(indices=True)
    np.testing.assert_array_equal(Xt, X[:, kept])
    back = selector.inverse_transform(Xt)
    np.testing.assert_array_equal(back[:, kept], X[:, kept])
    assert np.all(back[:, np.setdiff1d(np.arange(X.shape[1]), kept)] == 0)
    np.testing.assert_array_equal(
        selector.get_feature_names_out(), [f"x{i}" for i in kept]
    )


def test_transform_does_not_run_torch(informative_classification, monkeypatch):
    X, y = informative_classification
    selector = CancelOutSelector(**FAST).fit(X, y)

    def forbidden(*args, **kwargs):
        raise AssertionError("transform touched torch")

    monkeypatch.setattr(torch, "from_numpy", forbidden)
    monkeypatch.setattr(torch, "as_tensor", forbidden)
    selector.transform(X)


def test_pandas_in_and_out(informative_classification):
    pd = pytest.importorskip("pandas")
    X, y = informative_classification
    frame = pd.DataFrame(X, columns=[f"col_{i}" for i in range(X.shape[1])])
    selector = CancelOutSelector(max_features=3, **FAST).set_output(transform="pandas")
    out = selector.fit(frame, y).transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(selector.get_feature_names_out())
    assert list(selector.feature_names_in_) == list(frame.columns)
    assert set(out.columns) <= set(frame.columns)


@pytest.mark.parametrize("labels", [["no", "yes"], [-3, 7], [2.0, 5.0], [False, True]])
def test_binary_labels_of_any_type(informative_classification, labels):
    X, y = informative_classification
    y_labels = np.asarray(labels, dtype=object if isinstance(labels[0], str) else None)[
        y
    ]
    selector = CancelOutSelector(**FAST).fit(X, y_labels)
    np.testing.assert_array_equal(selector.classes_, np.unique(y_labels))
    reference = CancelOutSelector(**FAST).fit(X, y)
    np.testing.assert_array_equal(
        selector.feature_importances_, reference.feature_importances_
    )


def test_multiclass():
    X, y = make_classification(
        n_samples=400,
        n_features=10,
        n_informative=4,
        n_redundant=0,
        n_classes=4,
        n_clusters_per_class=1,
        shuffle=False,
        random_state=1,
    )
    selector = CancelOutSelector(random_state=0).fit(X, y)
    assert len(selector.classes_) == 4
    assert len(top(selector, 4) & {0, 1, 2, 3}) >= 3


def test_multi_output_regression():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 8))
    Y = np.column_stack([X[:, 0] + X[:, 1], X[:, 2] * 2, -X[:, 1]])
    selector = CancelOutSelector(random_state=0).fit(X, Y)
    assert top(selector, 3) == {0, 1, 2}


def test_multilabel():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 8))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0]).astype(int)
    selector = CancelOutSelector(random_state=0).fit(X, Y)
    assert top(selector, 3) == {0, 1, 2}


def test_random_state_gives_bitwise_identical_refits(informative_classification):
    X, y = informative_classification
    a = CancelOutSelector(**FAST).fit(X, y)
    b = CancelOutSelector(**FAST).fit(X, y)
    np.testing.assert_array_equal(a.feature_importances_, b.feature_importances_)
    np.testing.assert_array_equal(a.gate_weights_, b.gate_weights_)
    assert a.loss_curve_ == b.loss_curve_
    c = CancelOutSelector(**{**FAST, "random_state": 1}).fit(X, y)
    assert not np.array_equal(a.gate_weights_, c.gate_weights_)


def test_global_random_generators_untouched(informative_classification):
    X, y = informative_classification
    np_state = np.random.get_state()
    torch_state = torch.random.get_rng_state()
    CancelOutSelector(**FAST).fit(X, y)
    CancelOutSelector(max_iter=3, n_estimators=2, random_state=1).fit(X, y)
    after = np.random.get_state()
    assert np_state[0] == after[0] and np.array_equal(np_state[1], after[1])
    assert torch.equal(torch_state, torch.random.get_rng_state())


def test_torch_settings_restored(informative_classification):
    X, y = informative_classification
    threads = torch.get_num_threads()
    dtype = torch.get_default_dtype()
    CancelOutSelector(n_jobs=1, **FAST).fit(X, y)
    CancelOutSelector(**FAST).fit(X, y)
    assert torch.get_num_threads() == threads
    assert torch.get_default_dtype() == dtype


def test_pickle_round_trip_transforms_identically(informative_classification):
    X, y = informative_classification
    selector = CancelOutSelector(**FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(selector))
    np.testing.assert_array_equal(restored.transform(X), selector.transform(X))
    np.testing.assert_array_equal(
        restored.feature_importances_, selector.feature_importances_
    )


def test_fitted_state_holds_no_torch_tensors(informative_classification):
    X, y = informative_classification
    selector = CancelOutSelector(**FAST).fit(X, y)

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from walk(item)
        else:
            yield value

    assert not any(torch.is_tensor(v) for v in walk(vars(selector)))


@pytest.mark.slow
def test_pipeline_grid_search_and_cross_val(informative_classification):
    X, y = informative_classification
    pipe = make_pipeline(CancelOutSelector(**FAST), KNeighborsClassifier())
    grid = GridSearchCV(
        pipe,
        {
            "canceloutselector__threshold": ["mean", "median"],
            "canceloutselector__max_features": [2, 5],
            "canceloutselector__alpha": [0.01, 0.05],
        },
        cv=3,
    ).fit(X, y)
    assert grid.best_score_ > 0.8
    assert grid.best_estimator_[-1].n_features_in_ <= 5
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.mean() > 0.8


def test_clone_keeps_parameters_and_drops_fit(informative_classification):
    X, y = informative_classification
    selector = CancelOutSelector(
        alpha=0.2, hidden_layer_sizes=(8, 4), threshold="median", **FAST
    ).fit(X, y)
    copy = clone(selector)
    assert copy.get_params() == selector.get_params()
    assert not hasattr(copy, "feature_importances_")
    with pytest.raises(NotFittedError):
        copy.transform(X)


def test_selection_improves_downstream_model_with_many_noise_columns():
    X, y = make_classification(
        n_samples=300,
        n_features=60,
        n_informative=4,
        n_redundant=0,
        shuffle=False,
        random_state=3,
    )
    plain = cross_val_score(LogisticRegression(max_iter=500), X, y, cv=5).mean()
    pipe = make_pipeline(
        CancelOutSelector(random_state=0, max_features=4),
        LogisticRegression(max_iter=500),
    )
    selected = cross_val_score(pipe, X, y, cv=5).mean()
    assert selected > plain


def test_constant_columns_rank_last(informative_classification):
    X, y = informative_classification
    X = np.column_stack([X, np.full(len(X), 3.0), np.zeros(len(X))])
    selector = CancelOutSelector(**FAST).fit(X, y)
    assert np.all(selector.feature_importances_[-2:] == 0)
    assert np.all(selector.feature_importances_[:-2] > 0)


def test_early_stopping_records_validation_curve(informative_classification):
    X, y = informative_classification
    selector = CancelOutSelector(
        early_stopping=True, n_iter_no_change=3, max_iter=200, random_state=0
    ).fit(X, y)
    assert len(selector.validation_loss_curve_) == selector.n_iter_
    assert selector.n_iter_ < 200
    assert top(selector, 3) == {0, 1, 2}


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(gate_activation="softmax"),
        dict(penalty="l1l2", gate_init=1.0),
        dict(importance_type="gate_weight"),
        dict(hidden_layer_sizes=()),
        dict(hidden_layer_sizes=(16, 8)),
        dict(batch_size=32),
    ],
)
def test_variants_still_rank_the_signal_first(informative_classification, kwargs):
    X, y = informative_classification
    selector = CancelOutSelector(random_state=0, **kwargs).fit(X, y)
    assert len(top(selector, 3) & {0, 1, 2}) >= 2
    assert np.all(np.isfinite(selector.feature_importances_))


def test_verbose_prints_one_line_per_epoch(informative_classification, capsys):
    X, y = informative_classification
    CancelOutSelector(verbose=1, **{**FAST, "max_iter": 3}).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert "loss" in lines[0] and "open gates" in lines[0]
    CancelOutSelector(verbose=0, **{**FAST, "max_iter": 3}).fit(X, y)
    assert capsys.readouterr().out == ""


def test_verbose_counts_softmax_gates_above_an_equal_share(
    informative_classification, capsys
):
    # Softmax gates sum to 1, so none ever passed the sigmoid's 0.5: the
    # line always read "open gates 0.0/d".
    import re

    X, y = informative_classification
    params = {**FAST, "max_iter": 5, "gate_activation": "softmax", "verbose": 1}
    CancelOutSelector(**params).fit(X, y)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    opened = float(re.search(r"open gates ([\d.]+)/", last).group(1))
    assert 0 < opened < X.shape[1]


def test_a_refit_drops_what_the_previous_fit_options_left(informative_classification):
    X, y = informative_classification
    selector = CancelOutSelector(
        max_iter=3, keep_gate_history=True, early_stopping=True, random_state=0
    ).fit(X, y)
    assert hasattr(selector, "gate_history_")
    assert hasattr(selector, "validation_loss_curve_")
    assert hasattr(selector, "classes_")
    selector.set_params(keep_gate_history=False, early_stopping=False)
    selector.fit(X[:, :4], X[:, 0])  # a regression target now
    assert not hasattr(selector, "gate_history_")
    assert not hasattr(selector, "validation_loss_curve_")
    assert not hasattr(selector, "classes_")


def _targets(X):
    return {
        "binary": (X[:, 0] > 0).astype(int),
        "multiclass": np.digitize(X[:, 0], [-0.5, 0.5]),
        "regression": 2.0 * X[:, 0],
        "multi-output": X[:, :2].copy(),
        "multilabel": (X[:, :2] > 0).astype(int),
        "none": None,
    }


@pytest.mark.parametrize("earlier", list(_targets(np.zeros((2, 2)))))
def test_a_refit_holds_exactly_what_a_fresh_fit_holds(earlier):
    # Any state an earlier fit leaves behind (another task's target
    # statistics, a callable's value, an option's curve) would be read by a
    # later partial_fit, get_support or pickle as if this fit had made it.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 5))
    targets = _targets(X)
    params = dict(max_iter=3, n_estimators=2, hidden_layer_sizes=(4,), random_state=0)
    options = dict(early_stopping=True, keep_gate_history=True, max_features=len)
    for later, y in targets.items():
        selector = CancelOutSelector(**params, **options).fit(X, targets[earlier])
        selector.set_params(early_stopping=False, keep_gate_history=False)
        selector.set_params(max_features=None).fit(X, y)
        fresh = CancelOutSelector(**params).fit(X, y)
        assert set(vars(selector)) == set(vars(fresh)), later


def _fit_with_validation_losses(monkeypatch, X, y, losses, **params):
    """An early-stopping fit of 8 epochs whose validation losses are
    ``losses``, one per epoch."""
    from skcancelout import _training

    scripted = iter(losses)
    monkeypatch.setattr(_training, "evaluate", lambda *args, **kwargs: next(scripted))
    return CancelOutSelector(
        n_estimators=2, max_iter=8, random_state=0, early_stopping=True, **params
    ).fit(X, y)


def test_early_stopping_keeps_the_epoch_of_the_lowest_validation_loss(
    informative_classification, monkeypatch
):
    # The best state was replaced by any later epoch within tol of the last
    # improvement by more than tol: here epoch 4 (0.49) over epoch 3 (0.46).
    X, y = informative_classification
    selector = _fit_with_validation_losses(
        monkeypatch,
        X,
        y,
        [1.0, 0.5, 0.46, 0.49, 0.6, 0.6, 0.6, 0.6],
        tol=0.05,
        n_iter_no_change=4,
        keep_gate_history=True,
    )
    assert selector.validation_loss_curve_ == [1.0, 0.5, 0.46, 0.49, 0.6, 0.6]
    # The mean sigmoid gate of the state kept is epoch 3's, not epoch 4's.
    gates = (1 / (1 + np.exp(-selector.gate_weights_))).mean(axis=0)
    np.testing.assert_allclose(gates, selector.gate_history_[2], rtol=1e-5)
    assert not np.allclose(gates, selector.gate_history_[3], rtol=1e-5)


def test_early_stopping_keeps_the_optimizer_state_of_the_epoch_it_keeps(
    informative_classification, monkeypatch
):
    # A partial_fit after fit goes on from the saved Adam moments; they were
    # those of the last epoch trained, beside the weights of the best one.
    X, y = informative_classification
    rows = len(X) - int(np.ceil(0.1 * len(X)))
    selector = _fit_with_validation_losses(
        monkeypatch,
        X,
        y,
        [1.0, 0.5, 0.2, 0.6, 0.6, 0.6, 0.6, 0.6],
        n_iter_no_change=3,
        batch_size=rows,  # one optimizer step per epoch
    )
    assert selector.n_iter_ == 6
    steps = {float(entry["step"]) for entry in selector._optim_state["state"].values()}
    assert steps == {3.0}


def test_a_stream_with_early_stopping_has_no_validation_curve(
    informative_classification,
):
    X, y = informative_classification
    stream = CancelOutSelector(early_stopping=True, **FAST)
    stream.partial_fit(X, y, classes=np.unique(y))
    assert not hasattr(stream, "validation_loss_curve_")
