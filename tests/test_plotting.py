import builtins
import copy

import numpy as np
import pytest
from sklearn.datasets import make_classification

from skcancelout import CancelOutSelector
from skcancelout.plotting import plot_gate_history, plot_importances

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")
to_rgba = pytest.importorskip("matplotlib.colors").to_rgba


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted():
    # 2 informative columns (0 and 1) among 6; small so the module runs fast.
    X, y = make_classification(
        n_samples=200,
        n_features=6,
        n_informative=2,
        n_redundant=0,
        shuffle=False,
        random_state=0,
    )
    return CancelOutSelector(
        max_iter=20, keep_gate_history=True, random_state=0, n_jobs=1
    ).fit(X, y)


@pytest.fixture
def selector(fitted):
    # Tests may change parameters or delete attributes: give each a copy.
    return copy.deepcopy(fitted)


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
    order = np.argsort(-selector.feature_importances_, kind="stable")
    assert labels == [f"x{j}" for j in order]


def test_plot_importances_error_bars_are_the_spread_over_nets(selector):
    ax = plot_importances(selector)
    (container,) = [c for c in ax.containers if hasattr(c, "errorbar")]
    segments = container.errorbar.lines[2][0].get_segments()
    half_widths = sorted(float(np.ptp(seg[:, 0])) / 2 for seg in segments)
    expected = sorted(selector.feature_importances_std_)
    np.testing.assert_allclose(half_widths, expected, rtol=1e-6, atol=1e-12)


def test_plot_importances_top(selector):
    ax = plot_importances(selector, top=2)
    assert len(ax.patches) == 2


@pytest.mark.parametrize("max_features", [1, 2, 4])
def test_plot_importances_highlights_selected(selector, max_features):
    selector.set_params(max_features=max_features)
    ax = plot_importances(selector)
    order = np.argsort(-selector.feature_importances_, kind="stable")
    support = selector.get_support()[order]
    colors = _colors(ax.patches, "get_facecolor")
    selected = {c for c, s in zip(colors, support, strict=True) if s}
    rejected = {c for c, s in zip(colors, support, strict=True) if not s}
    assert len(selected) == 1 and len(rejected) == 1
    assert selected != rejected


def _vertical_lines(ax):
    return [line.get_xdata()[0] for line in ax.lines if len(line.get_xdata()) == 2]


def test_plot_importances_draws_threshold(selector):
    selector.set_params(threshold="median")
    ax = plot_importances(selector)
    assert _vertical_lines(ax) == [pytest.approx(selector.threshold_)]


def test_plot_importances_no_threshold_line_with_only_max_features(selector):
    # threshold_ is -inf then: only max_features decides.
    selector.set_params(max_features=2)
    ax = plot_importances(selector)
    assert _vertical_lines(ax) == []


def test_plot_importances_uses_given_axes_and_names(selector):
    _, ax = plt.subplots()
    names = ["a", "b", "c", "d", "e", "f"]
    assert plot_importances(selector, ax=ax, feature_names=names) is ax
    top = int(np.argmax(selector.feature_importances_))
    assert ax.get_yticklabels()[0].get_text() == names[top]


def test_plot_importances_uses_dataframe_column_names():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(np.eye(6)[[0, 1, 2, 3, 4, 5] * 5], columns=list("abcdef"))
    y = np.arange(30) % 2
    selector = CancelOutSelector(max_iter=2, random_state=0).fit(X, y)
    ax = plot_importances(selector)
    assert {t.get_text() for t in ax.get_yticklabels()} == set("abcdef")


@pytest.mark.parametrize("top", [0, -1, 1.5, "3", True])
def test_plot_importances_rejects_bad_top(selector, top):
    with pytest.raises(ValueError, match="top must be"):
        plot_importances(selector, top=top)


def test_plot_importances_rejects_wrong_number_of_names(selector):
    with pytest.raises(ValueError, match="one name per feature"):
        plot_importances(selector, feature_names=["a", "b"])
    # A nested list of the right number of names: the message said "6
    # entries but fitted on 6 features".
    names = [list("abcdef")[: selector.n_features_in_]]
    with pytest.raises(ValueError, match=r"shape \(1, \d+\); pass a flat list"):
        plot_importances(selector, feature_names=names)


