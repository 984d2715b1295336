"""results.json, results.md and plots from one run's results."""

import argparse
import importlib.metadata
import json
import platform
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

TABLES = (
    ("hit@k (share of the top k that is relevant; mean over seeds)", "hit_at_k", 2),
    ("score@k (held-out accuracy / R^2 of RF on the top k)", "score_at_k", 3),
    ("stability (mean pairwise Jaccard of the top k over seeds)", "stability", 2),
    (
        "no-repeat bound: the stability if each pair of seeds shared every "
        "relevant column both found and no other; a method that picks the "
        "same noise or probe columns in every seed can exceed it (the column "
        "order is fixed, and the probes are permutations of the same real "
        "columns)",
        "stability_ceiling",
        2,
    ),
    ("fit time, seconds (mean over seeds)", "fit_seconds", 2),
)


# How a method is named in tables and plots, where the key alone misleads.
DISPLAY_NAMES = {"lassonet": "lassonet (reduced budget)"}


def shown_name(method):
    return DISPLAY_NAMES.get(method, method)


def _cell(row, key, digits):
    if row is None or key not in row or not np.isfinite(row[key]):
        return "n/a"
    return f"{row[key]:.{digits}f}"


def _table(summary, tasks, methods, key, digits):
    index = {(r["task"], r["method"]): r for r in summary}
    lines = ["| task | " + " | ".join(map(shown_name, methods)) + " |"]
    lines.append("|---" * (len(methods) + 1) + "|")
    for task in tasks:
        cells = [_cell(index.get((task, m)), key, digits) for m in methods]
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    return lines


def _shown(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list) and any(isinstance(v, float) for v in value):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return value


def _kv_table(title, mapping):
    lines = [f"### {title}", "", "| quantity | value |", "|---|---|"]
    for key, value in mapping.items():
        lines.append(f"| {key} | {_shown(value)} |")
    return lines + [""]


def _scaling_table(points):
    """Fit times over sizes; with the epochs each default fit ran (it stops
    when its loss stalls) and the time per epoch, where recorded."""
    epochs = all("skcancelout_epochs" in p for p in points)
    extra = " skcancelout epochs | s per epoch |" if epochs else ""
    lines = [
        f"| size | skcancelout s | random forest s | ratio |{extra}",
        "|---|---|---|---|" + ("---|---|" if epochs else ""),
    ]
    for p in points:
        ratio = p["skcancelout"] / p["random_forest"]
        line = (
            f"| {p['size']} | {p['skcancelout']:.2f} | {p['random_forest']:.2f} "
            f"| {ratio:.2f} |"
        )
        if epochs:
            n_epochs = p["skcancelout_epochs"]
            line += f" {n_epochs} | {p['skcancelout'] / n_epochs:.4f} |"
        lines.append(line)
    return lines


#: Scaling series of the speed section, their plot's file and x label.
SCALING_PLOTS = {
    "time_vs_n": ("time_vs_n.png", "n (d=50)"),
    "time_vs_d": ("time_vs_d.png", "d (n=2000)"),
}


def markdown(results):
    meta = results["meta"]
    lines = ["# skcancelout benchmark results", "", f"Command: `{meta['command']}`"]
    lines += [
        f"Seeds: {meta['seeds']}; torch threads of the torch-based peers in "
        f"the quality section: {meta['torch_threads']} (skcancelout, and the "
        "original recipe in the speed section, use the process default)."
    ]
    if meta.get("versions"):
        versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
        lines += ["", f"Versions: {versions}."]
    if meta["skipped"]:
        lines += [f"Skipped methods: {meta['skipped']}."]
    if meta.get("peer_settings"):
        lines += ["", "Settings of the neural peers:", ""]
        lines += [f"- {name}: {text}" for name, text in meta["peer_settings"].items()]
    summary, tasks, methods = results["summary"], meta["tasks"], meta["methods"]
    for title, key, digits in TABLES:
        lines += ["", f"## {title}", ""] + _table(summary, tasks, methods, key, digits)
    lines += ["", "![hit@k per task and method](hit_at_k.png)"]
    if results.get("breast_cancer"):
        lines += ["", "## breast cancer: KNN ROC AUC of the top 5", ""]
        lines += _kv_table(
            f"this run, mean over seeds {meta['seeds']}",
            results["breast_cancer"],
        )
        lines += _kv_table("this run, per seed", results["breast_cancer_per_seed"])
        lines += _kv_table("reference (original CancelOut work)", meta["reference"])
    for title, section in results.get("speed", {}).items():
        if isinstance(section, dict):
            lines += ["", *_kv_table(title, section)]
        else:
            lines += ["", f"### {title}", "", *_scaling_table(section)]
            if title in SCALING_PLOTS:
                name, _ = SCALING_PLOTS[title]
                lines += ["", f"![fit time, {title}, log axes]({name})"]
    if results.get("errors"):
        lines += ["", "## errors", ""] + [f"- {e}" for e in results["errors"]]
    return "\n".join(lines) + "\n"


