"""Checks of what a user passes in: X's columns, y and its task, classes and
weights. Each refusal says what was wrong and what to do instead.
"""

import datetime
import decimal
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _check_sample_weight

from ._stack import user_stacklevel

_TARGET_TASKS = {
    "binary": "binary",
    "multiclass": "multiclass",
    "continuous": "regression",
    "continuous-multioutput": "regression",
    "multilabel-indicator": "multilabel",
}


# With task="auto", a float y with more distinct values than this is continuous.
_MAX_AUTO_CLASSES = 20


# With task="auto", an integer y with more values than _MAX_AUTO_CLASSES and
# fewer rows than this per value gets a warning that it may be a count.
_MIN_ROWS_PER_CLASS = 10


def _check_target_width(y, expected, what):
    """A later partial_fit batch must have the fitted number of y columns."""
    found = 1 if y.ndim == 1 else y.shape[1]
    if y.ndim > 2 or found != expected:
        raise ValueError(
            f"y has shape {y.shape}, but this selector was fitted with "
            f"{expected} {what}; every partial_fit batch needs the same y "
            "columns."
        )


def _task_of(y, task="auto", classes=None):
    """The training task for target ``y`` under the ``task`` parameter."""
    if y is None:
        if task != "auto":
            raise ValueError(
                f"task={task!r} needs y; call fit(X) with task='auto' for "
                "unsupervised selection."
            )
        return "reconstruction"
    if task == "regression":
        if classes is not None:
            raise ValueError("classes is for classification; task='regression'.")
        if not _is_numeric(np.asarray(y).dtype):
            raise ValueError(
                f"task='regression' needs a numeric y; got dtype {np.asarray(y).dtype}."
            )
        return "regression"
    try:
        # type_of_target casts floats to int to spot integer labels; targets
        # near 1e300 make that cast warn although the answer is right.
        with np.errstate(invalid="ignore", over="ignore"):
            kind = type_of_target(y, input_name="y")
    except TypeError as exc:
        raise ValueError(
            "y mixes labels that cannot be compared (for example strings and "
            "None); give every label the same type and drop or impute rows "
            "with missing labels."
        ) from exc
    if task == "classification" or classes is not None:
        if kind in ("continuous", "continuous-multioutput"):
            asked = "task='classification'" if classes is None else "classes="
            raise ValueError(
                f"{asked} needs class labels, but y is continuous; use "
                "task='regression' (or 'auto' without classes)."
            )
    elif kind == "multiclass" and _looks_continuous(y):
        return "regression"
    elif kind == "multiclass-multioutput" and any(
        _looks_continuous(column) for column in np.asarray(y).T
    ):
        return "regression"
    elif kind == "multiclass":
        _warn_if_count(y)
    if kind not in _TARGET_TASKS:
        raise ValueError(
            f"Unknown label type: y of type {kind!r} is not supported; pass "
            "class labels, a multilabel indicator matrix or continuous targets "
            "(task='regression' for several whole-number targets)."
        )
    return _TARGET_TASKS[kind]


def _looks_continuous(y):
    """A float y with many distinct whole numbers is a measurement, not labels.

    scikit-learn's ``type_of_target`` calls any whole-number y "multiclass",
    so e.g. the diabetes progression scores (214 distinct values) would train
    a 214-class classifier on 442 rows.
    """
    values = np.asarray(y)
    return values.dtype.kind == "f" and np.unique(values).size > _MAX_AUTO_CLASSES


