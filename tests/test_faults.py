"""Faults during fit, and the global state fit must leave as it found it."""

import copy
import hashlib
import os
import subprocess
import sys
import textwrap
import warnings

import joblib
import numpy as np
import pytest
import torch

import skcancelout._training as training
from skcancelout import CancelOutSelector

FAST = dict(max_iter=6, n_estimators=2, hidden_layer_sizes=(8,), random_state=0)
FAST_LR = CancelOutSelector().learning_rate_init


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 5))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    return X, y


def fail_epochs(monkeypatch, make_error, failing):
    """Epochs whose number (1-based, retries counted) is in ``failing`` raise
    ``make_error()`` before they train; the others train as usual."""
    real = training.train_epoch
    calls = []

    def train_epoch(*args, **kwargs):
        calls.append(None)
        if len(calls) in failing:
            raise make_error()
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "train_epoch", train_epoch)


def interrupt_at_epoch(monkeypatch, epoch):
    """Make the epoch number ``epoch`` (1-based) raise KeyboardInterrupt."""
    fail_epochs(monkeypatch, KeyboardInterrupt, {epoch})


def not_finite():
    return training.DivergedError("loss is not finite")


def diverge_first_epochs(monkeypatch, n_bad):
    """The first ``n_bad`` epochs hit a non-finite loss; the rest train."""
    fail_epochs(monkeypatch, not_finite, range(1, n_bad + 1))


def test_diverging_loss_warns_then_names_learning_rate_init(data):
    X, y = data
    with pytest.raises(ValueError, match=r"learning_rate_init \(now 1e\+30\)"):
        with pytest.warns(RuntimeWarning, match="learning rate halved"):
            CancelOutSelector(**{**FAST, "learning_rate_init": 1e30}).fit(
                X * 1e30, y[::-1] * 1.5
            )


def test_training_recovers_after_halving_the_learning_rate(data, monkeypatch):
    # A real loss that diverges at one rate and not at half of it depends on
    # float rounding; a simulated non-finite loss tests the backoff itself.
    X, y = data
    diverge_first_epochs(monkeypatch, n_bad=2)
    with pytest.warns(RuntimeWarning, match="halved") as record:
        selector = CancelOutSelector(**FAST).fit(X, y)
    assert [str(w.message).split("(")[1][:8] for w in record] == [
        "now 0.5 ",
        "now 0.25",
    ]
    # The warning names the caller's line, not the training loop's.
    assert {w.filename for w in record} == {__file__}
    assert selector.n_iter_ == FAST["max_iter"]
    assert np.all(np.isfinite(selector.loss_curve_))
    assert selector._optim_state["param_groups"][0]["lr"] < 0.25 * 0.01
    assert selector.transform(X).shape[0] == len(X)


def test_a_backoff_restarts_adam_from_the_last_good_parameters(data, monkeypatch):
    # The backoff keeps only the parameters of the last good epoch (the
    # moments that led into the divergence are dropped, and the checkpoint
    # saved every epoch holds one copy of the parameters, not three).
    X, y = data
    steady = CancelOutSelector(**FAST).fit(X, y)
    assert steady.n_iter_ == FAST["max_iter"]
    steps_per_epoch = steady._optim_state["state"][0]["step"] // FAST["max_iter"]
    fail_epochs(monkeypatch, not_finite, {3})  # after two good epochs
    with pytest.warns(RuntimeWarning, match="halved"):
        selector = CancelOutSelector(**FAST).fit(X, y)
    assert selector.n_iter_ == FAST["max_iter"]
    # Adam counted only the steps after the restart: epochs 3 to 6.
    state = selector._optim_state["state"][0]
    assert state["step"] == (FAST["max_iter"] - 2) * steps_per_epoch
    # The first two epochs are those of the steady fit, to the bit.
    assert selector.loss_curve_[:2] == steady.loss_curve_[:2]


def test_a_stream_keeps_the_halved_learning_rate(data, monkeypatch):
    # Halving once per batch, and back to the full rate at the next one,
    # would diverge and warn again on every batch of the stream.
    X, y = data
    selector = CancelOutSelector(**FAST)
    diverge_first_epochs(monkeypatch, n_bad=1)
    with pytest.warns(RuntimeWarning, match="later partial_fit calls keep it"):
        selector.partial_fit(X, y, classes=[0, 1])
    monkeypatch.undo()
    rates = []
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            selector.partial_fit(X, y)
        rates.append(selector._optim_state["param_groups"][0]["lr"])
    assert rates == [0.5 * FAST_LR, 0.5 * FAST_LR]
    # fit starts over at learning_rate_init.
    selector.fit(X, y)
    selector.partial_fit(X, y)
    assert selector._optim_state["param_groups"][0]["lr"] == FAST_LR


