"""Saved selectors load and transform identically; refits and resumes repeat."""

import io
import pickle
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest

from skcancelout import CancelOutSelector, CancelOutSelectorCV

FAST = dict(max_iter=3, n_estimators=2, hidden_layer_sizes=(8,), random_state=0)
# The only types of ours a saved selector holds; skops asks to trust them.
OUR_TYPES = [
    "skcancelout._data.ColumnStats",
    "skcancelout._selector.CancelOutSelector",
]


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 6))
    y = np.array(["no", "yes"])[(X[:, 0] + X[:, 1] > 0).astype(int)]
    return X, y


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return CancelOutSelector(max_features=3, **FAST).fit(X, y)


def assert_same_selector(restored, original, X):
    np.testing.assert_array_equal(restored.transform(X), original.transform(X))
    np.testing.assert_array_equal(
        restored.feature_importances_, original.feature_importances_
    )
    np.testing.assert_array_equal(restored.get_support(), original.get_support())
    assert restored.get_params() == original.get_params()


def test_pickle_round_trip(data, fitted):
    X, _ = data
    assert_same_selector(pickle.loads(pickle.dumps(fitted)), fitted, X)


def test_joblib_round_trip(data, fitted, tmp_path):
    X, _ = data
    path = tmp_path / "selector.joblib"
    joblib.dump(fitted, path)
    assert_same_selector(joblib.load(path), fitted, X)


def test_a_stream_loaded_read_only_continues_without_a_torch_warning(data, tmp_path):
    # joblib's mmap_mode="r" gives read-only arrays; torch warned that they
    # are not writable when the optimizer state was read from them.
    X, y = data
    stream = CancelOutSelector(**FAST).partial_fit(X, y, classes=["no", "yes"])
    path = tmp_path / "stream.joblib"
    joblib.dump(stream, path)
    loaded = joblib.load(path, mmap_mode="r")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded.partial_fit(X, y)
    stream.partial_fit(X, y)
    np.testing.assert_array_equal(
        loaded.feature_importances_, stream.feature_importances_
    )


def test_skops_round_trip_trusts_only_our_types(data, fitted, tmp_path):
    sio = pytest.importorskip(
        "skops.io", reason="skops is the optional 'persist' extra"
    )
    X, _ = data
    path = tmp_path / "selector.skops"
    sio.dump(fitted, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert sorted(untrusted) == OUR_TYPES
    restored = sio.load(path, trusted=untrusted)
    assert_same_selector(restored, fitted, X)


def _half_of_the_columns(X):
    return X.shape[1] // 2


def test_skops_flags_a_callable_max_features(data):
    # A callable is code: skops must name it so the user decides to trust it.
    sio = pytest.importorskip(
        "skops.io", reason="skops is the optional 'persist' extra"
    )
    X, y = data
    selector = CancelOutSelector(max_features=_half_of_the_columns, **FAST).fit(X, y)
    untrusted = sio.get_untrusted_types(data=sio.dumps(selector))
    expected = f"{_half_of_the_columns.__module__}._half_of_the_columns"
    assert set(untrusted) - set(OUR_TYPES) == {expected}


def test_same_random_state_gives_identical_importances(data):
    X, y = data
    a = CancelOutSelector(**FAST).fit(X, y)
    b = CancelOutSelector(**FAST).fit(X, y)
    np.testing.assert_array_equal(a.feature_importances_, b.feature_importances_)
    np.testing.assert_array_equal(a.all_importances_, b.all_importances_)
    assert a.loss_curve_ == b.loss_curve_


def test_pickle_mid_stream_gives_bitwise_identical_importances(data):
    X, y = data
    batches = np.array_split(np.arange(len(y)), 6)

    straight = CancelOutSelector(**FAST)
    for rows in batches:
        straight.partial_fit(X[rows], y[rows], classes=["no", "yes"])

    resumed = CancelOutSelector(**FAST)
    for rows in batches[:3]:
        resumed.partial_fit(X[rows], y[rows], classes=["no", "yes"])
    buffer = io.BytesIO()
    pickle.dump(resumed, buffer)
    resumed = pickle.loads(buffer.getvalue())
    for rows in batches[3:]:
        resumed.partial_fit(X[rows], y[rows])

    assert resumed.n_iter_ == straight.n_iter_ == 6
    np.testing.assert_array_equal(
        resumed.feature_importances_, straight.feature_importances_
    )
    np.testing.assert_array_equal(resumed.gate_weights_, straight.gate_weights_)
    assert resumed.loss_curve_ == straight.loss_curve_


def test_partial_fit_refuses_training_state_from_an_older_layout(data):
    # A pickle from before the flat parameter buffer holds per-parameter
    # optimizer state and (K, d, h) first-layer weights.
    X, y = data
    selector = CancelOutSelector(**FAST).partial_fit(X, y, classes=["no", "yes"])
    old = pickle.loads(pickle.dumps(selector))
    del old._state_format
    expected = old.transform(X)
    seen, mean = old.n_samples_seen_, old.mean_.copy()
    with pytest.raises(ValueError, match="earlier skcancelout .*fit a new selector"):
        old.partial_fit(X + 5, y)
    np.testing.assert_array_equal(old.transform(X), expected)
    # Refused before the batch reached the running statistics.
    assert old.n_samples_seen_ == seen
    np.testing.assert_array_equal(old.mean_, mean)


def test_a_saved_selector_transforms_in_a_process_without_torch(data, tmp_path):
    # Importing torch costs about 2 s and 180 MB; a fitted selector is
    # NumPy only, so a process that only transforms never imports it.
    X, y = data
    search = CancelOutSelectorCV(selector=CancelOutSelector(**FAST), cv=2)
    fitted = [CancelOutSelector(**FAST).fit(X, y), search.fit(X, y)]
    path = tmp_path / "selectors.pkl"
    path.write_bytes(pickle.dumps((fitted, X)))
    code = (
        "import pickle, sys\n"
        f"selectors, X = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        "shapes = [s.transform(X).shape for s in selectors]\n"
        "print(shapes, 'torch' in sys.modules)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    expected = [selector.transform(X).shape for selector in fitted]
    assert run.stdout.split("]")[0] + "]" == str(expected)
    assert run.stdout.strip().endswith("False")


def test_format_2_state_continues_unless_its_y_was_continuous(data):
    # Format 3 changed only how a continuous y is standardized (running
    # statistics): a saved classification stream goes on as before.
    X, y = data
    classes = ["no", "yes"]
    selector = CancelOutSelector(**FAST).partial_fit(X, y, classes=classes)
    old = pickle.loads(pickle.dumps(selector))
    old._state_format = 2
    old.partial_fit(X, y)
    selector.partial_fit(X, y)
    np.testing.assert_array_equal(
        old.feature_importances_, selector.feature_importances_
    )
    stream = CancelOutSelector(**FAST).partial_fit(X, X[:, 0])
    stream._state_format = 2
    with pytest.raises(ValueError, match="state format 2"):
        stream.partial_fit(X, X[:, 0])
