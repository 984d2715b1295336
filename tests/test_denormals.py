"""Training treats float32 subnormals as zero, and only while it trains."""

import pytest
import torch
from sklearn.datasets import make_classification

import skcancelout._selector as selector_module
import skcancelout._training as training
from skcancelout import CancelOutSelector


@pytest.mark.parametrize("outside", [False, True])
def test_training_flushes_subnormals_and_restores_the_callers_mode(
    record_on_call, outside
):
    # Nearly shut gates drive gradients and Adam moments below float32's
    # normal range, where CPUs slow down several times; training treats
    # them as zero and leaves the caller's mode as it found it.
    if not torch.set_flush_denormal(outside):
        pytest.skip("this CPU has no flush-to-zero mode to test")
    seen = record_on_call(selector_module, "fit_loop", training.denormals_flushed)
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    try:
        CancelOutSelector(max_iter=2, n_estimators=2, random_state=0).fit(X, y)
        CancelOutSelector(n_estimators=2, random_state=0).partial_fit(
            X, y, classes=[0, 1]
        )
        assert seen == [True, True]
        assert training.denormals_flushed() == outside
    finally:
        torch.set_flush_denormal(False)
