"""The step profile (benchmarks/bench_step.py): where a training step's time goes."""

import pytest

from benchmarks import bench_step
from skcancelout import _training


@pytest.mark.parametrize(
    ("name", "shapes", "group"),
    [
        ("aten::addmm", [[1, 256], [250, 500], [500, 256], [], []], 0),
        ("aten::mm", [[500, 250], [250, 256]], 0),
        ("aten::mm", [[250, 32], [32, 32]], 1),
        ("aten::baddbmm", [[8, 1, 32], [8, 250, 32], [8, 32, 32]], 1),
        ("aten::_fused_adam_", [[], []], 2),
        ("aten::index_select", [[2000, 500], [], [250]], 3),
        ("aten::mul", [[500, 8, 32], [500, 8, 1]], 4),
    ],
)
def test_operators_fall_in_their_group(name, shapes, group):
    assert bench_step.group_of(name, shapes, 500) == bench_step.GROUPS[group]


def test_the_profile_covers_the_training_loop_and_only_it():
    result = bench_step.run(smoke=True)
    shares = result["shares_of_profiled_step"]
    assert set(shares) == {*bench_step.GROUPS, "outside operators (Python, dispatch)"}
    assert sum(shares.values()) == pytest.approx(1.0)
    assert all(0 <= share <= 1 for share in shares.values())
    # Every group the loop has shows up: the products, Adam, the gathering.
    assert all(shares[group] > 0 for group in bench_step.GROUPS)
    # 300 rows in batches of 37 (the "auto" size), 3 epochs.
    assert result["steps"] == pytest.approx(3 * 300 / result["batch_rows"])
    assert result["step_ms"] > 0
    assert result["first_layer_isolated_ms_per_step"] > 0
    # The loop's function is put back.
    assert not isinstance(_training.train_epoch, bench_step._EpochClock)
    table = bench_step.markdown(result, smoke=True)
    assert "| first-layer products |" in table
    assert "(smoke run)" in table