def _warn_if_count(y):
    """Warn when an integer y looks like a count rather than class labels.

    Integer labels are classes in scikit-learn, and task="auto" keeps that
    reading; but with many distinct values and few rows each (for example
    counts 0..300 on 400 rows) a classifier is almost surely not what the
    user meant, and the selector would train one output per value.
    """
    values = np.asarray(y)
    if values.dtype.kind not in "iu":
        return
    n_values = np.unique(values).size
    rows_each = values.size / n_values
    if n_values > _MAX_AUTO_CLASSES and rows_each < _MIN_ROWS_PER_CLASS:
        warnings.warn(
            f"y holds {n_values} distinct integer values with {rows_each:.1f} "
            "rows each on average, so it is trained as a "
            f"{n_values}-class classification. If y is a count or another "
            "measurement, pass task='regression'; pass task='classification' "
            "to keep the classes and silence this warning.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )


def _numeric_target(y, dtype, what):
    """``y`` as an array of ``dtype``, or a ValueError saying what was expected."""
    given = np.asarray(y)
    # NumPy would parse "1" and "2.5"; labels held as text are not numbers.
    if given.dtype.kind in "US" or (
        given.dtype.kind == "O" and any(isinstance(v, str | bytes) for v in given.flat)
    ):
        raise ValueError(
            f"This selector was fitted on {what}; y must be numeric again, "
            f"got strings (dtype {given.dtype})."
        )
    try:
        return np.asarray(y, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"This selector was fitted on {what}; y must be numeric again, "
            f"got dtype {np.asarray(y).dtype}."
        ) from exc


def _checked_classes(classes):
    """``np.unique(classes)``, refusing missing or mutually incomparable labels."""
    _check_target_values(classes, "classes")
    try:
        return np.unique(classes)
    except TypeError as exc:
        raise ValueError(
            "classes mixes labels that cannot be compared (for example "
            "strings and None); give every class the same type."
        ) from exc


def _reject_sparse_target(y):
    if sp.issparse(y):
        raise ValueError(
            "y is a sparse matrix; pass it dense, e.g. y.toarray() (a "
            "multilabel indicator matrix has few columns)."
        )


def _is_pandas_na(value):
    """Whether ``value`` is ``pandas.NA``, without importing pandas."""
    return type(value).__name__ == "NAType"


def _check_target_values(y, name="y"):
    try:
        values = np.asarray(y)
    except ValueError as exc:  # NumPy's "inhomogeneous shape"
        raise ValueError(
            f"{name} has rows of different lengths; give one label or value "
            "per row, or a rectangular table of targets."
        ) from exc
    if values.ndim == 0 and name == "y":
        raise ValueError(
            f"y is a single value ({values.item()!r}), not one per row of X; "
            "pass a 1-d array with a label or value for each row (for one "
            "row, a list of one: [y])."
        )
    if values.dtype.kind in "mM" or (
        values.dtype.kind == "O" and any(map(_is_date, values.ravel()))
    ):
        raise ValueError(
            f"{name} holds dates or durations; convert them to numbers first "
            "(e.g. seconds since a reference time) or to class labels."
        )
    if values.dtype.kind == "c" or (
        values.dtype.kind == "O" and any(map(_is_complex, values.ravel()))
    ):
        raise ValueError(
            f"{name} is complex-valued; a target must be real (pass its "
            "real part, modulus or angle)."
        )
    if values.dtype.kind == "f" and values.dtype.itemsize > 8:
        # Training runs in float64 at most; a longdouble beyond its range
        # would turn into infinity there.
        with np.errstate(invalid="ignore"):
            too_large = np.abs(values) > np.finfo(np.float64).max
        if np.any(too_large & np.isfinite(values)):
            raise ValueError(
                f"{name} has values too large for float64 (above about "
                "1.8e308); rescale it."
            )
    if values.dtype.kind in "fc":
        missing = not np.all(np.isfinite(values))
    elif values.dtype.kind == "O":
        missing = any(
            v is None
            or (isinstance(v, float) and not np.isfinite(v))
            or _is_pandas_na(v)
            for v in values.ravel()
        )
    else:
        missing = False
    if missing:
        advice = "drop those rows" if name == "y" else "list only real classes"
        raise ValueError(f"{name} contains NaN, infinity, None or pandas.NA; {advice}.")
    if (
        values.dtype.kind == "O"
        and values.size
        and all(isinstance(v, _NUMBER_OBJECTS) for v in values.ravel())
    ):
        # Numbers held as Python objects (a column built from a list, an
        # object Series, a database's decimals): scikit-learn calls their
        # type "unknown"; as a NumPy array, integers stay labels and other
        # numbers (floats, decimals, fractions) become float values.
        if all(isinstance(v, numbers.Integral) for v in values.ravel()):
            return np.asarray(values.tolist())
        return values.astype(np.float64)
    return _plain_integers(y)


def _is_date(value):
    return isinstance(
        value, (datetime.date, datetime.time, datetime.timedelta)
    ) or isinstance(value, (np.datetime64, np.timedelta64))


def _is_complex(value):
    return isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real)


def _plain_integers(y):
    """``y`` as a NumPy integer array if it is pandas nullable integers.

    scikit-learn's validation turns a column of pandas ``Int64`` (no NA
    left: :func:`_check_target_values` ran) into float64, and a float y of
    many whole numbers reads as continuous; integers stay class labels, as
    they do in a NumPy int array. Anything else is returned as it is.
    """
    dtypes = getattr(y, "dtypes", None)
    if dtypes is None or not hasattr(y, "to_numpy"):
        return y
    dtypes = [dtypes] if getattr(y, "ndim", 1) == 1 else list(dtypes)
    nullable = [
        dtype
        for dtype in dtypes
        if not isinstance(dtype, np.dtype)
        and getattr(dtype, "kind", None) in ("i", "u")
    ]
    if not dtypes or len(nullable) != len(dtypes):
        return y
    return y.to_numpy(dtype=np.result_type(*(d.numpy_dtype for d in nullable)))


