"""Refit stability: does a method keep the same features when refitted on the same data?

The stability of the main table (``python -m benchmarks.run``) changes the
data with the seed: every seed draws new rows, new noise columns and new
probes, so it measures how well a method finds the same *relevant* columns
in new data, and is held down by missed relevant columns (see the
no-repeat bound in ``metrics.stability_ceiling``). A user who
refits a selector on their own data asks something else: with another
random seed, are the same features kept? Here the data stay fixed. For each
task and data seed s in 0..4, every method is fitted on the same 75 %
training split with method seeds s + r for r in ``REFIT_OFFSETS``, and the
*refit stability* of that data set is the mean pairwise Jaccard index of the
top-k sets (k = number of relevant columns). The table gives its mean over
the data seeds, next to the mean hit@k of all those fits. A method with no
randomness (the F test) scores 1.00 by construction, whatever it keeps.

Run from the repository root::

    python -m benchmarks.bench_refit --jobs 2  # full, about 30 minutes on 2 cores
    python -m benchmarks.bench_refit --smoke   # < 30 s

``--jobs N`` fits N (task, data seed) units at once in fresh processes:
the slow neural peers run on one torch thread each, so one process leaves
a core idle most of the time. The numbers do not depend on it.

Writes ``benchmarks/results/refit.json`` and ``refit.md``.
"""

import multiprocessing

import numpy as np

from . import metrics
from .peers import CHEAP, METHODS, available
from .quality import by_task_and_method
from .report import shown_name, side_benchmark_main
from .tasks import TASKS

#: Added to the data seed to give each refit's method seed.
REFIT_OFFSETS = (0, 100, 200)
DATA_SEEDS = range(5)
SMOKE_TASKS = ("wine+probes",)


def refit_task(name, data_seed, methods, offsets, scale=1.0):
    """Records of every method refitted on one task's training split."""
    task = TASKS[name](data_seed, scale)
    X_train, _, y_train, _ = metrics.split(task.X, task.y, task.kind, data_seed)
    k = int(task.relevant_mask.sum())
    records = []
    for method in methods:
        record = {"task": name, "method": method, "data_seed": data_seed}
        tops, hits = [], []
        try:
            for offset in offsets:
                importances = METHODS[method](
                    X_train, y_train, task.kind, data_seed + offset
                )
                tops.append(metrics.top_k(importances, k).tolist())
                hits.append(metrics.hit_at_k(importances, task.relevant_mask))
        except NotImplementedError as exc:
            record["unsupported"] = str(exc)
        except Exception as exc:  # a benchmark reports failures, it does not stop
            record["error"] = f"{type(exc).__name__}: {exc}"
        else:
            record.update(
                top_k=tops,
                hit_at_k=hits,
                refit_stability=metrics.stability(tops),
            )
        records.append(record)
    return records


def summarize(records):
    """Per (task, method): mean refit stability over data seeds, mean hit@k."""
    summary = []
    for (task, method), rows in by_task_and_method(records).items():
        ok = [r for r in rows if "refit_stability" in r]
        row = {"task": task, "method": method, "n_data_seeds": len(ok)}
        if ok:
            row["refit_stability"] = float(np.mean([r["refit_stability"] for r in ok]))
            row["hit_at_k"] = float(np.mean([h for r in ok for h in r["hit_at_k"]]))
        elif any("unsupported" in r for r in rows):
            row["unsupported"] = True
        summary.append(row)
    return summary


def _refit_unit(unit):
    records = refit_task(*unit)
    print(f"{unit[0]} data seed {unit[1]} done", flush=True)
    return records


def run(smoke=False, jobs=1):
    tasks = SMOKE_TASKS if smoke else tuple(TASKS)
    methods, skipped = available(CHEAP if smoke else tuple(METHODS))
    data_seeds = range(1) if smoke else DATA_SEEDS
    offsets = REFIT_OFFSETS[:2] if smoke else REFIT_OFFSETS
    scale = 0.2 if smoke else 1.0
    units = [
        (name, data_seed, methods, offsets, scale)
        for name in tasks
        for data_seed in data_seeds
    ]
    if jobs > 1:
        # Fresh processes: no torch or BLAS state shared with this one.
        context = multiprocessing.get_context("spawn")
        with context.Pool(jobs, maxtasksperchild=1) as pool:
            parts = pool.map(_refit_unit, units, chunksize=1)
    else:
        parts = [_refit_unit(unit) for unit in units]
    records = [record for part in parts for record in part]
    errors = [
        f"{r['task']}/{r['method']}/{r['data_seed']}: {r['error']}"
        for r in records
        if "error" in r
    ]
    if errors:
        # Like ``benchmarks.run``: a failed fit fails the command.
        raise RuntimeError("refit benchmark fits failed:\n" + "\n".join(errors))
    return {
        "offsets": list(offsets),
        "data_seeds": list(data_seeds),
        "skipped": skipped,
        "summary": summarize(records),
        "records": records,
    }


def _cell(row):
    if row is None or row.get("unsupported"):
        return "n/a"
    return f"{row['refit_stability']:.2f} / {row['hit_at_k']:.2f}"


def markdown(result, smoke):
    summary = result["summary"]
    tasks = list(dict.fromkeys(s["task"] for s in summary))
    methods = list(dict.fromkeys(s["method"] for s in summary))
    cell = {(s["task"], s["method"]): s for s in summary}
    n_refits = len(result["offsets"])
    seeds = result["data_seeds"]
    seed_text = (
        f"data seed {seeds[0]}"
        if len(seeds) == 1
        else f"data seeds {seeds[0]}-{seeds[-1]}"
    )
    lines = [
        "# Refit stability" + (" (smoke run)" if smoke else ""),
        "",
        f"Refit stability / mean hit@k: each method fitted {n_refits} times "
        f"on the same training split with different random seeds ({seed_text}); refit "
        "stability is the mean pairwise Jaccard index of the top-k sets, "
        "averaged over the data seeds. Regenerate with "
        "`python -m benchmarks.bench_refit`.",
        "",
        "| task | " + " | ".join(map(shown_name, methods)) + " |",
        "|---|" + "---|" * len(methods),
    ]
    for task in tasks:
        cells = [_cell(cell.get((task, method))) for method in methods]
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    counts = []
    for method in methods:
        rows = [cell[(t, method)] for t in tasks if (t, method) in cell]
        scored = [r for r in rows if "refit_stability" in r]
        steady = sum(r["refit_stability"] >= 0.9 for r in scored)
        counts.append(f"{steady} of {len(scored)}")
    lines.append("| tasks at >= 0.9 | " + " | ".join(counts) + " |")
    for name, reason in result["skipped"].items():
        lines += ["", f"Skipped {name}: {reason}."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    side_benchmark_main(
        "refit", __doc__.splitlines()[0], run, markdown, argv=argv, jobs=True
    )


if __name__ == "__main__":
    main()
