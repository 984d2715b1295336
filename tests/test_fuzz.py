"""Any input ends in a fitted selector or in a ValueError that says what to fix.

Hypothesis draws the shape, dtype, scale and defects of X and the kind of y.
An oracle lists what is wrong with each input (NaN in X, one class, ...); the
selector must then reject it with a message naming one of those defects, and
must fit every input the oracle finds nothing wrong with. No other exception,
and no warning beyond those scikit-learn's own input checks give, may escape.
"""

import collections
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils import check_array
from sklearn.utils.multiclass import type_of_target

from skcancelout import CancelOutSelector

FAST = dict(max_iter=3, n_estimators=2, hidden_layer_sizes=(4,), random_state=0)
N_EXAMPLES = 500

# Decimal exponents of the column scales each dtype can hold with room to
# spare (float16 tops out at 65504, float32 at 3.4e38).
SCALE_EXPONENTS = {
    np.float16: (-3, 3),
    np.float32: (-30, 30),
    np.float64: (-300, 300),
}
INT_DTYPES = (np.int8, np.int32, np.int64, np.uint8, np.bool_)
LABEL_KINDS = (
    "none",
    "binary",
    "multiclass",
    "bool",
    "strings",
    "continuous",
    "column",
    "multioutput",
    "multilabel",
    "single_class",
    "multiclass_multioutput",
    "strings_with_none",
    "mixed_types",
    "continuous_with_nan",
    "wrong_length",
)

# What the message must mention for each defect the oracle can find.
ADVICE = {
    "too_few_rows": r"minimum of 2 is required",
    "no_columns": r"0 feature",
    "X_not_finite": r"X contains (NaN|infinity)",
    "y_not_finite": r"y contains NaN, infinity, None or pandas.NA; drop those rows",
    "single_class": r"single class.*at least two",
    "unsupported_target": r"Unknown label type.*pass class labels",
    "wrong_length": r"inconsistent numbers of samples",
    "mixed_types": r"mixes labels that cannot be compared",
}

COUNTS = collections.Counter()


@st.composite
def inputs(draw):
    """(X, y) with their defects drawn by hypothesis and values by NumPy."""
    rng = np.random.RandomState(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.sampled_from([1, 2, 3, 5, 8, 17, 40]))
    d = draw(st.sampled_from([0, 1, 2, 3, 7, 30, 90]))
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64, *INT_DTYPES]))

    if dtype in SCALE_EXPONENTS:
        low, high = SCALE_EXPONENTS[dtype]
        exponents = draw(st.lists(st.integers(low, high), min_size=d, max_size=d))
        X = rng.normal(size=(n, d)) * 10.0 ** np.array(exponents, dtype=float)
    elif dtype is np.bool_:
        X = rng.rand(n, d) > 0.5
    else:
        info = np.iinfo(dtype)
        X = rng.randint(info.min, int(info.max) + 1, size=(n, d), dtype=np.int64)
    X = X.astype(dtype)

    if d > 1 and draw(st.booleans()):
        X[:, rng.randint(d)] = X[:, 0]
    if d and draw(st.booleans()):
        X[:, rng.randint(d)] = X[0, rng.randint(d)]
    if d and dtype in SCALE_EXPONENTS and draw(st.integers(0, 4)) == 0:
        holes = rng.rand(n, d) < 0.2
        holes[rng.randint(n), rng.randint(d)] = True
        X[holes] = rng.choice([np.nan, np.inf, -np.inf], size=holes.sum())

    kind = draw(st.sampled_from(LABEL_KINDS))
    return X, make_labels(kind, n, rng, draw), kind


def make_labels(kind, n, rng, draw):
    if kind == "none":
        return None
    if kind == "binary":
        return rng.randint(2, size=n) * 7 - 3
    if kind == "multiclass":
        return rng.randint(5, size=n)
    if kind == "bool":
        return rng.rand(n) > 0.5
    if kind == "strings":
        return rng.choice(np.array(["cat", "dog", "emu"], dtype=object), size=n)
    if kind in ("continuous", "column", "multioutput", "continuous_with_nan"):
        exponent = draw(st.integers(-300, 300))
        width = {"column": 1, "multioutput": 3}.get(kind)
        y = rng.normal(size=n if width is None else (n, width)) * 10.0**exponent
        if kind == "continuous_with_nan":
            y[rng.randint(n)] = np.nan
        return y
    if kind == "multilabel":
        return rng.randint(2, size=(n, 3))
    if kind == "single_class":
        return np.full(n, "only")
    if kind == "multiclass_multioutput":
        return rng.randint(3, size=(n, 2))
    if kind == "strings_with_none":
        y = rng.choice(np.array(["yes", "no"], dtype=object), size=n)
        y[rng.randint(n)] = None
        return y
    if kind == "mixed_types":
        return np.resize(np.array(["a", 2.5, b"b"], dtype=object), n)
    if kind == "wrong_length":
        return rng.randint(2, size=n + 1)
    raise AssertionError(kind)


