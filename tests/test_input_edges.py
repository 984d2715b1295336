"""Edge cases of the input that used to give wrong results or a raw error.

Each test pins a behaviour found by auditing the selector with unusual but
legal (or clearly illegal) input: a failed call must leave a fitted selector
working, numbers must keep their signal, and a wrong input gets a
ValueError that says what to change.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from skcancelout import CancelOutSelector, CancelOutSelectorCV, _network

FAST = dict(max_iter=5, n_estimators=2, hidden_layer_sizes=(8,), random_state=0)


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 5))
    y = (X[:, 0] > 0).astype(int)
    return X, y


# ------------------------------------------------ a failed call changes nothing
def test_a_failed_refit_leaves_the_fitted_selector_as_it_was(data):
    X, y = data
    selector = CancelOutSelector(**FAST).fit(X, y)
    before = dict(vars(selector))
    expected = selector.transform(X)
    with pytest.raises(ValueError, match="single class"):
        selector.fit(X[:, :3], np.zeros(len(X)))  # fewer columns, one class
    assert vars(selector).keys() == before.keys()
    assert all(vars(selector)[key] is value for key, value in before.items())
    np.testing.assert_array_equal(selector.transform(X), expected)


def test_a_failed_first_fit_leaves_the_selector_unfitted(data):
    X, y = data
    selector = CancelOutSelector(**FAST)
    with pytest.raises(ValueError, match="single class"):
        selector.fit(X, np.zeros(len(X)))
    with pytest.raises(NotFittedError):
        check_is_fitted(selector)
    assert not hasattr(selector, "n_features_in_")


def test_a_rejected_partial_fit_leaves_the_stream_as_it_was(data):
    X, y = data
    selector = CancelOutSelector(**FAST).partial_fit(X, y, classes=[0, 1])
    importances = selector.feature_importances_
    with pytest.raises(ValueError, match="hidden_layer_sizes=\\(8,\\)"):
        selector.set_params(hidden_layer_sizes=(16,)).partial_fit(X, y)
    assert selector.n_samples_seen_ == len(X)  # the batch did not count
    assert selector.feature_importances_ is importances
    selector.set_params(hidden_layer_sizes=(8,)).partial_fit(X, y)
    assert selector.n_samples_seen_ == 2 * len(X)


def test_changing_the_number_of_networks_mid_stream_is_refused(data):
    X, y = data
    selector = CancelOutSelector(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="n_estimators=2.*call fit"):
        selector.set_params(n_estimators=3).partial_fit(X, y)


# ------------------------------------------------ numbers keep their signal
def test_integer_columns_beyond_float32_precision_keep_their_signal(data):
    X, y = data
    Xi = np.round(X * 10).astype(np.int64)
    # 1e9 and 1e9 + 10 are the same number in float32 (its step there is 64).
    Xi[:, 0] = 10**9 + 10 * y
    selector = CancelOutSelector(**dict(FAST, max_iter=30)).fit(Xi, y)
    np.testing.assert_allclose(selector.scale_[0], np.std(Xi[:, 0]))
    assert np.argmax(selector.feature_importances_) == 0


def test_a_column_that_varies_around_a_large_offset_is_not_constant(data):
    X, y = data
    X = X.copy()
    X[:, 0] += 1e11  # varies by about 1 around 1e11: 1e-11 of its size
    selector = CancelOutSelector(**dict(FAST, max_iter=30)).fit(X, y)
    np.testing.assert_allclose(selector.scale_[0], X[:, 0].std(), rtol=1e-6)
    assert np.argmax(selector.feature_importances_) == 0


def test_a_column_of_equal_values_is_constant_however_it_is_stored(data):
    X, y = data
    X = X.copy()
    X[:, 2] = 0.1  # not exact in binary, so its mean carries rounding
    for given in (X, sp.csr_matrix(X), sp.csc_matrix(X)):
        selector = CancelOutSelector(**FAST).fit(given, y)
        assert selector.feature_importances_[2] == 0


@pytest.mark.parametrize("dtype, tiny", [(np.float64, 1e-310), (np.float32, 1e-40)])
def test_sparse_columns_of_tiny_values_are_scaled_without_overflow(data, dtype, tiny):
    X, y = data
    A = np.where(np.abs(X) > 0.5, X, 0.0).astype(dtype)
    A[:, 4] *= dtype(tiny)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in a reciprocal
        selector = CancelOutSelector(**FAST).fit(sp.csr_matrix(A), y)
    dense = CancelOutSelector(**FAST).fit(A, y)
    assert np.all(np.isfinite(selector.scale_)) and selector.scale_[4] > 0
    np.testing.assert_allclose(selector.scale_, dense.scale_, rtol=1e-5)


def test_tiny_positive_weights_keep_their_rows(data):
    X, y = data
    weight = np.where(y == 1, 1e-300, 1.0)  # 0 in float32
    selector = CancelOutSelector(**FAST).fit(X, y, sample_weight=weight)
    assert selector.feature_importances_.shape == (5,)


# ------------------------------------------------ wrong input, clear advice
@pytest.mark.parametrize(
    "make, match",
    [
        (lambda X: __import__("pandas").Series(X[:, 0]), "1-D.*to_frame"),
        (
            lambda X: np.arange(2 * len(X)).astype("datetime64[D]").reshape(-1, 2),
            "dates or durations",
        ),
        # The same advice for a DataFrame's date column, not "OneHotEncoder".
        (
            lambda X: __import__("pandas").DataFrame(
                {"x": X[:, 0], "when": np.arange(len(X)).astype("datetime64[D]")}
            ),
            r"dates or durations \['when'\]; convert them to numbers",
        ),
        # ... and so do periods and Python dates held as objects.
        (
            lambda X: __import__("pandas").DataFrame(
                {
                    "x": X[:, 0],
                    "month": __import__("pandas").period_range(
                        "2020-01", periods=len(X), freq="M"
                    ),
                }
            ),
            r"dates or durations \['month'\]",
        ),
        (
            lambda X: __import__("pandas").DataFrame(
                {
                    "x": X[:, 0],
                    "day": [
                        __import__("datetime").date(2020, 1, 1)
                        + __import__("datetime").timedelta(days=i)
                        for i in range(len(X))
                    ],
                }
            ),
            r"dates or durations \['day'\]",
        ),
    ],
)
def test_x_that_is_not_a_numeric_table_is_refused_with_advice(data, make, match):
    pytest.importorskip("pandas")
    X, y = data
    with pytest.raises(ValueError, match=match):
        CancelOutSelector(**FAST).fit(make(X), y)


def test_pandas_na_in_an_object_array_is_a_missing_value(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    X = X.astype(object)
    X[0, 0] = pd.NA
    with pytest.raises(ValueError, match="pandas.NA.*SimpleImputer"):
        CancelOutSelector(**FAST).fit(X, y)


def test_classification_of_continuous_multioutput_y_is_refused(data):
    X, _ = data
    y = np.c_[X[:, 0], X[:, 1] ** 2]
    with pytest.raises(ValueError, match="needs class labels"):
        CancelOutSelector(task="classification", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="needs class labels"):
        CancelOutSelector(**FAST).partial_fit(X, y, classes=[0, 1])


def test_later_multilabel_batches_must_hold_zeros_and_ones(data):
    X, y = data
    Y = np.c_[y, 1 - y]
    selector = CancelOutSelector(**FAST).partial_fit(X, Y)
    for bad in (np.c_[5 * y, 1 - y], np.c_[X[:, 0], X[:, 1]]):
        with pytest.raises(ValueError, match="only 0 and 1"):
            selector.partial_fit(X, bad)
    selector.partial_fit(X, Y)


def test_later_batches_of_the_wrong_kind_of_y_get_short_advice(data):
    X, y = data
    classifier = CancelOutSelector(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="and 75 more.*call fit") as info:
        classifier.partial_fit(X, X[:, 0])
    assert len(str(info.value)) < 400
    regressor = CancelOutSelector(**FAST).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="continuous targets; y must be numeric"):
        regressor.partial_fit(X, np.array(["a", "b"])[y])


@pytest.mark.parametrize("classes", [[0, 1, None], [0, 1, np.nan]])
def test_classes_with_a_missing_label_are_refused(data, classes):
    X, y = data
    with pytest.raises(ValueError, match="classes contains NaN"):
        CancelOutSelector(**FAST).partial_fit(X, y, classes=classes)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(device="xpu"), "not supported; use 'cpu'"),
        # A bool is an int to Python: max_features=True kept one feature.
        (dict(n_jobs=True), "'n_jobs' parameter .* got True, a boolean"),
        (dict(n_estimators=True), "'n_estimators' parameter .* got True"),
        (dict(max_features=True), "'max_features' parameter .* got True"),
        (dict(max_iter=True), "'max_iter' parameter .* got True"),
        (dict(batch_size=True), "'batch_size' parameter .* got True"),
        (dict(alpha=False), "'alpha' parameter .* got False"),
        (dict(threshold=True), "'threshold' parameter .* got True"),
        (dict(random_state=np.bool_(True)), "'random_state' parameter"),
        # Beyond float32: torch failed with "cannot be converted to type
        # float without overflow", or the fit was called diverging.
        (dict(gate_init=1e39), "'gate_init' parameter .* range"),
        # A float32 sigmoid is exactly 1 from about 16.6: the gates never
        # moved, and from 1.9e19 the "l1l2" penalty overflowed ("diverged").
        (dict(gate_init=17.0), "'gate_init' parameter .* range"),
        (dict(gate_init=-1e20, penalty="l1l2"), "'gate_init' parameter .* range"),
        (dict(beta=1e300), "'beta' parameter .* range"),
        (dict(alpha=1e39), "'alpha' parameter .* range"),
        (dict(first_layer_decay=1e38), "'first_layer_decay' parameter .* range"),
    ],
)
def test_parameters_that_cannot_work_are_refused_before_training(data, params, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        CancelOutSelector(**dict(FAST, **params)).fit(X, y)


def test_booleans_are_taken_where_a_parameter_is_a_switch(data):
    X, y = data
    selector = CancelOutSelector(
        early_stopping=True, keep_gate_history=True, verbose=False, **FAST
    ).fit(X, y)
    # Set after fit, a boolean threshold is refused where it is read.
    with pytest.raises(ValueError, match="'threshold' parameter .* got True"):
        selector.set_params(threshold=True).get_support()
    search = CancelOutSelectorCV(selector=CancelOutSelector(**FAST), step=True)
    with pytest.raises(ValueError, match="'step' parameter .* got True"):
        search.fit(X, y)


def test_threshold_minus_infinity_keeps_max_features_alone(data):
    # SelectFromModel's idiom for "no threshold, only max_features".
    X, y = data
    selector = CancelOutSelector(threshold=-np.inf, max_features=2, **FAST).fit(X, y)
    assert selector.get_support().sum() == 2
    assert CancelOutSelector(threshold=-np.inf, **FAST).fit(X, y).get_support().all()


def test_data_with_nothing_to_rank_warns(data):
    X, y = data
    with pytest.warns(UserWarning, match="Every column of X is constant"):
        CancelOutSelector(**FAST).fit(np.ones_like(X), y)
    with pytest.warns(UserWarning, match="y is constant"):
        CancelOutSelector(task="regression", **FAST).fit(X, np.full(len(X), 2.5))
    # A stream warns while everything it has seen is constant (it was silent).
    stream = CancelOutSelector(**FAST)
    with pytest.warns(UserWarning, match="Every column of the stream so far"):
        stream.partial_fit(np.ones_like(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        stream.partial_fit(X)  # now the columns vary


def test_a_later_batch_far_outside_the_first_ones_range_is_standardized(data):
    # The stream's running statistics take in the new batch before it is
    # standardized: standardized by the first batch's, it exceeded float32.
    X, _ = data
    selector = CancelOutSelector(**FAST).partial_fit(X, X[:, 0])
    selector.partial_fit(X, X[:, 0] * 1e39)
    assert selector.n_samples_seen_ == 2 * len(X)
    assert np.all(np.isfinite(selector.feature_importances_))
    assert np.isfinite(selector.loss_curve_[-1])


def test_switching_the_gate_history_off_mid_stream_drops_it(data):
    X, y = data
    selector = CancelOutSelector(keep_gate_history=True, **FAST).fit(X, y)
    assert selector.gate_history_.shape[0] == selector.n_iter_
    selector.set_params(keep_gate_history=False).partial_fit(X, y)
    assert not hasattr(selector, "gate_history_")


def test_the_search_runs_the_selectors_input_checks(data):
    pd = pytest.importorskip("pandas")
    from skcancelout import CancelOutSelectorCV

    X, y = data
    frame = pd.DataFrame(X, columns=list("abcde")).assign(e=["u", "v"] * 40)
    with pytest.raises(ValueError, match="non-numeric columns \\['e'\\]"):
        CancelOutSelectorCV().fit(frame, y)
    target = pd.array(y, dtype="Int64")
    target[0] = pd.NA
    with pytest.raises(ValueError, match="y contains NaN, infinity, None or pandas.NA"):
        CancelOutSelectorCV().fit(X, target)


def test_the_torch_layer_refuses_what_it_cannot_gate():
    torch = pytest.importorskip("torch")
    from skcancelout import CancelOut, gate_penalty, gate_values

    with pytest.raises(ValueError, match="init must be a finite number"):
        CancelOut(3, init=float("nan"))
    with pytest.raises(TypeError, match="torch.as_tensor"):
        CancelOut(3)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="floating-point tensor"):
        gate_penalty(torch.tensor(1.0))
    with pytest.raises(ValueError, match="dtype torch.int64"):
        gate_values(torch.arange(3), "softmax")
    with pytest.raises(TypeError, match="torch.Tensor"):
        gate_values([0.0, 1.0])


def test_more_max_features_than_columns_keeps_every_passing_column(data):
    # As SelectFromModel: no upper limit (a grid may hold 5, 10, 20).
    X, y = data
    for max_features in (6, lambda X: 50):
        selector = CancelOutSelector(max_features=max_features, **FAST).fit(X, y)
        assert selector.get_support().all()


def test_a_callable_max_features_sees_x_as_passed(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=list("abcde"))
    selector = CancelOutSelector(max_features=lambda X: len(X.columns) - 3, **FAST)
    selector.fit(frame, y)
    assert selector.max_features_ == 2 and selector.get_support().sum() == 2
    streamed = CancelOutSelector(max_features=lambda X: len(X.columns) - 3, **FAST)
    assert streamed.partial_fit(frame, y, classes=[0, 1]).max_features_ == 2


@pytest.mark.parametrize(
    "params",
    [
        dict(hidden_layer_sizes=(10**13,)),
        dict(n_estimators=10**13),
        # torch failed with "Overflow when unpacking long long".
        dict(hidden_layer_sizes=(2**70,)),
    ],
)
def test_networks_larger_than_any_memory_are_refused_before_torch_sees_them(
    data, params
):
    X, y = data
    with pytest.raises(ValueError, match="lower n_estimators or hidden_layer_sizes"):
        CancelOutSelector(**dict(FAST, **params)).fit(X, y)


def test_networks_that_do_not_fit_in_memory_raise_memory_error(data, monkeypatch):
    # What torch's allocator says when a large request fails (a real one
    # would depend on the machine's memory and overcommit setting).
    def refuse(*args, **kwargs):
        raise RuntimeError(
            "[enforce fail at alloc_cpu.cpp:127] . DefaultCPUAllocator: can't "
            "allocate memory: you tried to allocate 2560000000000 bytes."
        )

    X, y = data
    monkeypatch.setattr(_network, "_uniform", refuse)
    selector = CancelOutSelector(**FAST)
    with pytest.raises(MemoryError, match="lower n_estimators or hidden_layer_sizes"):
        selector.fit(X, y)
    assert not hasattr(selector, "feature_importances_")


@pytest.mark.parametrize("returned", [True, np.bool_(True), 1.0, -1, "2"])
def test_a_callable_max_features_must_return_a_count(data, returned):
    # A boolean is refused as max_features itself, so also from the callable.
    X, y = data
    selector = CancelOutSelector(max_features=lambda X: returned, **FAST)
    with pytest.raises(ValueError, match="must return a non-negative int"):
        selector.fit(X, y)
    assert (
        CancelOutSelector(max_features=lambda X: np.int64(2), **FAST)
        .fit(X, y)
        .get_support()
        .sum()
        == 2
    )


@pytest.mark.parametrize(
    "params", [dict(max_features=-1), dict(max_features=2.5), dict(threshold=np.nan)]
)
def test_selection_settings_set_after_fit_are_checked_when_read(data, params):
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = data
    selector = CancelOutSelector(**FAST).fit(X, y).set_params(**params)
    with pytest.raises(InvalidParameterError):
        selector.get_support()
    with pytest.raises(InvalidParameterError):
        selector.transform(X)


def test_later_partial_fit_calls_may_repeat_classes_but_not_change_them(data):
    X, y = data
    labels = np.array(["a", "b", "c"])[y + (X[:, 1] > 1)]
    selector = CancelOutSelector(**FAST)
    selector.partial_fit(X, labels, classes=["a", "b", "c"])
    selector.partial_fit(X, labels, classes=["c", "b", "a"])  # the same set
    with pytest.raises(ValueError, match="fixed by its first call"):
        selector.partial_fit(X, labels, classes=["a", "b", "c", "d"])
    assert selector.n_samples_seen_ == 2 * len(X)


def test_two_columns_of_whole_number_measurements_are_a_regression():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    selector = CancelOutSelector(**FAST).fit(X, np.c_[y, np.round(y / 2)])
    assert selector._task == "regression"
    assert not hasattr(selector, "classes_")


def test_tags_say_what_the_selector_takes_and_keeps(data):
    from sklearn.utils import get_tags

    X, y = data
    tags = get_tags(CancelOutSelector())
    assert tags.target_tags.multi_output and not tags.target_tags.required
    assert "float32" in tags.transformer_tags.preserves_dtype
    X32 = X.astype(np.float32)
    assert CancelOutSelector(**FAST).fit(X32, y).transform(X32).dtype == np.float32
    multi = CancelOutSelector(**FAST).fit(X, np.c_[X[:, 0], X[:, 1]])
    assert multi.feature_importances_.shape == (5,)


def test_a_failed_search_leaves_the_fitted_search_as_it_was(data):
    from skcancelout import CancelOutSelectorCV

    X, y = data
    search = CancelOutSelectorCV(selector=CancelOutSelector(**FAST), cv=2).fit(X, y)
    expected = search.transform(X)
    with pytest.raises(ValueError, match="single class"):
        search.fit(X[:, :3], np.zeros(len(X)))
    assert search.n_features_in_ == 5
    np.testing.assert_array_equal(search.transform(X), expected)


def test_a_wide_output_layer_counts_toward_using_threads():
    # 1000 classes: the output layer does 30 times the first layer's work.
    from types import SimpleNamespace

    from skcancelout._selector import _THREADED_WORK

    weights = [np.empty((30, 8, 32)), np.empty((8, 32, 32)), np.empty((8, 32, 1000))]
    model = SimpleNamespace(weights=weights)
    work = CancelOutSelector._step_work(model, SimpleNamespace(batch_size=256))
    assert work == 256 * 8 * 32 * 1000 > _THREADED_WORK > 256 * 30 * 8 * 32


# ------------------------------------------------ what a user's table holds
def test_numbers_in_an_object_column_of_a_frame_are_numbers(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=list("abcde"))
    as_objects = frame.astype({"a": object})
    expected = CancelOutSelector(**FAST).fit(frame, y).feature_importances_
    selector = CancelOutSelector(**FAST).fit(as_objects, y)
    np.testing.assert_array_equal(selector.feature_importances_, expected)
    with pytest.raises(ValueError, match=r"non-numeric columns \['b'\]"):
        CancelOutSelector(**FAST).fit(as_objects.assign(b="x"), y)
    with pytest.raises(ValueError, match="column 'a' contains missing values"):
        CancelOutSelector(**FAST).fit(as_objects.assign(a=[pd.NA, *X[1:, 0]]), y)


def test_decimals_in_a_frame_are_numbers(data):
    # A database NUMERIC column arrives as decimal.Decimal objects: they are
    # quantities (Python does not register them as numbers.Real).
    from decimal import Decimal

    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X.round(6), columns=list("abcde"))
    decimals = frame.assign(a=[Decimal(repr(v)) for v in frame["a"]])
    before = decimals.copy()
    expected = CancelOutSelector(**FAST).fit(frame, y).feature_importances_
    selector = CancelOutSelector(**FAST).fit(decimals, y)
    np.testing.assert_array_equal(selector.feature_importances_, expected)
    pd.testing.assert_frame_equal(decimals, before)
    with pytest.raises(ValueError, match="NaN"):
        CancelOutSelector(**FAST).fit(
            decimals.assign(a=[Decimal("NaN"), *decimals["a"][1:]]), y
        )


def test_decimals_and_fractions_in_y_and_the_weights_are_numbers(data):
    # y and sample_weight of decimals (a database's NUMERIC column) or
    # fractions were refused, though the same objects in X are numbers.
    from decimal import Decimal
    from fractions import Fraction

    X, _ = data
    y = X[:, 0].round(3)
    weight = np.linspace(0.5, 1.5, len(X)).round(2)
    expected = CancelOutSelector(**FAST).fit(X, y, sample_weight=weight)
    for kind in (Decimal, Fraction):
        as_objects = np.array([kind(str(v)) for v in y], dtype=object)
        weights = np.array([kind(str(v)) for v in weight], dtype=object)
        fitted = CancelOutSelector(**FAST).fit(X, as_objects, sample_weight=weights)
        np.testing.assert_array_equal(
            fitted.feature_importances_, expected.feature_importances_
        )
    search = CancelOutSelectorCV(selector=CancelOutSelector(**FAST), cv=3)
    assert search.fit(X, np.array([Decimal(str(v)) for v in y])).n_features_ >= 1
    with pytest.raises(ValueError, match="NaN"):
        missing = np.array([Decimal("NaN"), *map(Decimal, map(str, y[1:]))])
        CancelOutSelector(**FAST).fit(X, missing)


def test_a_categorical_column_is_refused_as_categorical(data):
    # Numbers as categories were called "non-numeric".
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=list("abcde"))
    frame["b"] = pd.Categorical(np.arange(len(X)) % 2)
    with pytest.raises(ValueError, match=r"categorical columns \['b'\]"):
        CancelOutSelector(**FAST).fit(frame, y)
    fitted = CancelOutSelector(**FAST).fit(frame.astype({"b": float}), y)
    assert fitted.n_features_in_ == 5


def test_complex_columns_of_a_frame_are_refused_as_complex(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=list("abcde")).assign(c=X[:, 2] * 1j)
    with pytest.raises(ValueError, match=r"complex-valued columns \['c'\]"):
        CancelOutSelector(**FAST).fit(frame, y)


def test_nullable_integer_labels_stay_class_labels():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    y = np.arange(300) % 25  # more distinct whole numbers than a float y may have
    for target in (pd.Series(y, dtype="Int64"), pd.DataFrame({"y": y}, dtype="UInt8")):
        selector = CancelOutSelector(**FAST).fit(X, target)
        np.testing.assert_array_equal(selector.classes_, np.arange(25))
    regressor = CancelOutSelector(**FAST).fit(X, pd.Series(y, dtype="Float64"))
    assert not hasattr(regressor, "classes_")


def test_a_multilabel_y_with_only_constant_labels_is_refused(data):
    X, _ = data
    for Y in (
        np.zeros((len(X), 2), int),
        np.c_[np.ones(len(X), int), np.zeros(len(X), int)],
    ):
        with pytest.raises(ValueError, match="Every label column of y is constant"):
            CancelOutSelector(**FAST).fit(X, Y)
    # One label that varies is enough.
    Y = np.c_[np.zeros(len(X), int), (X[:, 0] > 0).astype(int)]
    CancelOutSelector(**FAST).fit(X, Y)


def test_multilabel_labels_constant_on_the_weighted_rows_are_refused(data):
    X, _ = data
    Y = np.c_[np.arange(len(X)) % 2, np.arange(len(X)) % 3 == 0].astype(int)
    # Only rows where both labels are 0 keep a weight.
    weight = ((Y[:, 0] == 0) & (Y[:, 1] == 0)).astype(float)
    with pytest.raises(ValueError, match="Every label column of y is constant"):
        CancelOutSelector(**FAST).fit(X, Y, sample_weight=weight)
    weight[np.flatnonzero(Y[:, 0])[:5]] = 1.0  # now the first label varies
    CancelOutSelector(**FAST).fit(X, Y, sample_weight=weight)


def test_too_small_a_training_side_is_not_told_to_grow_the_validation_side(data):
    X, y = data
    selector = CancelOutSelector(early_stopping=True, validation_fraction=0.99, **FAST)
    with pytest.raises(ValueError, match="leaves enough rows on both sides") as info:
        selector.fit(X, y)
    assert "larger validation_fraction" not in str(info.value)


@pytest.mark.parametrize("random_state", range(8))
def test_early_stopping_refuses_a_class_of_one_row_whatever_the_split(
    data, random_state
):
    # Held out, the only row of class 1 left one class to train on.
    X, _ = data
    y = np.zeros(len(X), dtype=int)
    y[0] = 1
    selector = CancelOutSelector(
        early_stopping=True, **dict(FAST, random_state=random_state)
    )
    with pytest.raises(ValueError, match="class 1 has a single row"):
        selector.fit(X, y)
    # Zero weights count: two rows of class 1, one of them weighted out.
    y[1] = 1
    weight = np.ones(len(X))
    weight[1] = 0.0
    with pytest.raises(ValueError, match="class 1 has a single row"):
        selector.fit(X, y, sample_weight=weight)


def test_early_stopping_refuses_to_train_on_a_single_row(data):
    X, _ = data
    selector = CancelOutSelector(early_stopping=True, **FAST)
    with pytest.raises(ValueError, match="leaves 1 of 2 rows to train on"):
        selector.fit(X[:2], [0.5, 1.5])
    assert selector.fit(X[:3], [0.5, 1.5, 0.0]).n_iter_ > 0


# ------------------------------------------------ a stream keeps its task
def test_a_multilabel_stream_takes_only_the_values_of_y_as_classes(data):
    X, _ = data
    Y = np.c_[X[:, 0] > 0, X[:, 1] > 0].astype(int)
    stream = CancelOutSelector(**FAST)
    # Left out, or [0, 1] as np.unique(Y) gives, as scikit-learn takes it.
    stream.partial_fit(X, Y)
    stream.partial_fit(X, Y, classes=np.unique(Y))
    # Anything else was accepted and ignored, on the first call and later.
    with pytest.raises(ValueError, match="must be .0, 1."):
        stream.partial_fit(X, Y, classes=[7, 8])
    with pytest.raises(ValueError, match="must be .0, 1."):
        CancelOutSelector(**FAST).partial_fit(X, Y, classes=["a", "b"])
    assert stream.n_samples_seen_ == 2 * len(X)


def test_a_stream_fitted_on_measurements_refuses_classes(data):
    X, y = data
    regressor = CancelOutSelector(**FAST).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="classes was passed.*regression"):
        regressor.partial_fit(X, y, classes=[0, 1])
    assert regressor.n_iter_ == FAST["max_iter"]  # nothing was trained


@pytest.mark.parametrize(
    "first_task, later_task, target",
    [("auto", "regression", "labels"), ("regression", "classification", "values")],
)
def test_a_task_set_after_the_first_call_is_refused(
    data, first_task, later_task, target
):
    X, y = data
    y = y if target == "labels" else X[:, 0]
    selector = CancelOutSelector(task=first_task, **FAST).fit(X, y)
    selector.set_params(task=later_task)
    with pytest.raises(ValueError, match="task of a stream is fixed by its first call"):
        selector.partial_fit(X, y)
    # "auto" continues whatever the stream started as.
    selector.set_params(task="auto").partial_fit(X, y)


def test_a_multilabel_stream_may_repeat_classes_and_start_with_constant_labels(data):
    X, y = data
    Y = np.c_[y, (X[:, 1] > 1).astype(int)]
    stream = CancelOutSelector(**FAST)
    for rows in np.array_split(np.arange(len(X)), 4):
        stream.partial_fit(X[rows], Y[rows], classes=[0, 1])
    assert stream.n_iter_ == 4
    # A first batch in which every label happens to be constant is still
    # a stream's start; only fit refuses a y with nothing to learn.
    late = CancelOutSelector(**FAST)
    late.partial_fit(X[:10], np.zeros((10, 2), int))
    late.partial_fit(X[10:], Y[10:])
    assert late.n_iter_ == 2


def test_codes_written_as_strings_in_an_object_column_are_not_numbers(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=list("abcde"))
    codes = frame.assign(a=[f"{i % 7:05d}" for i in range(len(X))])
    with pytest.raises(ValueError, match=r"non-numeric columns \['a'\]"):
        CancelOutSelector(**FAST).fit(codes, y)
    complex_objects = frame.astype({"a": object}).assign(a=[np.complex128(1j)] * len(X))
    with pytest.raises(ValueError, match=r"complex-valued columns \['a'\]"):
        CancelOutSelector(**FAST).fit(complex_objects, y)


def test_an_object_column_of_missing_values_is_not_called_dates(data):
    # pandas infers "datetime" for NaN beside NaT; there is no date in it.
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(
        {"x": X[:, 0], "gap": pd.Series([np.nan, pd.NaT] * (len(X) // 2), dtype=object)}
    )
    with pytest.raises(ValueError, match=r"only missing values \['gap'\]; drop"):
        CancelOutSelector(**FAST).fit(frame, y)
    # All None: the same advice, not "encode them with OneHotEncoder".
    frame["gap"] = pd.Series([None] * len(X), dtype=object)
    with pytest.raises(ValueError, match=r"only missing values \['gap'\]; drop"):
        CancelOutSelector(**FAST).fit(frame, y)


def test_a_frame_without_columns_is_refused_with_its_shape(data):
    # It reached NumPy's "at least one array or dtype is required".
    pd = pytest.importorskip("pandas")
    _, y = data
    with pytest.raises(ValueError, match=r"0 columns \(shape \(80, 0\)\)"):
        CancelOutSelector(**FAST).fit(pd.DataFrame(index=range(len(y))), y)


# ------------------------------------- targets and arrays of unusual types
@pytest.mark.parametrize(
    "make_y",
    [
        lambda y: np.datetime64("2020-01-01") + y.astype("timedelta64[D]"),
        lambda y: y.astype("timedelta64[s]"),
        lambda y: np.array(
            [__import__("datetime").date(2020, 1, 1 + int(v)) for v in y], dtype=object
        ),
    ],
)
def test_a_target_of_dates_or_durations_is_refused(data, make_y):
    # It was trained as a classification with one class per distinct date.
    X, y = data
    with pytest.raises(ValueError, match="y holds dates or durations"):
        CancelOutSelector(**FAST).fit(X, make_y(y))


def test_a_complex_or_ragged_target_is_refused_with_advice(data):
    X, y = data
    with pytest.raises(ValueError, match="y is complex-valued"):
        CancelOutSelector(**FAST).fit(X, y + 1j)
    with pytest.raises(ValueError, match="y is complex-valued"):
        CancelOutSelector(**FAST).fit(X, (y + 1j).astype(object))
    ragged = [[1], [1, 2]] * (len(X) // 2)
    with pytest.raises(ValueError, match="rows of different lengths"):
        CancelOutSelector(**FAST).fit(X, ragged)


@pytest.mark.parametrize("scalar", [1, np.int64(1), np.array(0.5), "a"])
def test_a_single_value_for_y_is_refused_with_advice(data, scalar):
    # It raised a TypeError from scikit-learn's row count ("at least 1
    # dimension"), easy to hit when streaming one row at a time.
    X, _ = data
    with pytest.raises(ValueError, match="y is a single value .* list of one"):
        CancelOutSelector(**FAST).fit(X, scalar)
    with pytest.raises(ValueError, match="y is a single value"):
        CancelOutSelector(**FAST).partial_fit(X[:1], scalar, classes=[0, 1])
    with pytest.raises(ValueError, match="y is a single value"):
        CancelOutSelectorCV().fit(X, scalar)


def test_numbers_held_as_objects_are_labels_or_values_as_numbers_are(data):
    X, y = data
    labels = CancelOutSelector(**FAST).fit(X, y)
    as_objects = CancelOutSelector(**FAST).fit(X, y.astype(object))
    np.testing.assert_array_equal(
        as_objects.feature_importances_, labels.feature_importances_
    )
    np.testing.assert_array_equal(as_objects.classes_, [0, 1])
    values = X[:, 1] + 0.1 * X[:, 2]
    expected = CancelOutSelector(task="regression", **FAST).fit(X, values)
    selector = CancelOutSelector(task="regression", **FAST).fit(
        X, values.astype(object)
    )
    np.testing.assert_array_equal(
        selector.feature_importances_, expected.feature_importances_
    )


@pytest.mark.skipif(
    np.finfo(np.longdouble).max <= np.finfo(np.float64).max,
    reason="longdouble is float64 on this platform: no value lies beyond",
)
def test_a_longdouble_target_beyond_float64_is_refused(data):
    # It turned into infinity in float64 and was reported as a diverging fit.
    X, y = data
    huge = (y + 1).astype(np.longdouble) * np.longdouble("1e4000")
    with pytest.raises(ValueError, match="too large for float64"):
        CancelOutSelector(**FAST).fit(X, huge)


@pytest.mark.parametrize(
    "make_X, match",
    [
        (lambda X: X + 1j, "Complex data not supported: X has complex-valued"),
        (lambda X: sp.csr_matrix(X + 1j), "X has complex-valued"),
        (lambda X: (X + 1j).tolist(), "X has complex-valued"),
        (lambda X: (X + 1j).astype(object), "X has complex-valued"),
        (lambda X: np.ma.masked_greater(X, 1.0), "masked array"),
        (
            lambda X: np.rec.fromarrays(X.T, names=list("abcde")).reshape(-1, 1),
            "structured dtype",
        ),
        (lambda X: X.astype(str), "X holds strings"),
        (lambda X: X.astype(str).astype(object), r"non-numeric values \(strings\)"),
    ],
)
def test_arrays_of_unusual_types_are_refused_with_advice(data, make_X, match):
    X, y = data
    given = make_X(X)
    with pytest.raises(ValueError, match=match):
        CancelOutSelector(**FAST).fit(given, y)


def test_missing_numbers_and_huge_integers_in_an_object_column(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=list("abcde")).astype({"a": object})
    frame.loc[3, "a"] = None  # was called non-numeric, with encoder advice
    with pytest.raises(ValueError, match=r"column 'a' contains missing values"):
        CancelOutSelector(**FAST).fit(frame, y)
    frame.loc[3, "a"] = 10**400  # was a bare OverflowError
    with pytest.raises(ValueError, match="too large for float64"):
        CancelOutSelector(**FAST).fit(frame, y)


def test_sample_weight_that_is_not_numbers_is_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="sample_weight must hold real numbers"):
        CancelOutSelector(**FAST).fit(X, y, sample_weight=["a"] * len(X))
    with pytest.raises(ValueError, match="sample_weight must hold real numbers"):
        CancelOutSelector(**FAST).fit(X, y, sample_weight=np.ones(len(X)) + 1j)


@pytest.mark.parametrize(
    "make_X, match",
    [
        (lambda X: X.astype(str), "X holds strings"),
        (lambda X: np.full(X.shape, None, dtype=object), "missing values"),
        (lambda X: X.astype("datetime64[s]"), "dates or durations"),
    ],
)
def test_transform_checks_what_x_holds_as_fit_does(data, make_X, match):
    # transform passed strings, None and dates through.
    X, y = data
    selector = CancelOutSelector(max_features=2, **FAST).fit(X, y)
    with pytest.raises(ValueError, match=match):
        selector.transform(make_X(X))
    with pytest.raises(ValueError, match=match):
        selector.inverse_transform(make_X(X[:, :2]))
    np.testing.assert_array_equal(
        selector.transform(X.astype(object)), selector.transform(X)
    )


@pytest.mark.parametrize("target", ["none", "multilabel", "regression"])
def test_weights_that_leave_one_row_are_refused(data, target):
    # Unsupervised and multilabel fits trained on that one row silently.
    X, y = data
    targets = {
        "none": None,
        "multilabel": np.c_[y, 1 - y],
        "regression": X[:, 0] + X[:, 1],
    }
    weight = np.r_[1.0, np.zeros(len(X) - 1)]
    with pytest.raises(ValueError, match="Only one row has positive weight"):
        CancelOutSelector(**FAST).fit(X, targets[target], sample_weight=weight)
