"""CancelOutSelectorCV: choose how many features to keep by cross-validation.

The gate importances of :class:`CancelOutSelector` rank the features; they do
not say where to cut the ranking. This module scores a downstream model on the
top-k features for a grid of k, fold by fold, and keeps the smallest k that
scores as well as the best.
"""

import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.feature_selection import SelectorMixin
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Bunch
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    RealNotInt,
    StrOptions,
)
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.sparsefuncs import min_max_axis
from sklearn.utils.validation import (
    _check_method_params,
    check_is_fitted,
    validate_data,
)

from . import _selection
from ._checks import (
    _check_target_values,
    _reject_non_numeric,
    _reject_sparse_target,
    _task_of,
    check_indicator_values,
    refuse_boolean_numbers,
)
from ._data import _safe_absmax, divide_columns
from ._selector import CancelOutSelector, _unchanged_on_error
from ._stack import user_stacklevel
from ._threshold import ranking, support_mask

_CLASSIFICATION_TASKS = ("binary", "multiclass", "multilabel")

# Below this many features every size is scored; above it the grid thins out
# to about this many sizes per decade, so that wide data stays affordable
# while the small sizes, where one feature more or less matters, stay exact.
_DENSE_GRID_UPTO = 10
_GRID_SIZES_PER_DECADE = 10


def _default_grid(n_features, min_features):
    """Every size up to 10, then about 10 log-spaced sizes per decade."""
    dense_end = min(n_features, max(min_features, _DENSE_GRID_UPTO))
    grid = list(range(min_features, dense_end + 1))
    if n_features > dense_end:
        n_points = int(
            np.ceil(_GRID_SIZES_PER_DECADE * np.log10(n_features / dense_end))
        )
        grid.extend(np.geomspace(dense_end, n_features, n_points + 1).round())
    return np.unique(np.asarray(grid, dtype=np.intp))


def _importances(selector, n_features):
    try:
        importances = selector.feature_importances_
    except AttributeError as exc:
        raise TypeError(
            f"The selector {selector!r} has no feature_importances_ after fit; "
            "CancelOutSelectorCV ranks features by it. Pass a CancelOutSelector "
            "or another estimator that sets feature_importances_."
        ) from exc
    importances = np.asarray(importances, dtype=np.float64)
    if importances.shape != (n_features,):
        raise ValueError(
            f"The selector {selector!r} set feature_importances_ of shape "
            f"{importances.shape}; CancelOutSelectorCV needs one importance per "
            f"column of X, shape ({n_features},)."
        )
    return importances


def _fold_selector(selector, task):
    """A clone of ``selector`` for one fold, on the task read from all of y.

    With ``task="auto"`` a CancelOutSelector reads the task from the y it
    is given: a fold's y of whole numbers could hold few enough distinct
    values to read as class labels where all of y reads as continuous.
    """
    fold = clone(selector)
    if isinstance(fold, CancelOutSelector) and fold.task == "auto":
        fold.set_params(task="regression" if task == "regression" else "classification")
    return fold


def _fit_and_score_fold(selector, estimator, X, y, split, grid, scorer, routed):
    """Rank features on the training part, score every top-k on the test part.

    ``split`` is ``(index, train, test)``. Returns the scores, shape
    (len(grid),), and the fold's ranking.
    """
    index, train, test = split
    X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]
    selector_params = _check_method_params(X, routed.selector.fit, indices=train)
    estimator_params = _check_method_params(X, routed.estimator.fit, indices=train)
    score_params = _check_method_params(X, routed.scorer.score, indices=test)

    try:
        selector.fit(X_train, y_train, **selector_params)
    except InvalidParameterError:
        raise  # a setting of the selector, not the split's doing
    except ValueError as exc:
        # The message speaks of "y", which here is one split's training part.
        raise ValueError(
            f"The selector could not be fitted on the training part of "
            f"cross-validation split {index} ({len(y_train)} rows): {exc}"
        ) from exc
    order = ranking(_importances(selector, X.shape[1]))

    scores = np.empty(len(grid))
    for i, k in enumerate(grid):
        columns = order[:k]
        step = "fitting the estimator on"
        try:
            model = clone(estimator).fit(
                X_train[:, columns], y_train, **estimator_params
            )
            step = "scoring the estimator on"
            scores[i] = scorer(model, X_test[:, columns], y_test, **score_params)
        except Exception as exc:
            # The estimator's own error, whatever its type, with where it
            # happened: which split, and how many of the top columns.
            _add_note(
                exc,
                f"CancelOutSelectorCV: raised while {step} the top {k} of "
                f"{X.shape[1]} columns of cross-validation split {index} "
                f"({_n_rows(train)} training rows, {_n_rows(test)} test rows).",
            )
            raise
    return scores, order


