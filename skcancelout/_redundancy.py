"""Redundancy discount: a near-copy of a more important feature ranks lower.

Trained with feature dropout, the networks keep every copy of a useful
signal open, so near-copies (on breast cancer, worst radius, perimeter and
area, correlated at 0.98-0.99) share the top of the ranking and crowd out
features that add something new. The discount walks the features from the
most important down, as a greedy forward selection does: each feature's
importance is multiplied by ``1 - max |r| ** power``, the largest absolute
correlation with a feature already walked past, and the next feature is the
one with the largest discounted value. The discounted values are therefore
non-increasing in walking order, so they rank the features in that order.

``power`` follows from ``half_correlation``: a feature correlated at exactly
that value with a more important one keeps half its importance. With the
default 0.99, a correlation of 0.9 keeps 99.9 % and 0.95 keeps 97 %, so only
near-copies move.
"""

import numpy as np
import scipy.sparse as sp

from ._data import _chunks
from ._threshold import ranking

#: Most features, taken by importance, among which copies are looked for.
N_CANDIDATES = 100


def power_of(half_correlation):
    """Exponent p with ``1 - half_correlation ** p == 0.5``."""
    return np.log(0.5) / np.log(half_correlation)


def correlations(X, stats, columns, sample_weight=None):
    """Weighted correlation matrix of ``X[:, columns]``, read in row blocks.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Raw data; only the chosen columns of one block of rows are copied
        (and densified) at a time.
    stats : ColumnStats
        Column statistics of X, used to scale the columns before summing, so
        extreme values neither overflow nor lose precision.
    columns : ndarray of int
        The columns to correlate.
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    corr : ndarray of shape (len(columns), len(columns))
        Pearson correlations; 0 wherever a column has no spread.
    """
    columns = np.asarray(columns)
    m = columns.size
    if sp.issparse(X):
        X = X.tocsr()
    weight = None if sample_weight is None else np.asarray(sample_weight, float)
    absmax = stats.absmax[columns]
    centre = stats.scaled_mean[columns]
    spread = stats.scaled_std[columns]
    total, sums, cross = 0.0, np.zeros(m), np.zeros((m, m))
    for rows in _chunks((X.shape[0], m)):
        part = X[rows][:, columns]
        part = part.toarray() if sp.issparse(part) else np.asarray(part, np.float64)
        part = (part / absmax - centre) / spread
        w = np.ones(part.shape[0]) if weight is None else weight[rows]
        total += w.sum()
        sums += w @ part
        cross += part.T @ (part * w[:, None])
    mean = sums / total
    cov = cross / total - np.outer(mean, mean)
    var = np.diag(cov).copy()
    std = np.sqrt(np.where(var > 1e-12, var, np.inf))
    corr = cov / np.outer(std, std)
    return np.clip(corr, -1.0, 1.0)


def redundancy_factors(importances, corr_of, half_correlation):
    """Factor in [0, 1] per feature that discounts near-copies.

    Parameters
    ----------
    importances : ndarray of shape (n_features,)
        Non-negative importances, higher is more important.
    corr_of : callable
        ``corr_of(columns)`` returns the correlation matrix of those columns.
    half_correlation : float in (0, 1)
        Correlation with a more important feature that halves an importance.

    Returns
    -------
    factors : ndarray of shape (n_features,)
        ``importances * factors`` ranks the features in the greedy order.
        Features outside the ``N_CANDIDATES`` most important keep factor 1.
    """
    importances = np.asarray(importances, dtype=np.float64)
    factors = np.ones(importances.size)
    m = min(importances.size, N_CANDIDATES)
    if m < 2:
        return factors
    candidates = ranking(importances)[:m]
    corr = np.abs(corr_of(candidates))
    values = importances[candidates]
    power = power_of(half_correlation)
    closest = np.zeros(m)  # largest |r| with a feature already walked past
    discount = np.ones(m)
    left = np.ones(m, dtype=bool)
    for _ in range(m):
        current = np.where(left, values * (1.0 - closest**power), -np.inf)
        pick = int(np.argmax(current))
        discount[pick] = 1.0 - closest[pick] ** power
        left[pick] = False
        np.maximum(closest, corr[pick], out=closest)
    factors[candidates] = discount
    return factors
