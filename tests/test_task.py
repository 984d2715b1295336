"""The ``task`` parameter and how "auto" reads y."""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.exceptions import NotFittedError

from skcancelout import CancelOutSelector

FAST = dict(max_iter=15, n_estimators=2, random_state=0)


@pytest.fixture(scope="module")
def whole_number_regression():
    """y is a score rounded to whole numbers: 60+ distinct float values."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 8))
    y = np.round(20 * X[:, 0] - 10 * X[:, 1] + rng.normal(size=200))
    return X, y.astype(float)


def test_auto_reads_many_whole_float_values_as_regression(whole_number_regression):
    X, y = whole_number_regression
    auto = CancelOutSelector(**FAST).fit(X, y)
    explicit = CancelOutSelector(task="regression", **FAST).fit(X, y)
    assert not hasattr(auto, "classes_")
    np.testing.assert_array_equal(
        auto.feature_importances_, explicit.feature_importances_
    )


def test_auto_keeps_float_labels_as_classes():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 5))
    y = (X[:, 0] > 0).astype(float)
    selector = CancelOutSelector(**FAST).fit(X, y)
    np.testing.assert_array_equal(selector.classes_, [0.0, 1.0])


def test_regression_can_be_forced_on_integer_targets():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 5))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)  # 0, 1, 2
    selector = CancelOutSelector(task="regression", **FAST).fit(X, y)
    assert not hasattr(selector, "classes_")
    assert set(np.argsort(-selector.feature_importances_)[:2]) == {0, 1}


def test_classification_can_be_forced_on_many_whole_float_values(
    whole_number_regression,
):
    X, y = whole_number_regression
    selector = CancelOutSelector(task="classification", **FAST).fit(X, y)
    np.testing.assert_array_equal(selector.classes_, np.unique(y))


def test_diabetes_scores_are_regression_and_rank_the_known_signal():
    """bmi (2) and s5 (8) carry the most signal among diabetes' columns."""
    X, y = load_diabetes(return_X_y=True)
    selector = CancelOutSelector(random_state=0).fit(X, y)
    assert not hasattr(selector, "classes_")
    assert {2, 8} <= set(np.argsort(-selector.feature_importances_)[:3])


@pytest.mark.parametrize(
    "task, y, message",
    [
        ("classification", np.linspace(0, 1, 40), "needs class labels"),
        ("regression", np.array(["a", "b"] * 20), "needs a numeric y"),
        ("regression", None, "needs y"),
        ("classification", None, "needs y"),
    ],
)
def test_task_mismatch_errors_say_what_to_change(task, y, message):
    X = np.random.RandomState(0).normal(size=(40, 3))
    with pytest.raises(ValueError, match=message):
        CancelOutSelector(task=task, **FAST).fit(X, y)


def test_partial_fit_follows_task():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 4))
    y = np.round(10 * X[:, 0])
    selector = CancelOutSelector(task="regression", **FAST)
    selector.partial_fit(X, y)
    assert not hasattr(selector, "classes_")
    with pytest.raises(ValueError, match="classes is for classification"):
        CancelOutSelector(task="regression", **FAST).partial_fit(
            X, y, classes=np.unique(y)
        )


def test_classes_with_a_continuous_y_names_classes_in_the_error():
    X = np.random.RandomState(0).normal(size=(40, 3))
    with pytest.raises(ValueError, match="classes= needs class labels"):
        CancelOutSelector(**FAST).partial_fit(X, np.linspace(0, 1, 40), classes=[0, 1])


