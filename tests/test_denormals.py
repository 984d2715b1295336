"""Training treats float32 subnormals as zero, in every thread, only while it trains."""

import os
import threading

import pytest
import torch
from sklearn.datasets import make_classification

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

    # The flag is per thread: each of torch's intra-op threads must have it.
    # Threads inherit it when created, so the pool must exist beforehand.
    def set_everywhere(flag):  # in the two threads the fit below uses
        threads = torch.get_num_threads()
        torch.set_num_threads(2)
        training.in_every_thread(lambda: torch.set_flush_denormal(flag))
        torch.set_num_threads(threads)

    def modes():
        return training.in_every_thread(training.denormals_flushed)

    set_everywhere(outside)
    seen = record_on_call(training, "fit_loop", modes)
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    try:
        # n_jobs=2 trains on two threads whatever the size of the data.
        CancelOutSelector(max_iter=2, n_estimators=2, random_state=0, n_jobs=2).fit(
            X, y
        )
        CancelOutSelector(n_estimators=2, random_state=0).partial_fit(
            X, y, classes=[0, 1]
        )
        assert [all(call) for call in seen] == [True, True]
        if training._GOMP_PARALLEL is not None and (os.cpu_count() or 1) > 1:
            assert len(seen[0]) == 2  # the worker thread was checked too
        assert modes() == [outside] * len(modes())
    finally:
        set_everywhere(False)


def test_every_intra_op_thread_is_reached(monkeypatch):
    if training._GOMP_PARALLEL is None:
        pytest.skip("torch's OpenMP runtime (libgomp) is not loaded in this build")
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    seen = training.in_every_thread(threading.get_ident)
    assert len(seen) == 2 and len(set(seen)) == 2
    assert seen[0] == threading.get_ident()
