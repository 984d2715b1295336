"""Input preparation: column statistics and float32 rows for torch.

Nothing here writes to the caller's arrays. Statistics are computed in
float64 on column-scaled chunks, so values from 1e-300 to 1e300 neither
overflow nor underflow, and no float64 copy of the whole of X is made.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.utils.sparsefuncs import mean_variance_axis, min_max_axis

from ._lazy import LazyModule

torch = LazyModule("torch")  # imported by the first fit (see _lazy)

# Entries per chunk of the statistics passes: a chunk's float64 temporary
# stays near 0.5 MB, small next to X itself.
_CHUNK_ENTRIES = 2**16
# Rows of X that StandardizedRows standardizes at once: a float64 block of
# 2**20 entries is 8 MB.
_STANDARDIZE_ENTRIES = 2**20
# A float32 X is used as is (no copy) only when folding the standardization
# into the first layer stays accurate in float32.
_FOLD_MAX_OFFSET = 1e3
_FOLD_SCALE_RANGE = (1e-15, 1e15)
# A sparse X is kept scaled but not centred (its zeros stay implicit), and
# the network subtracts each column's centring shift (mean / std); columns
# with a larger shift are stored centred instead (see _with_centred_columns),
# so the shift the network subtracts never carries more than this.
SPARSE_MAX_SHIFT = 10.0


def _chunks(shape):
    n_rows, n_cols = shape
    step = max(1, _CHUNK_ENTRIES // max(n_cols, 1))
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))


class ColumnStats:
    """Mean and standard deviation of each column, and which are constant.

    Stored as ``absmax * (scaled_mean, scaled_std)`` so that neither the sum
    nor the squares of extreme values leave the float64 range. A column is
    constant when all its values are equal (``constant``, from the data's
    minimum and maximum), or else when its spread is exactly 0: a column
    that varies by a millionth around 1e11 is not constant.
    """

    def __init__(self, absmax, scaled_mean, scaled_std, constant=None):
        self.absmax = absmax
        self.scaled_mean = scaled_mean
        constant = scaled_std == 0 if constant is None else constant | (scaled_std == 0)
        self.constant = constant
        self.scaled_std = np.where(constant, 1.0, scaled_std)

    @property
    def mean(self):
        return self.absmax * self.scaled_mean

    @property
    def scale(self):
        """What divides each column: its standard deviation, or where the
        column is constant its largest absolute value (so it maps to +-1)."""
        return self.absmax * self.scaled_std

    def columns(self, index):
        """The statistics of the columns ``index`` only."""
        return ColumnStats(
            self.absmax[index],
            self.scaled_mean[index],
            self.scaled_std[index],
            self.constant[index],
        )

    @classmethod
    def from_data(cls, X):
        if sp.issparse(X):
            low, high = min_max_axis(X, axis=0)
            low, high = np.asarray(low, np.float64), np.asarray(high, np.float64)
            absmax = _safe_absmax(np.maximum(np.abs(low), np.abs(high)))
            scaled = divide_columns(X, absmax)
            mean, var = mean_variance_axis(scaled, axis=0)
            std = np.sqrt(np.maximum(var, 0.0))
            return cls(absmax, mean, std, constant=low == high)
        n = X.shape[0]
        low = np.full(X.shape[1], np.inf)
        high = np.full(X.shape[1], -np.inf)
        for rows in _chunks(X.shape):
            np.minimum(low, X[rows].min(axis=0), out=low)
            np.maximum(high, X[rows].max(axis=0), out=high)
        absmax = _safe_absmax(np.maximum(np.abs(low), np.abs(high)))
        total = np.zeros(X.shape[1])
        for rows in _chunks(X.shape):
            total += (X[rows] / absmax).sum(axis=0)
        mean = total / n
        squares = np.zeros(X.shape[1])
        for rows in _chunks(X.shape):
            part = X[rows] / absmax
            part -= mean
            squares += np.einsum("ij,ij->j", part, part)
        return cls(absmax, mean, np.sqrt(squares / n), constant=low == high)


def _safe_absmax(absmax):
    return np.where(absmax > 0, absmax, 1.0)


def divide_columns(X, divisor):
    """Sparse X with each column divided by ``divisor``: a float64 CSR copy.

    Divides each stored value rather than multiplying by ``1 / divisor``,
    whose reciprocal overflows for columns below about 1e-308 (1e-38 in
    float32).
    """
    out = X.tocsr().astype(np.float64, copy=True)
    out.data /= np.asarray(divisor, np.float64)[out.indices]
    return out


def float32_rows(X, stats):
    """Rows for the network, plus the (shift, scale) the network must apply.

    Returns ``(rows, shift, scale)``: ``rows`` is a float32 torch tensor (or
    a float32 CSR matrix) and ``(rows - shift) / scale`` is the standardized
    X. A float32 dense X of ordinary scale is shared, not copied; otherwise
    one float32 copy is made chunk by chunk (for sparse X, scaled but not
    centred, so it stays sparse, except for columns far from 0: see
    SPARSE_MAX_SHIFT).
    """
    if sp.issparse(X):
        divisor = stats.absmax * stats.scaled_std
        rows = divide_columns(X, divisor).astype(np.float32)
        shift = stats.scaled_mean / stats.scaled_std
        far = np.flatnonzero(np.abs(shift) > SPARSE_MAX_SHIFT)
        if far.size:
            rows = _with_centred_columns(rows, X, stats, far)
            shift[far] = 0.0
        return rows, _tensor(shift), _tensor(np.ones_like(shift))
    if _can_fold(X, stats):
        with warnings.catch_warnings():
            # Read-only arrays are shared too; the network never writes to them.
            warnings.filterwarnings("ignore", message="The given NumPy array")
            rows = torch.from_numpy(np.ascontiguousarray(X))
        return rows, _tensor(stats.mean), _tensor(stats.scale)
    zeros = np.zeros(X.shape[1])
    no_shift = _tensor(zeros), _tensor(np.ones_like(zeros))
    if X.flags.c_contiguous and _clear_of_subnormals(X, stats):
        return StandardizedRows(X, stats), *no_shift
    # A strided X would be gathered slowly row by row; one float32 copy is
    # still smaller than the contiguous float64 copy it would otherwise take.
    # Columns of subnormal size are standardized here, before training
    # flushes subnormal numbers to zero.
    rows = np.empty(X.shape, dtype=np.float32)
    for part, values in standardized_chunks(X, stats):
        rows[part] = values
    return torch.from_numpy(rows), *no_shift


def _with_centred_columns(rows, X, stats, far):
    """``rows`` with the columns ``far`` standardized and centred in float64.

    A column whose mean is more than SPARSE_MAX_SHIFT standard deviations
    from 0 has at least 99 % of its entries stored (mean / std is at most
    sqrt(p / (1 - p)) for a share p of stored entries), so centring it
    costs at most 1 % more stored entries. Kept scaled but not centred in
    float32 it would lose its digits: at 7e4 standard deviations from 0
    float32 rounds its values by up to 4e-3 of a standard deviation, at 1e8
    by up to 4 of them.
    """
    centred = standardized_chunks(X.tocsr()[:, far], stats.columns(far))
    blocks = [sp.csr_matrix(part.astype(np.float32)) for _, part in centred]
    near = np.setdiff1d(np.arange(X.shape[1]), far)
    joined = sp.hstack([rows[:, near], sp.vstack(blocks)], format="csr")
    return joined[:, np.argsort(np.concatenate([near, far]))]


class StandardizedRows:
    """A dense X standardized a block of rows at a time, never copied whole.

    ``index_select(0, index)`` returns those rows standardized in float64 as
    :func:`standardized_chunks` does, then rounded to float32: the same
    numbers a standardized float32 copy of X would hold, without that copy
    (as large as X in float32, twice what a float64 X adds to the budget of
    a fit). :meth:`subset` keeps X and a map of rows, so a validation split
    copies nothing either. X is read, never written.

    Examples
    --------
    >>> import numpy as np, torch
    >>> X = np.arange(12.0).reshape(4, 3)
    >>> rows = StandardizedRows(X, ColumnStats.from_data(X))
    >>> rows.shape, rows.index_select(0, torch.tensor([0, 3])).dtype
    (torch.Size([4, 3]), torch.float32)
    >>> rows.subset(np.array([1, 3])).index_select(0, torch.tensor([1]))
    tensor([[1.3416, 1.3416, 1.3416]])
    """

    def __init__(self, X, stats, rows=None):
        if isinstance(X, np.ndarray):
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="The given NumPy array")
                X = torch.from_numpy(X)  # shared; read-only arrays too
        self.values, self.stats, self.rows = X, stats, rows
        self._absmax, self._mean, self._std = (
            torch.from_numpy(np.asarray(v, np.float64))
            for v in (stats.absmax, stats.scaled_mean, stats.scaled_std)
        )

    @property
    def shape(self):
        n = self.values.shape[0] if self.rows is None else self.rows.shape[0]
        return torch.Size((n, self.values.shape[1]))

    def index_select(self, dim, index):
        """Standardized float32 rows ``index`` (``dim`` must be 0)."""
        if dim != 0:
            raise ValueError("StandardizedRows selects rows only (dim=0).")
        take = index if self.rows is None else self.rows.index_select(0, index)
        step = max(1, _STANDARDIZE_ENTRIES // max(self.values.shape[1], 1))
        if take.shape[0] <= step:  # a training batch: one block
            return self._standardized(take)
        # Many rows (a whole X as one batch, an evaluation block): float64
        # work one block at a time, so only the float32 result is large.
        out = torch.empty((take.shape[0], self.values.shape[1]), dtype=torch.float32)
        for start in range(0, take.shape[0], step):
            out[start : start + step] = self._standardized(take[start : start + step])
        return out

    def _standardized(self, take):
        part = self.values.index_select(0, take).to(torch.float64)
        part.div_(self._absmax).sub_(self._mean).div_(self._std)
        return part.to(torch.float32)

    def all(self):
        """Every row, standardized (a float32 copy of these rows)."""
        return self.index_select(0, torch.arange(self.shape[0]))

    def subset(self, index):
        """The rows ``index`` (numpy int array) of these rows, sharing X."""
        index = torch.as_tensor(np.asarray(index, dtype=np.int64))
        rows = index if self.rows is None else self.rows.index_select(0, index)
        return StandardizedRows(self.values, self.stats, rows)


def _clear_of_subnormals(X, stats):
    """Whether X's batches may be standardized while training runs.

    Training flushes subnormal numbers to zero (``_training.flush_denormals``),
    inputs of arithmetic too, so a column whose values are subnormal in X's
    dtype (below 2.2e-308 in float64, 1.2e-38 in float32) would read as
    zeros. In a column at least 2**52 times that size, only entries below
    2**-52 of its largest are flushed: each standardized value moves by at
    most that share of one standard deviation, less than float32 resolves
    on all but values within about 1e-9 of zero (and a standardized value
    that is a float32 subnormal is flushed by training anyway).
    """
    return bool(np.all(stats.absmax >= np.finfo(X.dtype).tiny * 2.0**52))


def _can_fold(X, stats):
    if X.dtype != np.float32:
        return False
    scale = stats.scale
    low, high = _FOLD_SCALE_RANGE
    offset = np.abs(stats.mean) / scale
    return bool(
        np.all((scale > low) & (scale < high)) and np.all(offset < _FOLD_MAX_OFFSET)
    )


def _tensor(values):
    return torch.as_tensor(np.asarray(values, dtype=np.float32))


def standardized_chunks(X, stats):
    """Yield ``(rows, part)``: float64 standardized blocks of rows of X.

    ``part`` is ``(X[rows] - mean) / scale`` computed on column-scaled values
    (no overflow), each block near 0.5 MB; sparse rows are densified one
    block at a time.
    """
    for rows in _chunks(X.shape):
        part = X[rows]
        part = part.toarray() if sp.issparse(part) else np.asarray(part, np.float64)
        part = part / stats.absmax
        part -= stats.scaled_mean
        part /= stats.scaled_std
        yield rows, part
