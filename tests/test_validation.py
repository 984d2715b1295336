"""Bad input gets a ValueError that says what to fix; input is never modified."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris

from skcancelout import CancelOutSelector

FAST = dict(max_iter=5, n_estimators=2, random_state=0)


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 5))
    y = (X[:, 0] > 0).astype(int)
    return X, y


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda X, y: (np.where(X == X[0, 0], np.nan, X), y), "NaN"),
        (lambda X, y: (np.where(X == X[0, 0], np.inf, X), y), "infinity"),
        (lambda X, y: (X[:, 0], y), "Expected 2D array"),
        (lambda X, y: (X[:, :, None], y), "dim 3"),
        (lambda X, y: (X, y[:-1]), "inconsistent numbers of samples"),
        (lambda X, y: (X[:1], y[:1]), "minimum of 2 is required"),
        (lambda X, y: (X, np.zeros_like(y)), "single class"),
        (lambda X, y: (X, np.where(y == 1, np.nan, 0.5)), "NaN"),
        (lambda X, y: (X, np.where(y == 1, np.inf, 0.5)), "infinity"),
        (lambda X, y: (X.astype(str).astype(object) + "kg", y), "non-numeric"),
        (lambda X, y: (X[:, :0], y), "0 feature"),
    ],
)
def test_bad_input_raises_value_error_with_advice(data, make, match):
    X, y = make(*data)
    with pytest.raises(ValueError, match=match):
        CancelOutSelector(**FAST).fit(X, y)


def test_non_numeric_dataframe_column_names_the_column(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=list("abcde"))
    frame["colour"] = ["red", "blue"] * 20
    with pytest.raises(ValueError, match=r"\['colour'\].*OneHotEncoder"):
        CancelOutSelector(**FAST).fit(frame, y)


def test_transform_checks_feature_count(data):
    X, y = data
    selector = CancelOutSelector(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="5 features"):
        selector.transform(X[:, :3])


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(alpha=-1.0), "alpha"),
        (dict(n_estimators=0), "n_estimators"),
        (dict(gate_activation="relu"), "gate_activation"),
        (dict(learning_rate_init=0.0), "learning_rate_init"),
        (dict(hidden_layer_sizes=(0,)), "hidden_layer_sizes"),
        (dict(batch_size="big"), "batch_size"),
        (dict(validation_fraction=1.5), "validation_fraction"),
    ],
)
def test_invalid_parameters(data, params, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        CancelOutSelector(**{**FAST, **params}).fit(X, y)


def test_unavailable_device_names_the_fix(data):
    X, y = data
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA; the error path cannot be reached")
    with pytest.raises(ValueError, match="device='cpu'"):
        CancelOutSelector(device="cuda", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="not a torch device"):
        CancelOutSelector(device="gpu-please", **FAST).fit(X, y)


def test_input_arrays_are_not_modified(data):
    X, y = data
    X_copy, y_copy = X.copy(), y.copy()
    weights = np.linspace(0.5, 2, len(y))
    w_copy = weights.copy()
    CancelOutSelector(**FAST).fit(X, y, sample_weight=weights)
    X32 = X.astype(np.float32)
    X32_copy = X32.copy()
    CancelOutSelector(**FAST).fit(X32, y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(X32, X32_copy)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(weights, w_copy)


def test_read_only_input_is_accepted(data):
    X, y = data
    for array in (X, X.astype(np.float32)):
        array = array.copy()
        array.setflags(write=False)
        selector = CancelOutSelector(**FAST).fit(array, y)
        assert selector.transform(array).shape[0] == len(y)


def test_diverging_loss_is_reported_with_advice(data):
    X, y = data
    X = X * 1e30
    with pytest.raises(ValueError, match="learning_rate_init"):
        with pytest.warns(RuntimeWarning, match="halved"):
            CancelOutSelector(learning_rate_init=1e30, **FAST).fit(X, y[::-1] * 1.5)


def test_exploding_finite_loss_is_a_divergence():
    # At learning_rate_init=10 the task loss of iris jumps to about 1e5
    # times its start and stays finite; fit used to return gates that
    # ranked nothing. Halving the rate 3 times (1.25) does not save it.
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="grew over 100 times its start"):
        with pytest.warns(RuntimeWarning, match="halved"):
            CancelOutSelector(learning_rate_init=10.0, random_state=0).fit(X, y)


def test_a_loss_spike_halves_the_rate_and_the_fit_goes_on():
    # At 1.0 the first epoch's loss spikes over 100 times its start; one
    # halving is enough, and the fit still ranks a petal column first.
    # (Which column comes second at this rate depends on rounding: sepal
    # width on one machine, petal length on another.)
    X, y = load_iris(return_X_y=True)
    with pytest.warns(RuntimeWarning, match="grew over 100 times") as record:
        selector = CancelOutSelector(learning_rate_init=1.0, random_state=0).fit(X, y)
    assert sum("halved" in str(w.message) for w in record) == 1
    assert np.all(np.isfinite(selector.feature_importances_))
    assert np.argmax(selector.feature_importances_) in (2, 3)


def test_a_stream_at_too_high_a_rate_warns_once():
    # At 1.0 the first diabetes batch needs two halvings. Later batches used
    # to start at the full rate again, and 3 of the next 5 warned again.
    X, y = load_diabetes(return_X_y=True)
    selector = CancelOutSelector(learning_rate_init=1.0, random_state=0)
    halvings = []
    for _ in range(6):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            selector.partial_fit(X, y)
        halvings.append(sum("halved" in str(w.message) for w in record))
    assert halvings == [2, 0, 0, 0, 0, 0]
    assert np.all(np.isfinite(selector.feature_importances_))
    rate = selector._optim_state["param_groups"][0]["lr"]
    assert rate == 0.25
    # The warning says to pass a lower rate; that rate is then used whole
    # (it stayed divided by 4).
    selector.set_params(learning_rate_init=0.01).partial_fit(X, y)
    assert selector._optim_state["param_groups"][0]["lr"] == 0.01
    # Also after fit: a stream that continues it starts from the new rate.
    fitted = CancelOutSelector(learning_rate_init=1.0, random_state=0, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fitted.fit(X, y)
    assert fitted._lr_factor < 1
    fitted.set_params(learning_rate_init=0.01).partial_fit(X, y)
    assert fitted._optim_state["param_groups"][0]["lr"] == 0.01


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_samples", [30, 600])  # one batch / several
@pytest.mark.parametrize("supervised", [True, False])
def test_fit_never_writes_to_the_callers_arrays(dtype, n_samples, supervised):
    # float32 X of ordinary scale is shared with torch, not copied; the
    # centering of each batch must happen on copies only.
    rng = np.random.default_rng(0)
    X = (rng.standard_normal((n_samples, 6)) * 3 + 5).astype(dtype)
    y = (X[:, 0] > 5).astype(int) if supervised else None
    X_before = X.copy()
    y_before = None if y is None else y.copy()
    params = dict(max_iter=3, n_estimators=2, random_state=0)
    selector = CancelOutSelector(early_stopping=supervised, **params).fit(X, y)
    if supervised:
        selector.partial_fit(X, y)
    else:
        selector.partial_fit(X)
    selector.transform(X)
    np.testing.assert_array_equal(X, X_before)
    if supervised:
        np.testing.assert_array_equal(y, y_before)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"n_jobs": 0}, "n_jobs"),
        ({"n_estimators": True}, "'n_estimators' parameter .* a boolean"),
        ({"hidden_layer_sizes": (3.5,)}, "hidden_layer_sizes must be a positive int"),
        ({"hidden_layer_sizes": ((2, 3),)}, "hidden_layer_sizes must be a positive"),
        ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes must be a positive"),
        ({"device": "meta"}, "device='meta' holds no data"),
    ],
)
def test_bad_parameters_are_refused_before_any_state_changes(params, message):
    X = np.random.default_rng(0).standard_normal((40, 3))
    y = X[:, 0]
    with pytest.raises(ValueError, match=message):
        CancelOutSelector(**params).fit(X, y)
    if "n_jobs" in params:
        # Like sklearn's own, a later partial_fit skips the parameter
        # constraints, which are what refuse n_jobs=0.
        return
    stream = CancelOutSelector(random_state=0).partial_fit(X, y)
    seen = stream.n_samples_seen_
    with pytest.raises(ValueError, match=message):
        stream.set_params(**params).partial_fit(X, y)
    assert stream.n_samples_seen_ == seen


def test_pandas_na_in_y_is_reported_as_missing():
    pd = pytest.importorskip("pandas")
    X = np.random.default_rng(0).standard_normal((30, 3))
    y = pd.Series(["a", "b"] * 14 + ["a", pd.NA], dtype="string")
    with pytest.raises(ValueError, match="pandas.NA; drop those rows"):
        CancelOutSelector().fit(X, y)


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("shared", ["global", "instance"])
def test_a_refused_call_leaves_a_shared_random_generator_alone(data, method, shared):
    # The seed was drawn before y and the weights were checked, so a retry
    # after a refused call trained on other draws than a first call.
    X, y = data
    extra = {"classes": [0, 1]} if method == "partial_fit" else {}
    bad_weight = np.ones(len(X))
    bad_weight[0] = -1.0

    def selector():
        np.random.seed(0)  # what random_state=None draws from
        state = None if shared == "global" else np.random.RandomState(0)
        return CancelOutSelector(max_iter=5, n_estimators=2, random_state=state)

    retried = selector()
    with pytest.raises(ValueError, match="non-negative"):
        getattr(retried, method)(X, y, sample_weight=bad_weight, **extra)
    # Refusals that come later in the call: a class of one row under early
    # stopping, networks too large for any memory.
    with pytest.raises(ValueError, match="single row"):
        retried.set_params(early_stopping=True).fit(X, np.r_[y[:-1], 2])
    retried.set_params(early_stopping=False, n_estimators=10**13)
    with pytest.raises(ValueError, match="lower n_estimators"):
        getattr(retried, method)(X, y, **extra)
    retried.set_params(n_estimators=2)
    getattr(retried, method)(X, y, **extra)
    first = selector()
    getattr(first, method)(X, y, **extra)
    np.testing.assert_array_equal(
        retried.feature_importances_, first.feature_importances_
    )