def _add_note(exc, note):
    """Add ``note`` to the traceback of ``exc`` where Python can (3.11 on).

    Python 3.10 has no exception notes; an exception whose ``__notes__`` is
    not a list refuses them. Either way the error itself goes on unchanged.
    """
    add = getattr(exc, "add_note", None)
    if add is None:
        return
    try:
        add(note)
    except TypeError:
        pass


def _n_rows(rows):
    """Rows a split's part holds: indices, or a boolean mask."""
    rows = np.asarray(rows)
    return int(np.count_nonzero(rows)) if rows.dtype.kind == "b" else rows.size


def _check_fold_classes(y_train, index):
    """Refuse a split whose training part holds a single class."""
    classes = np.unique(y_train)
    if classes.size < 2:
        raise ValueError(
            f"The training part of cross-validation split {index} holds a "
            f"single class ({classes.tolist()[0]!r}), so no selector or model "
            "can be fitted on it; pass a cv that shuffles or stratifies "
            "(e.g. StratifiedKFold(shuffle=True)), or fewer folds."
        )


def _is_one_shot(cv):
    """True for an iterator of splits (a generator), which can be read once."""
    if cv is None or isinstance(cv, Integral) or hasattr(cv, "split"):
        return False
    try:
        return iter(cv) is cv
    except TypeError:
        return False


def _check_fold_indices(train, test, n_samples):
    """Refuse a (train, test) pair that is neither integer rows of X nor a
    mask of them (a list of splits written by hand), before a fold fails
    with a bare IndexError."""
    for name, rows in (("train", train), ("test", test)):
        rows = np.asarray(rows)
        if rows.size == 0 or (rows.dtype.kind == "b" and not rows.any()):
            raise ValueError(
                f"cv gave a split whose {name} part holds no rows; every "
                "split needs rows on both sides."
            )
        if rows.dtype.kind == "b" and rows.shape == (n_samples,):
            continue  # a mask of rows
        if rows.size and (
            rows.dtype.kind not in "iu"
            or rows.min() < -n_samples
            or rows.max() >= n_samples
        ):
            raise ValueError(
                f"cv gave {name} rows that are not integer row numbers of X "
                f"(0 to {n_samples - 1}); e.g. {rows.ravel()[:5].tolist()}."
            )


# Beyond this, squares of a continuous y overflow float64 in the default
# estimator (ridge) and scoring (R²).
_LARGEST_DEFAULT_Y = 1e150
_SMALLEST_DEFAULT_Y_SPREAD = 1e-150


def _check_default_scale(y, task):
    """Refuse a continuous y that the default estimator and R² cannot score."""
    if task != "regression":
        return
    largest = np.max(np.abs(y))
    if largest > _LARGEST_DEFAULT_Y:
        raise ValueError(
            f"y reaches {largest:.3g}, beyond what the default estimator and "
            f"R² scoring can square in float64 (about {_LARGEST_DEFAULT_Y:g}); "
            "rescale y, or pass an estimator and scoring that handle it."
        )
    # R² divides by the squares of y's spread: below about 1e-154 they are
    # 0, and every number of features would score 1.
    spread = np.max(np.abs(y - np.mean(y, axis=0)))
    if 0 < spread < _SMALLEST_DEFAULT_Y_SPREAD:
        raise ValueError(
            f"y varies by at most {spread:.3g} around its mean, below what R² "
            f"scoring can square in float64 (about {_SMALLEST_DEFAULT_Y_SPREAD:g}); "
            "rescale y, or pass an estimator and scoring that handle it."
        )


