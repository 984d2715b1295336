"""The selection methods of both selectors, documented for what they select.

:class:`~sklearn.feature_selection.SelectorMixin` implements them from each
selector's support mask; the selectors take these thin versions (assigned in
their class bodies) so that their reference pages say which features are
kept and show it at work. Each example fits on the same small problem, whose
first two columns carry the signal.
"""

from sklearn.base import TransformerMixin
from sklearn.feature_selection import SelectorMixin

from ._checks import _reject_non_numeric


def get_support(self, indices=False):
    """Mask, or indices, of the features the selector keeps.

    For :class:`CancelOutSelector` these are the features whose
    ``feature_importances_`` reach ``threshold_``, at most ``max_features_``
    of them (the highest), and changing ``threshold`` or ``max_features``
    with ``set_params`` after ``fit`` changes the selection without
    refitting. For :class:`CancelOutSelectorCV` they are ``support_``: the
    ``n_features_`` features that cross-validation chose.

    Parameters
    ----------
    indices : bool, default=False
        If True, return the integer indices of the kept features instead
        of a boolean mask.

    Returns
    -------
    support : ndarray
        A boolean mask of shape (n_features_in_,), True where a feature is
        kept, or, with ``indices=True``, the kept features' indices in
        increasing order.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skcancelout import CancelOutSelector
    >>> X, y = make_classification(n_samples=200, n_features=6, n_informative=2,
    ...                            n_redundant=0, shuffle=False, random_state=0)
    >>> selector = CancelOutSelector(max_features=2, random_state=0).fit(X, y)
    >>> selector.get_support()
    array([ True,  True, False, False, False, False])
    >>> selector.get_support(indices=True)
    array([0, 1])
    """
    return SelectorMixin.get_support(self, indices=indices)


def transform(self, X):
    """Keep only the selected features of X.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features_in_)
        Data with the columns the selector was fitted on, in the same order
        (a DataFrame's column names are checked against ``feature_names_in_``).

    Returns
    -------
    X_selected : {ndarray, sparse matrix, DataFrame} of shape (n_samples, n_selected)
        The columns of X that :meth:`get_support` marks, in their order. A
        DataFrame output is returned after ``set_output(transform="pandas")``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skcancelout import CancelOutSelector
    >>> X, y = make_classification(n_samples=200, n_features=6, n_informative=2,
    ...                            n_redundant=0, shuffle=False, random_state=0)
    >>> selector = CancelOutSelector(max_features=2, random_state=0).fit(X, y)
    >>> X_selected = selector.transform(X)
    >>> X_selected.shape
    (200, 2)
    >>> bool((X_selected == X[:, :2]).all())
    True
    """
    # fit's checks of what X holds: strings or dates would pass through.
    _reject_non_numeric(X)
    return SelectorMixin.transform(self, X)


def fit_transform(self, X, y=None, **fit_params):
    """Fit the selector, then keep only the selected features of X.

    The same as ``fit(X, y, **fit_params).transform(X)``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
        Targets, as for ``fit``; None selects features for reconstructing X
        (:class:`CancelOutSelector` only).
    **fit_params : dict
        Passed to ``fit`` (for example ``sample_weight``).

    Returns
    -------
    X_selected : {ndarray, sparse matrix, DataFrame} of shape (n_samples, n_selected)
        The selected columns of X.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skcancelout import CancelOutSelector
    >>> X, y = make_classification(n_samples=200, n_features=6, n_informative=2,
    ...                            n_redundant=0, shuffle=False, random_state=0)
    >>> CancelOutSelector(max_features=2, random_state=0).fit_transform(X, y).shape
    (200, 2)
    """
    return TransformerMixin.fit_transform(self, X, y, **fit_params)


def inverse_transform(self, X):
    """Put selected columns back in place, with zeros for the dropped ones.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_selected)
        Data with only the selected columns, as :meth:`transform` returns.

    Returns
    -------
    X_original : {ndarray, sparse matrix} of shape (n_samples, n_features_in_)
        X with a column of zeros where a feature was not selected.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skcancelout import CancelOutSelector
    >>> X, y = make_classification(n_samples=200, n_features=6, n_informative=2,
    ...                            n_redundant=0, shuffle=False, random_state=0)
    >>> selector = CancelOutSelector(max_features=2, random_state=0).fit(X, y)
    >>> restored = selector.inverse_transform(selector.transform(X))
    >>> restored.shape
    (200, 6)
    >>> bool((restored[:, 2:] == 0).all())
    True
    """
    _reject_non_numeric(X)
    return SelectorMixin.inverse_transform(self, X)


def get_feature_names_out(self, input_features=None):
    """Names of the selected features.

    Parameters
    ----------
    input_features : array-like of str, default=None
        Names of the input features. If None, ``feature_names_in_`` is used
        when the selector was fitted on a DataFrame with string column
        names, else ``["x0", "x1", ...]``. If given, they must match
        ``feature_names_in_`` where that exists.

    Returns
    -------
    feature_names_out : ndarray of str objects
        The names of the features :meth:`get_support` marks, in order.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skcancelout import CancelOutSelector
    >>> X, y = make_classification(n_samples=200, n_features=6, n_informative=2,
    ...                            n_redundant=0, shuffle=False, random_state=0)
    >>> selector = CancelOutSelector(max_features=2, random_state=0).fit(X, y)
    >>> selector.get_feature_names_out()
    array(['x0', 'x1'], dtype=object)
    >>> selector.get_feature_names_out(["a", "b", "c", "d", "e", "f"])
    array(['a', 'b'], dtype=object)
    """
    return SelectorMixin.get_feature_names_out(self, input_features)
