"""Where a training step's time goes: the loop's gap to matmul, taken apart.

The main run's speed section compares the whole training loop with
``torch.matmul`` at the same shapes (the loop-throughput ratio). This
benchmark says what the rest of the step is: a default fit (without early
stopping) runs under ``torch.profiler``, and each operator's own time is
put in one of a few groups (the first layer's two products, the later
layers' batched products, Adam, gathering the batch, everything else:
elementwise operations, reductions and copies), next to the time of the
same first-layer products run on their own, back to back. The profiler
slows every operator down a little, so the groups are given as shares of
the profiled step and the step itself is timed again without it.

Run from the repository root::

    python -m benchmarks.bench_step          # about 20 s on 2 cores
    python -m benchmarks.bench_step --smoke  # about 10 s

Writes ``benchmarks/results/step.json`` and ``step.md``.
"""

from torch.profiler import ProfilerActivity, profile, record_function

from . import speed
from .report import side_benchmark_main

EPOCH = "skcancelout train_epoch"
GROUPS = (
    "first-layer products",
    "later-layer products",
    "optimizer (Adam)",
    "batch gathering",
    "elementwise, reductions, copies",
)


def group_of(name, shapes, n_features):
    """The group of one profiled operator, from its name and input shapes.

    Examples
    --------
    >>> group_of("aten::addmm", [[1, 256], [250, 500], [500, 256]], 500)
    'first-layer products'
    >>> group_of("aten::bmm", [[8, 250, 32], [8, 32, 32]], 500)
    'later-layer products'
    >>> group_of("aten::mul", [[500, 8, 32], [500, 8, 1]], 500)
    'elementwise, reductions, copies'
    """
    if name in ("aten::mm", "aten::addmm"):
        if any(n_features in shape for shape in shapes if shape):
            return GROUPS[0]
        return GROUPS[1]
    if name in ("aten::bmm", "aten::baddbmm"):
        return GROUPS[1]
    if "adam" in name:
        return GROUPS[2]
    if name == "aten::index_select":
        return GROUPS[3]
    return GROUPS[4]


def _steps(selector, n):
    shapes, rows, batch = speed._training_shapes(selector, n, selector.n_features_in_)
    return rows / batch, shapes


class _EpochClock(speed.LoopClock):
    """Times ``_training.train_epoch`` and names it for the profiler.

    The fit around the loop (standardizing, the univariate and redundancy
    passes, the importances) is left out of both the timing and the
    profile.
    """

    function = "train_epoch"

    def _call(self, *args, **kwargs):
        with record_function(EPOCH):
            return super()._call(*args, **kwargs)


def _inside_epochs(event):
    parent = event.cpu_parent
    while parent is not None:
        if parent.name == EPOCH:
            return True
        parent = parent.cpu_parent
    return False


def run(smoke):
    n, d = (300, 50) if smoke else (2000, 500)
    epochs = 3 if smoke else 20
    X, y = speed._classification(n, d)
    params = dict(random_state=0, early_stopping=False, max_iter=epochs)
    speed._selector(**params).fit(X, y)  # one-time setup out of the way
    seconds = []
    for _ in range(1 if smoke else 3):
        selector = speed._selector(**params)
        with _EpochClock() as clock:
            selector.fit(X, y)
        seconds.append(clock.seconds)
    steps, shapes = _steps(selector, n)
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        with _EpochClock() as clock:
            speed._selector(**params).fit(X, y)
    profiled_seconds = clock.seconds
    own = dict.fromkeys(GROUPS, 0.0)
    for event in prof.events():
        if event.name != EPOCH and _inside_epochs(event):
            group = group_of(event.name, event.input_shapes, d)
            own[group] += event.self_cpu_time_total / 1e6
    in_ops = sum(own.values())
    shares = {group: value / profiled_seconds for group, value in own.items()}
    shares["outside operators (Python, dispatch)"] = 1 - in_ops / profiled_seconds
    step = min(seconds) / steps
    return {
        "shape": [n, d],
        "epochs": epochs,
        "batch_rows": int(shapes[0][1][0]),
        "steps": steps,
        "loop_seconds_all": seconds,
        "step_ms": 1e3 * step,
        "profiled_step_ms": 1e3 * profiled_seconds / steps,
        "shares_of_profiled_step": shares,
        "first_layer_profiled_ms_per_step": 1e3 * own[GROUPS[0]] / steps,
        # Forward and weight gradient: two products of one size (see speed).
        "first_layer_isolated_ms_per_step": 1e3
        * speed._best_matmul_step_seconds(shapes[:1], 20),
        "all_products_isolated_ms_per_step": 1e3
        * speed._best_matmul_step_seconds(shapes, 20),
    }


def markdown(result, smoke):
    n, d = result["shape"]
    lines = [
        "# Where a training step's time goes" + (" (smoke run)" if smoke else ""),
        "",
        f"A default fit on {n} x {d} (classification, early stopping off, "
        f"{result['epochs']} epochs, batches of {result['batch_rows']} rows, "
        f"{result['steps']:.0f} steps). Regenerate with "
        "`python -m benchmarks.bench_step`.",
        "",
        f"- One step takes {result['step_ms']:.2f} ms (the training loop of "
        "the fastest timed fit, without the work before and after it; "
        f"{result['profiled_step_ms']:.2f} ms under the profiler).",
        "- Every product of the step, run alone at the step's shapes: "
        f"{result['all_products_isolated_ms_per_step']:.2f} ms (the "
        "loop-throughput ratio's reference).",
        "- The first layer's two products: "
        f"{result['first_layer_isolated_ms_per_step']:.2f} ms alone, "
        f"{result['first_layer_profiled_ms_per_step']:.2f} ms inside the "
        "profiled step.",
        "",
        "| part of the step | share of the profiled step |",
        "|---|---|",
    ]
    for group, share in result["shares_of_profiled_step"].items():
        lines.append(f"| {group} | {share:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    side_benchmark_main("step", __doc__.splitlines()[0], run, markdown, argv=argv)


if __name__ == "__main__":
    main()
