"""Rows for the networks: a float64 X is standardized batch by batch, not copied."""

import numpy as np
import pytest
import torch

from benchmarks.metrics import traced_peak
from skcancelout import CancelOutSelector
from skcancelout._data import (
    ColumnStats,
    StandardizedRows,
    float32_rows,
    standardized_chunks,
)


def _copy_of(X, stats):
    """The standardized float32 copy fit made before StandardizedRows."""
    rows = np.empty(X.shape, dtype=np.float32)
    for part, values in standardized_chunks(X, stats):
        rows[part] = values
    return rows


def test_batches_hold_exactly_the_numbers_of_a_standardized_copy():
    rng = np.random.default_rng(0)
    # Ordinary columns, a huge offset, extreme scales, a constant column.
    X = np.column_stack(
        [
            rng.standard_normal(500),
            1e11 + rng.standard_normal(500) * 1e-3,
            rng.standard_normal(500) * 1e300,
            rng.standard_normal(500) * 1e-280,
            np.full(500, 7.0),
        ]
    )
    X.setflags(write=False)  # read, never written
    stats = ColumnStats.from_data(X)
    rows, shift, scale = float32_rows(X, stats)
    assert isinstance(rows, StandardizedRows)
    assert not shift.any() and (scale == 1).all()
    expected = _copy_of(X, stats)
    index = torch.from_numpy(rng.permutation(500)[:64])
    np.testing.assert_array_equal(rows.index_select(0, index), expected[index.numpy()])
    np.testing.assert_array_equal(rows.all(), expected)
    # A subset of a subset maps its rows back to X.
    first = rng.permutation(500)[:200]
    second = rng.permutation(200)[:50]
    nested = rows.subset(first).subset(second)
    assert nested.shape == (50, 5)
    np.testing.assert_array_equal(nested.all(), expected[first[second]])


def test_a_float32_x_of_extreme_scale_is_not_copied_either():
    X = (np.random.default_rng(0).standard_normal((100, 3)) * 1e20).astype(np.float32)
    stats = ColumnStats.from_data(X)
    rows, _, _ = float32_rows(X, stats)
    assert isinstance(rows, StandardizedRows)
    np.testing.assert_array_equal(rows.all(), _copy_of(X, stats))


def test_a_strided_x_still_gets_one_float32_copy():
    X = np.asfortranarray(np.random.default_rng(0).standard_normal((100, 3)))
    stats = ColumnStats.from_data(X)
    rows, _, _ = float32_rows(X, stats)
    assert isinstance(rows, torch.Tensor) and rows.dtype == torch.float32
    np.testing.assert_array_equal(rows.numpy(), _copy_of(X, stats))


def test_a_fit_on_float64_x_makes_no_float32_copy_of_it():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80_000, 50))  # float64, 32 MB
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    params = dict(max_iter=1, n_estimators=2, random_state=0)
    CancelOutSelector(**params).fit(X[:100], y[:100])  # lazy imports first
    peak = traced_peak(CancelOutSelector(**params).fit, X, y)
    # A float32 X of ordinary scale was never copied: the same fit on it is
    # the reference. A float32 copy of X would add 16 MB to it.
    shared = traced_peak(CancelOutSelector(**params).fit, X.astype(np.float32), y)
    assert peak < shared + X.size * 4 / 4, f"{peak / 1e6:.1f} vs {shared / 1e6:.1f} MB"


@pytest.mark.parametrize("dtype, tiny", [(np.float64, 1e-310), (np.float32, 1e-40)])
def test_columns_of_subnormal_size_keep_their_values_in_training(dtype, tiny):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3)).astype(dtype)
    X[:, 1] *= dtype(tiny)  # subnormal in X's dtype
    y = (X[:, 1] > 0).astype(int)  # the tiny column decides
    stats = ColumnStats.from_data(X)
    rows, _, _ = float32_rows(X, stats)
    assert isinstance(rows, torch.Tensor)  # standardized before training
    np.testing.assert_array_equal(rows.numpy(), _copy_of(X, stats))
    selector = CancelOutSelector(max_iter=30, n_estimators=2, random_state=0)
    assert np.argmax(selector.fit(X, y).feature_importances_) == 1


def test_many_rows_are_standardized_block_by_block_to_the_same_numbers(monkeypatch):
    from skcancelout import _data

    X = np.random.default_rng(0).standard_normal((300, 7)) * 1e5 + 3e6
    stats = ColumnStats.from_data(X)
    rows = StandardizedRows(X, stats)
    whole = rows.all()
    # Blocks of 2 rows: a whole X as one batch never needs a float64 copy.
    monkeypatch.setattr(_data, "_STANDARDIZE_ENTRIES", 14)
    np.testing.assert_array_equal(rows.all(), whole)
    np.testing.assert_array_equal(whole, _copy_of(X, stats))
