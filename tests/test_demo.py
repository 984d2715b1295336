"""The demo command, ``python -m skcancelout``."""

import functools

import pytest

from skcancelout import CancelOutSelector
from skcancelout import __main__ as demo


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--noise", "-1"], "--noise must be 0 or more"),
        (["--max-features", "0"], "--max-features must be between 1 and the 50"),
        (["--noise", "0", "--max-features", "31"], "between 1 and the 30 columns"),
        (["--seed", "-1"], "--seed must be between 0 and 2**32 - 1"),
        (["--seed", str(2**32)], "--seed must be between 0 and 2**32 - 1"),
    ],
)
def test_out_of_range_options_get_a_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        demo.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_without_noise_columns_the_demo_runs_to_the_end(monkeypatch, capsys):
    # A short training keeps the test fast; the output is what is checked.
    monkeypatch.setattr(
        demo, "CancelOutSelector", functools.partial(CancelOutSelector, max_iter=3)
    )
    assert demo.main(["--noise", "0", "--max-features", "3"]) == 0
    out = capsys.readouterr().out
    assert "30 real features + 0 noise columns" in out
    assert "noise column" not in out.split("kept 3 features")[1].split("KNN")[0]
    assert "CancelOut top 3" in out
