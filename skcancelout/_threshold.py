"""SelectFromModel-style thresholds: floats, "mean", "median", "1.5*mean"."""

import numbers

import numpy as np

_REFERENCES = {"mean": np.mean, "median": np.median}


def resolve_threshold(threshold, importances):
    """The numeric threshold that ``threshold`` stands for.

    Parameters
    ----------
    threshold : float or str
        A number, ``"mean"``, ``"median"``, or ``"<factor>*mean"`` /
        ``"<factor>*median"``.
    importances : ndarray of shape (n_features,)

    Returns
    -------
    float
    """
    if isinstance(threshold, numbers.Real):
        return float(threshold)
    text = threshold.strip().lower()
    factor = 1.0
    if "*" in text:
        left, _, text = text.partition("*")
        try:
            factor = float(left)
        except ValueError:
            factor = None
        if factor is not None and not np.isfinite(factor):
            factor = None
        text = text.strip()
    if factor is None or text not in _REFERENCES:
        raise ValueError(
            f"threshold={threshold!r} is not understood; use a number, 'mean', "
            "'median', or a scaled reference such as '1.5*mean'."
        )
    return factor * float(_REFERENCES[text](importances))


def ranking(importances):
    """Feature indices, most important first; ties go to the lower index,
    so every ranking of the package (support, plots, redundancy walk,
    search) orders equal importances alike."""
    return np.argsort(-np.asarray(importances, dtype=np.float64), kind="stable")


def support_mask(importances, threshold, max_features):
    """Boolean mask: importance >= threshold, then at most ``max_features``.

    With both None the threshold is ``"mean"``, as in
    :class:`~sklearn.feature_selection.SelectFromModel`. Unlike it, with
    ``threshold=None`` and ``max_features`` set only ``max_features`` counts
    (``SelectFromModel`` needs ``threshold=-np.inf`` for that).
    """
    if threshold is None:
        threshold = -np.inf if max_features is not None else "mean"
    mask = importances >= resolve_threshold(threshold, importances)
    if max_features is not None:
        mask[ranking(importances)[max_features:]] = False
    return mask
