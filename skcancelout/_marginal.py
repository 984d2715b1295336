"""Linear evidence: how clearly each column is linked to y.

``importance_type="combined"`` adds a capped bonus to a column whose link to
y passes a test corrected for the number of columns (Bonferroni) at
``p < LEVEL / n_features``: on its own (an analysis-of-variance F test
across the classes, or the F test of a linear fit for continuous and
multilabel targets), or beside the columns that pass on their own (the F
test of the column against what least squares on them leaves of y).
The F tests assume roughly normal errors. Where they fail (sparse skewed
columns beside a target that is zero, or one class, in almost every row)
chance passes that line in every fit, dozens of columns at a time. So each
test is also run on ``N_PERMUTATIONS`` permutations of the target, drawn
from a fixed seed (for the second test on a continuous or multilabel
target, of what the columns passing on their own leave of it), and its line
is lowered to the median of its smallest p-value over them where that is
lower: on unrelated data a chance pass comes in at most about every other
fit (with normal errors, Bonferroni's line gives about one in four). With
normal errors the permutations move the line by little: at most 0.15
normal-quantile units on the training splits of the benchmark tasks (data
seeds 0-9; 43 of the 200 lines move).

The bonus is at most
``BONUS`` robust z-units of the network rankings, so it reorders the
columns the trained networks leave close together (weak real columns
beside lucky noise), never a column the networks clearly use, and a column
that acts only through an interaction (no marginal link) keeps its place.

Where the columns outnumber the rows, :func:`wide_evidence` adds an
uncapped lift by the univariate statistic as well: there the networks can
fit any labelling of the rows, and their ranking is weakly informed.
"""

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy import stats as st

from ._data import ColumnStats, divide_columns, standardized_chunks
from ._importance import robust_z

# Level of the per-column tests, Bonferroni-corrected: a column passes at
# p < LEVEL / n_features, so on pure noise 0.5 columns pass per fit on average.
LEVEL = 0.5
# The most the evidence adds to a column's combined score (robust z units).
BONUS = 3.0
# On data with more columns than rows, the univariate test's ranking lifts
# each column by this many robust z units per robust z unit of the normal
# quantile of its p-value (above the median), times the share 1 - n / d of
# columns the rows cannot pin down (see wide_evidence).
WIDE_WEIGHT = 5.0
# Normal-quantile units by which the permutations' line may lie below
# Bonferroni's before wide_evidence is dropped (it fades linearly to 0 there):
# with normal errors the line moved by at most 0.15 units on the benchmark
# tasks; where chance beats the F test (sparse skewed columns beside a rare
# target) by several units.
TRUST_SPAN = 1.0
# How far above the corrected line (in normal-quantile units) the bonus
# reaches its cap; it rises linearly from 0 at the line.
RAMP = 0.5
# The most columns the conditional test regresses out of the target: the
# strongest of those that pass the univariate test.
MAX_CONDITIONED = 32
# Permutations of the target whose median largest column statistic is the
# lowest line a column must pass (an odd number: the median is one of them).
N_PERMUTATIONS = 19
# They are drawn from this seed, so the line depends on the data (and the
# order of its rows) only, not on the selector's random_state.
_PERMUTATION_SEED = 0
# Bytes of permuted targets (and what a pass computes from them) read in
# one pass over X: at most 32 MB, and up to 4 MB whatever the size of X.
_PERMUTATION_BYTES = 2**25
_PERMUTATION_FLOOR = 2**22
# Entries (1 MB of float64) of the dense blocks of the conditioning columns
# that the conditional test reads sparse X with.
_SPARSE_BLOCK_ENTRIES = 2**17
# Largest weighted one-hot of class labels (rows x classes, 32 MB of
# float64) that the linear tests of sparse X densify (see _stored_sums).
_DENSE_TARGET_ENTRIES = 2**22
# p-values are floored here before they become normal quantiles (z <= 37).
_P_FLOOR = 1e-300
# ... and capped here (z >= -7) where a finite quantile is needed.
_P_CEILING = 1.0 - 1e-12


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
    tests = linear_pvalues(
        X, stats, target, task, sample_weight, conditional=False, permutations=0
    )
    return tests.univariate


