"""The harness's report: every figure it writes is linked from its table."""

import json
import re

import pytest

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
