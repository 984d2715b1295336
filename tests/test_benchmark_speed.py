"""The speed section's loop throughput (benchmarks/speed.py) times the loop only."""

import pytest

from benchmarks import speed
from skcancelout import _training


def test_loop_throughput_times_the_training_loop_not_the_fit():
    result = speed.loop_throughput(n=300, d=20, repeats=2)
    loops, fits = result["loop_seconds_all"], result["fit_seconds_all"]
    assert len(loops) == len(fits) == 2
    # The fit's work around the loop (validation, statistics, importances)
    # is left out, so each loop is shorter than the fit it ran in.
    assert all(0 < loop < fit for loop, fit in zip(loops, fits, strict=True))
    assert result["loop_seconds"] == min(loops)
    assert result["achieved_over_matmul"] == pytest.approx(
        result["achieved_gflops_per_s"] / result["matmul_gflops_per_s"]
    )
    # The training loop is put back.
    assert _training.fit_loop.__name__ == "fit_loop"


def test_the_loop_clock_restores_the_loop_after_an_error():
    with pytest.raises(RuntimeError):
        with speed.LoopClock():
            raise RuntimeError
    assert _training.fit_loop.__name__ == "fit_loop"


def test_fit_ratios_give_the_fastest_the_median_and_each_repeat():
    # The fastest-fit ratio paired one side's lucky fit with the other's
    # typical one (1.47 s against the forest's 4.00, where the median fits
    # were 1.92 and 4.20); the medians and per-repeat ratios say so.
    ratios = speed.fit_ratios(
        [2.27, 1.47, 1.92], [4.56, 4.00, 4.20], [22.0, 20.6, 21.0]
    )
    assert ratios["ratio_to_random_forest"] == pytest.approx(1.47 / 4.00)
    assert ratios["median_ratio_to_random_forest"] == pytest.approx(1.92 / 4.20)
    assert ratios["median_ratio_to_original"] == pytest.approx(1.92 / 21.0)
    assert ratios["paired_ratios_to_random_forest"] == pytest.approx(
        [2.27 / 4.56, 1.47 / 4.00, 1.92 / 4.20]
    )