class LinearTests(NamedTuple):
    """What :func:`linear_pvalues` returns: the p-values of both tests, and
    the line below which each test's p-value passes."""

    univariate: np.ndarray
    conditional: np.ndarray
    univariate_line: float
    conditional_line: float


def linear_pvalues(
    X,
    stats,
    target,
    task,
    sample_weight=None,
    conditional=True,
    permutations=N_PERMUTATIONS,
):
    """Univariate and conditional p-values of each column's link to the target.

    Takes the arguments of :func:`marginal_pvalues` and returns a
    :class:`LinearTests`: two arrays of shape (n_features,) and the line
    each test's p-values must fall below.

    ``univariate`` is what :func:`marginal_pvalues` returns.

    ``conditional`` tests each other column against what the columns that
    pass the univariate test (the ``MAX_CONDITIONED`` strongest, at most a
    quarter of the effective sample size) leave of the target unexplained,
    by least squares with an intercept: a column that is linked to y only
    beside them, such as diabetes' sex column (its correlation with y is
    0.04), passes there. It is 1 for the conditioning columns themselves,
    for constant columns and for columns they explain (near-copies), and
    everywhere when nothing passes, when every column is among the
    conditioning ones, when nothing of the target is left (a noise-free
    linear target), when too few rows remain, or with
    ``conditional=False``.

    Each line is ``LEVEL / n_features`` (Bonferroni), or lower where chance
    passes that line: each test is run again on ``permutations`` (odd)
    permutations of the target's rows, drawn from a fixed seed among the
    rows of positive weight (the weights staying with their rows, the
    conditioning columns those of the real target; for the conditional
    test on a continuous or multilabel target, what they leave of it is
    permuted), and its line is lowered to the median over them of its
    smallest p-value where that is lower. ``permutations=0`` keeps both at
    the Bonferroni line.
    """
    if sp.issparse(X):
        X = X.tocsr()  # one layout, so CSR and CSC input sum alike
    n = X.shape[0]
    weight = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    classes = task in ("binary", "multiclass")
    if classes:
        target, design = np.asarray(target), None
    else:
        design = np.asarray(target, dtype=np.float64).reshape(n, -1)
    weighted, per_target = _weighted_target(target if classes else design, weight)
    sum_x, sum_xx, cross = _column_sums(X, stats, weight, weighted)
    total = weight.sum()
    n_eff = total**2 / np.sum(weight**2)
    ss_x = np.maximum(sum_xx - sum_x**2 / total, 0.0)
    varies = ss_x > 1e-12 * total
    column_means = sum_x / total
    # Centred cross products with the target's columns (for classes, the
    # centred class sums): what both tests read, here and for each
    # permutation.
    with_target = cross - np.outer(column_means, per_target)

    def univariate(with_target, per_target, design):
        with np.errstate(divide="ignore", invalid="ignore"):
            if classes:
                p = _anova(with_target, per_target, ss_x, n_eff)
            else:
                ss_y = weight @ design**2 - per_target**2 / total
                p = _linear(with_target, ss_y, ss_x, n_eff)
        return np.where(varies, p, 1.0)

    # Class labels are permuted alike for both tests: their class sums are
    # kept from the first where they are small, and the second reads them.
    small = permutations * with_target.nbytes <= _permutation_budget(X)
    kept = [] if classes and conditional and small else None

    def permuted(test, values=design):
        """The test's line: its smallest p-value on each permutation of the
        target's rows (of ``values`` instead for a continuous target)."""
        if not permutations:
            return bonferroni
        lowest = []
        parts = kept or _permuted(
            X, stats, target, values, weight, column_means, permutations
        )
        for part in parts:
            lowest.append(test(*part).min())
            if kept is not None and len(kept) < permutations:
                kept.append(part)
            del part  # not held while the next pass reads X
        z = st.norm.isf(np.clip(lowest, _P_FLOOR, 1.0))
        return min(bonferroni, float(st.norm.sf(np.median(z))))

    marginal = univariate(with_target, per_target, design)
    bonferroni = LEVEL / marginal.size
    univariate_line = permuted(univariate)
    ones = np.ones_like(marginal)
    size = min(MAX_CONDITIONED, int(n_eff // 4))
    passed = np.flatnonzero(marginal < univariate_line)
    chosen = passed[np.argsort(marginal[passed], kind="stable")[:size]]
    if not conditional or chosen.size in (0, marginal.size):
        # Nothing passes, or no column is left to test.
        return LinearTests(marginal, ones, univariate_line, bonferroni)
    with_chosen = _cross_with(X, stats, weight, chosen, column_means[chosen])

    def partial(with_target, per_target, design):
        with np.errstate(divide="ignore", invalid="ignore"):
            if classes:
                p = _partial_classes(
                    ss_x, with_chosen, with_target, per_target, chosen, n_eff
                )
            else:
                target_ss = (design * weight[:, None]).T @ design - np.outer(
                    per_target, per_target
                ) / total
                p = _partial(ss_x, with_chosen, with_target, target_ss, chosen, n_eff)
        p[chosen] = 1.0
        return np.where(varies, p, 1.0)

    beside = partial(with_target, per_target, design)
    if classes or not permutations:
        # Class labels are permuted as they are; the analysis of covariance
        # tests whether they add to the chosen columns.
        return LinearTests(marginal, beside, univariate_line, permuted(partial))
    # A continuous target's residual is permuted (Freedman and Lane): the
    # chance passes are those of what the chosen columns leave of y.
    basis = _whitening(with_chosen[chosen])
    coefficients = basis @ (basis.T @ with_target[chosen])
    means = column_means[chosen]
    left = _residual(X, stats, chosen, means, coefficients, design, per_target / total)
    return LinearTests(marginal, beside, univariate_line, permuted(partial, left))


def _weighted_target(target, weight):
    """The target's columns times the row weights, and their sums.

    For class indices (a 1-d integer ``target``) the weighted one-hot, sparse:
    n entries however many classes (a dense one would be n x n_classes).
    """
    n = weight.size
    if target.ndim == 1:
        weighted = sp.csr_matrix(
            (weight, (np.arange(n), target)), shape=(n, int(target.max()) + 1)
        )
        return weighted, np.asarray(weighted.sum(axis=0)).ravel()
    weighted = target * weight[:, None]
    return weighted, weighted.sum(axis=0)


def _permuted(X, stats, target, design, weight, column_means, permutations):
    """``(with_target, per_target, design)`` of each of ``permutations``
    fixed permutations of the target's rows, as :func:`linear_pvalues` has
    them for the target itself (``design`` None for class labels):
    ``with_target`` is centred with the columns' weighted means,
    ``column_means``.

    Several permutations share one pass over X: as many as keep the main
    arrays of a pass (the permuted labels or weighted targets, the orders,
    and the (n_features, n_targets) products of each) within
    :func:`_permutation_budget`, one at least. Temporaries of one
    permutation come on top (an index array, and for a continuous target
    its permuted copy). The permutations are drawn in the same sequence
    however they are grouped.

    Only rows of positive weight are permuted, among themselves, and the
    weights stay with their rows: rows of weight 0 (which the tests ignore)
    change nothing, as if they were dropped.
    """
    rng = np.random.default_rng(_PERMUTATION_SEED)
    classes = design is None
    n, n_features = X.shape
    width = int(target.max()) + 1 if classes else design.shape[1]
    if classes:
        # Sparse X: the weighted one-hot of all rows (weight, index, label);
        # dense X: the permuted label, blocks of rows get their one-hot.
        row_bytes = 24 if sp.issparse(X) else 4
    else:
        row_bytes = 8 * width + 4  # the weighted target, and the order
    per_row = n * row_bytes + 16 * n_features * width
    per_pass = max(1, _permutation_budget(X) // per_row)
    positive = None if np.all(weight > 0) else np.flatnonzero(weight > 0)
    for start in range(0, permutations, per_pass):
        count = min(per_pass, permutations - start)
        orders = []
        if classes:
            group = np.empty((n, count), dtype=np.int32)
            for k in range(count):
                group[:, k] = target[_order(n, positive, rng)]
            per_column = np.concatenate(
                [np.bincount(labels, weight, width) for labels in group.T]
            )
        else:
            group = np.empty((n, count * width))
            for k in range(count):
                orders.append(_order(n, positive, rng))
                np.multiply(
                    design[orders[k]],
                    weight[:, None],
                    out=group[:, k * width : (k + 1) * width],
                )
            per_column = group.sum(axis=0)
        cross = _group_cross(X, stats, weight, group, width if classes else 0)
        del group  # before the next pass builds its own
        cross -= np.outer(column_means, per_column)
        for k in range(count):
            columns = slice(k * width, (k + 1) * width)
            values = None if classes else design[orders[k]]
            yield cross[:, columns], per_column[columns], values
        del orders, cross, values


def _permutation_budget(X):
    """Bytes the permutations may hold at once beside X: at most
    ``_PERMUTATION_BYTES``, and at most the larger of ``_PERMUTATION_FLOOR``
    and what X takes (an eighth of its float32 size when dense; when sparse,
    half the float64 copy of its entries that each pass makes anyway)."""
    if sp.issparse(X):
        beside_x = 6 * X.nnz  # half of 8-byte values and 4-byte indices
    else:
        beside_x = X.shape[0] * X.shape[1] // 2  # an eighth of 4-byte entries
    return min(_PERMUTATION_BYTES, max(_PERMUTATION_FLOOR, beside_x))


def _group_cross(X, stats, weight, group, n_classes):
    """Cross products of the standardized columns of X with the targets of
    ``group``, as the third value of :func:`_column_sums`.

    ``group`` holds weighted targets, or with ``n_classes`` one class label
    per row and permutation, whose weighted one-hot (permutation k's class
    c in column ``k * n_classes + c``) is built a block of rows at a time
    for dense X. Dense X is read in standardized blocks and only the
    products are taken (not the columns' own sums, which the permutations
    leave as they are).
    """

    def targets(rows):
        if not n_classes:
            return group[rows]
        labels = group[rows] + np.arange(group.shape[1]) * n_classes
        size, count = labels.shape
        return sp.csr_matrix(
            (
                np.repeat(weight[rows], count),
                labels.ravel(),
                np.arange(0, size * count + 1, count),
            ),
            shape=(size, count * n_classes),
        )

    if sp.issparse(X):
        return _column_sums(X, stats, weight, targets(slice(None)))[2]
    width = group.shape[1] * (n_classes or 1)
    cross = np.zeros((X.shape[1], width))
    for rows, part in standardized_chunks(X, stats):
        cross += np.asarray(targets(rows).T @ part).T
    return cross


def _chosen_blocks(X, stats, chosen):
    """Yield ``(rows, block, z)``: blocks of rows of X (standardized when X
    is dense, divided by each column's largest magnitude when sparse) and
    ``z``, the standardized chosen columns of those rows, dense."""
    if not sp.issparse(X):
        for rows, part in standardized_chunks(X, stats):
            yield rows, part, part[:, chosen]
        return
    mean, std = stats.scaled_mean[chosen], stats.scaled_std[chosen]
    # Each block's product in _cross_with is a new (n_features, n_chosen)
    # array: blocks of at least n_features rows keep that cost below the
    # block's own.
    step = max(_SPARSE_BLOCK_ENTRIES // chosen.size, X.shape[1])
    for start in range(0, X.shape[0], step):
        rows = slice(start, start + step)
        u = divide_columns(X[rows], stats.absmax)
        yield rows, u, (u[:, chosen].toarray() - mean) / std


def _order(n, positive, rng):
    """A random order of the rows that moves only those in ``positive``
    (all of them where it is None), drawn as ``rng.permutation`` would."""
    # Shuffling 4-byte indices draws what rng.permutation does, 3x faster.
    dtype = np.int32 if n < 2**31 else np.int64
    if positive is None:
        order = np.arange(n, dtype=dtype)
        rng.shuffle(order)
        return order
    moved = np.arange(positive.size, dtype=dtype)
    rng.shuffle(moved)
    order = np.arange(n, dtype=dtype)
    order[positive] = positive[moved]
    return order


def _cross_with(X, stats, weight, chosen, chosen_mean):
    """Weighted cross products of every standardized column of X with the
    ``chosen`` ones, centred (``chosen_mean``: their weighted means).

    Read in blocks of rows, so the only array of the size of X is, for
    sparse X, one block's scaled copy. Centring the chosen side is enough:
    its weighted sum is zero, so the other side's mean drops out, and for
    sparse X the shift of each column is applied after summing its stored
    entries, as in :func:`_stored_sums`.
    """
    out = np.zeros((X.shape[1], chosen.size))
    sums = np.zeros(chosen.size)
    for rows, block, z in _chosen_blocks(X, stats, chosen):
        c = (z - chosen_mean) * weight[rows, None]
        out += np.asarray(block.T @ c)
        sums += c.sum(axis=0)
    if not sp.issparse(X):
        return out
    return (out - np.outer(stats.scaled_mean, sums)) / stats.scaled_std[:, None]


def _residual(X, stats, chosen, chosen_mean, coefficients, design, design_mean):
    """What the least-squares fit on the chosen columns leaves of ``design``:
    ``design - design_mean - (z - chosen_mean) @ coefficients``, ``z`` the
    standardized chosen columns, computed in blocks of rows."""
    left = np.empty_like(design)
    for rows, _, z in _chosen_blocks(X, stats, chosen):
        left[rows] = design[rows] - design_mean - (z - chosen_mean) @ coefficients
    return left


def _whitening(gram):
    """``basis`` with ``basis @ basis.T`` the pseudo-inverse of the positive
    semi-definite ``gram``, directions below 1e-10 of its largest
    eigenvalue dropped: its number of columns is the rank that agrees with
    that inverse."""
    values, vectors = np.linalg.eigh(gram)
    keep = values > 1e-10 * max(values.max(initial=0.0), 0.0)
    return vectors[:, keep] / np.sqrt(values[keep])


def _regressed_out(ss, with_chosen, chosen):
    """What regressing out the chosen columns leaves of each column.

    ``ss`` and ``with_chosen`` are each column's centred sum of squares and
    its cross products with the chosen columns. Returns ``(left, along,
    basis)``: the residual sums of squares, each column's coordinates in
    the whitened span of the chosen ones, and the whitening (its columns
    are as many as that span's dimension; see :func:`_whitening`).
    """
    basis = _whitening(with_chosen[chosen])
    along = with_chosen @ basis
    return ss - np.einsum("jk,jk->j", along, along), along, basis


def _partial(ss_x, with_chosen, with_target, target_ss, chosen, n_eff):
    """p-values of the F test of each column against the target, both with
    the chosen columns regressed out (least squares with an intercept).

    The arguments are centred weighted cross products: ``ss_x`` of each
    column with itself, ``with_chosen`` (n_features, n_chosen) with the
    chosen columns, ``with_target`` (n_features, n_targets) with the
    target's columns and ``target_ss`` of those among themselves.
    """
    left_x, along, basis = _regressed_out(ss_x, with_chosen, chosen)
    target_along = basis.T @ with_target[chosen]
    left_xy = with_target - along @ target_along
    left_y = target_ss - target_along.T @ target_along
    # What is left of the target, in directions above rounding error.
    values, vectors = np.linalg.eigh(left_y)
    keep = values > 1e-9 * np.trace(target_ss)
    df1 = int(keep.sum())
    df2 = n_eff - 1 - basis.shape[1] - df1
    if df1 == 0 or df2 <= 0:
        # Nothing of the target is left to explain, or no rows to test on.
        return np.ones(ss_x.shape)
    explained = ((left_xy @ vectors[:, keep]) ** 2 / values[keep]).sum(axis=1)
    return _f_pvalues(explained, left_x, ss_x, df1, df2)


def _partial_classes(ss_x, with_chosen, class_sums, class_weights, chosen, n_eff):
    """:func:`_partial` for class labels, without a classes x classes matrix.

    Testing a column against the class indicators, both with the chosen
    columns regressed out, is testing whether the classes add to the
    chosen columns in explaining the column (analysis of covariance): the
    residual with the classes comes from the within-class cross products,
    which the centred class sums (``class_sums``, (n_features, n_classes))
    give.
    """
    present = class_weights > 0
    sums, weights = class_sums[:, present], class_weights[present]
    left_x, _, basis = _regressed_out(ss_x, with_chosen, chosen)
    # The same, within the classes: the residual beside chosen and classes.
    within_x = ss_x - (sums**2 / weights).sum(axis=1)
    within = with_chosen - (sums / weights) @ sums[chosen].T
    left_within, _, within_basis = _regressed_out(within_x, within, chosen)
    groups, rank, within_rank = (
        int(present.sum()),
        basis.shape[1],
        within_basis.shape[1],
    )
    df1 = groups - 1 + within_rank - rank
    df2 = n_eff - groups - within_rank
    if df1 <= 0 or df2 <= 0:
        return np.ones(ss_x.shape)
    explained = left_x - np.maximum(left_within, 0.0)
    return _f_pvalues(explained, left_x, ss_x, df1, df2)


def _f_pvalues(explained, left_x, ss_x, df1, df2):
    """p-values of ``F = (r2 / df1) / ((1 - r2) / df2)``, ``r2`` the share
    of ``left_x`` that is ``explained``; 1 for a column the chosen columns
    explain already (a near-copy: nothing left to test)."""
    r2 = np.clip(explained / left_x, 0.0, 1.0)
    f = r2 / (1.0 - r2) * df2 / df1
    pvalues = np.nan_to_num(st.f.sf(f, df1, df2), nan=1.0)
    return np.where(left_x > 1e-9 * ss_x, pvalues, 1.0)


def _column_sums(X, stats, weight, weighted):
    """Weighted sums of the standardized columns of X, of their squares and
    of their products with the columns of ``weighted``."""
    if sp.issparse(X):
        return _sparse_sums(X, stats, weight, weighted)
    return _dense_sums(X, stats, weight, weighted)


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
    # X is CSR (linear_pvalues converts it): its indices are column numbers.
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
    if sp.issparse(weighted) and np.prod(weighted.shape) <= _DENSE_TARGET_ENTRIES:
        # A sparse one-hot times sparse X builds a dense product through
        # scipy's sparse-sparse path, 12 times slower than this at 1e5 x 1e4.
        weighted = weighted.toarray()
    if sp.issparse(weighted):
        cross_u = (weighted.T @ u).toarray().T
    else:
        cross_u = np.asarray(u.T @ weighted)
    per_target = np.asarray(weighted.sum(axis=0)).ravel()
    sum_z = (sum_u - mean * total) / std
    sum_zz = (sum_uu - 2 * mean * sum_u + mean**2 * total) / std**2
    cross_z = (cross_u - np.outer(mean, per_target)) / std[:, None]
    return sum_z, sum_zz, cross_z


def _anova(class_sums, class_weights, ss_x, n_eff):
    """Analysis-of-variance p-values from the centred class sums: the
    between-class sum of squares is ``sum(class_sums**2 / class_weights)``."""
    present = class_weights > 0
    groups = int(present.sum())
    df1, df2 = groups - 1, n_eff - groups
    if df1 < 1 or df2 <= 0:
        return np.ones(ss_x.shape)
    between = (class_sums[:, present] ** 2 / class_weights[present]).sum(axis=1)
    between = np.clip(between, 0.0, ss_x)
    f = (between / df1) / ((ss_x - between) / df2)
    return np.nan_to_num(st.f.sf(f, df1, df2), nan=1.0)


def _linear(covariance, ss_y, ss_x, n_eff):
    df2 = n_eff - 2
    if df2 <= 0:
        return np.ones(ss_x.shape)
    r2 = np.clip(covariance**2 / (ss_x[:, None] * ss_y[None, :]), 0.0, 1.0)
    f = r2 / (1.0 - r2) * df2
    # Every target's test has the same degrees of freedom, so a column's
    # smallest p-value is that of its largest F: one survival function per
    # column, not per column and target. An undefined F (0 / 0) or a
    # constant target counts as p = 1.
    f = np.where(np.isnan(f) | (ss_y[None, :] <= 0), -np.inf, f)
    largest = f.max(axis=1)
    pvalues = np.where(largest > -np.inf, st.f.sf(largest, 1, df2), 1.0)
    return np.minimum(1.0, f.shape[1] * np.nan_to_num(pvalues, nan=1.0))


def marginal_evidence(pvalues, line=None, bonus=BONUS, ramp=RAMP):
    """Bonus per column: 0 below the line, ``bonus`` ``ramp`` above it.

    A column's p-value becomes a normal quantile ``z``; with ``z_c`` the
    quantile of ``line`` (by default ``LEVEL / n_features``, the
    Bonferroni line), the bonus is ``bonus * clip((z - z_c) / ramp, 0, 1)``:
    columns that pass the test all get (about) the same lift, however
    strong their link, so the networks still order them among themselves.
    """
    pvalues = np.asarray(pvalues, dtype=np.float64)
    if line is None:
        line = LEVEL / pvalues.size
    z = st.norm.isf(np.clip(pvalues, _P_FLOOR, 1.0))
    critical = st.norm.isf(max(line, _P_FLOOR))
    return bonus * np.clip((z - critical) / ramp, 0.0, 1.0)


def wide_evidence(pvalues, n_samples, line=None, weight=None, constant=None):
    """Lift per column from the univariate test where columns outnumber rows.

    With ``n_samples`` rows and ``d`` columns that vary (``constant``, a
    boolean mask, marks those that do not; they get 0 and count for
    nothing), the lift is ``weight`` (default ``WIDE_WEIGHT``) times
    ``max(0, 1 - n_samples / d)`` times the robust z-score (over the
    varying columns) of each column's normal quantile ``z = isf(p)``,
    where that is positive: 0 wherever there are at least as many rows as
    columns, and 0 for the columns below the median. With fewer, networks
    of thousands of first-layer weights fit any labelling of the rows,
    noise columns included, and the ranking they leave is weakly
    informed; the univariate test needs no such fit, so it orders the
    columns the networks leave close together. Unlike
    :func:`marginal_evidence` it has no cap: a column that does not pass
    the line still gains by how far it stands out from the bulk of the
    columns.

    It relies on the test's p-values being right, so it fades out as the
    test's ``line`` (from the permutations of y) lies further below
    Bonferroni's ``LEVEL / d``, which is where chance beats the F test's
    assumptions: by a share ``(z_line - z_bonferroni) / TRUST_SPAN`` of it,
    gone at ``TRUST_SPAN`` normal-quantile units.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([1e-6, 0.01, 0.5, 0.5, 0.9])
    >>> wide_evidence(p, n_samples=10)  # 1 - 10 / 5 < 0: no lift
    array([0., 0., 0., 0., 0.])
    >>> p = np.r_[p, np.full(15, 0.5)]  # 20 columns
    >>> lift = wide_evidence(p, n_samples=10)
    >>> bool(lift[0] > lift[1] > 0), float(lift[2])
    (True, 0.0)
    >>> float(wide_evidence(p, n_samples=10, line=1e-9)[0])  # test unreliable
    0.0
    """
    weight = WIDE_WEIGHT if weight is None else weight
    pvalues = np.asarray(pvalues, dtype=np.float64)
    lift = np.zeros(pvalues.size)
    varying = np.ones(pvalues.size, dtype=bool)
    if constant is not None:
        varying = ~np.asarray(constant, dtype=bool)
    d = int(varying.sum())
    share = 1.0 - n_samples / max(d, 1)
    bonferroni = LEVEL / max(pvalues.size, 1)  # as linear_pvalues draws it
    line = bonferroni if line is None else line
    moved = st.norm.isf(max(line, _P_FLOOR)) - st.norm.isf(bonferroni)
    trust = 1.0 - max(moved, 0.0) / TRUST_SPAN
    if not (share > 0 and trust > 0):
        return lift
    # p = 1 (a column no test links to y) would be z = -inf.
    z = st.norm.isf(np.clip(pvalues[varying], _P_FLOOR, _P_CEILING))
    lift[varying] = np.maximum(robust_z(z[None, :])[0], 0.0)
    return weight * share * trust * lift
