import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

from skcancelout import CancelOutSelector, CancelOutSelectorCV

INFORMATIVE = [1, 4, 7]


def make_data(task, n_samples=240, n_features=10, seed=2):
    """Three informative columns (1, 4, 7) among standard normal noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    signal = X[:, INFORMATIVE] @ np.array([2.0, -1.5, 1.0])
    if task == "classification":
        return X, (signal + 0.5 * rng.normal(size=n_samples) > 0).astype(int)
    return X, signal + 0.3 * rng.normal(size=n_samples)


def fast_selector(**params):
    """A CancelOutSelector that trains in well under a second on make_data."""
    settings = dict(
        hidden_layer_sizes=(16,),
        n_estimators=2,
        max_iter=10,
        batch_size=32,
        random_state=0,
    )
    return CancelOutSelector(**{**settings, **params})


def tree_selector():
    """Ranks by tree importances: exercises the CV logic without torch costs."""
    return DecisionTreeRegressor(max_depth=3, random_state=0)


@pytest.fixture(scope="module")
def fitted():
    """One CV fit per task, shared by the tests that only read it."""
    return {
        task: CancelOutSelectorCV(selector=fast_selector(), cv=3).fit(*make_data(task))
        for task in ("classification", "regression")
    }


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_finds_the_informative_features(fitted, task):
    search = fitted[task]
    assert search.n_features_ == len(INFORMATIVE)
    assert_array_equal(search.get_support(indices=True), INFORMATIVE)
    X, _ = make_data(task)
    assert_array_equal(search.transform(X), X[:, INFORMATIVE])


def test_cv_results_layout(fitted):
    search = fitted["regression"]
    results = search.cv_results_
    grid = results["n_features"]
    assert_array_equal(grid, np.arange(1, 11))
    split_scores = [results[f"split{i}_test_score"] for i in range(3)]
    assert_allclose(results["mean_test_score"], np.mean(split_scores, axis=0))
    assert_allclose(results["std_test_score"], np.std(split_scores, axis=0))
    for i in range(3):
        support = results[f"split{i}_support"]
        assert support.shape == (len(grid), 10)
        assert_array_equal(support.sum(axis=1), grid)
        # The supports of one split are nested: one ranking cut at each size.
        assert np.all(support[:-1] <= support[1:])
    assert "split3_test_score" not in results
    assert search.n_features_ in grid


def test_fitted_attributes(fitted):
    search = fitted["classification"]
    assert isinstance(search.selector_, CancelOutSelector)
    assert_array_equal(
        search.feature_importances_, search.selector_.feature_importances_
    )
    assert search.n_features_in_ == 10
    # support_ holds the n_features_ highest importances.
    top = np.sort(np.argsort(search.feature_importances_)[-search.n_features_ :])
    assert_array_equal(search.get_support(indices=True), top)


def test_chooses_smallest_size_within_one_standard_error():
    scores = {
        # size:     1     2     3     4     5
        0: np.array([0.50, 0.80, 0.90, 0.92, 0.90]),
        1: np.array([0.52, 0.82, 0.92, 0.90, 0.94]),
    }
    grid = [1, 2, 3, 4, 5]
    calls = []

    def scorer(estimator, X, y):
        split = len(calls) // len(grid)
        calls.append(X.shape[1])
        return scores[split][X.shape[1] - 1]

    X, y = make_data("regression")
    search = CancelOutSelectorCV(
        selector=tree_selector(),
        estimator=Ridge(),
        n_features_grid=grid,
        cv=2,
        scoring=scorer,
    ).fit(X, y)
    # Best mean 0.92 at 5 features with std 0.02 over 2 splits; 3 features
    # score 0.91, within 0.02 / sqrt(2) of it; 2 features are far below.
    assert_allclose(
        search.cv_results_["mean_test_score"], [0.51, 0.81, 0.91, 0.91, 0.92]
    )
    assert search.n_features_ == 3


def test_ties_go_to_fewest_features():
    X, y = make_data("regression")
    search = CancelOutSelectorCV(
        selector=tree_selector(), cv=2, scoring=lambda est, X, y: 1.0
    ).fit(X, y)
    assert search.n_features_ == 1


@pytest.mark.parametrize("kind", ["multioutput", "multilabel"])
def test_several_targets(kind):
    X, y = make_data("regression")
    if kind == "multioutput":
        y = np.column_stack([y, X[:, 4] - X[:, 7]])
    else:
        y = (X[:, INFORMATIVE] > 0).astype(int)
    search = CancelOutSelectorCV(
        selector=tree_selector(), n_features_grid=[1, 3, 10], cv=3
    ).fit(X, y)
    assert set(INFORMATIVE) <= set(search.get_support(indices=True))
    # Tools that read the tags (as the selector's say) may pass such a y.
    assert search.__sklearn_tags__().target_tags.multi_output


def test_sparse_input_stays_sparse():
    sparse = pytest.importorskip("scipy.sparse")
    X, y = make_data("regression")
    X[np.abs(X) < 0.5] = 0.0
    search = CancelOutSelectorCV(selector=fast_selector(), cv=3)
    search.fit(sparse.csr_matrix(X), y)
    assert_array_equal(search.get_support(indices=True), INFORMATIVE)
    assert sparse.issparse(search.transform(sparse.csr_matrix(X)))


def test_sparse_input_works_under_a_global_pandas_output():
    # The default estimator's StandardScaler took up
    # set_config(transform_output="pandas") and refused the sparse columns.
    X, y = make_data("regression")
    X[np.abs(X) < 0.5] = 0.0
    with config_context(transform_output="pandas"):
        search = CancelOutSelectorCV(selector=tree_selector(), cv=3)
        search.fit(sp.csr_matrix(X), y)
    plain = CancelOutSelectorCV(selector=tree_selector(), cv=3)
    plain.fit(sp.csr_matrix(X), y)
    assert_allclose(
        search.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"]
    )


def test_verbose_reports_the_choice(capsys):
    X, y = make_data("regression")
    CancelOutSelectorCV(selector=tree_selector(), cv=2, verbose=1).fit(X, y)
    assert "features" in capsys.readouterr().out


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 16, 20, 25]),
        ({"min_features_to_select": 4}, [4, 5, 6, 7, 8, 9, 10, 13, 16, 20, 25]),
        ({"step": 5, "min_features_to_select": 3}, [3, 5, 10, 15, 20, 25]),
        ({"step": 0.2}, [1, 5, 10, 15, 20, 25]),
        ({"n_features_grid": [12, 2, 2]}, [2, 12]),
    ],
)
def test_grid_of_sizes(params, expected):
    X, y = make_data("regression", n_features=25)
    search = CancelOutSelectorCV(selector=tree_selector(), cv=2, **params).fit(X, y)
    assert_array_equal(search.cv_results_["n_features"], expected)


def test_large_min_features_keeps_all_with_a_warning():
    X, y = make_data("regression")
    search = CancelOutSelectorCV(
        selector=tree_selector(), cv=2, min_features_to_select=12
    )
    with pytest.warns(UserWarning, match="all features are kept") as record:
        search.fit(X, y)
    assert record[0].filename == __file__
    assert search.n_features_ == 10
    assert search.get_support().all()


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_features_grid": [0, 2]}, "between 1 and the number of features"),
        ({"n_features_grid": [2, 11]}, "between 1 and the number of features"),
        ({"n_features_grid": [1.5]}, "integers"),
        ({"n_features_grid": []}, "non-empty"),
        ({"n_features_grid": [2], "step": 2}, "Both n_features_grid and step"),
    ],
)
def test_bad_grid_is_explained(params, match):
    X, y = make_data("regression")
    search = CancelOutSelectorCV(selector=tree_selector(), cv=2, **params)
    with pytest.raises(ValueError, match=match):
        search.fit(X, y)


def test_selector_without_importances_is_explained():
    X, y = make_data("regression")
    search = CancelOutSelectorCV(selector=StandardScaler(), cv=2)
    with pytest.raises(TypeError, match="no feature_importances_"):
        search.fit(X, y)


def test_metadata_without_routing_is_explained():
    X, y = make_data("regression")
    search = CancelOutSelectorCV(selector=tree_selector(), cv=2)
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        search.fit(X, y, sample_weight=np.ones(len(y)))


def test_groups_reach_the_splitter():
    X, y = make_data("regression")
    groups = np.repeat(np.arange(4), len(y) // 4)
    search = CancelOutSelectorCV(selector=tree_selector(), cv=GroupKFold(2))
    search.fit(X, y, groups=groups)
    for i in range(2):
        assert f"split{i}_test_score" in search.cv_results_
    with pytest.raises(ValueError, match="groups"):
        search.fit(X, y)


class RecordingSelector(CancelOutSelector):
    """Keeps the sample weights its fit received, to check the routing."""

    received = []

    def fit(self, X, y=None, sample_weight=None):
        RecordingSelector.received.append(sample_weight)
        return super().fit(X, y, sample_weight=sample_weight)


def test_sample_weight_is_routed_to_selector_and_estimator():
    X, y = make_data("classification")
    weight = np.linspace(0.5, 1.5, len(y))
    RecordingSelector.received = []
    with config_context(enable_metadata_routing=True):
        selector = RecordingSelector(n_estimators=1, max_iter=2, random_state=0)
        estimator = LogisticRegression().set_fit_request(sample_weight=True)
        search = CancelOutSelectorCV(
            selector=selector.set_fit_request(sample_weight=True),
            estimator=estimator.set_score_request(sample_weight=False),
            n_features_grid=[3],
            cv=2,
        )
        search.fit(X, y, sample_weight=weight)
    # Two splits, each with the weights of its own training rows, then the refit.
    received = RecordingSelector.received
    assert [len(w) for w in received] == [len(y) // 2, len(y) // 2, len(y)]
    assert_array_equal(np.sort(np.concatenate(received[:2])), np.sort(weight))
    assert_array_equal(received[2], weight)


def test_works_in_a_pipeline_and_grid_search():
    X, y = make_data("classification")
    pipe = make_pipeline(
        CancelOutSelectorCV(selector=fast_selector(), cv=2), LogisticRegression()
    )
    grid = {"canceloutselectorcv__n_features_grid": [[1], [3]]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert search.best_params_ == {"canceloutselectorcv__n_features_grid": [3]}
    assert search.predict(X).shape == y.shape
    assert search.score(X, y) > 0.8


@pytest.mark.slow
def test_same_result_with_two_jobs(fitted):
    X, y = make_data("classification")
    parallel = CancelOutSelectorCV(selector=fast_selector(), cv=3, n_jobs=2).fit(X, y)
    sequential = fitted["classification"]
    for key, value in sequential.cv_results_.items():
        assert_allclose(parallel.cv_results_[key], value, err_msg=key)
    assert_array_equal(parallel.support_, sequential.support_)


def test_random_state_makes_fits_reproducible(fitted):
    X, y = make_data("classification")
    again = CancelOutSelectorCV(selector=fast_selector(), cv=3).fit(X, y)
    first = fitted["classification"]
    for key, value in first.cv_results_.items():
        assert_array_equal(again.cv_results_[key], value, err_msg=key)
    assert_array_equal(again.feature_importances_, first.feature_importances_)


def test_clone_is_unfitted_and_keeps_params():
    X, y = make_data("regression")
    search = CancelOutSelectorCV(selector=fast_selector(), cv=3, n_jobs=2).fit(X, y)
    copy = clone(search)
    assert copy.get_params()["selector__max_iter"] == 10
    assert copy.cv == 3 and copy.n_jobs == 2
    assert not hasattr(copy, "support_")


def test_feature_names_are_kept():
    pd = pytest.importorskip("pandas")
    X, y = make_data("regression")
    frame = pd.DataFrame(X, columns=[f"col{i}" for i in range(X.shape[1])])
    search = CancelOutSelectorCV(selector=fast_selector(), cv=3).fit(frame, y)
    assert_array_equal(search.feature_names_in_, frame.columns)
    assert_array_equal(search.get_feature_names_out(), ["col1", "col4", "col7"])


def test_a_float_target_of_many_whole_numbers_is_scored_as_regression():
    # Before: sklearn's type_of_target read diabetes-like targets (floats of
    # 200 distinct whole numbers) as 200 classes, so the default model was a
    # classifier scored by accuracy on stratified folds, unlike the selector.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((240, 6))
    y = np.round(40 * X[:, 0] + 20 * X[:, 1] + 200)
    assert np.unique(y).size > 20
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "least populated class"
        search = CancelOutSelectorCV(
            selector=CancelOutSelector(max_iter=5, random_state=0), cv=3
        ).fit(X, y)
    # R^2 of the default ridge model; accuracy over 200 classes stays near 0.
    assert search.cv_results_["mean_test_score"].max() > 0.9
    assert search.n_features_ >= 2


def test_a_generator_of_splits_is_read_once_with_routing():
    X, y = make_data("classification", n_samples=120)
    splits = KFold(3).split(X)
    with config_context(enable_metadata_routing=True):
        selector = tree_selector().set_fit_request(sample_weight=True)
        search = CancelOutSelectorCV(selector=selector, cv=splits)
        search.fit(X, y, sample_weight=np.ones(len(y)))
    scored = [k for k in search.cv_results_ if k.startswith("split") and "score" in k]
    assert scored == ["split0_test_score", "split1_test_score", "split2_test_score"]


def test_no_splits_is_reported_as_such():
    X, y = make_data("regression")
    with pytest.raises(ValueError, match="gave no train/test splits"):
        CancelOutSelectorCV(selector=tree_selector(), cv=[]).fit(X, y)


def test_a_two_dimensional_grid_is_refused():
    X, y = make_data("regression")
    search = CancelOutSelectorCV(selector=tree_selector(), n_features_grid=[[1, 2]])
    with pytest.raises(ValueError, match="n_features_grid"):
        search.fit(X, y)


def test_a_sparse_target_is_refused_clearly():
    X, y = make_data("classification")
    Y = sp.csr_matrix(np.c_[y, 1 - y])
    with pytest.raises(ValueError, match="y is a sparse matrix; pass it dense"):
        CancelOutSelectorCV(selector=tree_selector()).fit(X, Y)
    with pytest.raises(ValueError, match="y is a sparse matrix; pass it dense"):
        CancelOutSelector().fit(X, Y)


def test_one_class_gets_advice_the_search_can_follow():
    # The selector's advice, "use fit(X) without y", fails on the search,
    # whose fit needs y: it names the selector instead.
    X = np.random.RandomState(0).standard_normal((40, 3))
    search = CancelOutSelectorCV(selector=CancelOutSelector(max_iter=1), cv=2)
    advice = r"single class.*CancelOutSelector\(\)\.fit\(X\)"
    with pytest.raises(ValueError, match=advice):
        search.fit(X, np.zeros(40, dtype=int))


def test_columns_beyond_1e154_do_not_break_the_default_estimator():
    # StandardScaler's squares overflowed: every size scored at chance
    # (1e160) or the model saw NaN (1e200), while the selector ranked the
    # column first.
    X, y = make_data("classification")
    scaled = X.copy()
    scaled[:, 1] *= 1e200  # an informative column
    plain = CancelOutSelectorCV(selector=fast_selector(), cv=3).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        search = CancelOutSelectorCV(selector=fast_selector(), cv=3).fit(scaled, y)
    assert_allclose(
        search.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"]
    )


def test_a_huge_continuous_y_is_refused_before_the_default_scoring_overflows():
    X, y = make_data("regression")
    search = CancelOutSelectorCV(selector=fast_selector(), cv=3)
    with pytest.raises(ValueError, match="rescale y"):
        search.fit(X, y * 1e160)


def test_a_continuous_y_of_tiny_spread_is_refused_before_r2_reads_one():
    # R²'s squares underflowed to 0 / 0, which scores 1: every size tied
    # and the search kept one feature.
    X, y = make_data("regression")
    search = CancelOutSelectorCV(selector=fast_selector(), cv=3)
    with pytest.raises(ValueError, match="varies by at most .* rescale y"):
        search.fit(X, y * 1e-200)
    tiny = search.fit(X, y * 1e-100)  # squares of 1e-200 are still numbers
    plain = CancelOutSelectorCV(selector=fast_selector(), cv=3).fit(X, y)
    assert_array_equal(tiny.get_support(), plain.get_support())


# A subnormal column keeps about three digits of X's values.
@pytest.mark.parametrize("scale, rtol", [(1e-16, 1e-6), (1e-200, 1e-6), (1e-320, 1e-3)])
def test_columns_below_1e154_do_not_vanish_in_the_default_estimator(scale, rtol):
    # MaxAbsScaler left such a column as it was and StandardScaler squared
    # it to 0: the model never used it, and an informative column was lost.
    X, y = make_data("regression")
    scaled = X.copy()
    scaled[:, 1] *= scale  # an informative column
    plain = CancelOutSelectorCV(selector=fast_selector(), cv=3).fit(X, y)
    search = CancelOutSelectorCV(selector=fast_selector(), cv=3).fit(scaled, y)
    assert_allclose(
        search.cv_results_["mean_test_score"],
        plain.cv_results_["mean_test_score"],
        rtol=rtol,
    )
    sparse = CancelOutSelectorCV(selector=fast_selector(), cv=3)
    assert_array_equal(
        sparse.fit(sp.csr_matrix(scaled), y).get_support(), search.get_support()
    )


class _TaskRecorder(CancelOutSelector):
    tasks = []

    def fit(self, X, y=None, sample_weight=None):
        super().fit(X, y, sample_weight=sample_weight)
        _TaskRecorder.tasks.append(self._task)
        return self


def test_every_fold_trains_on_the_task_read_from_all_of_y():
    # 21 distinct whole numbers read as continuous; a fold of 40 rows held
    # 20 of them and its selector trained 20 classes.
    rng = np.random.RandomState(0)
    X = rng.standard_normal((60, 5))
    y = np.r_[np.arange(21.0), np.repeat(np.arange(20.0), 2)[:39]]
    _TaskRecorder.tasks = []
    selector = _TaskRecorder(max_iter=2, n_estimators=2, random_state=0)
    search = CancelOutSelectorCV(selector=selector, cv=KFold(3)).fit(X, y)
    assert _TaskRecorder.tasks == ["regression"] * 4  # three folds and the refit
    assert search.selector_.get_params()["task"] == "auto"


def test_a_fold_that_fails_is_named_with_what_to_change():
    # The selector said "y has a single class ... use fit(X) without y",
    # though y had two: the unshuffled split put one class in each half.
    X, _ = make_data("classification", n_samples=40)
    y = np.r_[np.zeros(20, dtype=int), np.ones(20, dtype=int)]
    search = CancelOutSelectorCV(selector=fast_selector(), cv=KFold(2))
    with pytest.raises(
        ValueError, match="split 0 holds a single class.*shuffles"
    ) as info:
        search.fit(X, y)
    assert "without y" not in str(info.value)
    # What the selector refuses in a fold for the split's sake is named too.
    few = CancelOutSelectorCV(selector=fast_selector(early_stopping=True), cv=KFold(2))
    y = np.r_[np.zeros(19, dtype=int), 1, np.zeros(19, dtype=int), 1]
    with pytest.raises(ValueError, match="split 0 .*single row.*early_stopping"):
        few.fit(X, y)


@pytest.mark.parametrize(
    "selector",
    [
        CancelOutSelector(alpha=-1.0),
        CancelOutSelector(hidden_layer_sizes=(0,)),
        CancelOutSelector(hidden_layer_sizes=(10**13,)),
        DecisionTreeRegressor(max_depth=0),
    ],
)
def test_a_setting_the_selector_refuses_is_not_blamed_on_the_split(selector):
    # It was wrapped in "the split is at fault: pass a cv that shuffles".
    X, y = make_data("regression")
    with pytest.raises(ValueError) as info:
        CancelOutSelectorCV(selector=selector, cv=3).fit(X, y)
    assert "split" not in str(info.value)


@pytest.mark.parametrize("scale", [1e80, 1e160])
def test_the_one_standard_error_rule_holds_at_any_score_scale(scale):
    # At 1e80 the spread of the squared errors overflowed and every size
    # passed the cut (the smallest won); at 1e160 an infinite score left no
    # size at all, and indexing the empty choice raised IndexError.
    X, y = make_data("regression")
    params = dict(
        selector=DecisionTreeRegressor(max_depth=3, random_state=0),
        estimator=Ridge(),
        cv=3,
        scoring="neg_mean_squared_error",
    )
    plain = CancelOutSelectorCV(**params).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the scorer overflows
        scaled = CancelOutSelectorCV(**params).fit(X, y * scale)
    if scale == 1e80:
        assert scaled.n_features_ == plain.n_features_ >= 3
    else:
        # Every squared error is infinite: nothing tells the sizes apart,
        # and the rule keeps the fewest features.
        assert np.all(scaled.cv_results_["mean_test_score"] == -np.inf)
        assert scaled.n_features_ == 1


class _NeedsThreeColumns(Ridge):
    def fit(self, X, y, **kwargs):
        if X.shape[1] < 3:
            raise RuntimeError("this model needs at least 3 columns")
        return super().fit(X, y, **kwargs)


def test_an_estimator_that_fails_in_a_fold_keeps_its_error_and_is_located():
    # The estimator's own error came out bare, with nothing to say which
    # split or which size of the grid raised it.
    X, y = make_data("regression")
    search = CancelOutSelectorCV(
        selector=tree_selector(), estimator=_NeedsThreeColumns(), cv=KFold(3)
    )
    with pytest.raises(RuntimeError, match="needs at least 3 columns") as info:
        search.fit(X, y)
    if sys.version_info >= (3, 11):  # Python 3.10 has no exception notes
        note = "\n".join(info.value.__notes__)
        assert "fitting the estimator on the top 1 of 10 columns" in note
        assert "split 0 (160 training rows, 80 test rows)" in note

    def failing_scorer(estimator, X, y):
        raise KeyError("no such score")

    search.set_params(estimator=Ridge(), scoring=failing_scorer)
    with pytest.raises(KeyError, match="no such score") as info:
        search.fit(X, y)
    if sys.version_info >= (3, 11):
        assert "scoring the estimator on the top 1 of 10 columns" in "\n".join(
            info.value.__notes__
        )


class _NotesRefused(RuntimeError):
    __notes__ = ()  # not a list: add_note raises TypeError


class _RaisesNotesRefused(Ridge):
    def fit(self, X, y, **kwargs):
        raise _NotesRefused("the estimator's own error")


def test_an_error_that_refuses_notes_comes_out_as_it_is():
    X, y = make_data("regression")
    search = CancelOutSelectorCV(
        selector=tree_selector(), estimator=_RaisesNotesRefused()
    )
    with pytest.raises(_NotesRefused, match="the estimator's own error"):
        search.fit(X, y)


def test_one_failed_fold_is_named_not_called_every_score():
    # One test fold of a single row made every mean NaN, and the message
    # said every score was NaN and blamed the estimator.
    X, y = make_data("regression")
    cv = [(np.arange(1, 240), np.array([0])), (np.arange(120), np.arange(120, 240))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # R² warns on the one-row fold
        with pytest.raises(ValueError, match="leaves 1 row in a test fold"):
            CancelOutSelectorCV(selector=fast_selector(), cv=cv).fit(X, y)


class _WrongImportances(DecisionTreeRegressor):
    def fit(self, X, y, **kwargs):
        super().fit(X, y, **kwargs)
        self.imp_ = np.ones(3)
        return self

    @property
    def feature_importances_(self):
        return self.imp_


def test_importances_of_another_length_than_x_has_columns_are_refused():
    X, y = make_data("regression")
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(10,\)"):
        CancelOutSelectorCV(selector=_WrongImportances(), cv=3).fit(X, y)


def test_a_boolean_in_the_grid_is_refused():
    X, y = make_data("regression")
    search = CancelOutSelectorCV(
        selector=fast_selector(), n_features_grid=[True, 2], step=None, cv=3
    )
    with pytest.raises(ValueError, match="n_features_grid must be"):
        search.fit(X, y)


@pytest.mark.parametrize("part", ["train", "test"])
def test_a_split_with_an_empty_part_is_refused(part):
    # An empty test part failed in MaxAbsScaler ("0 sample(s)").
    X, y = make_data("regression")
    rows, empty = np.arange(40), np.array([], dtype=int)
    cv = [(rows, empty) if part == "test" else (empty, rows)]
    with pytest.raises(ValueError, match=f"{part} part holds no rows"):
        CancelOutSelectorCV(selector=fast_selector(), cv=cv).fit(X, y)


def test_a_one_column_y_is_read_as_one_target():
    # Every fold's estimator warned DataConversionWarning.
    X, y = make_data("classification")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        column = CancelOutSelectorCV(selector=fast_selector(), cv=3).fit(X, y[:, None])
    flat = CancelOutSelectorCV(selector=fast_selector(), cv=3).fit(X, y)
    assert_array_equal(column.get_support(), flat.get_support())


def test_test_folds_of_one_row_are_named_when_every_score_fails():
    X, y = make_data("regression")
    search = CancelOutSelectorCV(selector=fast_selector(), cv=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # R² warns on each one-row fold
        with pytest.raises(ValueError, match="leaves 1 row in a test fold"):
            search.fit(X[:5], y[:5])


def test_integers_that_look_like_counts_are_flagged_before_the_folds_fail():
    X, _ = make_data("classification", n_samples=60)
    search = CancelOutSelectorCV(selector=fast_selector(), cv=3)
    with pytest.warns(UserWarning, match="pass task='regression'"):
        with pytest.raises(ValueError, match="n_splits=3"):
            search.fit(X, np.arange(60))


@pytest.mark.parametrize("test_rows", [[0, 1, 500], [0.0, 1.0, 2.0]])
def test_hand_written_splits_with_wrong_rows_are_refused(test_rows):
    # A fold failed with a bare IndexError.
    X, y = make_data("regression")
    cv = [(np.arange(10, 240), np.array(test_rows))]
    with pytest.raises(ValueError, match="not integer row numbers of X"):
        CancelOutSelectorCV(selector=fast_selector(), cv=cv).fit(X, y)