def _reject_non_numeric(X):
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and getattr(X, "ndim", 2) == 1:
        raise ValueError(
            "X is 1-D (a pandas Series?); pass a 2-D table, e.g. "
            "series.to_frame() for one feature."
        )
    if dtypes is not None and len(dtypes) == 0:
        # scikit-learn's own check fails inside NumPy on a frame without columns.
        raise ValueError(
            f"X is a table with 0 columns (shape {X.shape}); a selector needs "
            "at least one feature."
        )
    if dtypes is not None:
        # Each column sorted once; the errors come in this order of kinds.
        bad, complex_, dates, missing, categories = [], [], [], [], []
        # Only the columns of a distinct non-numeric dtype are read: a frame
        # of 20 000 float columns took 0.4 s per call when each was.
        numeric_dtypes = {kind for kind in set(dtypes) if _is_numeric(kind)}
        for i, (name, kind) in enumerate(zip(X.columns, dtypes, strict=True)):
            kind_code = getattr(kind, "kind", None)
            if kind_code == "c":
                complex_.append(str(name))
            if kind in numeric_dtypes:
                continue
            column = X.iloc[:, i]
            if str(kind) == "category":
                categories.append(str(name))
            elif column.isna().all():
                missing.append(str(name))
            elif not _holds_numbers(column):
                bad.append(str(name))
                if kind_code in ("m", "M") or _holds_dates(column):
                    dates.append(str(name))
        if complex_:
            raise _complex_columns(complex_)
        if dates:
            raise ValueError(
                f"X has columns of dates or durations {dates}; convert them to "
                "numbers first, e.g. seconds since a reference time."
            )
        if missing:
            raise ValueError(
                f"X has columns holding only missing values {missing}; drop "
                "them (they carry nothing to select)."
            )
        if categories:
            # Even of numbers: the categories are labels, and their order or
            # spacing need not mean anything.
            raise ValueError(
                f"X has categorical columns {categories} (pandas 'category' "
                "dtype), whose values are labels, not quantities; encode them "
                "first, e.g. with sklearn.preprocessing.OneHotEncoder, or, "
                "where the categories are numbers meant as quantities, pass "
                "X.astype({column: float})."
            )
        if bad:
            raise ValueError(
                f"X has non-numeric columns {bad}; encode them first, e.g. with "
                "sklearn.preprocessing.OneHotEncoder or OrdinalEncoder."
            )
    elif sp.issparse(X) and X.dtype.kind == "c":
        raise _complex_columns()
    elif isinstance(X, np.ma.MaskedArray):
        raise ValueError(
            "X is a masked array, and a selector cannot tell what masked "
            "entries hold; fill them first, e.g. X.filled(np.nan) followed by "
            "sklearn.impute.SimpleImputer, or drop those rows."
        )
    elif isinstance(X, np.ndarray):
        _reject_non_numeric_array(X)
    elif isinstance(X, (list, tuple)):
        try:
            array = np.asarray(X)
        except (TypeError, ValueError):
            return  # ragged rows: scikit-learn's own message says so
        _reject_non_numeric_array(array)


def _reject_non_numeric_array(X):
    """The checks of :func:`_reject_non_numeric` for a NumPy array."""
    kind = X.dtype.kind
    if kind in "mM":
        raise ValueError(
            f"X holds dates or durations (dtype {X.dtype}); convert them to "
            "numbers first, e.g. seconds since a reference time."
        )
    if kind == "c":
        raise _complex_columns()
    if X.dtype.names is not None or kind == "V":
        raise ValueError(
            f"X has a structured dtype {X.dtype}; pass a plain 2-D array of "
            "numbers, e.g. numpy.lib.recfunctions.structured_to_unstructured(X)."
        )
    if kind in "US":
        # As in a DataFrame: strings such as "00042" may be codes.
        raise ValueError(
            f"X holds strings (dtype {X.dtype}); if they are numbers, convert "
            "them with X.astype(float); if they are categories, encode them "
            "first, e.g. with sklearn.preprocessing.OneHotEncoder."
        )
    if kind == "O":
        values = X.ravel()
        _check_objects(values, "X", None)
        # Strings get advice (even "00042", which NumPy would parse: it may
        # be a code). Other objects (a dict in a cell) fail in scikit-learn's
        # conversion with a TypeError that names their type.
        if any(isinstance(v, (str, bytes)) for v in values):
            raise ValueError(
                "X holds non-numeric values (strings); convert numbers with "
                "X.astype(float), and encode categories first, e.g. with "
                "sklearn.preprocessing.OneHotEncoder."
            )


# Objects that convert to a float as quantities. Decimals are quantities (a
# database's NUMERIC column) although Python does not register them as Real.
_NUMBER_OBJECTS = (numbers.Real, decimal.Decimal)