class _MaxAbsColumns(TransformerMixin, BaseEstimator):
    """Divide each column by its largest |value| (a column of zeros by 1).

    As ``MaxAbsScaler``, without its floor: that leaves a column whose
    largest |value| is below 10 machine epsilons undivided, and from about
    1e-154 ``StandardScaler`` then squares it to 0 and takes it for a
    constant. Dense or sparse X, which stays sparse.
    """

    def fit(self, X, y=None):
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64)
        if sp.issparse(X):
            low, high = min_max_axis(X, axis=0)
            largest = np.maximum(np.abs(low), np.abs(high))
        else:
            largest = np.abs(X).max(axis=0)
        self.scale_ = _safe_absmax(largest)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        if sp.issparse(X):
            return divide_columns(X, self.scale_)
        return X / self.scale_


def _one_standard_error_choice(scores):
    """Index of the smallest size scoring within one standard error of the best.

    ``scores`` has shape (n_splits, n_sizes) with sizes ascending. Beyond the
    informative features the mean score is a plateau whose ups and downs are
    noise, so its maximum lands on an arbitrary size; the smallest size that
    cannot be told apart from the best is the one worth keeping.
    """
    # Means and spread in units of the largest finite score, so that scores
    # near 1e160 (a squared error of y at 1e80) neither square nor sum to
    # infinity.
    finite = np.abs(scores[np.isfinite(scores)])
    unit = finite.max() if finite.size and finite.max() > 0 else 1.0
    mean = unit * (scores / unit).mean(axis=0)
    if np.all(np.isnan(mean)):
        failed = np.isnan(scores).any(axis=1)
        raise ValueError(
            "Every size's mean cross-validation score is NaN (NaN scores in "
            f"split(s) {np.flatnonzero(failed).tolist()}), so no number of "
            "features can be chosen; check that `estimator` fits and `scoring` "
            "suits y and every test fold."
        )
    best = int(np.nanargmax(mean))
    if not np.isfinite(mean[best]):
        # +inf: the first size to reach it; -inf everywhere: nothing to tell
        # the sizes apart, so the smallest.
        return int(np.flatnonzero(mean == mean[best])[0])
    spread = np.std(scores[:, best] / unit)
    standard_error = unit * spread / np.sqrt(scores.shape[0])
    # NaN means never compare as >=, so a size whose score failed is skipped.
    return int(np.flatnonzero(mean >= mean[best] - standard_error)[0])