def plot_hits(summary, tasks, methods, path):
    index = {(r["task"], r["method"]): r.get("hit_at_k", np.nan) for r in summary}
    width = 0.8 / max(len(methods), 1)
    fig, ax = plt.subplots(figsize=(max(8, 1.3 * len(tasks)), 4))
    for i, method in enumerate(methods):
        values = [index.get((t, method), np.nan) for t in tasks]
        ax.bar(
            np.arange(len(tasks)) + i * width, values, width, label=shown_name(method)
        )
    ax.set_xticks(np.arange(len(tasks)) + 0.4 - width / 2, tasks, rotation=30)
    ax.set_ylabel("hit@k")
    ax.set_ylim(0, 1.05)
    # Above the bars, not over them.
    ax.legend(
        fontsize=7,
        ncols=8,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        frameon=False,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_scaling(points, xlabel, path):
    fig, ax = plt.subplots(figsize=(5, 4))
    sizes = [p["size"] for p in points]
    for method in ("skcancelout", "random_forest"):
        ax.plot(sizes, [p[method] for p in points], "o-", label=method)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fit time, s")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write(results, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=1, default=str))
    (out_dir / "results.md").write_text(markdown(results))
    meta = results["meta"]
    plot_hits(
        results["summary"], meta["tasks"], meta["methods"], out_dir / "hit_at_k.png"
    )
    speed = results.get("speed", {})
    for key, (name, xlabel) in SCALING_PLOTS.items():
        if speed.get(key):
            plot_scaling(speed[key], xlabel, out_dir / name)


def _cpu_model():
    """The CPU's model name, as Linux reports it, else the platform's guess."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except (OSError, UnicodeDecodeError):
        pass
    guess = platform.processor()
    return guess if guess and guess != "unknown" else platform.machine()


def versions():
    """Python and library versions and the CPU: scores can move with them
    (a forest's splits, a torch kernel's order of sums), so a run records
    what it ran on."""
    try:
        capability = torch.backends.cpu.get_cpu_capability()
    except (AttributeError, RuntimeError):
        capability = "capability unknown"
    found = {
        "python": platform.python_version(),
        "cpu": f"{_cpu_model()} ({capability})",
    }
    for name in ("numpy", "scipy", "scikit-learn", "torch", "lassonet", "stg"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def side_benchmark_main(name, description, run, to_markdown, argv=None, jobs=False):
    """Command line of a side benchmark: ``--smoke``, ``--out``, then JSON + table.

    ``run(smoke)`` returns a JSON-ready dict; ``to_markdown(result, smoke)``
    renders it. ``<name>.json`` and ``<name>.md`` land in ``--out``
    (``benchmarks/results/`` by default) and the table is printed. With
    ``jobs``, a ``--jobs N`` option is offered and ``run(smoke, jobs=N)``
    called.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--smoke", action="store_true", help="tiny run, < 30 s")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).parent / "results",
        help="output directory (default: benchmarks/results)",
    )
    if jobs:
        parser.add_argument(
            "--jobs", type=int, default=1, help="processes to run at once (default 1)"
        )
    args = parser.parse_args(argv)
    ran_on = versions()  # before the run: a failure here costs no results
    start = time.perf_counter()
    result = run(args.smoke, jobs=args.jobs) if jobs else run(args.smoke)
    out_dir = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "smoke": args.smoke,
        "versions": ran_on,
        "seconds": time.perf_counter() - start,
        **result,
    }
    (out_dir / f"{name}.json").write_text(json.dumps(payload, indent=2))
    table = to_markdown(result, args.smoke)
    (out_dir / f"{name}.md").write_text(table)
    print(table)