def _check_objects(values, where, names):
    """Refuse pandas.NA and complex numbers among ``values`` (objects) of
    ``where`` in X, the columns ``names`` (None: unnamed)."""
    if any(v is None or _is_pandas_na(v) for v in values):
        raise ValueError(
            f"{where} contains missing values (None or pandas.NA); impute "
            "them, e.g. with sklearn.impute.SimpleImputer, or drop those rows."
        )
    if any(map(_is_complex, values)):
        raise _complex_columns(names)


# What pandas.api.types.infer_dtype calls a column of dates, times,
# durations or periods held as objects.
_DATE_KINDS = {
    "datetime",
    "datetime64",
    "date",
    "time",
    "timedelta",
    "timedelta64",
    "period",
}


def _holds_dates(column):
    """Whether a pandas column holds dates, durations or periods as objects."""
    from pandas.api.types import infer_dtype

    present = column.dropna()  # NaT too: a column of missing values is no date
    return len(present) > 0 and infer_dtype(present) in _DATE_KINDS


def _complex_columns(names=None):
    """The error for complex-valued columns ``names`` of X (None: unnamed)."""
    which = "" if names is None else f" {names}"
    return ValueError(
        f"Complex data not supported: X has complex-valued columns{which}; "
        "give the real and imaginary "
        "parts (or modulus and angle) as separate columns."
    )


def _holds_numbers(column):
    """Whether an ``object`` column of a DataFrame holds only real numbers.

    Such a column (numbers read from a file, a column built from Python
    objects) converts as a NumPy object array does; None or pandas.NA in it
    gets the missing-value message.
    """
    if getattr(column, "dtype", None) != np.dtype(object):
        return False
    values = column.to_numpy()
    _check_objects(values, f"X column {column.name!r}", [str(column.name)])
    # Numbers only: strings such as "00042" are codes, not quantities, even
    # where NumPy would parse them.
    return all(isinstance(v, _NUMBER_OBJECTS) for v in values)


def _is_numeric(dtype):
    try:
        return np.dtype(dtype).kind in "biuf"
    except TypeError:
        return getattr(dtype, "_is_numeric", False)


_ZERO_WEIGHT = "sample_weight sums to zero; give some samples weight."


def _checked_weight(sample_weight, X):
    """``sample_weight`` as float64, checked (finite, non-negative, not all
    0), or None."""
    if sample_weight is None:
        return None
    given = np.asarray(sample_weight)
    if given.dtype.kind not in "biuf" and not (
        given.dtype.kind == "O"
        and all(isinstance(v, _NUMBER_OBJECTS) for v in given.ravel())
    ):
        raise ValueError(
            f"sample_weight must hold real numbers, one per row of X; got "
            f"dtype {given.dtype}."
        )
    weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
    if not np.all(np.isfinite(weight)) or np.any(weight < 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    if not np.any(weight > 0):
        raise ValueError(_ZERO_WEIGHT)
    return weight


def _balanced_class_weight(index, weight, n_classes):
    """``class_weight="balanced"`` with row weights: total weight over
    ``n_classes`` times each class's weight, as scikit-learn's
    ``n_samples / (n_classes * np.bincount(y))`` counts rows. A class whose
    rows all weigh 0 gets 0 (it has nothing to weigh)."""
    sums = np.bincount(index, weights=weight, minlength=n_classes)
    return np.divide(
        sums.sum(), n_classes * sums, out=np.zeros(n_classes), where=sums > 0
    )


def check_indicator_values(y, fitted=False):
    """Refuse a multilabel y that holds other values than 0 and 1.

    scikit-learn calls any 2-D y of two integer values an indicator
    matrix; the loss reads 0 and 1 (with 1 and 2 it has no minimum, and
    training ran off to a loss of -1e6). ``fitted``: y of a later call.
    """
    values = np.unique(np.asarray(y))
    if np.isin(values, (0, 1)).all():
        return
    shown = ", ".join(f"{v:g}" for v in values[:5])
    start = (
        "This selector was fitted on a multilabel indicator matrix"
        if fitted
        else "A 2-D y of at most two integer values is read as a multilabel "
        "indicator matrix"
    )
    raise ValueError(
        f"{start}, which holds only 0 and 1; y holds {shown}. Pass "
        "(y == positive).astype(int), with the value that marks a label as "
        "present."
    )


def refuse_boolean_numbers(estimator):
    """Refuse True or False for a parameter that takes a number.

    A bool is an int to Python, so scikit-learn's constraints let
    ``max_features=True`` through as 1; only parameters that take a
    boolean (or ``verbose``) accept one.
    """
    for name, constraints in estimator._parameter_constraints.items():
        value = getattr(estimator, name)
        if not isinstance(value, (bool, np.bool_)):
            continue
        if "boolean" in constraints or "verbose" in constraints:
            continue
        raise InvalidParameterError(
            f"The {name!r} parameter of {type(estimator).__name__} got "
            f"{value!r}, a boolean, which would be read as {int(value)}; pass "
            "a value of the type its documentation gives."
        )
