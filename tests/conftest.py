import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression


@pytest.fixture(scope="session")
def informative_classification():
    """300 x 12, columns 0..2 carry the signal, the rest are noise."""
    X, y = make_classification(
        n_samples=300,
        n_features=12,
        n_informative=3,
        n_redundant=0,
        n_repeated=0,
        shuffle=False,
        class_sep=1.5,
        random_state=0,
    )
    return X, y


@pytest.fixture(scope="session")
def informative_regression():
    """200 x 10 regression, columns 0..2 informative."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 10))
    y = 3 * X[:, 0] - 2 * X[:, 1] + X[:, 2] ** 2 + 0.1 * rng.normal(size=200)
    return X, y


@pytest.fixture(scope="session")
def small_regression():
    X, y = make_regression(n_samples=120, n_features=6, n_informative=2, random_state=0)
    return X, y


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Single-threaded BLAS and OpenMP for every test.

    The tests fit many tiny models; on 2 cores a threaded OpenBLAS spends far
    longer synchronising its threads than computing on them.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture
def record_on_call(monkeypatch):
    """``record_on_call(module, name, probe)``: wrap ``module.name`` so each call
    first appends ``probe()`` to the returned list (e.g. the torch thread count
    or the subnormal mode in force while training)."""

    def install(module, name, probe):
        seen, real = [], getattr(module, name)

        def wrapper(*args, **kwargs):
            seen.append(probe())
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)
        return seen

    return install