def defects(X, y, kind):
    """Everything wrong with (X, y), by name; empty for a valid input."""
    found = set()
    n, d = X.shape
    if n < 2:
        found.add("too_few_rows")
    if d == 0:
        found.add("no_columns")
    if X.dtype.kind == "f" and not np.all(np.isfinite(X)):
        found.add("X_not_finite")
    if kind in ("strings_with_none", "continuous_with_nan"):
        found.add("y_not_finite")
    elif kind == "wrong_length":
        found.add(kind)
    elif y is not None:
        try:
            with np.errstate(all="ignore"):
                target = type_of_target(y)
        except TypeError:
            found.add("mixed_types")
            return found
        if target in ("binary", "multiclass") and np.unique(y).size < 2:
            found.add("single_class")
        if target not in (
            "binary",
            "multiclass",
            "continuous",
            "continuous-multioutput",
            "multilabel-indicator",
        ):
            found.add("unsupported_target")
    return found


def upstream_warnings(X):
    """Warnings scikit-learn's own check of X gives (sums of huge values)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            check_array(X, dtype=[np.float32, np.float64], ensure_min_samples=2)
        except ValueError:
            pass
    return {str(w.message) for w in caught}


def check_one(X, y, kind):
    found = defects(X, y, kind)
    X_before = X.copy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            selector = CancelOutSelector(**FAST).fit(X, y)
            Xt = selector.transform(X)
        except ValueError as exc:
            message = str(exc)
            assert found, f"valid {kind}, {X.dtype}, {X.shape} rejected: {message}"
            assert any(re.search(ADVICE[f], message, re.DOTALL) for f in found), (
                f"message {message!r} names none of the defects {sorted(found)}"
            )
            COUNTS["rejected"] += 1
            COUNTS.update(f"rejected: {f}" for f in found)
            selector = None
    np.testing.assert_array_equal(X, X_before)
    unexpected = {str(w.message) for w in caught} - upstream_warnings(X)
    if np.all(X == X[:1]):  # nothing to rank, and the selector says so
        unexpected = {m for m in unexpected if not m.startswith("Every column")}
    assert not unexpected, f"unexpected warnings {unexpected} for {kind}, {X.dtype}"
    if selector is None:
        return
    assert not found, f"fit accepted an input with defects {sorted(found)}"
    importances = selector.feature_importances_
    assert importances.shape == (X.shape[1],)
    assert np.all(np.isfinite(importances)) and np.all(importances >= 0)
    np.testing.assert_array_equal(Xt, X[:, selector.get_support()])
    COUNTS["fitted"] += 1


@settings(max_examples=N_EXAMPLES, deadline=None, derandomize=True, database=None)
@given(inputs())
def _fuzz(case):
    COUNTS["examples"] += 1
    check_one(*case)


@pytest.mark.slow
def test_any_input_fits_or_gets_advice(record_property):
    COUNTS.clear()
    _fuzz()
    summary = ", ".join(f"{key}={value}" for key, value in sorted(COUNTS.items()))
    record_property("fuzz_counts", summary)
    print(f"\nfuzz: {summary}")
    assert COUNTS["examples"] >= N_EXAMPLES, summary
    assert COUNTS["fitted"] + COUNTS["rejected"] == COUNTS["examples"], summary
    # The search must reach both outcomes in earnest, not just one of them.
    assert COUNTS["fitted"] >= N_EXAMPLES // 5, summary
    assert COUNTS["rejected"] >= N_EXAMPLES // 5, summary


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_extreme_regression_targets_fit_without_warnings(scale):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 4))
    y = (X[:, 0] + 0.1 * rng.normal(size=30)) * scale
    selector = CancelOutSelector(**FAST).fit(X, y)
    assert np.all(np.isfinite(selector.feature_importances_))


def test_labels_mixing_strings_and_none_get_advice():
    X = np.random.RandomState(0).normal(size=(6, 2))
    y = np.array(["a", "b", None, "a", "b", "a"], dtype=object)
    with pytest.raises(ValueError, match="drop those rows"):
        CancelOutSelector(**FAST).fit(X, y)