@pytest.fixture(scope="module")
def integer_counts():
    """y is a count: 100+ distinct integers on 200 rows."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 6))
    y = rng.poisson(np.exp(3 + X[:, 0]))
    return X, y.astype(np.int64)


def test_integer_counts_warn_and_name_the_fix(integer_counts):
    X, y = integer_counts
    with pytest.warns(UserWarning, match="task='regression'"):
        selector = CancelOutSelector(**FAST).fit(X, y)
    # The reading is unchanged: integers are classes, as in scikit-learn.
    np.testing.assert_array_equal(selector.classes_, np.unique(y))


@pytest.mark.parametrize("task", ["regression", "classification"])
def test_explicit_task_on_integer_counts_does_not_warn(integer_counts, task):
    X, y = integer_counts
    CancelOutSelector(task=task, **FAST).fit(X, y)  # filterwarnings=error


def test_many_integer_classes_with_enough_rows_do_not_warn():
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(25), 12)  # 25 classes, 12 rows each
    X = rng.normal(size=(y.size, 4)) + y[:, None] * 0.1
    selector = CancelOutSelector(**FAST).fit(X, y)
    assert selector.classes_.size == 25


def test_partial_fit_on_counts_warns_once_then_asks_for_classes(integer_counts):
    X, y = integer_counts
    with pytest.warns(UserWarning, match="distinct integer values") as record:
        with pytest.raises(ValueError, match="classes must be passed"):
            CancelOutSelector(**FAST).partial_fit(X, y)
    counts = [w for w in record if "distinct integer" in str(w.message)]
    assert len(counts) == 1
    assert counts[0].filename == __file__  # the caller's line


def test_partial_fit_with_classes_declares_labels_and_does_not_warn(integer_counts):
    X, y = integer_counts
    selector = CancelOutSelector(**FAST).partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_array_equal(selector.classes_, np.unique(y))


@pytest.mark.parametrize("shift, scale", [(1, 1), (0, 5), (-1, 2)])
def test_a_two_valued_label_matrix_other_than_0_1_is_refused(shift, scale):
    # scikit-learn reads it as a multilabel indicator, and the loss, which
    # reads 0 and 1, ran off to -1e6 (or "diverged") without a word.
    from skcancelout import CancelOutSelectorCV

    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 6))
    Y = (X[:, :3] > 0).astype(int)
    advice = r"indicator matrix, which holds only 0 and 1; y holds .*\(y == positive\)"
    with pytest.raises(ValueError, match=advice):
        CancelOutSelector(**FAST).fit(X, Y * scale + shift)
    with pytest.raises(ValueError, match=advice):
        CancelOutSelector(**FAST).partial_fit(X, Y * scale + shift)
    stream = CancelOutSelector(**FAST).partial_fit(X[:60], Y[:60])
    with pytest.raises(ValueError, match="fitted on a multilabel indicator matrix"):
        stream.partial_fit(X[60:], Y[60:] * scale + shift)
    search = CancelOutSelectorCV(selector=CancelOutSelector(**FAST), cv=3)
    with pytest.raises(ValueError, match=advice) as info:
        search.fit(X, Y * scale + shift)
    assert "split" not in str(info.value)  # all of y, not one fold's


def test_task_says_how_y_was_read(whole_number_regression):
    X, y = whole_number_regression
    quick = dict(FAST, max_iter=2)
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    cases = [
        (y, "regression"),  # whole numbers in a float y, read as continuous
        (np.c_[y, -y], "regression"),
        ((X[:, 0] > 0).astype(float), "binary"),
        (labels, "multiclass"),
        (np.c_[X[:, 0] > 0, X[:, 1] > 0].astype(int), "multilabel"),
        (None, "unsupervised"),
    ]
    for target, task in cases:
        assert CancelOutSelector(**quick).fit(X, target).task_ == task
    assert CancelOutSelector(task="regression", **quick).fit(X, labels).task_ == (
        "regression"
    )
    # A stream's task follows the classes of its first call, not its batch.
    first = labels < 2
    stream = CancelOutSelector(**quick).partial_fit(
        X[first], labels[first], classes=[0, 1]
    )
    assert stream.task_ == "binary"
    stream = CancelOutSelector(**quick).partial_fit(
        X[first], labels[first], classes=[0, 1, 2]
    )
    assert stream.task_ == "multiclass"
    with pytest.raises(NotFittedError):
        _ = CancelOutSelector().task_
