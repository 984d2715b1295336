"""Univariate evidence: how clearly each column on its own is linked to y.

``importance_type="combined"`` adds a capped bonus to a column whose link to
y passes a test corrected for the number of columns (Bonferroni): an
analysis-of-variance F test across the classes, or the F test of a linear
fit for continuous and multilabel targets, at ``p < LEVEL / n_features``.
The bonus is at most
``BONUS`` robust z-units of the network rankings, so it reorders the
columns the trained networks leave close together (weak real columns
beside lucky noise), never a column the networks clearly use, and a column
that acts only through an interaction (no marginal link) keeps its place.
"""

import numpy as np
import scipy.sparse as sp
from scipy import stats as st

from ._data import ColumnStats, divide_columns, standardized_chunks

# Level of the per-column tests, Bonferroni-corrected: a column passes at
# p < LEVEL / n_features, so on pure noise 0.5 columns pass per fit on average.
LEVEL = 0.5
# The most the evidence adds to a column's combined score (robust z units).
BONUS = 3.0
# How far above the corrected line (in normal-quantile units) the bonus
# reaches its cap; it rises linearly from 0 at the line.
RAMP = 0.5
# p-values are floored here before they become normal quantiles (z <= 37).
_P_FLOOR = 1e-300


def marginal_pvalues(X, stats, target, task, sample_weight=None):
    """p-value of each column's univariate link to the target.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The raw data; dense X is read in standardized blocks, never copied
        whole. Sparse X is converted to CSR once (a copy when it is CSC).
    stats : ColumnStats
        The column statistics of X.
    target : ndarray
        Class indices for ``task`` "binary" or "multiclass", else an array of
        shape (n_samples, n_targets) of continuous or 0/1 targets.
    task : str
        The selector's training task.
    sample_weight : ndarray of shape (n_samples,), default=None
        Row weights. The tests use Kish's effective sample size
        ``sum(w) ** 2 / sum(w ** 2)``, so scaling every weight changes nothing.

    Returns
    -------
    pvalues : ndarray of shape (n_features,)
        With several targets, the smallest p-value times their number
        (Bonferroni), at most 1. Constant columns get 1.
    """
    if sp.issparse(X):
        X = X.tocsr()  # one layout, so CSR and CSC input sum alike
    n = X.shape[0]
    weight = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    if task in ("binary", "multiclass"):
        # The weighted one-hot of the classes, sparse: n entries, however
        # many classes (a dense one would be n x n_classes floats).
        target = np.asarray(target)
        weighted = sp.csr_matrix(
            (weight, (np.arange(n), target)), shape=(n, int(target.max()) + 1)
        )
    else:
        design = np.asarray(target, dtype=np.float64).reshape(n, -1)
        weighted = design * weight[:, None]
    if sp.issparse(X):
        sum_x, sum_xx, cross = _sparse_sums(X, stats, weight, weighted)
    else:
        sum_x, sum_xx, cross = _dense_sums(X, stats, weight, weighted)
    total = weight.sum()
    n_eff = total**2 / np.sum(weight**2)
    ss_x = np.maximum(sum_xx - sum_x**2 / total, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if task in ("binary", "multiclass"):
            class_weights = np.asarray(weighted.sum(axis=0)).ravel()
            pvalues = _anova(cross, class_weights, sum_x, ss_x, total, n_eff)
        else:
            pvalues = _linear(cross, design, weight, sum_x, ss_x, total, n_eff)
    return np.where(ss_x > 1e-12 * total, pvalues, 1.0)


def _dense_sums(X, stats, weight, weighted):
    """Weighted sums of the standardized columns of X, of their squares and
    of their products with ``weighted``, over standardized blocks of rows."""
    n_features = X.shape[1]
    sum_x, sum_xx = np.zeros(n_features), np.zeros(n_features)
    cross = np.zeros((n_features, weighted.shape[1]))
    for rows, part in standardized_chunks(X, stats):
        sum_x += part.T @ weight[rows]
        sum_xx += np.einsum("ij,ij,i->j", part, part, weight[rows])
        cross += np.asarray((weighted[rows].T @ part).T)
    return sum_x, sum_xx, cross


def _sparse_sums(X, stats, weight, weighted):
    """:func:`_dense_sums` for sparse X, from its stored entries.

    Densifying blocks of rows would cost n x d however few entries X
    stores. For a column with at most half its rows stored, the sums are
    taken of ``u = x / absmax`` and shifted to ``(u - mean) / std``
    afterwards: its zeros keep its spread comparable to its mean, so the
    shift loses no precision. Columns stored in more than half the rows
    (where a large offset would cancel) go through the blocks of rows.
    """
    # X is CSR (see marginal_pvalues): its indices are column numbers.
    stored = np.bincount(X.indices, minlength=X.shape[1])
    mostly_stored = stored > X.shape[0] / 2
    if not mostly_stored.any():
        return _stored_sums(X, stats, weight, weighted)
    n_features = X.shape[1]
    sums = (
        np.zeros(n_features),
        np.zeros(n_features),
        np.zeros((n_features, weighted.shape[1])),
    )
    for columns, sums_of in (
        (mostly_stored, _dense_sums),
        (~mostly_stored, _stored_sums),
    ):
        if not columns.any():
            continue
        part_stats = ColumnStats(
            stats.absmax[columns],
            stats.scaled_mean[columns],
            stats.scaled_std[columns],
            constant=stats.constant[columns],
        )
        for total, part in zip(
            sums, sums_of(X[:, columns], part_stats, weight, weighted), strict=True
        ):
            total[columns] = part
    return sums


def _stored_sums(X, stats, weight, weighted):
    u = divide_columns(X, stats.absmax)
    mean, std = stats.scaled_mean, stats.scaled_std
    total = weight.sum()
    sum_u = u.T @ weight
    sum_uu = u.multiply(u).T @ weight
    cross_u = weighted.T @ u
    cross_u = cross_u.toarray().T if sp.issparse(cross_u) else np.asarray(cross_u).T
    per_target = np.asarray(weighted.sum(axis=0)).ravel()
    sum_z = (sum_u - mean * total) / std
    sum_zz = (sum_uu - 2 * mean * sum_u + mean**2 * total) / std**2
    cross_z = (cross_u - np.outer(mean, per_target)) / std[:, None]
    return sum_z, sum_zz, cross_z


def _anova(class_sums, class_weights, sum_x, ss_x, total, n_eff):
    present = class_weights > 0
    groups = int(present.sum())
    df1, df2 = groups - 1, n_eff - groups
    if df1 < 1 or df2 <= 0:
        return np.ones(sum_x.shape)
    between = (class_sums[:, present] ** 2 / class_weights[present]).sum(axis=1)
    between = np.clip(between - sum_x**2 / total, 0.0, ss_x)
    f = (between / df1) / ((ss_x - between) / df2)
    return np.nan_to_num(st.f.sf(f, df1, df2), nan=1.0)


def _linear(cross, design, weight, sum_x, ss_x, total, n_eff):
    df2 = n_eff - 2
    if df2 <= 0:
        return np.ones(sum_x.shape)
    sum_y = weight @ design
    ss_y = weight @ design**2 - sum_y**2 / total
    covariance = cross - np.outer(sum_x, sum_y) / total
    r2 = np.clip(covariance**2 / (ss_x[:, None] * ss_y[None, :]), 0.0, 1.0)
    f = r2 / (1.0 - r2) * df2
    pvalues = np.nan_to_num(st.f.sf(f, 1, df2), nan=1.0)
    pvalues = np.where(ss_y[None, :] > 0, pvalues, 1.0)
    return np.minimum(1.0, pvalues.shape[1] * pvalues.min(axis=1))


def marginal_evidence(pvalues, level=LEVEL, bonus=BONUS, ramp=RAMP):
    """Bonus per column: 0 below the corrected line, ``bonus`` ``ramp`` above it.

    A column's p-value becomes a normal quantile ``z``; with ``z_c`` the
    quantile of ``level / n_features``, the bonus is
    ``bonus * clip((z - z_c) / ramp, 0, 1)``: columns that pass the test all
    get (about) the same lift, however strong their link, so the networks
    still order them among themselves.
    """
    pvalues = np.asarray(pvalues, dtype=np.float64)
    z = st.norm.isf(np.clip(pvalues, _P_FLOOR, 1.0))
    critical = st.norm.isf(level / pvalues.size)
    return bonus * np.clip((z - critical) / ramp, 0.0, 1.0)
