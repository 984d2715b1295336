"""Sparse X: accepted as CSR or CSC, ranked as dense, never densified whole."""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from scipy.stats import spearmanr

from skcancelout import CancelOutSelector

FAST = dict(max_iter=3, n_estimators=2, random_state=0)


@pytest.fixture(scope="module")
def sparse_classification():
    """400 x 12, about 30 % non-zero; columns 0..2 decide the class."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 12)) * (rng.rand(400, 12) < 0.3)
    X[:, :3] = rng.normal(size=(400, 3))
    y = (X[:, 0] + X[:, 1] - X[:, 2] > 0).astype(int)
    return X, y


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_is_accepted_and_stays_sparse(sparse_classification, fmt):
    X, y = sparse_classification
    Xs = sp.csr_matrix(X).asformat(fmt)
    selector = CancelOutSelector(max_features=4, **FAST).fit(Xs, y)
    importances = selector.feature_importances_
    assert importances.shape == (12,)
    assert np.all(np.isfinite(importances)) and np.all(importances >= 0)
    Xt = selector.transform(Xs)
    assert sp.issparse(Xt) and Xt.format in (fmt, "csr")
    np.testing.assert_array_equal(Xt.toarray(), X[:, selector.get_support()])
    back = selector.inverse_transform(Xt)
    assert sp.issparse(back) and back.shape == X.shape


def test_csr_and_csc_give_identical_importances(sparse_classification):
    X, y = sparse_classification
    csr = CancelOutSelector(**FAST).fit(sp.csr_matrix(X), y)
    csc = CancelOutSelector(**FAST).fit(sp.csc_matrix(X), y)
    np.testing.assert_array_equal(csr.feature_importances_, csc.feature_importances_)


def test_sparse_ranking_matches_dense(sparse_classification):
    X, y = sparse_classification
    params = dict(max_iter=30, n_estimators=4, random_state=0)
    dense = CancelOutSelector(**params).fit(X, y).feature_importances_
    sparse = CancelOutSelector(**params).fit(sp.csr_matrix(X), y).feature_importances_
    # The two paths scale in a different order, so float32 rounding differs;
    # the ranking a user selects with must not.
    assert spearmanr(dense, sparse).statistic > 0.9
    assert set(np.argsort(-dense)[:3]) == set(np.argsort(-sparse)[:3]) == {0, 1, 2}
    np.testing.assert_allclose(sparse, dense, atol=0.02)


def test_sparse_partial_fit_matches_dense_ranking(sparse_classification):
    X, y = sparse_classification
    selector = CancelOutSelector(n_estimators=2, random_state=0)
    for rows in np.array_split(np.arange(len(y)), 4):
        selector.partial_fit(sp.csr_matrix(X[rows]), y[rows], classes=[0, 1])
    assert selector.n_iter_ == 4
    assert np.all(np.isfinite(selector.feature_importances_))


def test_wide_sparse_matrix_is_never_densified_whole():
    n, d = 8000, 2500
    X = sp.random(n, d, density=1e-3, format="csr", random_state=0, dtype=np.float64)
    # A few well-filled columns, so some features carry the signal.
    rows = np.arange(n)
    X = (X + sp.csr_matrix((np.ones(n), (rows, rows % 7)), shape=(n, d))).tocsr()
    y = np.asarray(X[:, 0].toarray().ravel() > 0, dtype=int)
    dense_bytes = n * d * 8  # 160 MB: a whole dense copy cannot hide
    selector = CancelOutSelector(
        hidden_layer_sizes=(4,),
        batch_size=500,
        max_features=5,
        n_jobs=1,
        **{**FAST, "max_iter": 1},
    )
    # Fitting once first imports what the optimizer loads lazily (tens of MB
    # of Python modules), so the trace below sees data, not imports.
    CancelOutSelector(**FAST).fit(np.arange(12.0).reshape(6, 2), [0, 1] * 3)
    tracemalloc.start()
    try:
        selector.fit(X, y)
        Xt = selector.transform(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # One densified float32 batch is 500 * 2500 * 4 bytes = 5 MB.
    assert peak < dense_bytes / 10, f"peak {peak / 1e6:.0f} MB during fit/transform"
    assert sp.issparse(Xt) and Xt.shape == (n, 5)


# ------------------------------------------------ sparse batches, not densified
def _very_sparse(n=600, d=1000, seed=0):
    """Under 0.5 % of entries stored; y from columns 0-2, which are half filled."""
    rng = np.random.RandomState(seed)
    X = sp.random(n, d, density=0.002, format="csr", random_state=rng)
    signal = rng.normal(size=(n, 3)) * (rng.rand(n, 3) < 0.5)
    X = sp.hstack([sp.csr_matrix(signal), X[:, 3:]]).tocsr()
    y = (signal.sum(axis=1) > 0).astype(int)
    return X, y


def test_a_step_on_stored_entries_equals_a_step_on_dense_rows():
    from skcancelout._network import SparseRows, body_backward, body_forward

    X, _ = _very_sparse(n=40, d=30)
    shift = torch.randn(30)
    generator = torch.Generator().manual_seed(0)
    layers = tuple(
        torch.randn(shape, generator=generator)
        for shape in [(30, 2, 5), (2, 1, 5), (2, 5, 3), (2, 1, 3)]
    )
    gates = torch.rand(2, 30, generator=generator)
    dense = torch.from_numpy(X.toarray()).float() - shift
    sparse = SparseRows.from_scipy(X).centered(shift)
    outs, grads = [], []
    for x in (dense, sparse):
        out, saved = body_forward(x, gates, layers)
        into = [torch.empty_like(t) for t in layers]
        _, grad_gates = body_backward(saved, torch.ones_like(out), into)
        outs.append(out)
        grads.append([grad_gates, *into])
    torch.testing.assert_close(outs[1], outs[0], rtol=1e-5, atol=1e-5)
    for got, expected in zip(grads[1], grads[0], strict=True):
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


def test_very_sparse_x_trains_on_stored_entries_and_ranks_as_dense(monkeypatch):
    from skcancelout import _training

    X, y = _very_sparse()
    assert _training.sparse_batches_pay(X, "binary", 256)
    assert not _training.sparse_batches_pay(X, "reconstruction", 256)
    # Not when each stored entry gathers too wide a row of weights.
    assert not _training.sparse_batches_pay(X, "binary", 2048)
    densified = []
    original = sp.csr_matrix.toarray

    def counting(self, *args, **kwargs):
        densified.append(self.shape)
        return original(self, *args, **kwargs)

    params = dict(max_iter=40, n_estimators=4, random_state=0)
    monkeypatch.setattr(sp.csr_matrix, "toarray", counting)
    sparse = CancelOutSelector(**params).fit(X, y).feature_importances_
    # Batches are never densified (the statistics and tests read blocks).
    assert not [shape for shape in densified if shape[0] == 75]
    monkeypatch.undo()
    dense = CancelOutSelector(**params).fit(X.toarray(), y).feature_importances_
    assert set(np.argsort(-sparse)[:3]) == set(np.argsort(-dense)[:3]) == {0, 1, 2}
    assert spearmanr(dense, sparse).statistic > 0.8


def test_very_sparse_x_streams_and_stops_early_on_stored_entries():
    X, y = _very_sparse()
    # partial_fit's check for idle units and early stopping's held-out loss
    # read stored entries too.
    stream = CancelOutSelector(n_estimators=2, random_state=0)
    for rows in np.array_split(np.arange(X.shape[0]), 3):
        stream.partial_fit(X[rows], y[rows], classes=[0, 1])
    assert stream.n_iter_ == 3 and np.all(np.isfinite(stream.feature_importances_))
    stopped = CancelOutSelector(early_stopping=True, n_estimators=2, random_state=0)
    stopped.fit(X, y)
    assert len(stopped.validation_loss_curve_) == stopped.n_iter_
    assert set(np.argsort(-stopped.feature_importances_)[:3]) == {0, 1, 2}


@pytest.mark.parametrize("offset", [7e4, 1e8])
def test_a_column_far_from_zero_keeps_its_digits(offset, monkeypatch):
    from skcancelout import _training
    from skcancelout._data import ColumnStats, float32_rows, standardized_chunks

    # A timestamp-like column (offset times its spread) beside very sparse
    # ones. Kept scaled but not centred in float32, its values were
    # rounded by up to 4e-3 of a standard deviation at 7e4, by 4 at 1e8.
    rng = np.random.RandomState(0)
    X = sp.random(400, 2000, density=0.002, format="csr", random_state=rng)
    spread = rng.normal(size=(400, 1))
    X = sp.hstack([sp.csr_matrix(offset + spread), X]).tocsr()
    stats = ColumnStats.from_data(X)
    rows, shift, scale = float32_rows(X, stats)
    assert sp.issparse(rows) and np.abs(shift.numpy()).max() <= 10
    assert rows.nnz <= X.nnz + 4  # only the far column's rare zeros added
    standardized = (rows.toarray() - shift.numpy()) / scale.numpy()
    expected = np.vstack([part for _, part in standardized_chunks(X, stats)])
    np.testing.assert_allclose(standardized, expected, atol=1e-6)
    # The column decides y; the stored-entry products rank as dense batches.
    y = (spread[:, 0] > 0).astype(int)
    params = dict(max_iter=5, n_estimators=2, random_state=0)
    chosen = CancelOutSelector(**params).fit(X, y).feature_importances_
    assert np.argmax(chosen) == 0
    monkeypatch.setattr(_training, "sparse_batches_pay", lambda *args: False)
    densified = CancelOutSelector(**params).fit(X, y).feature_importances_
    np.testing.assert_allclose(chosen, densified, atol=1e-3)


def test_entries_stored_twice_count_as_their_sum():
    rng = np.random.RandomState(0)
    dense = rng.normal(size=(120, 4))
    y = (dense[:, 0] > 0).astype(int)
    # Every entry stored as two halves, the halves of a row in reverse order.
    n, d = dense.shape
    indices = np.tile(np.r_[np.arange(d), np.arange(d)][::-1], n)
    halves = np.repeat(dense / 2, 2, axis=0).reshape(n, 2 * d)[:, ::-1]
    twice = sp.csr_matrix(
        (halves.ravel(), indices, np.arange(0, 2 * d * n + 1, 2 * d)), shape=(n, d)
    )
    np.testing.assert_allclose(twice.toarray(), dense)
    assert not twice.has_canonical_format
    params = dict(max_iter=3, n_estimators=2, random_state=0)
    split = CancelOutSelector(**params).fit(twice, y)
    summed = CancelOutSelector(**params).fit(sp.csr_matrix(dense), y)
    np.testing.assert_allclose(split.scale_, summed.scale_, rtol=1e-12)
    np.testing.assert_allclose(
        split.feature_importances_, summed.feature_importances_, atol=1e-6
    )
    assert not twice.has_canonical_format  # the caller's matrix is left alone
