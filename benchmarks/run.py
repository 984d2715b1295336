"""Regenerate every benchmark result: ``python -m benchmarks.run [--smoke]``.

Writes ``results.json``, ``results.md`` and plots to ``benchmarks/results/``
(``--out`` to change). Exits non-zero if any fit errored.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import metrics, peers, quality, report, speed
from .peers import CHEAP, METHODS, available
from .tasks import BREAST_CANCER_REFERENCE, TASKS

SMOKE_TASKS = ("parity3", "wine+probes", "multi-target")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--smoke", action="store_true", help="tiny CI version")
    parser.add_argument("--tasks", nargs="+", choices=list(TASKS))
    parser.add_argument("--methods", nargs="+", choices=list(METHODS))
    parser.add_argument("--seeds", type=int, help="number of seeds (0..N-1)")
    parser.add_argument(
        "--first-seed",
        type=int,
        default=0,
        help="first data seed (default 0): e.g. 1000 with --seeds 5 runs "
        "data seeds 1000-1004, which no sweep of the defaults has used",
    )
    parser.add_argument("--no-speed", action="store_true", help="skip speed section")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="torch threads for the torch-based peers (skcancelout runs with "
        "the process default, as a user's fit); 1 avoids oversubscription on "
        "small shared machines",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="where to write (default benchmarks/results/; with --smoke, a "
        "new temporary directory, so a smoke run never mixes with the "
        "committed results)",
    )
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = (
            Path(tempfile.mkdtemp(prefix="benchmarks-smoke-"))
            if args.smoke
            else Path(__file__).parent / "results"
        )
    return args


def plan(args):
    """Tasks, methods, seeds and data scale for this run."""
    tasks = args.tasks or (list(SMOKE_TASKS) if args.smoke else list(TASKS))
    methods = args.methods or (list(CHEAP) if args.smoke else list(METHODS))
    n_seeds = args.seeds or (2 if args.smoke else 5)
    seeds = list(range(args.first_seed, args.first_seed + n_seeds))
    return tasks, methods, seeds, (0.2 if args.smoke else 1.0)


def log(message):
    print(message, flush=True)


def _section(title, fn, *args, **kwargs):
    log(f"== {title}")
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    log(f"   ({time.perf_counter() - start:.0f}s)")
    return out


def run_speed(smoke):
    """The speed and memory section; sizes shrink for the smoke run."""
    out = {}
    shape = (300, 50) if smoke else (2000, 500)
    selector, out["default fit vs peers"] = _section(
        "speed (a)", speed.default_fit_ratios, *shape
    )
    fit = out["default fit vs peers"]["skcancelout_seconds"]
    out["training loop throughput"] = _section(
        "speed (d) loop", speed.loop_throughput, *shape
    )
    # Against the loop's matmul readings too: one reading of its own would
    # make the two ratios differ by the machine's minute, not by the work.
    out["default fit throughput"] = _section(
        "speed (d) default fit",
        speed.throughput,
        selector,
        *shape,
        fit,
        reference_seconds=out["training loop throughput"]["matmul_step_seconds_all"],
    )
    out["parallel search"] = _section(
        "speed (f) search", speed.parallel_search, *((300, 50) if smoke else ())
    )
    if smoke:  # scaling and memory probes take minutes; CI checks (a), (d), (f)
        return out
    ns = (1000, 3000, 10000, 30000, 100000)
    ds = (10, 100, 1000, 5000)
    cap = 60
    out["time_vs_n"] = _section(
        "speed (b) n", speed.scaling, ns, lambda n: speed._classification(n, 50), cap
    )
    out["time_vs_d"] = _section(
        "speed (b) d", speed.scaling, ds, lambda d: speed._classification(2000, d), cap
    )
    out["memory of a default fit"] = _section("speed (c)", speed.memory_probe, *shape)
    out["memory of a default fit, float64 X"] = _section(
        "speed (c) float64", speed.memory_probe, *shape, None, "float64"
    )
    big = (1_000_000, 100)
    # Memory does not depend on the number of epochs; 2 keep this one bounded.
    out["memory, large n (max_iter=2)"] = _section(
        "speed (e) memory", speed.memory_probe, *big, {"max_iter": 2}
    )
    wide = (200, 20000)
    out["wide fit"] = _section(
        "speed (e) wide",
        speed.scaling,
        [wide[1]],
        lambda d: speed._classification(wide[0], d),
        cap,
    )[0]
    return out


def main(argv=None):
    args = parse_args(argv)
    metrics.PEER_TORCH_THREADS = args.torch_threads
    tasks, wanted, seeds, scale = plan(args)
    methods, skipped = available(wanted)
    for name, reason in skipped.items():
        log(f"skipping {name}: {reason} (pip install -e .[benchmarks])")
    started = time.perf_counter()
    # Read before the long sections: a failure here costs no results.
    ran_on = report.versions()
    records = _section(
        "quality", quality.run_quality, tasks, methods, seeds, scale, log
    )
    results = {
        "meta": {
            "command": " ".join(["python -m benchmarks.run", *(argv or sys.argv[1:])]),
            "tasks": tasks,
            "methods": methods,
            "seeds": seeds,
            "scale": scale,
            "skipped": skipped,
            "torch_threads": args.torch_threads,
            "versions": ran_on,
            "reference": BREAST_CANCER_REFERENCE,
            "peer_settings": {
                name: text for name, text in peers.settings().items() if name in methods
            },
        },
        "records": records,
        "summary": quality.summarize(records),
    }
    results["breast_cancer"], results["breast_cancer_per_seed"] = (
        ({}, {})
        if args.smoke
        else _section(
            "breast cancer",
            quality.run_breast_cancer,
            methods,
            seeds=seeds,
            log=log,
        )
    )
    errors = [
        f"{r['task']}/{r['method']}/{r['seed']}: {r['error']}"
        for r in records
        if "error" in r
    ]
    errors += [
        f"breast_cancer/{m}: {v}"
        for m, v in results["breast_cancer"].items()
        if isinstance(v, str)
    ]
    has_ours = "skcancelout" in methods
    if not args.no_speed and has_ours:
        try:
            results["speed"] = run_speed(args.smoke)
        except Exception as exc:  # the table is still worth writing
            errors.append(f"speed: {type(exc).__name__}: {exc}")
    results["errors"] = errors
    results["meta"]["total_seconds"] = float(np.round(time.perf_counter() - started))
    report.write(results, args.out)
    log(f"wrote {args.out}/results.md ({results['meta']['total_seconds']:.0f}s)")
    for error in errors:
        log(f"ERROR {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