def test_plot_gate_history_one_line_per_feature(selector):
    ax = plot_gate_history(selector)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.lines) == selector.n_features_in_
    n_epochs = selector.gate_history_.shape[0]
    assert all(len(line.get_xdata()) == n_epochs for line in ax.lines)


@pytest.mark.parametrize("max_features", [1, 2, 4])
def test_plot_gate_history_highlights_selected(selector, max_features):
    selector.set_params(max_features=max_features)
    ax = plot_gate_history(selector)
    support = selector.get_support()
    color_of = {}
    for line in ax.lines:
        (j,) = [
            j
            for j in range(selector.n_features_in_)
            if np.array_equal(selector.gate_history_[:, j], line.get_ydata())
        ]
        color_of[j] = to_rgba(line.get_color())
    rejected = {color_of[j] for j in np.flatnonzero(~support)}
    selected = [color_of[j] for j in np.flatnonzero(support)]
    assert len(rejected) == 1
    assert not rejected & set(selected)
    # Each kept feature gets its own colour, so the legend tells them apart.
    assert len(set(selected)) == len(selected)


@pytest.mark.parametrize(
    "features, n_lines",
    [
        ([0, 2], 2),
        (["x1"], 1),
        (np.array([True, False, True, False, True, False]), 3),
        ([-1], 1),
    ],
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


def test_plot_gate_history_without_history_says_how_to_fix():
    X, y = make_classification(n_samples=50, n_features=4, random_state=0)
    selector = CancelOutSelector(max_iter=2, random_state=0).fit(X, y)
    assert not hasattr(selector, "gate_history_")
    with pytest.raises(ValueError, match="keep_gate_history=True"):
        plot_gate_history(selector)


@pytest.mark.parametrize("plot", [plot_importances, plot_gate_history])
def test_unfitted_selector_raises(plot):
    with pytest.raises(ValueError, match="not fitted"):
        plot(CancelOutSelector())


@pytest.mark.parametrize("plot", [plot_importances, plot_gate_history])
def test_a_fitted_selector_without_importances_is_named(plot):
    # A fitted SelectFromModel was called "not fitted yet".
    from sklearn.feature_selection import SelectFromModel
    from sklearn.linear_model import LogisticRegression

    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    fitted = SelectFromModel(LogisticRegression()).fit(X, y)
    with pytest.raises(TypeError, match="SelectFromModel has no feature_importances_"):
        plot(fitted)


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


def test_importances_stay_top_down_on_a_reused_axes(selector):
    ax = plot_importances(selector)
    plot_importances(selector, ax=ax)  # used to flip the ranking upside down
    assert ax.yaxis_inverted()


def test_gate_history_of_a_cv_search_draws_its_final_refit():
    from skcancelout import CancelOutSelectorCV

    X, y = make_classification(120, 5, n_informative=2, random_state=0)
    with_history = CancelOutSelector(max_iter=4, keep_gate_history=True)
    search = CancelOutSelectorCV(selector=with_history, cv=2).fit(X, y)
    ax = plot_gate_history(search)
    assert len(ax.lines) == 5
    drawn = sorted(tuple(line.get_ydata()) for line in ax.lines)
    history = search.selector_.gate_history_
    assert drawn == sorted(tuple(history[:, j]) for j in range(5))
    without = CancelOutSelectorCV(selector=CancelOutSelector(max_iter=2), cv=2)
    with pytest.raises(ValueError, match="its selector was fitted with"):
        plot_gate_history(without.fit(X, y))


def test_nested_features_are_refused_with_advice():
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    selector = CancelOutSelector(
        keep_gate_history=True, max_iter=3, n_estimators=2, random_state=0
    ).fit(X, y)
    with pytest.raises(ValueError, match="flat list"):
        plot_gate_history(selector, features=[[0, 1]])
