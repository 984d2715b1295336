"""LassoNet at its own defaults, against the budget the main harness gives it.

The main run (``python -m benchmarks.run``) gives LassoNet a reduced budget
(``peers.LASSONET_BUDGET``: 32 hidden units, 50 then 5 epochs per step of
the path, a path multiplier of 1.2), since its defaults (100 units, 1000
then 100 epochs, patience 100 then 10, multiplier 1.02) take tens of
seconds to many minutes a fit. This side run fits it with the package's
defaults on the same training splits and seeds, so a reader can see what
the budget costs it. The table puts the main run's numbers (budget
LassoNet, the best peer, skcancelout; read from ``results/results.json``)
beside them.

Run from the repository root::

    python -m benchmarks.bench_lassonet --jobs 2  # full: about 26 minutes on 2 cores
    python -m benchmarks.bench_lassonet --smoke   # < 30 s

Writes ``benchmarks/results/lassonet.json`` and ``lassonet.md``.
"""

import json
import multiprocessing
import time
from pathlib import Path

import numpy as np
import torch

from . import metrics
from .peers import available, lassonet_path
from .report import side_benchmark_main
from .tasks import TASKS

SEEDS = range(5)
SMOKE_TASKS = ("diabetes+probes",)
MAIN_RESULTS = Path(__file__).parent / "results" / "results.json"


def defaults_fit(name, seed, scale=1.0, budget=None):
    """hit@k, top k and seconds of LassoNet (default budget) on one task."""
    torch.set_num_threads(1)  # as the main run's neural peers
    task = TASKS[name](seed, scale)
    X_train, _, y_train, _ = metrics.split(task.X, task.y, task.kind, seed)
    start = time.perf_counter()
    importances = lassonet_path(X_train, y_train, task.kind, seed, budget or {})
    seconds = time.perf_counter() - start
    k = int(task.relevant_mask.sum())
    print(f"{name} seed {seed}: {seconds:.0f} s", flush=True)
    return {
        "task": name,
        "seed": seed,
        "hit_at_k": metrics.hit_at_k(importances, task.relevant_mask),
        "top_k": metrics.top_k(importances, k).tolist(),
        "fit_seconds": seconds,
    }


def _unit(args):
    return defaults_fit(*args)


def summarize(records):
    """Per task: mean hit@k, stability over seeds, mean fit seconds."""
    summary = {}
    for name in dict.fromkeys(r["task"] for r in records):
        rows = [r for r in records if r["task"] == name]
        summary[name] = {
            "hit_at_k": float(np.mean([r["hit_at_k"] for r in rows])),
            "stability": metrics.stability([r["top_k"] for r in rows]),
            "fit_seconds": float(np.mean([r["fit_seconds"] for r in rows])),
            "n_seeds": len(rows),
        }
    return summary


def main_run_numbers(path=MAIN_RESULTS):
    """{task: {method: summary row}} of the committed main run, or {}."""
    if not path.exists():
        return {}
    rows = json.loads(path.read_text())["summary"]
    table = {}
    for row in rows:
        table.setdefault(row["task"], {})[row["method"]] = row
    return table


def run(smoke=False, jobs=1):
    methods, skipped = available(("lassonet",))
    if not methods:
        return {"skipped": skipped, "records": [], "summary": {}, "main_run": {}}
    tasks = SMOKE_TASKS if smoke else tuple(TASKS)
    seeds = range(1) if smoke else SEEDS
    # The smoke run only checks the plumbing: a short path on a fifth of
    # the rows.
    budget = {"n_iters": (20, 2), "path_multiplier": 1.5} if smoke else {}
    units = [
        (name, seed, 0.2 if smoke else 1.0, budget) for name in tasks for seed in seeds
    ]
    if jobs > 1:
        context = multiprocessing.get_context("spawn")
        with context.Pool(jobs, maxtasksperchild=1) as pool:
            records = pool.map(_unit, units, chunksize=1)
    else:
        records = [_unit(unit) for unit in units]
    return {
        "skipped": skipped,
        "budget": "smoke" if smoke else "LassoNet defaults",
        "seeds": list(seeds),
        "records": records,
        "summary": summarize(records),
        "main_run": {} if smoke else main_run_numbers(),
    }


_PEERS = (
    "random_forest",
    "mutual_info",
    "f_test",
    "l1_linear",
    "stg",
    "original_cancelout",
)


def _best_peer(rows):
    """(name, hit@k) of the main run's best peer other than LassoNet."""
    scored = [
        (rows[m]["hit_at_k"], m) for m in _PEERS if m in rows and "hit_at_k" in rows[m]
    ]
    if not scored:
        return None
    hit, name = max(scored)
    return name, hit


def _pair(row, key_hit="hit_at_k", key_stab="stability"):
    if not row or key_hit not in row:
        return "n/a"
    stability = row[key_stab]
    shown = f"{stability:.2f}" if np.isfinite(stability) else "--"  # one seed
    return f"{row[key_hit]:.2f} / {shown}"


def markdown(result, smoke):
    lines = [
        "# LassoNet at its own defaults" + (" (smoke run)" if smoke else ""),
        "",
        "hit@k / stability over seeds "
        f"{result.get('seeds', [])}, on the main run's training splits. "
        "*defaults*: LassoNet as the package ships it; *budget*: the main "
        "run's reduced LassoNet; *best peer*: the main run's best of the "
        "other peers (the original recipe included) by hit@k; "
        "*skcancelout*: the main run's. LassoNet's "
        "fit seconds are on one torch thread, as in the main run; "
        "skcancelout's are the main run's, on the process's default threads. "
        "The *defaults* columns come from this script's own run and the others "
        "from the main run, which may have been timed on another day or "
        "machine: compare seconds within a column. Regenerate with "
        "`python -m benchmarks.bench_lassonet --jobs 2`.",
        "",
        "| task | defaults | s | budget | s | best peer | skcancelout | s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    main = result.get("main_run", {})
    for name, row in result["summary"].items():
        rows = main.get(name, {})
        budget = rows.get("lassonet")
        best = _best_peer(rows)
        sk = rows.get("skcancelout")
        lines.append(
            f"| {name} | {_pair(row)} | {row['fit_seconds']:.1f} | {_pair(budget)} | "
            + (
                f"{budget['fit_seconds']:.1f}"
                if budget and "fit_seconds" in budget
                else "n/a"
            )
            + " | "
            + (f"{best[0]} {best[1]:.2f}" if best else "n/a")
            + f" | {_pair(sk)} | "
            + (f"{sk['fit_seconds']:.2f}" if sk and "fit_seconds" in sk else "n/a")
            + " |"
        )
    for name, reason in result["skipped"].items():
        lines += ["", f"Skipped {name}: {reason}."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    side_benchmark_main(
        "lassonet", __doc__.splitlines()[0], run, markdown, argv=argv, jobs=True
    )


if __name__ == "__main__":
    main()
