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