def test_too_many_divergences_give_up_with_advice(data, monkeypatch):
    X, y = data
    diverge_first_epochs(monkeypatch, n_bad=100)
    with pytest.raises(ValueError, match="Lower learning_rate_init"):
        with pytest.warns(RuntimeWarning, match="halved"):
            CancelOutSelector(**FAST).fit(X, y)


def test_ctrl_c_keeps_a_usable_selector(data, monkeypatch):
    X, y = data
    selector = CancelOutSelector(**FAST)
    interrupt_at_epoch(monkeypatch, 3)
    with pytest.warns(RuntimeWarning, match="interrupted") as record:
        selector.fit(X, y)
    assert record[0].filename == __file__
    assert selector.n_iter_ == 2 == len(selector.loss_curve_)  # epochs 1 and 2
    assert np.all(np.isfinite(selector.feature_importances_))
    assert selector.transform(X).shape == (len(X), selector.get_support().sum())
    monkeypatch.undo()
    selector.partial_fit(X, y)
    assert selector.n_iter_ == 3


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_ctrl_c_before_an_epoch_is_done_undoes_the_call(data, monkeypatch, method):
    # It was kept as a fit of nothing: a partial_fit counted the batch in
    # n_samples_seen_ and the statistics, and both fell back to another
    # importance formula (no first epoch to combine), which reordered them.
    X, y = data
    selector = CancelOutSelector(**FAST)
    selector.partial_fit(X, y, classes=[0, 1])
    before = copy.deepcopy(selector.__dict__)
    interrupt_at_epoch(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        getattr(selector, method)(X[:40], y[:40])
    assert selector.n_samples_seen_ == len(X)
    np.testing.assert_array_equal(
        selector.feature_importances_, before["feature_importances_"]
    )
    assert selector.__dict__.keys() == before.keys()


def test_unavailable_cuda_names_the_cpu_fix_before_training(data, monkeypatch):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA; the error path cannot be reached")
    X, y = data
    monkeypatch.setattr(training, "fit_loop", None)  # training must not start
    for method in ("fit", "partial_fit"):
        selector = CancelOutSelector(device="cuda", **FAST)
        kwargs = {"classes": [0, 1]} if method == "partial_fit" else {}
        with pytest.raises(ValueError, match="device='cpu'"):
            getattr(selector, method)(X, y, **kwargs)
        assert not hasattr(selector, "feature_importances_")


@pytest.mark.parametrize("n_jobs", [1, -1, None])
def test_torch_thread_count_and_dtype_restored(data, n_jobs):
    X, y = data
    before = torch.get_num_threads()
    dtype = torch.get_default_dtype()
    CancelOutSelector(n_jobs=n_jobs, **FAST).fit(X, y)
    assert torch.get_num_threads() == before
    assert torch.get_default_dtype() == dtype


@pytest.mark.parametrize(
    "n_jobs, allowed, expected",
    [(None, 1, 1), (None, 2, 2), (1, 2, 1), (-1, 1, joblib.cpu_count())],
)
def test_threads_during_a_large_fit(record_on_call, n_jobs, allowed, expected):
    """n_jobs=None never takes more threads than the process allows (a
    GridSearchCV(n_jobs=2) worker on 2 cores allows one), so parallel searches do not
    oversubscribe the cores; an explicit n_jobs is obeyed."""
    if allowed > joblib.cpu_count():
        pytest.skip(f"needs {allowed} cores")
    rng = np.random.RandomState(0)
    X = rng.normal(size=(2048, 500)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    seen = record_on_call(training, "train_epoch", torch.get_num_threads)
    before = torch.get_num_threads()
    torch.set_num_threads(allowed)
    try:
        CancelOutSelector(n_jobs=n_jobs, max_iter=1, random_state=0).fit(X, y)
        assert torch.get_num_threads() == allowed
    finally:
        torch.set_num_threads(before)
    assert seen == [expected]


@pytest.mark.slow
@pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux-only"
)
def test_n_jobs_counts_only_the_cpus_the_process_may_use():
    """Under taskset (or a container's CPU quota) os.cpu_count() still counts
    the whole machine; n_jobs=-1 and a larger n_jobs take only the CPUs
    this process may run on, as joblib's n_jobs do."""
    script = textwrap.dedent(
        """
        import os
        import numpy as np
        import torch
        from skcancelout import CancelOutSelector, _training
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        seen = []
        train_epoch = _training.train_epoch
        def recording(*args, **kwargs):
            seen.append(torch.get_num_threads())
            return train_epoch(*args, **kwargs)
        _training.train_epoch = recording
        rng = np.random.RandomState(0)
        X = rng.normal(size=(2048, 500)).astype(np.float32)
        y = (X[:, 0] > 0).astype(int)
        for n_jobs in (-1, 4):
            CancelOutSelector(n_jobs=n_jobs, max_iter=1, random_state=0).fit(X, y)
        print(seen)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["[1,", "1]"]


def test_torch_thread_count_restored_when_fit_fails(data, monkeypatch):
    X, y = data
    before = torch.get_num_threads()
    diverge_first_epochs(monkeypatch, n_bad=100)
    with pytest.raises(ValueError), pytest.warns(RuntimeWarning):
        CancelOutSelector(n_jobs=-1, **FAST).fit(X, y)
    assert torch.get_num_threads() == before
    interrupt_at_epoch(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        CancelOutSelector(n_jobs=-1, **FAST).fit(X, y)
    assert torch.get_num_threads() == before


def test_float64_torch_default_dtype_is_respected_and_harmless(data):
    X, y = data
    reference = CancelOutSelector(**FAST).fit(X, y)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        selector = CancelOutSelector(**FAST).fit(X, y)
        selector.partial_fit(X, y)
        assert torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(previous)
    reference.partial_fit(X, y)
    np.testing.assert_array_equal(
        selector.feature_importances_, reference.feature_importances_
    )


def test_global_generators_untouched_by_fit_partial_fit_transform(data):
    X, y = data
    np.random.seed(123)
    torch.manual_seed(123)
    np_state = np.random.get_state()
    torch_state = torch.random.get_rng_state()
    selector = CancelOutSelector(**FAST).fit(X, y)
    selector.partial_fit(X, y)
    CancelOutSelector(**FAST).partial_fit(X, y, classes=[0, 1])
    selector.transform(X)
    after = np.random.get_state()
    assert np_state[0] == after[0] and np.array_equal(np_state[1], after[1])
    assert np_state[2:] == after[2:]
    assert torch.equal(torch_state, torch.random.get_rng_state())


def test_random_state_none_follows_numpys_global_seed(data):
    # As in scikit-learn: np.random.seed makes fits with random_state=None
    # repeat, and each such fit moves the global stream on; torch's global
    # generator stays untouched.
    X, y = data
    unseeded = {k: v for k, v in FAST.items() if k != "random_state"}
    torch_state = torch.random.get_rng_state()
    np.random.seed(7)
    first = CancelOutSelector(**unseeded).fit(X, y).feature_importances_
    second = CancelOutSelector(**unseeded).fit(X, y).feature_importances_
    np.random.seed(7)
    again = CancelOutSelector(**unseeded).fit(X, y).feature_importances_
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second)
    assert torch.equal(torch_state, torch.random.get_rng_state())


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_memmap_input_is_read_and_never_written(data, tmp_path, dtype):
    X, y = data
    path = tmp_path / "X.dat"
    X.astype(dtype).tofile(path)
    digest = _digest(path)
    mapped = np.memmap(path, dtype=dtype, mode="r", shape=X.shape)
    selector = CancelOutSelector(**FAST).fit(mapped, y)
    selector.partial_fit(mapped, y)
    np.testing.assert_array_equal(
        selector.transform(mapped), mapped[:, selector.get_support()]
    )
    reference = CancelOutSelector(**FAST).fit(X.astype(dtype), y)
    np.testing.assert_array_equal(
        CancelOutSelector(**FAST).fit(mapped, y).feature_importances_,
        reference.feature_importances_,
    )
    del mapped
    assert _digest(path) == digest


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_read_only_arrays_are_accepted_and_untouched(data, dtype):
    X, y = data
    X = X.astype(dtype)
    X.setflags(write=False)
    y = y.copy()
    y.setflags(write=False)
    weights = np.linspace(0.5, 2.0, len(y))
    weights.setflags(write=False)
    copies = X.copy(), y.copy(), weights.copy()
    selector = CancelOutSelector(**FAST).fit(X, y, sample_weight=weights)
    selector.partial_fit(X, y, sample_weight=weights)
    selector.transform(X)
    for array, saved in zip((X, y, weights), copies, strict=True):
        np.testing.assert_array_equal(array, saved)


@pytest.mark.slow
def test_a_first_fit_in_a_fresh_process_does_not_import_torch_dynamo():
    # torch.optim's optimizers import torch._dynamo when built: 2-3 s on the
    # first fit of every process (each joblib worker, each CLI run).
    code = (
        "import sys\n"
        "from sklearn.datasets import make_classification\n"
        "from skcancelout import CancelOutSelector\n"
        "X, y = make_classification(60, 5, random_state=0)\n"
        "CancelOutSelector(max_iter=2, random_state=0).fit(X, y)\n"
        "CancelOutSelector(max_iter=2, random_state=0).partial_fit(X, y, [0, 1])\n"
        "print('torch._dynamo' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
