"""Plots of a fitted CancelOut selector: importances and gate trajectories.

matplotlib is an optional dependency, so it is imported inside each function:
``import skcancelout`` must work without it.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._threshold import ranking

# Selected features get the first colour of the default cycle (bars) or their
# own cycle colour (lines); everything else is drawn in one light grey, so the
# selection reads at a glance and survives greyscale printing.
_SELECTED_COLOR = "C0"
_REJECTED_COLOR = "0.7"
_THRESHOLD_COLOR = "C3"
# The default cycle without C7, which is itself a grey.
_LINE_COLORS = ["C0", "C1", "C2", "C3", "C4", "C5", "C6", "C8", "C9"]


def _import_pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "skcancelout's plotting functions need matplotlib; install it with "
            "`pip install skcancelout[plot]` (or `pip install matplotlib`)."
        ) from exc
    return plt


def _get_ax(ax):
    if ax is None:
        plt = _import_pyplot()
        _, ax = plt.subplots()
    else:
        _import_pyplot()
    return ax


def _feature_names(selector, feature_names, n_features):
    """Names to print for each input column, as strings."""
    if feature_names is None:
        feature_names = getattr(selector, "feature_names_in_", None)
    if feature_names is None:
        # Same fallback as sklearn's get_feature_names_out.
        return np.asarray([f"x{i}" for i in range(n_features)], dtype=object)
    feature_names = np.asarray(feature_names, dtype=object)
    if feature_names.ndim != 1:
        raise ValueError(
            f"feature_names has shape {feature_names.shape}; pass a flat list "
            f"of {n_features} names, one per feature."
        )
    if feature_names.shape != (n_features,):
        raise ValueError(
            f"feature_names has {feature_names.size} entries but the selector "
            f"was fitted on {n_features} features; pass one name per feature."
        )
    return feature_names.astype(str).astype(object)


def _finite_threshold(selector):
    """The selector's threshold in force, or None when it does not apply."""
    try:
        threshold = selector.threshold_
    except AttributeError:
        return None
    if threshold is None:
        return None
    threshold = float(threshold)
    return threshold if np.isfinite(threshold) else None


def _check_fitted_importances(selector):
    """Refuse an unfitted selector, or a fitted one without importances."""
    check_is_fitted(selector)
    if not hasattr(selector, "feature_importances_"):
        inner = getattr(selector, "estimator_", None)
        hint = (
            f" (its estimator_, a {type(inner).__name__}, may have them)"
            if inner is not None
            else ""
        )
        raise TypeError(
            f"This {type(selector).__name__} has no feature_importances_ to "
            f"plot{hint}; pass a fitted CancelOutSelector or "
            "CancelOutSelectorCV, or another estimator that sets them."
        )


def plot_importances(selector, *, ax=None, top=None, feature_names=None):
    """Bar chart of a fitted selector's feature importances.

    Features are sorted from most to least important, top to bottom. Features
    the selector keeps (``selector.get_support()``) are drawn in colour, the
    others in grey; a vertical dashed line marks ``selector.threshold_``.
    When the selector exposes ``feature_importances_std_`` (the spread over its
    ensemble of networks), it is drawn as error bars: a bar whose error bar
    crosses the threshold line is a feature the networks disagree about.

    Parameters
    ----------
    selector : fitted CancelOutSelector or CancelOutSelectorCV
        Any fitted selector with ``feature_importances_`` and ``get_support``.
    ax : matplotlib Axes, default=None
        Axes to draw on. By default a new figure and Axes are created.
    top : int, default=None
        Show only the ``top`` most important features. By default all
        features are shown; with many features the labels become unreadable,
        so pass e.g. ``top=20``.
    feature_names : array-like of str of shape (`n_features_in_`,), default=None
        Labels for the features. By default ``selector.feature_names_in_`` is
        used when the selector was fitted on a DataFrame, else ``x0``, ``x1``,
        ... as in ``get_feature_names_out``.

    Returns
    -------
    ax : matplotlib Axes
        The Axes the chart was drawn on; ``ax.patches`` holds one bar per
        feature shown.

    Raises
    ------
    ValueError
        If the selector is not fitted, or ``top`` or ``feature_names`` are
        invalid.
    ImportError
        If matplotlib is not installed.

    See Also
    --------
    plot_gate_history : How the gates moved during training.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skcancelout import CancelOutSelector
    >>> from skcancelout.plotting import plot_importances
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> selector = CancelOutSelector(max_iter=20, random_state=0).fit(X, y)
    >>> ax = plot_importances(selector, top=10)
    >>> len(ax.patches)
    10
    """
    _check_fitted_importances(selector)
    importances = np.asarray(selector.feature_importances_, dtype=float)
    n_features = importances.shape[0]
    names = _feature_names(selector, feature_names, n_features)
    if top is None:
        top = n_features
    elif isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
        raise ValueError(f"top must be a positive integer or None, got {top!r}.")

    # Stable sort so ties keep column order, which makes plots reproducible.
    order = ranking(importances)[:top]
    support = np.asarray(selector.get_support(), dtype=bool)[order]
    std = getattr(selector, "feature_importances_std_", None)
    xerr = None if std is None else np.asarray(std, dtype=float)[order]

    ax = _get_ax(ax)
    positions = np.arange(order.size)
    colors = np.where(support, _SELECTED_COLOR, _REJECTED_COLOR)
    ax.barh(
        positions,
        importances[order],
        xerr=xerr,
        color=colors,
        error_kw={"ecolor": "0.3", "capsize": 2, "elinewidth": 1},
    )
    ax.set_yticks(positions, labels=names[order])
    # Most important at the top, as a ranking is read. Set, not toggled: a
    # reused or shared Axes may be inverted already.
    if not ax.yaxis_inverted():
        ax.invert_yaxis()
    ax.set_xlabel("feature importance")

    plt = _import_pyplot()
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=_SELECTED_COLOR, label="selected"),
        plt.Rectangle((0, 0), 1, 1, color=_REJECTED_COLOR, label="not selected"),
    ]
    threshold = _finite_threshold(selector)
    if threshold is not None:
        ax.axvline(threshold, color=_THRESHOLD_COLOR, linestyle="--", linewidth=1)
        handles.append(
            plt.Line2D(
                [],
                [],
                color=_THRESHOLD_COLOR,
                linestyle="--",
                label=f"threshold = {threshold:.3g}",
            )
        )
    ax.legend(handles=handles, loc="best")
    return ax