class CancelOutSelectorCV(SelectorMixin, MetaEstimatorMixin, BaseEstimator):
    """CancelOut feature selection with the number of features chosen by CV.

    For each cross-validation split, a clone of `selector` is fitted on the
    training part and ranks the features by its ``feature_importances_``. For
    every size k of the grid, a clone of `estimator` is then fitted on the
    top-k features of the training part and scored on the held-out part.
    ``n_features_`` is the smallest size whose mean score is within one
    standard error of the best mean score (see Notes). Finally `selector` is
    refitted on all the data and its ``n_features_`` most important features
    are kept.

    The work for each split runs through :class:`joblib.Parallel`, so
    ``n_jobs`` spreads the splits over local cores and
    ``with joblib.parallel_backend("dask"):`` spreads them over a dask cluster.

    Parameters
    ----------
    selector : estimator, default=None
        Template of the ranking estimator, cloned for each split and for the
        final refit. Any estimator that sets ``feature_importances_`` in
        ``fit`` works; its own `threshold` and `max_features` are not used.
        None means ``CancelOutSelector()``. Set its `random_state` for
        reproducible results.

    estimator : estimator, default=None
        Downstream model scored on the top-k features. None means a model
        chosen from the target: ``StandardScaler`` followed by
        ``LogisticRegression`` when `y` holds class labels (one per label,
        through ``OneVsRestClassifier``, for a multilabel indicator `y`), and
        by ``RidgeCV`` for real values (the scaler does not center a sparse
        X). In either, each column is first divided by its largest
        ``|value|``, so columns beyond 1e154 or below 1e-154 neither
        overflow nor vanish. Pass the model you will use after the
        selection, since the best number of features depends on it.

    n_features_grid : array-like of int, default=None
        Numbers of features to score, each between 1 and the number of
        features. None means a grid built from `min_features_to_select` and
        `step`. When given, `step` must be None and `min_features_to_select` is
        not used.

    min_features_to_select : int, default=1
        Smallest number of features the automatic grid scores. If it exceeds
        the number of features, all features are kept (with a warning).

    step : int, float or None, default=None
        Spacing of the automatic grid. None scores every size up to 10, then
        about 10 log-spaced sizes per decade up to the number of features,
        which keeps wide data cheap. An int >= 1 scores every `step`-th size
        counting down from the number of features, as
        :class:`~sklearn.feature_selection.RFECV` does; a float in (0, 1) is
        that share of the number of features, rounded down (at least 1).
        `min_features_to_select` and the number of features are always scored.

    cv : int, cross-validation generator or iterable, default=5
        Cross-validation splitting strategy, as in
        :func:`~sklearn.model_selection.check_cv`. An int gives
        :class:`~sklearn.model_selection.StratifiedKFold` for a binary or
        multiclass `y` and :class:`~sklearn.model_selection.KFold` otherwise.
        More splits give a steadier choice of ``n_features_`` at the cost of
        one `selector` fit per split.

    scoring : str, callable or None, default=None
        Score of the downstream model on the held-out part, higher is better.
        A scorer name (see :func:`sklearn.metrics.get_scorer_names`) or a
        callable ``scorer(estimator, X, y)``. None uses ``estimator.score``
        (accuracy for classifiers, R^2 for regressors).

    n_jobs : int, default=None
        Number of splits processed in parallel. None means 1 unless in a
        :func:`joblib.parallel_backend` context; -1 means all processors.

    verbose : int, default=0
        Verbosity of :class:`joblib.Parallel` over the splits; above 0 also
        prints the chosen number of features.

    Attributes
    ----------
    n_features_ : int
        Number of features selected by cross-validation.

    support_ : ndarray of shape (n_features_in_,), dtype=bool
        Mask of the ``n_features_`` features with the highest
        ``feature_importances_``; ties go to the earlier column.

    feature_importances_ : ndarray of shape (n_features_in_,)
        Importances from ``selector_``, refitted on all the data.

    selector_ : estimator
        Clone of `selector` fitted on all the data.

    cv_results_ : dict of ndarray
        One entry per scored size, in increasing number of features:

        - ``n_features``: the sizes of the grid;
        - ``mean_test_score``, ``std_test_score``: mean and standard deviation
          of the scores over the splits;
        - ``split{i}_test_score``: the scores on the i-th split;
        - ``split{i}_support``: shape (n_sizes, n_features_in_), the features
          used on the i-th split for each size. How much these agree across
          splits tells how stable the ranking is.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`. Defined only when `X` has
        feature names that are all strings.

    See Also
    --------
    CancelOutSelector : Ranks the features; keeps them by a threshold.
    sklearn.feature_selection.RFECV : The same idea for recursive elimination.

    Notes
    -----
    Choice of ``n_features_``: once the informative features are in, adding
    noise features moves the mean score up and down by noise, so the best mean
    often lands on a size larger than needed. The smallest size with mean
    score ``>= best_mean - best_std / sqrt(n_splits)`` (``best_std`` being the
    ``std_test_score`` of the best size) is kept instead: the "one standard
    error rule" of Hastie, Tibshirani and Friedman. It keeps fewer features
    than :class:`~sklearn.feature_selection.RFECV`, which takes the best mean,
    and agrees with it when the scores do not vary across splits. The scores
    in ``cv_results_`` let you apply another rule and pass the size you want
    as ``max_features`` of a :class:`CancelOutSelector`.

    The cost is one `selector` fit per split plus one, and one `estimator` fit
    per split and size, so a cheap `estimator` keeps a dense grid affordable.

    `fit` accepts ``groups`` for group-aware splitters such as
    :class:`~sklearn.model_selection.GroupKFold`. With
    ``sklearn.set_config(enable_metadata_routing=True)`` it routes other
    metadata such as ``sample_weight`` to `selector`, `estimator`, the
    splitter and the scorer, each as it requests; the default `estimator` is
    always fitted without metadata.

    Examples
    --------
    Three of the eight features below carry the signal; the search finds
    how many and which.

    >>> from sklearn.datasets import make_regression
    >>> from skcancelout import CancelOutSelector, CancelOutSelectorCV
    >>> X, y = make_regression(n_samples=200, n_features=8, n_informative=3,
    ...                        noise=1.0, shuffle=False, random_state=0)
    >>> selector = CancelOutSelector(max_iter=20, batch_size=32, random_state=0)
    >>> search = CancelOutSelectorCV(selector=selector, cv=3).fit(X, y)
    >>> search.n_features_
    3
    >>> search.get_support(indices=True)
    array([0, 1, 2])
    >>> search.cv_results_["n_features"]
    array([1, 2, 3, 4, 5, 6, 7, 8])
    >>> search.transform(X).shape
    (200, 3)
    """

    _parameter_constraints: dict = {
        "selector": [HasMethods(["fit"]), None],
        "estimator": [HasMethods(["fit"]), None],
        "n_features_grid": ["array-like", None],
        "min_features_to_select": [Interval(Integral, 1, None, closed="left")],
        "step": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
            None,
        ],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        selector=None,
        estimator=None,
        n_features_grid=None,
        min_features_to_select=1,
        step=None,
        cv=5,
        scoring=None,
        n_jobs=None,
        verbose=0,
    ):
        self.selector = selector
        self.estimator = estimator
        self.n_features_grid = n_features_grid
        self.min_features_to_select = min_features_to_select
        self.step = step
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(
        # selector and estimator are validated by their own fit.
        prefer_skip_nested_validation=False
    )
    @_unchanged_on_error
    def fit(self, X, y, **params):
        """Rank the features on each split, score each size, refit on all data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. A sparse X stays sparse (as CSR); the default
            `estimator` then scales it without centering.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target: class labels, a multilabel indicator matrix, or one or
            several real values.

        **params : dict
            ``groups`` for the splitter. With metadata routing enabled, any
            metadata requested by `selector`, `estimator`, the splitter or the
            scorer (see Notes).

        Returns
        -------
        self : object
            Fitted selector.

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> from skcancelout import CancelOutSelector, CancelOutSelectorCV
        >>> X, y = make_regression(n_samples=120, n_features=6, n_informative=2,
        ...                        noise=1.0, shuffle=False, random_state=0)
        >>> selector = CancelOutSelector(max_iter=20, batch_size=32, random_state=0)
        >>> search = CancelOutSelectorCV(selector=selector, cv=3).fit(X, y)
        >>> search.n_features_, search.get_support(indices=True)
        (2, array([0, 1]))
        """
        # The selector's own checks first: their messages say what to fix.
        _reject_non_numeric(X)
        _reject_sparse_target(y)
        if y is not None:  # None gets scikit-learn's "requires y" error
            y = _check_target_values(y)
        X, y = validate_data(
            self, X, y, accept_sparse="csr", ensure_min_samples=2, multi_output=True
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()  # one column, as the selector reads it
        routed = self._route_params(params)
        selector = self._make_selector()
        # The selector's own reading of y (its ``task`` parameter, and a float
        # y of many whole numbers is continuous), so the default estimator,
        # the folds and the selector agree on what y is. Its warning that
        # integers look like counts is shown here: with one class per value
        # the stratified folds may fail before any fit.
        task = _task_of(y, getattr(selector, "task", "auto"))
        labels = np.unique(y) if task in ("binary", "multiclass") else None
        if labels is not None and labels.size < 2:
            raise ValueError(
                f"y has a single class ({labels.tolist()[0]!r}); the "
                "search scores a model that predicts y, which needs at least "
                "two classes. For unsupervised selection, fit a "
                "CancelOutSelector on X alone: CancelOutSelector().fit(X)."
            )
        if task == "multilabel":  # before any fold fails on it
            check_indicator_values(y)
        if self.estimator is None and self.scoring is None:
            _check_default_scale(y, task)
        estimator = self._make_estimator(task, sp.issparse(X))
        scorer = check_scoring(estimator, self.scoring)
        grid = self._make_grid(X.shape[1])
        cv = check_cv(self.cv, y, classifier=task in _CLASSIFICATION_TASKS)

        splits = list(cv.split(X, y, **routed.splitter.split))
        if not splits:
            raise ValueError(
                f"cv={self.cv!r} gave no train/test splits; pass a number of "
                "folds, a splitter or a non-empty list of (train, test) pairs."
            )
        for index, (train, test) in enumerate(splits):
            _check_fold_indices(train, test, X.shape[0])
            if labels is not None:
                _check_fold_classes(y[train], index)
        # A setting the selector refuses fails here, once, not in a fold.
        probe = clone(selector)
        if hasattr(probe, "_validate_params"):
            probe._validate_params()
        if isinstance(probe, CancelOutSelector):
            probe._check_parameters()
        folds = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
            delayed(_fit_and_score_fold)(
                _fold_selector(selector, task),
                estimator,
                X,
                y,
                (index, train, test),
                grid,
                scorer,
                routed,
            )
            for index, (train, test) in enumerate(splits)
        )
        scores = np.array([fold_scores for fold_scores, _ in folds])
        smallest = min(_n_rows(test) for _, test in splits)
        # One fold's NaN makes every mean NaN, as if all had failed.
        if np.all(np.isnan(scores.mean(axis=0))) and smallest < 2:
            raise ValueError(
                f"Every size's mean cross-validation score is NaN: cv={self.cv!r} "
                f"leaves {smallest} row in a test fold, too few for a score such "
                "as R² or ROC AUC; use fewer folds, more rows, or a scoring that "
                "one row can give."
            )
        self.n_features_ = int(grid[_one_standard_error_choice(scores)])

        self.selector_ = clone(selector).fit(X, y, **routed.selector.fit)
        self.feature_importances_ = _importances(self.selector_, X.shape[1])
        self.support_ = support_mask(
            self.feature_importances_, -np.inf, self.n_features_
        )
        self.cv_results_ = self._cv_results(grid, scores, [r for _, r in folds])
        if self.verbose > 0:
            print(
                f"CancelOutSelectorCV: keeping {self.n_features_} of "
                f"{self.n_features_in_} features."
            )
        return self

    def _make_selector(self):
        return CancelOutSelector() if self.selector is None else self.selector

    def _make_estimator(self, task, sparse):
        if self.estimator is not None:
            return self.estimator
        if task == "multilabel":
            model = OneVsRestClassifier(LogisticRegression(max_iter=1000))
        elif task in _CLASSIFICATION_TASKS:
            model = LogisticRegression(max_iter=1000)
        else:
            model = RidgeCV()
        # Centering would densify a sparse X; the models fit an intercept.
        # Each column is first divided by its largest |value|, so that columns
        # beyond 1e154 do not overflow StandardScaler's squares and columns
        # below 1e-154 do not underflow them (MaxAbsScaler leaves columns
        # under 2.2e-15 as they are); the two give the same columns as
        # StandardScaler alone up to rounding.
        # The scaler's default output whatever set_config says: a pandas
        # setting would make it refuse the sparse X it was built for.
        scaler = StandardScaler(with_mean=not sparse).set_output(transform="default")
        return make_pipeline(_MaxAbsColumns(), scaler, model)

    def _make_grid(self, n_features):
        if self.n_features_grid is not None:
            if self.step is not None:
                raise ValueError(
                    "Both n_features_grid and step are set; set step=None to "
                    "score exactly n_features_grid, or n_features_grid=None to "
                    "build the grid from step."
                )
            given = np.asarray(self.n_features_grid)
            grid = np.unique(given)
            # NumPy reads [True, 2] as [1, 2]; a boolean is no count.
            flags = any(
                isinstance(v, bool | np.bool_)
                for v in np.asarray(self.n_features_grid, dtype=object).ravel()
            )
            if (
                flags
                or given.ndim != 1
                or grid.size == 0
                or not np.issubdtype(grid.dtype, np.integer)
                or grid[0] < 1
                or grid[-1] > n_features
            ):
                raise ValueError(
                    "n_features_grid must be a non-empty list of integers between "
                    f"1 and the number of features ({n_features}); got "
                    f"{self.n_features_grid!r}."
                )
            return grid.astype(np.intp)

        min_features = self.min_features_to_select
        if min_features > n_features:
            warnings.warn(
                f"min_features_to_select={min_features} is larger than the "
                f"{n_features} features of X; all features are kept.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
            min_features = n_features
        if self.step is None:
            return _default_grid(n_features, min_features)
        step = self.step if self.step >= 1 else max(1, int(self.step * n_features))
        grid = np.arange(n_features, min_features, -step)
        return np.unique(np.append(grid, min_features)).astype(np.intp)

    def _route_params(self, params):
        if _routing_enabled():
            routed = process_routing(self, "fit", **params)
        else:
            unexpected = sorted(set(params) - {"groups"})
            if unexpected:
                raise ValueError(
                    f"CancelOutSelectorCV.fit got {unexpected}; without metadata "
                    "routing it only accepts groups. To pass e.g. sample_weight, "
                    "call sklearn.set_config(enable_metadata_routing=True) and "
                    "request it on the selector, estimator or scorer, e.g. "
                    "CancelOutSelector().set_fit_request(sample_weight=True)."
                )
            routed = Bunch(splitter=Bunch(split={"groups": params.get("groups")}))
        # A plain nested Bunch, picklable for the workers; children the router
        # leaves out (e.g. the default estimator) get no metadata.
        return Bunch(
            **{
                child: Bunch(**{method: dict(routed.get(child, {}).get(method, {}))})
                for child, method in [
                    ("selector", "fit"),
                    ("estimator", "fit"),
                    ("scorer", "score"),
                    ("splitter", "split"),
                ]
            }
        )

    def _cv_results(self, grid, scores, rankings):
        results = {
            "n_features": grid,
            "mean_test_score": scores.mean(axis=0),
            "std_test_score": scores.std(axis=0),
        }
        for i, fold_scores in enumerate(scores):
            results[f"split{i}_test_score"] = fold_scores
        for i, order in enumerate(rankings):
            support = np.zeros((len(grid), len(order)), dtype=bool)
            for j, k in enumerate(grid):
                support[j, order[:k]] = True
            results[f"split{i}_support"] = support
        return results

    def get_metadata_routing(self):
        """Get the metadata routing of this object.

        See scikit-learn's user guide on metadata routing
        (https://scikit-learn.org/stable/metadata_routing.html) for how the
        routing mechanism works.

        Returns
        -------
        routing : MetadataRouter
            Routes ``fit`` metadata to ``selector.fit``, ``estimator.fit``
            (when an estimator is given), ``cv.split`` and the scorer.

        Examples
        --------
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skcancelout import CancelOutSelectorCV
        >>> routing = CancelOutSelectorCV().get_metadata_routing()
        >>> sorted(name for name, _ in routing)
        ['selector', 'splitter']
        >>> search = CancelOutSelectorCV(estimator=LogisticRegression())
        >>> sorted(name for name, _ in search.get_metadata_routing())
        ['estimator', 'scorer', 'selector', 'splitter']
        """
        router = MetadataRouter(owner=self).add(
            selector=self._make_selector(),
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )
        if self.estimator is not None:
            router.add(
                estimator=self.estimator,
                method_mapping=MethodMapping().add(caller="fit", callee="fit"),
            )
        if self.estimator is not None or self.scoring is not None:
            router.add(
                scorer=check_scoring(self.estimator, self.scoring),
                method_mapping=MethodMapping().add(caller="fit", callee="score"),
            )
        # A generator of splits can be read once, and fit reads it; its
        # wrapper requests no metadata whatever splits it holds.
        router.add(
            splitter=check_cv([] if _is_one_shot(self.cv) else self.cv),
            method_mapping=MethodMapping().add(caller="fit", callee="split"),
        )
        return router

    def _validate_params(self):
        super()._validate_params()
        refuse_boolean_numbers(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = True
        return tags

    # SelectorMixin's methods, with docstrings and examples of their own.
    get_support = _selection.get_support
    transform = _selection.transform
    fit_transform = _selection.fit_transform
    inverse_transform = _selection.inverse_transform
    get_feature_names_out = _selection.get_feature_names_out

    def _get_support_mask(self):
        check_is_fitted(self)
        return self.support_
