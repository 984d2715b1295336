import builtins

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin

from skcancelout.plotting import plot_gate_history, plot_importances

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")
to_rgba = pytest.importorskip("matplotlib.colors").to_rgba


class FakeSelector(SelectorMixin, BaseEstimator):
    def fit(self, X=None, y=None):
        self.feature_importances_ = np.array([0.1, 0.9, 0.4, 0.05, 0.6])
        self.feature_importances_std_ = np.full(5, 0.02)
        self.gate_history_ = np.linspace(0.5, 1, 8)[:, None] * self.feature_importances_
        self.n_features_in_ = 5
        return self

    @property
    def threshold_(self):
        return 0.3

    def _get_support_mask(self):
        return self.feature_importances_ >= self.threshold_


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def selector():
    return FakeSelector().fit()


def _colors(artists, attr):
    return [to_rgba(getattr(a, attr)()) for a in artists]


def test_plot_importances_returns_axes_with_one_bar_per_feature(selector):
    ax = plot_importances(selector)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.patches) == selector.n_features_in_


def test_plot_importances_sorts_descending(selector):
    ax = plot_importances(selector)
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == sorted(widths, reverse=True)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["x1", "x4", "x2", "x0", "x3"]


def test_plot_importances_top(selector):
    ax = plot_importances(selector, top=2)
    assert len(ax.patches) == 2


def test_plot_importances_highlights_selected(selector):
    ax = plot_importances(selector)
    support = selector.get_support()[np.argsort(-selector.feature_importances_)]
    colors = _colors(ax.patches, "get_facecolor")
    selected = {c for c, s in zip(colors, support, strict=True) if s}
    rejected = {c for c, s in zip(colors, support, strict=True) if not s}
    assert len(selected) == 1 and len(rejected) == 1
    assert selected != rejected


def test_plot_importances_draws_threshold(selector):
    ax = plot_importances(selector)
    xs = [line.get_xdata()[0] for line in ax.lines if len(line.get_xdata()) == 2]
    assert selector.threshold_ in xs


def test_plot_importances_uses_given_axes_and_names(selector):
    _, ax = plt.subplots()
    names = ["a", "b", "c", "d", "e"]
    assert plot_importances(selector, ax=ax, feature_names=names) is ax
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "b"


@pytest.mark.parametrize("top", [0, -1, 1.5, "3", True])
def test_plot_importances_rejects_bad_top(selector, top):
    with pytest.raises(ValueError, match="top must be"):
        plot_importances(selector, top=top)


def test_plot_importances_rejects_wrong_number_of_names(selector):
    with pytest.raises(ValueError, match="one name per feature"):
        plot_importances(selector, feature_names=["a", "b"])


def test_plot_gate_history_one_line_per_feature(selector):
    ax = plot_gate_history(selector)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.lines) == selector.n_features_in_
    n_epochs = selector.gate_history_.shape[0]
    assert all(len(line.get_xdata()) == n_epochs for line in ax.lines)


def test_plot_gate_history_highlights_selected(selector):
    ax = plot_gate_history(selector)
    support = selector.get_support()
    by_label = {}
    for line in ax.lines:
        ys = tuple(line.get_ydata())
        j = next(j for j in range(5) if tuple(selector.gate_history_[:, j]) == ys)
        by_label[j] = to_rgba(line.get_color())
    rejected = {by_label[j] for j in range(5) if not support[j]}
    selected = [by_label[j] for j in range(5) if support[j]]
    assert len(rejected) == 1
    assert not rejected & set(selected)
    assert len(set(selected)) == len(selected)


@pytest.mark.parametrize(
    "features, n_lines",
    [([0, 2], 2), (["x1"], 1), (np.array([True, False, True, False, True]), 3)],
)
def test_plot_gate_history_features(selector, features, n_lines):
    ax = plot_gate_history(selector, features=features)
    assert len(ax.lines) == n_lines


@pytest.mark.parametrize(
    "features, match",
    [([7], "out of range"), (["nope"], "Unknown feature names"), ([True], "mask")],
)
def test_plot_gate_history_rejects_bad_features(selector, features, match):
    with pytest.raises(ValueError, match=match):
        plot_gate_history(selector, features=features)


def test_plot_gate_history_without_history_says_how_to_fix(selector):
    del selector.gate_history_
    with pytest.raises(ValueError, match="keep_gate_history=True"):
        plot_gate_history(selector)


@pytest.mark.parametrize("plot", [plot_importances, plot_gate_history])
def test_unfitted_selector_raises(plot):
    with pytest.raises(ValueError, match="not fitted"):
        plot(FakeSelector())


@pytest.mark.parametrize("plot", [plot_importances, plot_gate_history])
def test_missing_matplotlib_names_the_extra(selector, plot, monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"pip install skcancelout\[plot\]"):
        plot(selector)