def _feature_indices(features, names, n_features):
    """Column indices for ``features`` given as indices, names or a mask."""
    if features is None:
        return np.arange(n_features)
    features = np.asarray(features)
    if features.dtype == bool:
        if features.shape != (n_features,):
            raise ValueError(
                f"A boolean features mask needs {n_features} entries, got "
                f"{features.size}."
            )
        return np.flatnonzero(features)
    features = np.atleast_1d(features)
    if features.ndim != 1:
        raise ValueError(
            f"features must be a flat list of indices, names or a mask; got "
            f"shape {features.shape}."
        )
    if features.dtype.kind in "iu":
        if features.size and (
            features.min() < -n_features or features.max() >= n_features
        ):
            raise ValueError(
                f"features contains an index out of range for {n_features} features."
            )
        return features % n_features
    lookup = {name: i for i, name in enumerate(names)}
    missing = [str(name) for name in features if str(name) not in lookup]
    if missing:
        raise ValueError(
            f"Unknown feature names {missing}; known names are those of "
            "feature_names_in_ (or x0, x1, ... without them)."
        )
    return np.asarray([lookup[str(name)] for name in features])


def plot_gate_history(selector, *, ax=None, features=None):
    """Line plot of each feature's gate value over the training epochs.

    ``gate_history_[e, j]`` is the gate of feature ``j`` after epoch ``e``,
    averaged over the ensemble of networks. Features the selector keeps are
    drawn in colour (one colour each, labelled in the legend when there are
    at most ten), the others in thin grey lines. Gates that are still moving
    at the last epoch suggest a larger ``max_iter``.

    Parameters
    ----------
    selector : fitted CancelOutSelector or CancelOutSelectorCV
        A selector fitted with ``keep_gate_history=True``; for a
        ``CancelOutSelectorCV``, its ``selector`` was (the history of its
        final refit, ``selector_``, is drawn, coloured by the CV's support).
    ax : matplotlib Axes, default=None
        Axes to draw on. By default a new figure and Axes are created.
    features : array-like of int, str or bool, default=None
        Which features to draw: column indices, names from
        ``feature_names_in_`` (or ``x0``, ``x1``, ...), or a boolean mask of
        shape (`n_features_in_`,). By default all features are drawn.

    Returns
    -------
    ax : matplotlib Axes
        The Axes the plot was drawn on; ``ax.lines`` holds one line per
        feature drawn.

    Raises
    ------
    ValueError
        If the selector is not fitted, was fitted without
        ``keep_gate_history=True``, or ``features`` is invalid.
    ImportError
        If matplotlib is not installed.

    See Also
    --------
    plot_importances : The final ranking as a bar chart.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skcancelout import CancelOutSelector
    >>> from skcancelout.plotting import plot_gate_history
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> selector = CancelOutSelector(
    ...     max_iter=20, keep_gate_history=True, random_state=0
    ... ).fit(X, y)
    >>> ax = plot_gate_history(selector, features=[0, 1, 2])
    >>> len(ax.lines)
    3
    """
    _check_fitted_importances(selector)
    # A CancelOutSelectorCV keeps the history in its final refit.
    source = getattr(selector, "selector_", selector)
    if getattr(source, "gate_history_", None) is None:
        name = type(selector).__name__
        where = "its selector" if source is not selector else f"this {name}"
        raise ValueError(
            f"This {name} has no gate_history_: {where} was "
            "fitted with keep_gate_history=False. Refit with "
            "keep_gate_history=True to record the gates after every epoch."
        )
    history = np.asarray(source.gate_history_, dtype=float)
    n_epochs, n_features = history.shape
    names = _feature_names(selector, None, n_features)
    indices = _feature_indices(features, names, n_features)
    support = np.asarray(selector.get_support(), dtype=bool)

    ax = _get_ax(ax)
    epochs = np.arange(1, n_epochs + 1)
    selected = [j for j in indices if support[j]]
    label_selected = len(selected) <= 10
    # Grey lines first so the coloured ones are drawn on top of them.
    for j in indices:
        if not support[j]:
            ax.plot(epochs, history[:, j], color=_REJECTED_COLOR, linewidth=0.8)
    for k, j in enumerate(selected):
        ax.plot(
            epochs,
            history[:, j],
            color=_LINE_COLORS[k % len(_LINE_COLORS)],
            linewidth=1.8,
            label=names[j] if label_selected else None,
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("gate value (mean over nets)")

    plt = _import_pyplot()
    handles = []
    if selected and not label_selected:
        handles.append(plt.Line2D([], [], color=_SELECTED_COLOR, label="selected"))
    if len(selected) < len(indices):
        handles.append(plt.Line2D([], [], color=_REJECTED_COLOR, label="not selected"))
    labelled, _ = ax.get_legend_handles_labels()
    if labelled or handles:
        ax.legend(handles=labelled + handles, loc="best", fontsize="small")
    return ax
