"""hit@k and stability of one CancelOutSelector setting on chosen tasks.

A quick way to test a lever before a full run of the harness::

    python -m benchmarks.sweep '{"weight_decay": 0.01}' diabetes+probes,wine+probes 5

fits ``CancelOutSelector(random_state=seed, **params)`` on the training split
of each task (as ``benchmarks.run`` does) for seeds 0..n-1 and prints one
line: ``task=hit@k/stability/mean fit seconds``. ``--offset 100`` trains
with selector seeds 100..100+n-1 on the same data (data seeds 0..n-1).

torch runs on one thread here. Under the default ``n_jobs=None`` every
development task's fit in the harness does too (its largest product per
step stays below the 2**24 multiply-adds from which a second thread is
taken; wide's, the largest, is 32 x 2000 x 256 = 16.4M), so the
two give the same fits; a setting that enlarges the networks or the
batch can cross that line, and then the harness may round differently.
"""

import argparse
import json

import numpy as np
import torch

from skcancelout import CancelOutSelector

from . import metrics
from .tasks import TASKS


def sweep(params, tasks, n_seeds, offset=0):
    """{task: (mean hit@k, stability, mean fit seconds)}."""
    out = {}
    for name in tasks:
        hits, seconds, tops = [], [], []
        for seed in range(n_seeds):
            task = TASKS[name](seed)
            X_train, _, y_train, _ = metrics.split(task.X, task.y, task.kind, seed)
            selector = CancelOutSelector(random_state=seed + offset, **params)
            fitted, fit_seconds = metrics.timed(selector.fit, X_train, y_train)
            importances = fitted.feature_importances_
            seconds.append(fit_seconds)
            hits.append(metrics.hit_at_k(importances, task.relevant_mask))
            tops.append(metrics.top_k(importances, int(task.relevant_mask.sum())))
        out[name] = (
            float(np.mean(hits)),
            metrics.stability(tops),
            float(np.mean(seconds)),
        )
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("params", help="JSON dict of CancelOutSelector parameters")
    parser.add_argument("tasks", help="comma-separated task names")
    parser.add_argument("seeds", type=int, nargs="?", default=5)
    parser.add_argument(
        "--offset", type=int, default=0, help="added to each selector seed"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    result = sweep(
        json.loads(args.params), args.tasks.split(","), args.seeds, args.offset
    )
    cells = " ".join(f"{k}={h:.2f}/{s:.2f}/{t:.1f}s" for k, (h, s, t) in result.items())
    print(args.params, "|", cells, flush=True)


if __name__ == "__main__":
    main()
