"""scikit-learn's estimator checks, run on quick-to-train selectors."""

from sklearn.utils.estimator_checks import (
    check_n_features_in_after_fitting,
    parametrize_with_checks,
)

from skcancelout import CancelOutSelector, CancelOutSelectorCV

# Each known failure of CancelOutSelector with the reason it cannot pass.
_WEIGHTS_ARE_NOT_REPEATS = (
    "a weight of 2 is not a repeated row: training is stochastic mini-batch "
    "gradient descent (batches and shuffles differ, as for sklearn's "
    "MLPClassifier), the column statistics that standardize X count each "
    "row of positive weight once whatever its weight, and the F test reads "
    "weights as ratios, not counts of rows"
)
EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": _WEIGHTS_ARE_NOT_REPEATS,
    "check_sample_weight_equivalence_on_sparse_data": _WEIGHTS_ARE_NOT_REPEATS,
    # The check calls partial_fit(X, y) without classes, as it does for every
    # non-classifier; the selector requires classes on the first call for
    # classification (as SGDClassifier does), since a batch may miss a class.
    # The test below runs it on a regression stream.
    "check_n_features_in_after_fitting": "partial_fit needs classes= on the "
    "first call for classification",
}


def _expected_failed_checks(estimator):
    if isinstance(estimator, CancelOutSelector):
        return EXPECTED_FAILED_CHECKS
    return {}  # CancelOutSelectorCV has no partial_fit and passes every check


def _cv_instance():
    # The checks fit dozens of times: one tiny net, one epoch, three sizes.
    return CancelOutSelectorCV(
        selector=CancelOutSelector(
            hidden_layer_sizes=(4,), n_estimators=1, max_iter=1, random_state=0
        ),
        step=0.5,
        cv=2,
    )


@parametrize_with_checks(
    [CancelOutSelector(max_iter=5, n_estimators=2, random_state=0), _cv_instance()],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_n_features_in_after_fitting_on_a_stream_that_needs_no_classes():
    # The xfailed check above, on a selector whose first partial_fit needs no
    # classes=: its other assertions (every method refuses an X of another
    # width, partial_fit included) still run.
    check_n_features_in_after_fitting(
        "CancelOutSelector",
        CancelOutSelector(
            max_iter=5, n_estimators=2, random_state=0, task="regression"
        ),
    )
