"""CancelOut with dask: CV splits on a cluster, and fitting out of core."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skcancelout import CancelOutSelector, CancelOutSelectorCV

dask = pytest.importorskip(
    "dask", reason="dask is optional: pip install skcancelout[dask]"
)
da = pytest.importorskip(
    "dask.array", reason="dask.array is optional: pip install skcancelout[dask]"
)

INFORMATIVE = [1, 4, 7]
WEIGHTS = np.array([2.0, -1.5, 1.0])


def make_rows(n_rows, n_features=10, seed=0):
    """X with three informative columns (1, 4, 7) and y = X w + noise, stacked."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features))
    y = X[:, INFORMATIVE] @ WEIGHTS + 0.3 * rng.normal(size=n_rows)
    return np.column_stack([X, y])


def fast_selector():
    return CancelOutSelector(
        hidden_layer_sizes=(16,),
        n_estimators=2,
        max_iter=10,
        batch_size=32,
        random_state=0,
    )


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(False, id="threads"),
        pytest.param(True, id="processes", marks=pytest.mark.slow),
    ],
)
def client(request):
    distributed = pytest.importorskip(
        "distributed", reason="distributed is optional: pip install skcancelout[dask]"
    )
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=request.param,
        dashboard_address=None,
    ) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def test_cv_on_a_dask_cluster_matches_the_local_fit(client):
    import joblib
    from distributed import get_task_stream

    data = make_rows(240, seed=2)
    X, y = data[:, :-1], data[:, -1]
    local = CancelOutSelectorCV(selector=fast_selector(), cv=3).fit(X, y)

    with joblib.parallel_backend("dask"), get_task_stream(client) as tasks:
        remote = CancelOutSelectorCV(selector=fast_selector(), cv=3).fit(X, y)

    # One task per split ran on the cluster.
    assert len(tasks.data) >= 3
    assert remote.cv_results_.keys() == local.cv_results_.keys()
    for key, value in local.cv_results_.items():
        assert_allclose(remote.cv_results_[key], value, err_msg=key)
    assert_array_equal(remote.support_, local.support_)
    assert_array_equal(remote.get_support(indices=True), INFORMATIVE)


def test_partial_fit_streams_a_dask_array_one_chunk_at_a_time():
    n_chunks, chunk_rows, n_features, n_epochs = 5, 200, 10, 4
    materialised = []

    def load_chunk(i):
        # Stands in for reading one file or one slice of a larger-than-memory
        # store: it runs only when dask computes that chunk.
        materialised.append(i)
        return make_rows(chunk_rows, n_features, seed=i)

    data = da.concatenate(
        [
            da.from_delayed(
                dask.delayed(load_chunk)(i),
                shape=(chunk_rows, n_features + 1),
                dtype=np.float64,
            )
            for i in range(n_chunks)
        ]
    )
    X, y = data[:, :-1], data[:, -1]
    assert materialised == []

    selector = CancelOutSelector(batch_size=25, max_features=3, random_state=0)
    for epoch in range(n_epochs):
        for i in range(X.numblocks[0]):
            X_chunk, y_chunk = dask.compute(
                X.blocks[i], y.blocks[i], scheduler="synchronous"
            )
            selector.partial_fit(X_chunk, y_chunk)
            # Exactly the chunks streamed so far were loaded, each once per
            # epoch: no chunk is read ahead, none is held from before.
            assert materialised == list(range(n_chunks)) * epoch + list(range(i + 1))

    assert_array_equal(selector.get_support(indices=True), INFORMATIVE)
