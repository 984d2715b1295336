"""The harness's report: every figure it writes is linked from its table."""

import json
import re

import pytest
import sklearn
import torch

pytest.importorskip("matplotlib")

from benchmarks import report  # noqa: E402


def _results():
    summary = [
        {
            "task": "t",
            "method": m,
            "n_seeds": 1,
            "hit_at_k": 1.0,
            "score_at_k": 0.9,
            "fit_seconds": 0.1,
            "stability": 1.0,
            "stability_ceiling": 1.0,
        }
        for m in ("a", "b")
    ]
    points = [
        {"size": s, "skcancelout": 0.1 * s, "random_forest": 0.2 * s} for s in (1, 10)
    ]
    return {
        "meta": {
            "command": "x",
            "seeds": [0],
            "torch_threads": 1,
            "skipped": {},
            "tasks": ["t"],
            "methods": ["a", "b"],
            "reference": {},
        },
        "summary": summary,
        "speed": {"time_vs_n": points, "time_vs_d": points},
    }


def test_every_figure_written_is_linked_from_the_markdown(tmp_path):
    report.write(json.loads(json.dumps(_results())), tmp_path)
    written = {p.name for p in tmp_path.glob("*.png")}
    linked = set(
        re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (tmp_path / "results.md").read_text())
    )
    assert written == linked == {"hit_at_k.png", "time_vs_n.png", "time_vs_d.png"}


def test_a_run_without_speed_links_only_its_own_figure(tmp_path):
    results = _results()
    del results["speed"]
    report.write(results, tmp_path)
    linked = re.findall(
        r"!\[[^\]]*\]\(([^)]+)\)", (tmp_path / "results.md").read_text()
    )
    assert linked == ["hit_at_k.png"]


def test_scaling_tables_show_epochs_and_time_per_epoch_when_recorded():
    # Default fits stop when the loss stalls, so a size's time alone mixes
    # size with training length.
    results = _results()
    speed = results["speed"]
    speed["time_vs_d"] = [dict(point) for point in speed["time_vs_d"]]
    for point, epochs in zip(results["speed"]["time_vs_n"], (100, 50), strict=True):
        point["skcancelout_epochs"] = epochs
    text = report.markdown(results)
    assert "| 1 | 0.10 | 0.20 | 0.50 | 100 | 0.0010 |" in text
    assert "| 10 | 1.00 | 2.00 | 0.50 | 50 | 0.0200 |" in text
    # A series recorded without epochs keeps the old table.
    assert "| 1 | 0.10 | 0.20 | 0.50 |\n" in text


def test_the_report_names_the_neural_peers_settings():
    results = _results()
    results["meta"]["peer_settings"] = {"stg": "lam=0.1 (package default)"}
    assert "- stg: lam=0.1 (package default)" in report.markdown(results)


def test_a_run_records_and_reports_the_versions_it_ran_on():
    found = report.versions()
    assert found["scikit-learn"] == sklearn.__version__
    assert found["torch"] == torch.__version__
    assert torch.backends.cpu.get_cpu_capability() in found["cpu"]
    results = _results()
    results["meta"]["versions"] = found
    assert f"scikit-learn {sklearn.__version__}" in report.markdown(results)
