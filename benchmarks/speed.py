"""Speed and memory of CancelOutSelector, as ratios taken in one run.

Memory probes run in a fresh ``spawn``-ed process so earlier fits in this
process (freed but still held by ``malloc``) do not hide the growth.
"""

import multiprocessing
import resource
import time

import joblib
import numpy as np
import torch
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skcancelout._selector import batch_rows

from . import metrics
from .original_cancelout import original_cancelout


def _selector(**params):
    from skcancelout import CancelOutSelector

    return CancelOutSelector(**params)


def _classification(n, d, seed=0):
    X, y = make_classification(
        n_samples=n, n_features=d, n_informative=min(10, d // 2), random_state=seed
    )
    return X.astype(np.float32), y


def _rf_seconds(X, y):
    forest = RandomForestClassifier(n_estimators=300, n_jobs=-1, random_state=0)
    return metrics.timed(forest.fit, X, y)[1]


def default_fit_ratios(n=2000, d=500, repeats=3):
    """(a) default fit vs a 300-tree forest and vs the original recipe.

    skcancelout, the forest and the original recipe are each fitted
    ``repeats`` times, alternating, and compared by the median of their
    fits (the fastest fits' ratio and each repeat's are recorded too). The
    original recipe runs on the torch threads skcancelout may use (the
    process default), not on the peers' thread count of the quality
    section: a ratio of two torch trainings compares them on equal cores.
    """
    X, y = _classification(n, d)
    ours, forest, original = [], [], []
    for _ in range(repeats):
        selector, took = metrics.timed(_selector(random_state=0).fit, X, y)
        ours.append(took)
        forest.append(_rf_seconds(X, y))
        original.append(metrics.timed(original_cancelout, X, y, "classification", 0)[1])
    return selector, {
        "shape": [n, d],
        "torch_threads": torch.get_num_threads(),
        "skcancelout_seconds": min(ours),
        "random_forest_300_seconds": min(forest),
        "original_cancelout_seconds": min(original),
        "skcancelout_seconds_all": ours,
        "random_forest_300_seconds_all": forest,
        "original_cancelout_seconds_all": original,
        **fit_ratios(ours, forest, original),
    }


def fit_ratios(ours, forest, original):
    """skcancelout's fit time over the peers', three ways.

    The fastest fit of each (each side's best case), the medians, and the
    ratio within each repeat (fits run back to back, so the machine's
    drift from repeat to repeat cancels): the fastest-fit ratio can pair
    one side's lucky fit with the other's typical one.
    """
    paired_forest = [a / b for a, b in zip(ours, forest, strict=True)]
    paired_original = [a / b for a, b in zip(ours, original, strict=True)]
    return {
        "ratio_to_random_forest": min(ours) / min(forest),
        "ratio_to_original": min(ours) / min(original),
        "median_ratio_to_random_forest": float(np.median(ours) / np.median(forest)),
        "median_ratio_to_original": float(np.median(ours) / np.median(original)),
        "paired_ratios_to_random_forest": paired_forest,
        "paired_ratios_to_original": paired_original,
    }


def scaling(sizes, make, cap_seconds, log=print):
    """Fit time over sizes; stop growing once one fit exceeds ``cap_seconds``."""
    points = []
    for size in sizes:
        X, y = make(size)
        fitted, ours = metrics.timed(_selector(random_state=0).fit, X, y)
        forest = _rf_seconds(X, y)
        # The default fit stops when its loss stalls, so sizes differ in
        # epochs; the time per epoch separates size from training length.
        points.append(
            {
                "size": size,
                "skcancelout": ours,
                "random_forest": forest,
                "skcancelout_epochs": fitted.n_iter_,
            }
        )
        log(
            f"  size={size}: skcancelout {ours:.2f}s ({fitted.n_iter_} epochs), "
            f"random forest {forest:.2f}s"
        )
        if max(ours, forest) > cap_seconds:
            break
    return points


def _model_bytes(selector, d, n_outputs):
    """float32 parameters + gradients + two Adam moments."""
    sizes = [d, *selector.hidden_layer_sizes, n_outputs]
    per_net = d + sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    return 4 * 4 * per_net * selector.n_estimators


def _memory_probe(n, d, params, dtype="float32"):
    """Runs in a child process: memory of one fit on data of ``dtype``."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d), dtype=np.float32).astype(dtype, copy=False)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    # The first fit in the process, measured as it comes ("cold"): it also
    # pays the process's one-time setup, which the fit measured below does
    # not.
    _, _, cold_rss, cold_live = metrics.profiled(
        _selector(random_state=0, **params).fit, X, y
    )
    # Then a warm-up on all cores: lazy imports, the thread pool with its
    # per-thread stacks and malloc arenas, and the BLAS's packing buffers are
    # set up once per process, not once per fit. The buffers grow with the
    # shapes of the products, and "auto" batches of a fit on up to 4096 rows
    # have the shapes of the measured fit's (a 100-row warm-up left MKL's
    # 10 MB per thread of an AVX-512 CPU to the measured fit). What it still
    # adds after the cold fit is ``warm_up_live_heap_growth_bytes``.
    live_before = metrics.live_heap_bytes()
    warm = slice(0, min(n, 4096))
    _selector(max_iter=1, n_jobs=-1).fit(X[warm], y[warm])
    live_after = metrics.live_heap_bytes()
    selector = _selector(random_state=0, **params)
    rss_before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _, seconds, rss_growth, live_growth = metrics.profiled(selector.fit, X, y)
    rss_after_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # A second, identical fit under tracemalloc, after the readings above.
    traced = metrics.traced_peak(_selector(random_state=0, **params).fit, X, y)
    return {
        "shape": [n, d],
        "params": params,
        "fit_seconds": seconds,
        "dtype": str(X.dtype),
        "X_float32_bytes": X.size * 4,
        "X_bytes": X.nbytes,
        "model_bytes": _model_bytes(selector, d, 2),
        "tracemalloc_peak_bytes": traced,
        "peak_rss_growth_bytes": rss_growth,
        "peak_live_heap_growth_bytes": live_growth,
        "cold_peak_rss_growth_bytes": cold_rss,
        "cold_peak_live_heap_growth_bytes": cold_live,
        "maxrss_growth_bytes": 1024 * max(0, rss_after_kb - rss_before_kb),
        "warm_up_live_heap_growth_bytes": (
            None if live_before is None else live_after - live_before
        ),
    }


def memory_probe(n, d, params=None, dtype="float32"):
    """(c)/(e) peak memory of a fit, measured in a fresh process.

    The budget is twice X's float32 size plus the model whatever ``dtype``
    X has: a float64 X (NumPy's default) must not cost the fit more.
    """
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        out = pool.apply(_memory_probe, (n, d, params or {}, dtype))
    budget = 2 * out["X_float32_bytes"] + out["model_bytes"]
    out["budget_2x_X_plus_model_bytes"] = budget
    out["ratio_peak_rss_to_budget"] = out["peak_rss_growth_bytes"] / budget
    live = out["peak_live_heap_growth_bytes"]
    out["ratio_peak_live_heap_to_budget"] = None if live is None else live / budget
    out["ratio_cold_peak_rss_to_budget"] = out["cold_peak_rss_growth_bytes"] / budget
    cold = out["cold_peak_live_heap_growth_bytes"]
    out["ratio_cold_peak_live_heap_to_budget"] = None if cold is None else cold / budget
    # A stricter reading of the target: the user's X counted in the fit's
    # peak, beside what the fit adds.
    for key, growth in (("", live), ("cold_", cold)):
        out[f"ratio_{key}peak_live_heap_with_X_to_budget"] = (
            None if growth is None else (out["X_bytes"] + growth) / budget
        )
    return out


def _operand(shape, transposed):
    """A random tensor of ``shape``; with ``transposed``, a transposed view."""
    if not transposed:
        return torch.randn(shape)
    return torch.randn((*shape[:-2], shape[-1], shape[-2])).transpose(-1, -2)


def _matmul_seconds(a_shape, b_shape, repeats, blocks=5, ta=False, tb=False):
    """Seconds per product: the fastest mean over ``blocks`` runs of ``repeats``.

    A best case, like the fastest fit it is compared with; a single long
    average would count whatever else the machine did meanwhile. ``ta`` /
    ``tb``: that operand is a transposed view, as in the training step.
    """
    a, b = _operand(a_shape, ta), _operand(b_shape, tb)
    torch.matmul(a, b)
    best = float("inf")
    for _ in range(blocks):
        start = time.perf_counter()
        for _ in range(repeats):
            torch.matmul(a, b)
        best = min(best, (time.perf_counter() - start) / repeats)
    return best


def _layer_shapes(selector, batch, d, n_outputs):
    """(flops multiplier, a shape, b shape) per layer of one training step."""
    k = selector.n_estimators
    sizes = [*selector.hidden_layer_sizes, n_outputs]
    # First layer: one (batch, d) x (d, K*h) product; forward + weight gradient
    # (the raw input needs no gradient). Deeper layers: forward + both grads.
    shapes = [(2, (batch, d), (d, k * sizes[0]))]
    shapes += [
        (3, (k, batch, a), (k, a, b))
        for a, b in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    return shapes


def _products(multiplier, a_shape, b_shape):
    """The products of one layer of a training step, as the step runs them.

    ``(a shape, b shape, a transposed, b transposed)`` for the forward
    product, the weight gradient (the layer's input, transposed, times the
    output's gradient) and, for a deeper layer (``multiplier`` 3), the
    input's gradient (the output's gradient times the weights, transposed);
    the first layer's input needs no gradient. Each has the forward
    product's FLOPs.

    Examples
    --------
    >>> for product in _products(2, (250, 500), (500, 256)):
    ...     print(product)
    ((250, 500), (500, 256), False, False)
    ((500, 250), (250, 256), True, False)
    """
    *lead, rows, inner = a_shape
    out = (*lead, rows, b_shape[-1])
    products = [
        (a_shape, b_shape, False, False),
        ((*lead, inner, rows), out, True, False),
    ]
    if multiplier == 3:
        products.append((out, (*lead, b_shape[-1], inner), False, True))
    return products


def _best_matmul_step_seconds(shapes, repeats):
    """Step time if every product ran at torch.matmul speed (best thread count)."""
    before = torch.get_num_threads()
    best = float("inf")
    try:
        # The cores this process may use (affinity, container quotas), as
        # the selector counts them: os.cpu_count() may count more.
        for threads in sorted({1, joblib.cpu_count()}):
            torch.set_num_threads(threads)
            step = sum(
                _matmul_seconds(a, b, repeats, ta=ta, tb=tb)
                for m, a0, b0 in shapes
                for a, b, ta, tb in _products(m, a0, b0)
            )
            best = min(best, step)
    finally:
        torch.set_num_threads(before)
    return best


def _trained_rows(selector, n):
    """(rows trained on, summed over epochs; rows per epoch).

    With early stopping every epoch trains on the split without the
    held-out rows.
    """
    if not getattr(selector, "validation_loss_curve_", None):
        return selector.n_iter_ * n, n
    n_split = n - int(np.ceil(selector.validation_fraction * n))
    return selector.n_iter_ * n_split, n_split


def _training_shapes(selector, n, d):
    """(layer shapes of one step, rows trained over all epochs, batch rows)."""
    n_outputs = len(selector.classes_)
    rows, n_split = _trained_rows(selector, n)
    batch = batch_rows(selector.batch_size, n_split)
    return _layer_shapes(selector, batch, d, n_outputs), rows, batch


class LoopClock:
    """Sums the seconds spent in the training loop (``_training.fit_loop``).

    While active, every fit's call of the loop is timed; the work of the
    fit around it (validating and standardizing X, the univariate and
    redundancy passes, the importances) is not. A subclass times another
    function of ``_training`` by setting ``function`` (and may wrap the
    call by overriding ``_call``).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(60, 4))
    >>> with LoopClock() as clock:
    ...     _ = _selector(max_iter=2, n_estimators=2).fit(X, X[:, 0] > 0)
    >>> clock.calls, clock.seconds > 0
    (1, True)
    """

    function = "fit_loop"

    def __init__(self):
        self.seconds, self.calls = 0.0, 0
        self._original = None

    def _call(self, *args, **kwargs):
        return self._original(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self._call(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1

    def __enter__(self):
        from skcancelout import _training

        self._original = getattr(_training, self.function)
        setattr(_training, self.function, self)
        return self

    def __exit__(self, *exc):
        from skcancelout import _training

        setattr(_training, self.function, self._original)


def throughput(selector, n, d, seconds, repeats=10, reference_seconds=(), timed="fit"):
    """(d) achieved training FLOP/s vs torch.matmul at the same shapes.

    ``selector`` was fitted on ``n`` rows; ``seconds`` is the time of what
    ``timed`` names: the whole ``"fit"``, or its training ``"loop"`` alone
    (see :class:`LoopClock`). Only the products of the training steps
    count as work; the rest of a step (the optimizer, the loss, the gates,
    gathering batches) and, for the whole fit, the work before and after
    training are the overhead the ratio measures. The matmul reference is
    a best case, timed on the products the steps run (:func:`_products`):
    the fastest of one measurement taken now and any ``reference_seconds``
    (per-step) taken between earlier fits.
    """
    shapes, rows, batch = _training_shapes(selector, n, d)
    step_flops = sum(m * 2 * np.prod(a) * b[-1] for m, a, b in shapes)
    steps = rows / batch  # a short last batch counts as its share of one
    flops = float(step_flops) * steps
    references = [*reference_seconds, _best_matmul_step_seconds(shapes, repeats)]
    ideal = min(references) * steps
    return {
        "batch_size": batch,
        "epochs": selector.n_iter_,
        "rows_trained": rows,
        "training_gflop": flops / 1e9,
        f"{timed}_seconds": seconds,
        "achieved_gflops_per_s": flops / seconds / 1e9,
        "matmul_gflops_per_s": flops / ideal / 1e9,
        "matmul_gflops_per_s_all": [
            float(step_flops) / ref / 1e9 for ref in references
        ],
        "achieved_over_matmul": ideal / seconds,
    }


def loop_throughput(n=2000, d=500, repeats=3):
    """(d) the training loop alone: every row, all ``max_iter`` epochs.

    ``early_stopping=False``, so no validation passes or held-out rows, and
    only the loop is timed (:class:`LoopClock`), not the fit's work before
    and after it. The fastest of ``repeats`` loops is compared with the
    fastest matmul reference, measured after each fit so both sample the
    same stretch of a noisy machine.
    """
    X, y = _classification(n, d)
    params = dict(random_state=0, early_stopping=False)
    loops, fits, references = [], [], []
    for _ in range(repeats):
        with LoopClock() as clock:
            selector, took = metrics.timed(_selector(**params).fit, X, y)
        loops.append(clock.seconds)
        fits.append(took)
        shapes = _training_shapes(selector, n, d)[0]
        references.append(_best_matmul_step_seconds(shapes, 10))
    out = throughput(
        selector, n, d, min(loops), reference_seconds=references, timed="loop"
    )
    out["matmul_step_seconds_all"] = references
    out["loop_seconds_all"] = loops
    out["fit_seconds_all"] = fits
    return out


def parallel_search(n=1000, d=200, n_jobs=2):
    """(f) a GridSearchCV over ``alpha``, run with one worker and ``n_jobs``.

    Each joblib worker may use only its share of the cores; a selector that
    took every core in every worker would make the parallel search slower
    than the sequential one. The ratio parallel / sequential shows it. The
    first parallel search also starts joblib's worker processes (each
    imports torch); the same search run again reuses them, so both are
    timed.
    """
    X, y = _classification(n, d)
    pipe = make_pipeline(
        _selector(max_iter=30, max_features=8, random_state=0), LogisticRegression()
    )
    alphas, folds = [0.003, 0.01, 0.03, 0.1], 3
    grid = {"canceloutselector__alpha": alphas}
    seconds = {}
    for name, jobs in (("sequential", 1), ("first", n_jobs), ("warm", n_jobs)):
        search = GridSearchCV(pipe, grid, cv=folds, n_jobs=jobs)
        seconds[name] = metrics.timed(search.fit, X, y)[1]
    return {
        "shape": [n, d],
        "fits": len(alphas) * folds + 1,  # and the refit on all rows
        "sequential_seconds": seconds["sequential"],
        f"n_jobs={n_jobs}_seconds": seconds["first"],
        f"n_jobs={n_jobs}_warm_seconds": seconds["warm"],
        "ratio_parallel_to_sequential": seconds["first"] / seconds["sequential"],
        "ratio_warm_parallel_to_sequential": seconds["warm"] / seconds["sequential"],
    }
