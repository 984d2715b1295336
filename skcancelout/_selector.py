"""CancelOutSelector: the scikit-learn estimator around the gated networks."""

import math
import numbers
import warnings
from contextlib import contextmanager
from functools import partial, wraps
from itertools import pairwise

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import BaseEstimator, _fit_context
from sklearn.feature_selection import SelectorMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from . import _selection
from ._checks import (
    _ZERO_WEIGHT,
    _balanced_class_weight,
    _check_target_values,
    _check_target_width,
    _checked_classes,
    _checked_weight,
    _numeric_target,
    _reject_non_numeric,
    _reject_sparse_target,
    _task_of,
    check_indicator_values,
    refuse_boolean_numbers,
)
from ._constants import GATE_ACTIVATIONS, PENALTIES
from ._data import float32_rows
from ._importance import combined, gate_weight
from ._lazy import LazyModule, TorchDevice
from ._marginal import linear_pvalues, marginal_evidence, wide_evidence
from ._redundancy import correlations, redundancy_factors
from ._stack import user_stacklevel
from ._state import (
    _STATE_FORMAT,
    _check_same_networks,
    _export_state,
    _load_state,
    running_stats,
)
from ._threshold import resolve_threshold, support_mask

# Imported by the first fit, not by loading a fitted selector (see _lazy).
torch = LazyModule("torch")
_network = LazyModule("skcancelout._network")
_training = LazyModule("skcancelout._training")


_IMPORTANCE_TYPES = ("combined", "gate", "gate_weight")

# Largest magnitude of the float settings that training multiplies in float32
# (whose range ends near 3.4e38): beyond it torch cannot even hold them.
_LARGEST = 1e30
# Beyond it a float32 sigmoid gate is 0 or 1 to the last digit (from about
# 16.6), gets no gradient and never moves.
_GATE_INIT_LIMIT = 16.0
# More weights than any machine's memory holds (2**42 float32 are 16 TiB):
# refused before torch is asked for them.
_MOST_WEIGHTS = 2**42
_TASK_OPTIONS = ("auto", "classification", "regression")


def _unchanged_on_error(method):
    """Wrap ``fit``-like ``method``: if it raises, the estimator is as before.

    A refit or a ``partial_fit`` that fails (bad y, weights or parameters,
    a diverged loss, an interrupt) puts every attribute back, so an already
    fitted selector still transforms and a stream can go on. The methods
    rebind attributes rather than change them in place, so a shallow copy
    of the attributes is enough.
    """

    @wraps(method)
    def run(self, *args, **kwargs):
        before = dict(self.__dict__)
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    return run


# Fitted state that only some tasks have: a refit on another task drops it.
_TARGET_STATE = {
    "classes_": ("binary", "multiclass"),
    "_n_labels": ("multilabel",),
    "_y_stats": ("regression",),
    "_y_count": ("regression",),
}


def _parameters_checked_every_call(method):
    """Wrap ``partial_fit`` so that every call checks the parameters.

    scikit-learn's ``_fit_context`` checks them only while the estimator is
    unfitted, but ``set_params`` between calls of a stream is allowed: a
    negative learning rate set then would train on silently.
    """

    @wraps(method)
    def run(self, *args, **kwargs):
        if not get_config()["skip_parameter_validation"]:
            self._validate_params()
        return method(self, *args, **kwargs)

    return run


# Multiply-adds of one step's largest product above which extra torch
# threads pay off. On the 2-core machine of the benchmarks (3000 rows, 20
# epochs, batch 256) two threads took 1.14 and 1.13 times one thread's time
# at 100 and 200 columns (6.6M and 13M multiply-adds) and 0.79 at 300
# (20M); 4M was the line before.
_THREADED_WORK = 2**24
# feature_dropout="auto" when fit learns class labels: the rate for the first
# and for the second half of max_iter epochs; 0 for other targets and in
# partial_fit.
AUTO_FEATURE_DROPOUT = (0.1, 0.7)


class CancelOutSelector(SelectorMixin, BaseEstimator):
    """Feature selection with CancelOut gates in front of small neural networks.

    Each input feature passes through a learnable gate ``sigmoid(w_j)`` before
    a small ReLU network. The networks are trained on the task given by ``y``
    (classification, regression, multi-output, multilabel; or reconstruction
    of X when ``y`` is None) with a penalty that closes the gates of features
    the task does not need. The gates of ``n_estimators`` independent networks,
    trained together in one batched pass, are averaged into
    ``feature_importances_``; their spread says how sure the ranking is.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    task : {"auto", "classification", "regression"}, default="auto"
        What the networks learn from y. ``"auto"`` follows scikit-learn's
        ``type_of_target`` (class labels, multilabel indicators or continuous
        targets; no y means unsupervised selection), except that a float y
        with more than 20 distinct values is read as continuous even when
        every value is a whole number, as the diabetes scores are. An integer
        y stays class labels, with a warning when it has more than 20
        distinct values and fewer than 10 rows per value on average (it is
        likely a count). Set it to say so explicitly, e.g. ``"regression"``
        for integer counts.
    hidden_layer_sizes : int or tuple of int, default=(32, 32)
        Hidden layer widths of each network; an int is one hidden layer of
        that width (as in ``MLPClassifier``), ``()`` makes a gated linear
        model.
    n_estimators : int, default=8
        Number of networks trained at once. More nets give steadier
        importances at a cost that grows slower than linearly.
    gate_activation : {"sigmoid", "softmax"}, default="sigmoid"
        Gate function. ``"softmax"`` makes the features compete for one unit
        of total gate: its gates always sum to 1 per network, so
        ``penalty="gates"``'s ``alpha`` term is a constant there and only the
        ``beta`` term (and the task) moves them.
    gate_init : float, default=0.0
        Initial raw gate weight; 0 starts the sigmoid gates half open, where
        they move fastest. The original PyTorch code used 4.0. With softmax
        gates and ``penalty="gates"`` it has no effect (the same weight for
        every feature gives equal gates); ``"l1l2"`` acts on the raw
        weights, so there it does. At most 16 in size: from about 16.6 a
        float32 sigmoid gate is exactly 0 or 1, gets no gradient and never
        moves.
    penalty : {"gates", "l1l2"}, default="gates"
        ``"gates"``: ``alpha * sum(gates) - beta * var(w)`` (original PyTorch
        code); ``"l1l2"``: ``alpha * |w|_1 + beta * |w|_2`` (original Keras
        code).
    alpha : float, default=0.01
        Strength of the first penalty term, relative to the task loss. With
        ``penalty="gates"`` and sigmoid gates, larger values close more
        gates (with softmax gates the term is constant and does nothing);
        with ``penalty="l1l2"`` they pull the raw weights towards 0, that is
        sigmoid gates towards 0.5 and softmax gates towards equal shares,
        rather than closing them.
    beta : float, default=0.001
        Strength of the second penalty term: with ``penalty="gates"`` it
        rewards spread among the raw gate weights, with ``"l1l2"`` it
        penalizes their L2 norm.
    weight_decay : float, default=0.0
        L2 penalty on the network weights (not on gates or biases), added to
        the gradient as in ``torch.optim.Adam``. It keeps small networks
        from fitting noise with irrelevant columns, but it also hides
        interactions such as parity or circles, and beside the other
        defaults it gained nothing on the benchmark tasks; off by default
        (see "Defaults and evidence" in the user guide).
    first_layer_decay : float, default=0.003
        Extra L2 penalty on the first-layer weights, the ones each gate
        scales (added to ``weight_decay`` there). Without it a network can
        undo a closing gate by growing that feature's weights, and the rows
        of unused features keep their random start, so gates and weights
        disagree about what is used. Larger values start to hide
        interactions such as parity (see "Defaults and evidence" in the
        user guide).
    feature_dropout : float in [0, 1), pair of floats or "auto", default="auto"
        Share of the features each network trains without, drawn anew for
        every network and every optimizer step (a dropped feature reads as
        its column mean), much as a random forest offers each split a random
        subset of the columns. A network can then not rely on one column of
        a correlated group, so weaker and redundant columns that carry
        signal keep their gates open while pure noise still closes. A pair
        ``(first, second)`` trains the first half of ``max_iter`` epochs
        at ``first`` and the rest at ``second``; the stopping rule
        (``tol``, ``n_iter_no_change``) then compares only epochs of the
        same rate, since their training losses differ. It may also end a
        fit in the first half, which then never trains at ``second``
        (default fits of the circles task often do, and the benchmark's
        results are those of fits that stop so). Raise
        ``n_iter_no_change`` to train every epoch. The dropped signal adds
        noise to the task loss, which hurts exact regression: ``"auto"`` is
        ``(0.1, 0.7)`` when ``fit`` learns class labels (binary and
        multiclass), and 0 for other targets and in ``partial_fit``, where
        it slowed the tracking of drift (a pair gives ``partial_fit`` its
        first rate). On the benchmark it kept weak and redundant real
        columns above probes and noise (wine+probes, noisy classification)
        and left the interaction tasks as they were; see "Defaults and
        evidence" in the user guide for the numbers.
    importance_type : {"combined", "gate_weight", "gate"}, default="combined"
        ``"gate_weight"``: the gate times the norm of the feature's first-layer
        weights, i.e. how strongly the feature reaches the network, scaled so
        each net's largest is 1. ``"combined"``: the robust z-score (median and
        MAD over the features) of ``"gate_weight"`` at the end of training plus
        0.5 times that early in training (after the first epoch, or after the
        first epochs that make 8 optimizer steps where an epoch has fewer),
        shifted and scaled to [0, 1] with one scale for all nets (a net that
        separates its features sharply weighs more in the mean than one that did
        not learn the task). Features the final networks separate clearly keep
        their place; among those they leave close together (redundant copies,
        weak columns), the early direct link to y decides. In ``fit`` with a
        target, a column whose link to y passes an F test at
        ``p < 0.5 / n_features``, on its own or beside the columns that pass on
        their own
        (on pure noise half a column passes per fit, on average; beside real
        columns, the second test lets up to about another half through; where
        permutations of y show chance passing that line, as with a target that
        is zero in almost every row, the line is lowered, see
        ``univariate_line_``), gains up to 3 more (capped, so the networks still
        order such columns among themselves and a clear network winner keeps its
        place). Where the columns that vary outnumber the rows of positive
        weight (n < d), every column also gains ``5 * (1 - n / d)`` times the
        robust z-score (over the columns) of the normal quantile of its
        univariate p-value, where positive (so about half the columns gain):
        networks that can fit any labelling of so few rows leave a weakly
        informed ranking, and the test orders it (the lift fades out where the
        permutations show the test unreliable). In ``partial_fit`` (one epoch
        per call, no bonus) the early ranking is the state at the end of the
        call's epoch, before idle units are revived and gates floored, so it
        mostly repeats the final one; the mean over networks still uses the
        shared scale, so it can order features differently from
        ``"gate_weight"``. ``"gate"``: the gate value alone, in [0, 1] for
        sigmoid gates (the original CancelOut ranking). See the user guide for
        the evidence behind the default.
    redundancy : float in (0, 1) or None, default=0.99
        Discount near-copies of more important features. ``fit`` walks the
        features from the most important down (among the 100 most
        important) and multiplies each importance by
        ``1 - max|r| ** p``, where ``r`` is the feature's correlation with a
        feature walked past and ``p`` makes a correlation equal to
        ``redundancy`` halve the importance; the next feature walked is the
        one with the largest discounted value. At 0.99 a correlation of 0.9
        keeps 99.9 % of the importance and 0.95 keeps 97 %, so only
        near-copies move, and an exact copy gets 0. Feature dropout keeps
        every copy of a useful signal open, so without the discount the
        copies share the top of the ranking: on breast cancer the top 5
        always held three of worst radius, perimeter and area (correlated at
        0.98-0.99), and scored lower on the reference's k-NN test than with
        the discount, while no development task's hit@k or stability
        changed (see the user guide). None ranks every copy as
        relevant, as a test of relevance should. ``partial_fit`` keeps no
        data to correlate and does not discount. The factors are in
        ``redundancy_factor_``.
    threshold : str or float, default=None
        Features with importance ``>= threshold`` are kept. A number,
        ``"mean"``, ``"median"`` or a scaled form such as ``"1.5*mean"``.
        None means ``"mean"``, unless ``max_features`` is set, in which case
        only ``max_features`` decides. Read when the support is asked for, so
        it can be changed after fit without refitting.
    max_features : int or callable, default=None
        Keep at most this many features (the most important ones). A callable
        is called with the training X in ``fit`` and must return an int; in
        ``partial_fit``, with the first batch, or with the batch of the
        first call after a new callable was set.
    learning_rate_init : float, default=0.02
        Adam learning rate at the start; it decays along a cosine to 5 % of
        this over ``max_iter`` epochs. An epoch whose loss turns NaN or
        infinite, or whose task loss grows over 100 times that of the first
        step, is restarted at half the rate with a ``RuntimeWarning``; after
        3 halvings ``fit`` raises a ``ValueError``. ``partial_fit`` keeps a
        halved rate for the later batches, until ``learning_rate_init`` is
        set to another value.
    batch_size : int or "auto", default="auto"
        Rows per optimizer step; ``"auto"`` is
        ``min(256, max(32, n_samples // 8))``, about 8 steps per epoch on
        small data.
    max_iter : int, default=100
        Maximum number of epochs (passes over the data).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its loss stops
        improving and keep the best state. With the ``"gate_weight"``
        importance it helped on small data with near-linear targets; with
        the default ``"combined"`` importance it no longer does (hit@k on
        diabetes+probes and wine+probes the same either way, stability a
        little lower). The held-out loss can be lowest after one or two
        epochs, before the gates of noise columns have shut, and then the
        ranking is worse (see "Defaults and evidence" in the user guide).
        For class labels the split is stratified: a class with a single
        row (of positive weight) is refused, as is a split that leaves
        fewer than two rows to train on.
    validation_fraction : float, default=0.1
        Share of the data held out when ``early_stopping`` is True.
    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` before stopping.
    tol : float, default=1e-4
        Minimum improvement of the monitored loss.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as in scikit-learn classifiers.
        ``partial_fit`` refuses ``"balanced"`` (one batch does not show the
        class frequencies of a stream); pass a dict there.
    keep_gate_history : bool, default=False
        Record the mean gate value of each feature after every epoch in
        ``gate_history_`` (costs ``max_iter * n_features`` floats).
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, shuffling and validation split. An int gives
        bitwise identical refits on the same machine with the same thread
        count (``n_jobs``); another thread count or CPU splits the products
        differently, and the rounding can then swap borderline features
        (see the user guide). None draws the seeds from NumPy's global
        generator, as scikit-learn's estimators do: after
        ``np.random.seed(0)`` the fits repeat, and each fit moves the global
        stream on. torch's global generator is never used.
    verbose : int, default=0
        ``0`` prints nothing; ``1`` prints one line per epoch with the loss,
        the validation loss and the mean number of open gates (sigmoid
        gates above 0.5, softmax gates above an equal share, 1 /
        n_features), and, after a
        ``partial_fit`` call that revived hidden units or raised gates to
        the stream's floor, how many.
    device : str, default="cpu"
        Torch device used for training, e.g. ``"cuda"``. The fitted selector
        holds NumPy arrays only, so it unpickles and transforms anywhere.
    n_jobs : int, default=None
        Torch threads used during fit (restored afterwards). None picks one
        thread for small steps, where thread hand-offs cost more than they
        save, and for large ones as many as torch allows in this process
        (``torch.get_num_threads()``, which follows ``OMP_NUM_THREADS`` and
        ``torch.set_num_threads``, and is each worker's share of the cores
        inside joblib workers such as those of ``GridSearchCV(n_jobs=2)``),
        so parallel searches do not oversubscribe the cores. A positive
        value is capped at the CPUs this process may use
        (``joblib.cpu_count()``, which follows CPU affinity and container
        limits); -1 uses all of those. On a machine whose cores are busy
        with other work, pass 1: torch's threads wait for each other at
        every step, and one that loses its core stalls the rest.

    Attributes
    ----------
    feature_importances_ : ndarray of shape (n_features_in_,)
        Mean over the networks of each feature's importance (see
        ``importance_type``); non-negative, higher is more important,
        exactly 0 for constant features (constant on the rows of positive
        weight).
    feature_importances_std_ : ndarray of shape (n_features_in_,)
        Standard deviation of the importances over the networks.
    all_importances_ : ndarray of shape (n_estimators, n_features_in_)
        Importances given by each network.
    gate_weights_ : ndarray of shape (n_estimators, n_features_in_)
        Raw gate weights ``w`` of each network.
    gate_history_ : ndarray of shape (n_iter_, n_features_in_)
        Mean gate value per epoch; only with ``keep_gate_history=True``.
        Switched on between ``partial_fit`` calls, the epochs before hold
        NaN (switched off, the history is dropped).
    loss_curve_ : list of float
        Training loss (task loss plus penalty, per network) after each epoch.
    validation_loss_curve_ : list of float
        Task loss on the held-out split per epoch of ``fit``
        (``early_stopping`` only). ``partial_fit`` holds nothing out and
        does not extend it: after a ``partial_fit`` that continues a fit it
        is shorter than ``loss_curve_``.
    n_iter_ : int
        Number of epochs run.
    univariate_pvalues_ : ndarray of shape (n_features_in_,) or None
        p-value of each column's univariate test against y, computed by
        ``fit`` whenever there is a target: an analysis-of-variance F test
        across the classes, or the F test of a linear fit for continuous
        and multilabel targets (with several targets, the smallest p-value
        times their number). None after an unsupervised fit and after
        ``partial_fit``.
    conditional_pvalues_ : ndarray of shape (n_features_in_,) or None
        p-value of each column's link to what the columns passing the
        univariate test (the 32 strongest, and at most a quarter of the
        number of samples) leave of y unexplained, by least squares: it
        finds a column that matters only beside the others. 1 for those
        columns themselves, for columns they explain and everywhere when
        none passes, when they are all the columns or when nothing of y is
        left. None where
        ``univariate_pvalues_`` is None.
    univariate_line_, conditional_line_ : float or None
        The p-value below which a column passes each test:
        ``0.5 / n_features_in_`` (Bonferroni), or lower where the F test's
        assumptions fail and chance passes that line (a target that is zero
        in almost every row beside sparse columns, say): then the median,
        over 19 permutations of y (drawn from a fixed seed, among the rows of
        positive weight; for the conditional test on a continuous or
        multilabel target, of what the columns passing the univariate test
        leave of y), of the test's smallest p-value. None where
        ``univariate_pvalues_`` is None.
    linear_bonus_ : ndarray of shape (n_features_in_,)
        The part of ``feature_importances_`` that the two linear tests
        added (``importance_type="combined"`` in ``fit`` only, zeros
        otherwise): a column below its line in either test
        gains up to a fixed bonus, and with fewer rows than columns the
        columns above the median of the univariate test gain by how far
        above it they stand.
        ``feature_importances_ - linear_bonus_`` is the networks' part on
        the same scale, so it orders the features as the networks alone
        do. Its zero lies at the lowest combined score, so it can be
        negative; and ``redundancy_factor_`` scales
        both parts of a discounted near-copy, which raises a negative
        networks' part towards 0 (compare near-copies by
        ``feature_importances_``).
    redundancy_factor_ : ndarray of shape (n_features_in_,)
        What the ``redundancy`` discount multiplied each feature's importance
        by (in every network's row of ``all_importances_``, in
        ``feature_importances_``, its standard deviation and
        ``linear_bonus_``): 1 for a feature with no more important
        near-copy, 0 for an exact copy. All ones after ``partial_fit`` or
        with ``redundancy=None``.
    classes_ : ndarray
        Class labels (classification only).
    mean_, scale_ : ndarray of shape (n_features_in_,)
        Column means and standard deviations used to standardize X. A
        constant column has no spread to divide by: its ``scale_`` is its
        absolute value (1 for a column of zeros), so it is standardized to
        0 and its importance is 0.
    n_samples_seen_ : int
        Rows that the column statistics have seen: those of ``fit``, or of
        every ``partial_fit`` call since the first, rows of weight 0 left
        out (with ``early_stopping``, the networks train on fewer).
    task_ : str
        How y was read: ``"binary"``, ``"multiclass"``, ``"multilabel"``,
        ``"regression"`` or ``"unsupervised"`` (a property).
    threshold_ : float
        The numeric threshold in force (a property: it follows
        ``threshold`` set after fit).
    max_features_ : int or None
        The number ``max_features`` stands for (a property; a callable is
        evaluated on the training X).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined only when X has string feature names.

    See Also
    --------
    sklearn.feature_selection.SelectFromModel : thresholds any model's importances.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skcancelout import CancelOutSelector
    >>> X, y = make_classification(n_samples=300, n_features=20, n_informative=3,
    ...                            n_redundant=0, shuffle=False, random_state=0)
    >>> selector = CancelOutSelector(random_state=0).fit(X, y)
    >>> selector.transform(X).shape[0]
    300
    >>> sorted(selector.feature_importances_.argsort()[-3:].tolist())
    [0, 1, 2]
    """

    _parameter_constraints = {
        "task": [StrOptions(set(_TASK_OPTIONS))],
        "hidden_layer_sizes": [
            "array-like",
            Interval(numbers.Integral, 1, None, closed="left"),
        ],
        "n_estimators": [Interval(numbers.Integral, 1, None, closed="left")],
        "gate_activation": [StrOptions(set(GATE_ACTIVATIONS))],
        "gate_init": [
            Interval(numbers.Real, -_GATE_INIT_LIMIT, _GATE_INIT_LIMIT, closed="both")
        ],
        "penalty": [StrOptions(set(PENALTIES))],
        "alpha": [Interval(numbers.Real, 0, _LARGEST, closed="both")],
        "beta": [Interval(numbers.Real, 0, _LARGEST, closed="both")],
        "weight_decay": [Interval(numbers.Real, 0, _LARGEST, closed="both")],
        "first_layer_decay": [Interval(numbers.Real, 0, _LARGEST, closed="both")],
        "feature_dropout": [
            Interval(numbers.Real, 0, 1, closed="left"),
            StrOptions({"auto"}),
            tuple,
            list,
        ],
        "importance_type": [StrOptions(set(_IMPORTANCE_TYPES))],
        "redundancy": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        # closed="both": threshold=-np.inf is SelectFromModel's "no threshold".
        "threshold": [Interval(numbers.Real, None, None, closed="both"), str, None],
        "max_features": [
            Interval(numbers.Integral, 0, None, closed="left"),
            callable,
            None,
        ],
        "learning_rate_init": [Interval(numbers.Real, 0, _LARGEST, closed="right")],
        "batch_size": [
            Interval(numbers.Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "keep_gate_history": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "device": [str, TorchDevice],
        "n_jobs": [
            Interval(numbers.Integral, None, -1, closed="right"),
            Interval(numbers.Integral, 1, None, closed="left"),
            None,
        ],
    }

    def __init__(
        self,
        *,
        task="auto",
        hidden_layer_sizes=(32, 32),
        n_estimators=8,
        gate_activation="sigmoid",
        gate_init=0.0,
        penalty="gates",
        alpha=0.01,
        beta=0.001,
        weight_decay=0.0,
        first_layer_decay=0.003,
        feature_dropout="auto",
        importance_type="combined",
        redundancy=0.99,
        threshold=None,
        max_features=None,
        learning_rate_init=0.02,
        batch_size="auto",
        max_iter=100,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        class_weight=None,
        keep_gate_history=False,
        random_state=None,
        verbose=0,
        device="cpu",
        n_jobs=None,
    ):
        self.task = task
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_estimators = n_estimators
        self.gate_activation = gate_activation
        self.gate_init = gate_init
        self.penalty = penalty
        self.alpha = alpha
        self.beta = beta
        self.weight_decay = weight_decay
        self.first_layer_decay = first_layer_decay
        self.feature_dropout = feature_dropout
        self.importance_type = importance_type
        self.redundancy = redundancy
        self.threshold = threshold
        self.max_features = max_features
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.class_weight = class_weight
        self.keep_gate_history = keep_gate_history
        self.random_state = random_state
        self.verbose = verbose
        self.device = device
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    @_unchanged_on_error
    def fit(self, X, y=None, sample_weight=None):
        """Train the gated networks on (X, y) and rank the features.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; sparse matrices are never densified as a whole.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Class labels (binary, multiclass, multilabel indicator) or
            continuous targets (one or several). None selects features
            without labels: the networks learn to reconstruct X.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss (times ``class_weight``). Only
            ratios matter. Rows of weight 0 (after ``class_weight``) are
            left out of training, of the column statistics that standardize
            X (``mean_``, ``scale_``, ``n_samples_seen_``; so an outlier of
            weight 0 changes nothing, and a column with one value on all
            other rows is constant), of the mean and spread that standardize
            a continuous y, and of the class frequencies of
            ``class_weight="balanced"`` (which counts rows by their weight).
            They are still checked (NaN is refused), and their labels are
            still classes in ``classes_``, as in scikit-learn's classifiers:
            a class seen only in rows of weight 0 keeps an output.

        Returns
        -------
        self : CancelOutSelector
            The fitted selector.

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> from skcancelout import CancelOutSelector
        >>> X, y = make_classification(n_samples=300, n_features=6, n_informative=2,
        ...                            n_redundant=0, shuffle=False, random_state=0)
        >>> selector = CancelOutSelector(max_features=2, random_state=0).fit(X, y)
        >>> selector.get_support(indices=True)
        array([0, 1])
        """
        device = self._check_parameters()
        # A callable max_features sees X as passed (a DataFrame keeps its
        # columns), as in SelectFromModel.
        self._set_max_features(X)
        X, y = self._validate_input(X, y, reset=True)
        weight = _checked_weight(sample_weight, X)
        if weight is not None:  # before y's statistics over these rows warn
            _check_two_rows(np.count_nonzero(weight))
        target = self._encode_target(y, fitting=True, whole=True, weight=weight)
        # After _encode_target: class_weight needs the task of this y.
        sample_weight = self._sample_weights(y, weight)
        # Rows of weight 0 are dropped here, before anything reads X: the
        # fit is that on the other rows (one copy of them), its statistics,
        # tests and correlations included; their labels stay in classes_.
        kept = _positive_rows(sample_weight)
        if kept is not None:
            X, target, sample_weight = _rows_of(kept, X, target, sample_weight)
            y = None if y is None else y[kept]
        _check_two_rows(X.shape[0])
        # (All of y was checked for a second class in _encode_target.)
        classes = self._task in ("binary", "multiclass")
        if kept is not None and classes and np.unique(y).size < 2:
            raise ValueError(
                "Only one class has rows of positive weight (sample_weight "
                "times class_weight); classification needs at least two."
            )
        self._update_stats(X, first=True)
        _warn_if_all_constant(self._stats, "X")
        data, shift, scale = self._training_data(X, target, sample_weight, device)
        self._check_split(y, data.n_samples)
        self._check_network_size(X.shape[1])
        # Drawn once the data passed every check: a refused call leaves a
        # shared generator (random_state=None or a RandomState) as it was.
        rng, generator = self._random_sources()
        train, validation = self._split(data, y, rng)

        model = self._build_model(X.shape[1], generator, shift, scale, device)
        optimizer = self._optimizer(model)
        settings = self._settings(train.n_samples, self.max_iter)
        with self._torch_settings(self._step_work(model, settings)):
            result = self._run(model, optimizer, train, settings, generator, validation)
        pvalues = self._pvalues(X, target, sample_weight)
        corr_of = partial(correlations, X, self._stats, sample_weight=sample_weight)
        self._record(
            model,
            optimizer,
            generator,
            result,
            append=False,
            pvalues=pvalues,
            corr_of=corr_of,
        )
        self._idle_rows = None  # a later partial_fit starts counting afresh
        return self

    @_parameters_checked_every_call
    @_fit_context(prefer_skip_nested_validation=True)
    @_unchanged_on_error
    def partial_fit(self, X, y=None, classes=None, sample_weight=None):
        """Train on one batch of a stream: one epoch, state kept across calls.

        The first call sets up the networks; later calls check the
        parameters again, update the running standardization statistics (of
        X, and of a continuous y) and continue training from where the
        previous call stopped, at the constant rate ``learning_rate_init``
        (or the lower rate that an earlier batch's divergence left, see
        :meth:`fit`, until ``learning_rate_init`` is set to another value).
        A hidden unit that has not fired on the last 256 rows of the stream
        gets fresh incoming weights and a zero outgoing weight, so networks
        whose units died when the stream changed keep learning, and sigmoid
        gates are kept at least 0.2 open, so a feature can come back.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            One batch of the stream, with the columns of the first batch.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets of the batch, as in :meth:`fit`; None on every call for
            unsupervised selection.
        classes : array-like of shape (n_classes,), default=None
            All classes that will ever appear; required on the first call for
            classification. Later calls may pass it again, but only the same
            classes. For a multilabel indicator y the labels are its
            columns; classes may be left out or be ``[0, 1]``.
        sample_weight : array-like of shape (n_samples,), default=None
            As in :meth:`fit`, with one difference: weights count relative
            to the other rows of the same call. Each optimizer step's loss
            is a weighted mean over its rows, so giving a whole batch small
            weights does not weigh it less than other batches.

        Returns
        -------
        self : CancelOutSelector
            The selector, with importances from all batches so far.

        Examples
        --------
        Three batches of a stream; the classes are given on the first call.

        >>> import numpy as np
        >>> from sklearn.datasets import make_classification
        >>> from skcancelout import CancelOutSelector
        >>> X, y = make_classification(n_samples=300, n_features=6, n_informative=2,
        ...                            n_redundant=0, shuffle=False, random_state=0)
        >>> selector = CancelOutSelector(max_features=2, random_state=0)
        >>> for rows in np.array_split(np.arange(300), 3):
        ...     selector = selector.partial_fit(X[rows], y[rows], classes=[0, 1])
        >>> selector.n_samples_seen_, selector.get_support(indices=True)
        (300, array([0, 1]))
        """
        device = self._check_parameters()
        first = not hasattr(self, "_net_state")
        if not first:
            self._check_state_format()
        if y is None and classes is not None:
            # Most likely y was left out: without it the stream would train
            # unsupervised, and classes would be silently ignored.
            raise ValueError(
                "classes was passed without y. Pass the batch's labels as y, "
                "or leave classes out for unsupervised selection."
            )
        X_given = X
        X, y = self._validate_input(X, y, reset=first)
        first_task = _task_of(y, self.task, classes) if first else None
        if first and classes is None and first_task in ("binary", "multiclass"):
            raise ValueError(
                "classes must be passed to the first partial_fit call for "
                "classification, since a batch may miss some classes; e.g. "
                "partial_fit(X, y, classes=np.unique(y_all)). If y is a "
                "measurement (this batch holds few distinct whole numbers), "
                "pass task='regression' instead."
            )
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: one "
                "batch does not show the class frequencies of the stream. "
                "Compute them once, e.g. with "
                "sklearn.utils.class_weight.compute_class_weight('balanced', "
                "classes=classes, y=y_all), and pass class_weight as a dict."
            )
        if not first:
            self._check_stream_gates()
            self._check_stream_task(classes)
        elif first_task == "multilabel":
            _check_multilabel_classes(classes)
        if first or self._new_max_features_callable():
            self._set_max_features(X_given)
        if not first and classes is not None and hasattr(self, "classes_"):
            given = _checked_classes(classes)
            if not np.array_equal(given, self.classes_):
                raise ValueError(
                    f"classes={given.tolist()[:20]} is not the classes_ "
                    f"{self.classes_.tolist()[:20]} of the first partial_fit "
                    "call; the classes of a stream are fixed by its first call "
                    "(call fit to start again with new ones)."
                )
        weight = _checked_weight(sample_weight, X)
        target = self._encode_target(
            y, fitting=first, classes=classes, task=first_task, weight=weight
        )
        sample_weight = self._sample_weights(y, weight)
        # After y's and the weights' checks, so a refused batch does no work
        # here (_unchanged_on_error restores every statistic it did touch).
        kept = _positive_rows(sample_weight)  # dropped as in fit
        if kept is not None:
            X, target, sample_weight = _rows_of(kept, X, target, sample_weight)
        self._update_stats(X, first)
        _warn_if_all_constant(self._stats, "the stream so far")
        data, shift, scale = self._training_data(X, target, sample_weight, device)
        self._check_network_size(X.shape[1])
        if first:  # once the batch passed every check (see fit)
            _, generator = self._random_sources()
        else:
            generator = torch.Generator()
            generator.set_state(torch.from_numpy(self._rng_state.copy()))

        # A later call loads the saved weights: drawing initial ones would
        # cost as much as an epoch's first layer update, for nothing.
        model = self._build_model(
            X.shape[1], generator if first else None, shift, scale, device
        )
        optimizer = self._optimizer(model)
        if not first:
            _check_same_networks(model, self._net_state)
            _load_state(model, optimizer, self._net_state, self._optim_state)
            model.set_standardization(shift, scale)
        # A learning rate halved on an earlier batch stays halved, until
        # learning_rate_init is set anew, as the warning that halved it
        # advises.
        lr_factor = 1.0
        # (A state saved before _lr_halved_from existed keeps its factor.)
        halved_from = getattr(self, "_lr_halved_from", self.learning_rate_init)
        if not first and halved_from == self.learning_rate_init:
            lr_factor = self._lr_factor
        settings = self._settings(
            data.n_samples, 1, streaming=True, lr_factor=lr_factor
        )
        with self._torch_settings(self._step_work(model, settings)):
            result = self._run(model, optimizer, data, settings, generator, None)
            # A stream that changes can kill most hidden units (their ReLU
            # never fires, so no gradient reaches them); new ones take their
            # place, or the networks stop learning the new relation.
            idle = self._idle_rows_of(model, first)
            revived = _training.revive_dead_units(
                model, optimizer, data, generator, idle
            )
            # Nor may a gate shut for good while its feature carries nothing.
            floored = _training.floor_gates(model)
        if self.verbose and (revived or floored):
            print(
                f"partial_fit: revived {revived} idle hidden units, raised "
                f"{floored} gates to {_training.STREAM_GATE_FLOOR}",
                flush=True,
            )
        self._record(model, optimizer, generator, result, append=not first)
        self._idle_rows = [counts.numpy() for counts in idle]
        return self

    def _check_stream_gates(self):
        """Refuse a later partial_fit whose gate activation is not the one the
        networks were trained with (their gate weights would be read anew)."""
        trained = getattr(self, "_gate_activation", self.gate_activation)
        if self.gate_activation != trained:
            raise ValueError(
                "partial_fit continues the networks trained so far, whose "
                f"gates are gate_activation={trained!r}; it cannot change "
                "between calls. Set it back, or call fit to start again with "
                "the new one."
            )

    def _new_max_features_callable(self):
        """Whether ``max_features`` is a callable not yet evaluated."""
        value = self.max_features
        fitted = getattr(self, "_max_features_callable", (None, None))
        return callable(value) and fitted[0] is not value

    def _check_stream_task(self, classes):
        """Refuse a later partial_fit whose ``task`` or ``classes`` contradict
        the task the stream started with (it would train on silently)."""
        started = self._task
        if classes is not None and started == "regression":
            raise ValueError(
                f"classes was passed, but this selector was fitted on {started} "
                "targets, not class labels; call fit (or partial_fit on a new "
                "selector) to start again with class labels."
            )
        if started == "multilabel":
            _check_multilabel_classes(classes)
        asked = self.task
        if asked == "auto" or started == "reconstruction":
            return
        if (asked == "regression") != (started == "regression"):
            raise ValueError(
                f"task={asked!r}, but this selector was fitted on {started} "
                "targets; the task of a stream is fixed by its first call. Call "
                "fit to start again with the new task."
            )

    def _idle_rows_of(self, model, first):
        """Rows since each hidden unit last fired, (K, h) per hidden layer.

        Carried across ``partial_fit`` calls; zeros on the first call and
        after ``fit`` (which does not count them).
        """
        shapes = [(model.n_estimators, bias.shape[-1]) for bias in model.biases[:-1]]
        held = None if first else getattr(self, "_idle_rows", None)
        if held is None or [counts.shape for counts in held] != shapes:
            return [torch.zeros(shape, dtype=torch.long) for shape in shapes]
        return [torch.from_numpy(counts.copy()) for counts in held]

    def _random_sources(self):
        """NumPy generator for splits and a local torch generator for training."""
        # None draws from NumPy's global generator, as scikit-learn's
        # estimators do, so np.random.seed makes such fits repeatable.
        rng = check_random_state(self.random_state)
        return rng, torch.Generator().manual_seed(int(rng.randint(2**31 - 1)))

    # ---------------------------------------------------------- validation
    def _validate_input(self, X, y, reset):
        _reject_non_numeric(X)
        common = dict(
            accept_sparse=("csr", "csc"),
            # float32 stays float32; anything else (ints above 2**24, say,
            # which float32 would round) becomes float64.
            dtype=[np.float64, np.float32],
            # Statistics need two rows to start; a stream may go on row by row.
            ensure_min_samples=2 if reset else 1,
            reset=reset,
        )
        if y is not None:
            # Checked before validate_data, whose message gives no advice.
            _reject_sparse_target(y)
            y = _check_target_values(y)
        try:
            if y is None:
                X = validate_data(self, X, **common)
            else:
                X, y = validate_data(
                    self, X, y, multi_output=True, y_numeric=False, **common
                )
        except OverflowError as exc:  # a Python int beyond float64
            raise ValueError(
                "X holds a number too large for float64 (above about 1.8e308); "
                "rescale that column."
            ) from exc
        if X.shape[1] == 0:
            raise ValueError("X has 0 features; at least one column is needed.")
        if sp.issparse(X) and not X.has_canonical_format:
            # Entries stored twice (or out of order) mean their sum, but
            # column statistics read them one by one; a canonical copy.
            X = X.copy()
            X.sum_duplicates()
        return X, y

    def _sample_weights(self, y, weight):
        """Row weights for training: ``weight`` (checked sample_weight, or
        None) times ``class_weight``, scaled to a largest of 1; None when
        every row weighs the same."""
        if weight is None and self.class_weight is None:
            return None
        if self.class_weight is not None and self._task == "reconstruction":
            raise ValueError(
                "class_weight applies to class labels, and fit(X) without y "
                "(unsupervised selection) has none; set class_weight=None."
            )
        if self.class_weight is not None and self._task not in (
            "binary",
            "multiclass",
        ):
            kind = {
                "multilabel": "a multilabel indicator matrix (several labels "
                "per row, which class_weight does not weigh)",
                "regression": "continuous",
            }[self._task]
            raise ValueError(
                "class_weight applies to class labels, one per row; y here "
                f"is {kind}. Pass sample_weight instead."
            )
        if weight is None:
            weight = np.ones(len(y))
        if self.class_weight is not None:
            # Against every class of the fit or stream, not only this y's:
            # a partial_fit batch may lack a class the dict weighs.
            labels = np.asarray(y).reshape(len(y))
            index = np.searchsorted(self.classes_, labels)
            if isinstance(self.class_weight, str):  # "balanced", fit only
                per_class = _balanced_class_weight(index, weight, len(self.classes_))
            else:
                per_class = compute_class_weight(
                    self.class_weight, classes=self.classes_, y=labels
                )
            if not np.all(np.isfinite(per_class)) or np.any(per_class < 0):
                raise ValueError(
                    "class_weight must give every class a finite, non-negative "
                    f"weight; got {self.class_weight!r}."
                )
            weight = weight * per_class[index]
        top = weight.max()
        if top <= 0:
            raise ValueError(_ZERO_WEIGHT)
        # Only ratios matter; scaled to a largest weight of 1, weights near
        # 1e308 cannot overflow a sum.
        return weight / top

    def _set_max_features(self, X):
        max_features = self.max_features
        if callable(max_features):
            value = max_features(X)
            number = isinstance(value, numbers.Integral) and not isinstance(
                value, (bool, np.bool_)
            )
            if not number or value < 0:
                raise ValueError(
                    f"max_features(X) must return a non-negative int, got {value!r}."
                )
            self._max_features_callable = (max_features, int(value))
        else:
            # A value from an earlier fit's X would pass for this fit's if
            # the same callable were set again.
            self.__dict__.pop("_max_features_callable", None)

    def _torch_device(self):
        try:
            device = torch.device(self.device)
        except (RuntimeError, TypeError) as exc:
            raise ValueError(
                f"device={self.device!r} is not a torch device; use 'cpu' or 'cuda'."
            ) from exc
        if device.type not in ("cpu", "cuda", "mps", "meta"):
            raise ValueError(
                f"device={self.device!r} is not supported; use 'cpu', 'cuda' or 'mps'."
            )
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"device={self.device!r} was requested but CUDA is not available "
                "on this machine; use device='cpu' or install a CUDA build of "
                "torch."
            )
        if device.type == "meta":
            raise ValueError(
                "device='meta' holds no data, so nothing can be trained on it; "
                "use 'cpu' or 'cuda'."
            )
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise ValueError(
                f"device={self.device!r} was requested but MPS is not available; "
                "use device='cpu'."
            )
        return device

    # ------------------------------------------------------------- targets
    def _encode_target(
        self, y, fitting, classes=None, task=None, whole=False, weight=None
    ):
        """Targets as a torch tensor; sets ``_task`` (and ``classes_``).

        ``task`` is the task of ``y`` when the caller has already read it;
        ``whole`` says y is all the data (``fit``), not one batch of a stream;
        ``weight`` is the checked sample_weight, or None.
        """
        if fitting:
            self._task = _task_of(y, self.task, classes) if task is None else task
            # What an earlier fit on another kind of target left behind.
            for name, tasks in _TARGET_STATE.items():
                if self._task not in tasks:
                    self.__dict__.pop(name, None)
        elif y is None and self._task != "reconstruction":
            raise ValueError("This selector was fitted with y; pass y again.")
        task = self._task
        if task == "reconstruction":
            if y is not None:
                raise ValueError("This selector was fitted without y; pass y=None.")
            return None
        if task in ("binary", "multiclass"):
            return self._encode_classes(y, fitting, classes)
        if task == "multilabel":
            y = _numeric_target(y, np.float32, "a multilabel indicator matrix")
            check_indicator_values(y, fitted=not fitting)
            if fitting:
                # fit's y is all there is; a stream's first batch may lack
                # the rare value of every label.
                weighted = y if weight is None else y[weight > 0]
                if whole and not np.ptp(weighted, axis=0).any():
                    raise ValueError(
                        "Every label column of y is constant (each label is "
                        "all 0 or all 1), so there is nothing to learn; "
                        "classification needs two values in at least one "
                        "label. Use fit(X) without y for unsupervised selection."
                    )
                self._n_labels = y.shape[1]
            else:
                _check_target_width(y, self._n_labels, "label columns")
            return torch.as_tensor(y)
        y = _numeric_target(y, np.float64, "continuous targets").reshape(len(y), -1)
        if not fitting:
            _check_target_width(y, self._y_stats.absmax.size, "targets")
        self._update_target_stats(y, fitting, weight, whole)
        # Standardized as X is, in units of the largest |y| (no overflow).
        # Every row counted is within sqrt(n) standard deviations of the mean
        # (Samuelson), so the float32 values stay finite; rows of weight 0
        # are left out of training and read 0.
        stats = self._y_stats
        rows = slice(None) if weight is None else weight > 0
        standardized = np.zeros(y.shape, dtype=np.float32)
        standardized[rows] = (y[rows] / stats.absmax - stats.scaled_mean) / (
            stats.scaled_std
        )
        return torch.as_tensor(standardized)

    def _update_target_stats(self, y, fitting, weight, whole):
        """Mean and spread of a continuous y over the rows of positive weight:
        of ``fit``'s y, or of every batch of a stream so far (a stream's
        first batch may be constant, or small)."""
        kept = y if weight is None else y[weight > 0]
        previous = None if fitting else (self._y_stats, self._y_count)
        self._y_stats, self._y_count = running_stats(kept, previous)
        if self._y_stats.constant.all():
            where = "y is" if whole else "y has been so far"
            warnings.warn(
                f"{where} constant, so there is nothing to predict and the "
                "importances rank no real link to y.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )

    def _encode_classes(self, y, fitting, classes):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(
                f"This selector learns class labels, one per row; y has shape "
                f"{y.shape}. Pass y as a 1-D array of labels."
            )
        if fitting:
            known = np.unique(y) if classes is None else _checked_classes(classes)
            if known.size < 2:
                where = "y has" if classes is None else "classes lists"
                raise ValueError(
                    f"{where} a single class ({known.tolist()[0]!r}); classification "
                    "needs at least two. Use fit(X) without y for unsupervised "
                    "selection."
                )
            self.classes_ = known
            if known.size > 2:
                self._task = "multiclass"
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:
            shown = unseen[:5].tolist()
            more = f" and {unseen.size - 5} more" if unseen.size > 5 else ""
            raise ValueError(
                f"y contains labels {shown}{more} not in classes_ "
                f"{self.classes_[:20].tolist()}; pass every class to the first "
                "partial_fit call through `classes` (or call fit, if y is not "
                "class labels any more)."
            )
        return torch.as_tensor(np.searchsorted(self.classes_, y), dtype=torch.long)

    def _n_outputs(self, n_features):
        task = self._task
        if task in ("binary", "multiclass"):
            return len(self.classes_)
        if task == "reconstruction":
            return n_features
        if task == "multilabel":
            return int(self._n_labels)
        return self._y_stats.absmax.size

    # ------------------------------------------------------------ training
    def _check_split(self, y, n):
        """Refuse, before any random draw, data ``_split`` cannot divide."""
        if not self.early_stopping:
            return
        if self._task in ("binary", "multiclass"):
            # Each class keeps rows on both sides, or the networks would
            # train on fewer classes than y has (one, in the worst case).
            classes, counts = np.unique(y, return_counts=True)
            if counts.min() < 2:
                rare = classes[counts.argmin()].tolist()
                raise ValueError(
                    f"early_stopping holds out rows of every class, but class "
                    f"{rare!r} has a single row (of positive weight). Pass more "
                    "rows of it, or early_stopping=False."
                )
        # The same split on a throwaway generator: its refusals come now.
        self._split_rows(n, y, np.random.RandomState(0))

    def _split(self, data, y, rng):
        if not self.early_stopping:
            return data, None
        train, validation = self._split_rows(data.n_samples, y, rng)
        return data.subset(train), data.subset(validation)

    def _split_rows(self, n, y, rng):
        """Sorted training and validation rows of ``n`` for early stopping."""
        stratify = y if self._task in ("binary", "multiclass") else None
        try:
            train_idx, val_idx = train_test_split(
                np.arange(n),
                test_size=self.validation_fraction,
                random_state=rng,
                stratify=stratify,
            )
        except ValueError as exc:
            raise ValueError(
                f"early_stopping needs a validation split of {n} samples with "
                f"validation_fraction={self.validation_fraction}: {exc}. Use "
                "more samples, a validation_fraction that leaves enough rows "
                "on both sides (for class labels, rows of every class), or "
                "early_stopping=False."
            ) from exc
        if train_idx.size < 2:
            raise ValueError(
                f"early_stopping with validation_fraction="
                f"{self.validation_fraction} leaves {train_idx.size} of {n} "
                "rows to train on; it needs at least two. Use more samples, a "
                "smaller validation_fraction, or early_stopping=False."
            )
        return np.sort(train_idx), np.sort(val_idx)

    def _training_data(self, X, target, sample_weight, device):
        """``(TrainingData, shift, scale)``: X's rows as the networks read them."""
        rows, shift, scale = float32_rows(X, self._stats)
        sparse_batches = _training.sparse_batches_pay(
            rows, self._task, self._first_layer_width(X.shape[1])
        )
        weight = _as_weight_tensor(sample_weight)
        data = _training.TrainingData(rows, target, weight, device, sparse_batches)
        return data, shift, scale

    def _first_layer_width(self, n_features):
        """Outputs of the first layer of all networks together (K * h_1)."""
        sizes = self._hidden_sizes()
        first = sizes[0] if sizes else self._n_outputs(n_features)
        return self.n_estimators * first

    def _hidden_sizes(self):
        """``hidden_layer_sizes`` as a tuple of ints, checked."""
        sizes = np.atleast_1d(np.asarray(self.hidden_layer_sizes, dtype=object))
        if sizes.ndim != 1 or not all(
            isinstance(h, numbers.Integral) and not isinstance(h, bool) and h >= 1
            for h in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must be a positive int or a sequence of "
                f"positive ints (one per hidden layer), got "
                f"{self.hidden_layer_sizes!r}."
            )
        return tuple(int(h) for h in sizes)

    def _validate_params(self):
        super()._validate_params()
        refuse_boolean_numbers(self)
        rate = self.feature_dropout
        if isinstance(rate, (tuple, list)) and (
            len(rate) != 2
            or not all(
                isinstance(r, numbers.Real) and not isinstance(r, bool) and 0 <= r < 1
                for r in rate
            )
        ):
            raise ValueError(
                "feature_dropout as a pair must be (first, second): two "
                "rates in [0, 1) for the first and the second half of "
                f"max_iter epochs, got {rate!r}."
            )

    def _check_parameters(self):
        """Checks _parameter_constraints cannot express; before any state changes."""
        if isinstance(self.threshold, str):
            # Checked now, not after training, when get_support first reads it.
            resolve_threshold(self.threshold, np.zeros(1))
        self._hidden_sizes()
        return self._torch_device()

    def _network_sizes(self, n_features):
        """``(layer widths, number of weights, message if too large)``."""
        sizes = (n_features, *self._hidden_sizes(), self._n_outputs(n_features))
        n_weights = self.n_estimators * (
            n_features + sum((a + 1) * b for a, b in pairwise(sizes))
        )
        too_large = (
            f"The networks would hold {n_weights:.3g} float32 weights "
            f"({self.n_estimators} x the layers {sizes}), more than this "
            "machine's memory can take with their gradients and optimizer "
            "state; lower n_estimators or hidden_layer_sizes."
        )
        return sizes, n_weights, too_large

    def _check_network_size(self, n_features):
        """Refuse networks no memory holds; before the seed is drawn."""
        _, n_weights, too_large = self._network_sizes(n_features)
        if n_weights > _MOST_WEIGHTS:
            # A setting, whatever the data: raised as parameter errors are.
            raise InvalidParameterError(too_large)

    def _build_model(self, n_features, generator, shift, scale, device):
        # fit and partial_fit refused oversized networks already.
        sizes, _, too_large = self._network_sizes(n_features)
        try:
            return _network.GatedEnsemble(
                n_features=n_features,
                n_outputs=sizes[-1],
                hidden_layer_sizes=sizes[1:-1],
                n_estimators=self.n_estimators,
                gate_activation=self.gate_activation,
                gate_init=self.gate_init,
                generator=generator,
                shift=shift,
                scale=scale,
                device=device,
            )
        except RuntimeError as exc:
            if "allocate" not in str(exc):
                raise
            raise MemoryError(too_large) from exc

    def _optimizer(self, model):
        """Adam; weight decay on the weight matrices only, more on the first."""
        first, *rest = model.weights
        decay = {weight: self.weight_decay for weight in rest}
        decay[first] = self.weight_decay + self.first_layer_decay
        return _training.EnsembleAdam(model, self.learning_rate_init, decay)

    def _settings(self, n_samples, max_iter, streaming=False, lr_factor=1.0):
        """Training settings; ``streaming`` for one ``partial_fit`` epoch."""
        return _training.TrainingSettings(
            lr_factor=lr_factor,
            task=self._task,
            batch_size=batch_rows(self.batch_size, n_samples),
            max_iter=max_iter,
            learning_rate_init=self.learning_rate_init,
            # A stream trains at learning_rate_init, without a schedule.
            constant_lr=streaming,
            penalty=self.penalty,
            feature_dropout=self._feature_dropout(streaming),
            alpha=self.alpha,
            beta=self.beta,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            keep_gate_history=self.keep_gate_history,
            verbose=self.verbose,
            max_backoffs=3,
        )

    def _feature_dropout(self, streaming):
        """The dropout rate for this fit (resolves ``"auto"``).

        ``"auto"`` is off for a stream: its batches are seen once.
        """
        rate = self.feature_dropout
        if isinstance(rate, (tuple, list)):
            # A stream has no halves: partial_fit uses the first rate.
            first, second = float(rate[0]), float(rate[1])
            return first if streaming else (first, second)
        if rate != "auto":
            return float(rate)
        if streaming or self._task not in ("binary", "multiclass"):
            return 0.0
        return AUTO_FEATURE_DROPOUT

    @staticmethod
    def _step_work(model, settings):
        """Multiply-adds of the step's largest product: what threads speed up.

        Usually the first layer's; with hundreds of classes, labels or
        targets, the output layer's.
        """
        # Every layer's weights hold (fan-in x K x fan-out) entries in some order.
        return settings.batch_size * max(
            math.prod(weight.shape) for weight in model.weights
        )

    def _run(self, model, optimizer, data, settings, generator, validation):
        try:
            return _training.fit_loop(
                model, optimizer, data, settings, generator, validation
            )
        except _training.DivergedError as exc:
            raise ValueError(
                f"Training diverged: the loss {_training.DIVERGED}, even after "
                "halving the learning rate 3 times. Lower learning_rate_init "
                f"(now {self.learning_rate_init}) or check X and y for extreme "
                "values."
            ) from exc

    @contextmanager
    def _torch_settings(self, work_per_step):
        """Set torch's thread count and subnormal mode for this fit.

        Both are restored afterwards (see ``_training.flush_denormals``).
        """
        # The CPUs this process may use: joblib counts CPU affinity and
        # container quotas, which os.cpu_count() does not.
        cores = joblib.cpu_count()
        before = torch.get_num_threads()
        if self.n_jobs is None:
            # Small steps lose more to thread hand-offs than they gain; large
            # ones take what the process allows, never more (joblib workers
            # are limited to their share of the cores).
            wanted = 1 if work_per_step < _THREADED_WORK else min(before, cores)
        elif self.n_jobs > 0:
            wanted = min(self.n_jobs, cores)
        else:
            wanted = max(cores + 1 + self.n_jobs, 1)
        torch.set_num_threads(wanted)
        try:
            with _training.flush_denormals():
                yield
        finally:
            torch.set_num_threads(before)

    def _pvalues(self, X, target, sample_weight):
        """The linear tests of X against y (p-values and the line each
        must pass, a ``LinearTests``), or None without y."""
        if target is None:
            return None
        return linear_pvalues(X, self._stats, target.numpy(), self._task, sample_weight)

    # -------------------------------------------------------------- record
    def _record(
        self, model, optimizer, generator, result, append, pvalues=None, corr_of=None
    ):
        """Set the fitted attributes from the trained networks."""
        self._record_importances(model, result, pvalues, corr_of)
        self._record_training_state(model, optimizer, generator, result)
        self._record_curves(result, append)

    def _record_importances(self, model, result, pvalues, corr_of):
        with torch.no_grad():
            gates = model.gates().cpu().double().numpy()
            norms = model.first_layer_norms().cpu().double().numpy()
            self.gate_weights_ = model.gate.detach().cpu().double().numpy()
        importances = gates
        bonus = np.zeros(gates.shape[1])
        first = result.early_importance
        if self.importance_type == "combined" and first is not None:
            evidence = None
            if pvalues is not None:  # each test at its own line (fit only)
                # The tests read the rows the statistics have seen: those
                # of positive weight, whatever their weights.
                evidence = np.maximum(
                    marginal_evidence(pvalues.univariate, pvalues.univariate_line),
                    marginal_evidence(pvalues.conditional, pvalues.conditional_line),
                ) + wide_evidence(
                    pvalues.univariate,
                    self.n_samples_seen_,
                    pvalues.univariate_line,
                    constant=self._stats.constant,
                )
            importances, bonus = combined(
                gates * norms, first, evidence=evidence, return_bonus=True
            )
        elif self.importance_type != "gate":
            importances = gate_weight(gates, norms)
        importances = np.where(self._stats.constant, 0.0, importances)
        bonus = np.where(self._stats.constant, 0.0, bonus)
        factors = np.ones(gates.shape[1])
        if corr_of is not None and self.redundancy is not None:
            factors = redundancy_factors(
                importances.mean(axis=0), corr_of, self.redundancy
            )
            importances, bonus = importances * factors, bonus * factors
        self.redundancy_factor_ = factors
        (
            self.univariate_pvalues_,
            self.conditional_pvalues_,
            self.univariate_line_,
            self.conditional_line_,
        ) = pvalues or (None, None, None, None)
        self.linear_bonus_ = bonus
        self.all_importances_ = importances
        self.feature_importances_ = importances.mean(axis=0)
        self.feature_importances_std_ = importances.std(axis=0)

    def _record_training_state(self, model, optimizer, generator, result):
        """What a later partial_fit goes on from."""
        self._net_state, self._optim_state = _export_state(model, optimizer)
        self._gate_activation = self.gate_activation
        self._state_format = _STATE_FORMAT
        self._rng_state = generator.get_state().numpy().copy()
        self._lr_factor = result.lr_factor
        self._lr_halved_from = self.learning_rate_init

    def _record_curves(self, result, append):
        """Epoch counts, loss curves and gate history; a stream appends."""
        previous = self.n_iter_ if append else 0
        self.n_iter_ = previous + result.n_iter
        history = list(self.loss_curve_) if append else []
        self.loss_curve_ = history + list(result.loss_curve)
        if not append:
            # A refit drops what the previous fit's options left behind.
            for name in ("validation_loss_curve_", "gate_history_"):
                self.__dict__.pop(name, None)
        # fit only: partial_fit holds no rows out, so it has no such curve.
        if self.early_stopping and not append and result.validation_loss_curve:
            self.validation_loss_curve_ = list(result.validation_loss_curve)
        if self.keep_gate_history:
            n_features = self.feature_importances_.shape[0]
            new = np.asarray(result.gate_history).reshape(-1, n_features)
            if append:
                # Switched on mid-stream, the epochs before are unknown: NaN
                # keeps one row per epoch, as n_iter_ counts them.
                earlier = getattr(
                    self, "gate_history_", np.full((previous, n_features), np.nan)
                )
                new = np.vstack([earlier, new])
            self.gate_history_ = new
        else:
            # Switched off mid-stream: a history with a gap would mislead.
            self.__dict__.pop("gate_history_", None)

    def _check_state_format(self):
        """Refuse to continue training state saved in another layout."""
        found = getattr(self, "_state_format", 1)
        if found == 2 and self._task != "regression":
            # Format 3 changed only how a continuous y is standardized.
            self._state_format = found = _STATE_FORMAT
        if found != _STATE_FORMAT:
            raise ValueError(
                "This selector's training state was saved by an earlier "
                f"skcancelout (state format {found}, this version reads "
                f"{_STATE_FORMAT}), so partial_fit cannot continue it. Its "
                "importances, get_support() and transform() still work; to "
                "keep training, fit a new selector on the data seen so far."
            )

    def _update_stats(self, X, first):
        previous = None if first else (self._stats, self.n_samples_seen_)
        self._stats, self.n_samples_seen_ = running_stats(X, previous)
        self.mean_, self.scale_ = self._stats.mean, self._stats.scale

    # ------------------------------------------------------------ fitted task
    @property
    def task_(self):
        """What the networks learned: the task read from y (a property).

        ``"binary"``, ``"multiclass"``, ``"multilabel"`` (an indicator
        matrix of labels), ``"regression"`` (one or several continuous
        targets) or ``"unsupervised"`` (no y: each network reconstructs X).
        With ``task="auto"`` it says how y was read, e.g. that a float y of
        many whole numbers was taken as continuous.

        Examples
        --------
        >>> from sklearn.datasets import load_diabetes
        >>> from skcancelout import CancelOutSelector
        >>> X, y = load_diabetes(return_X_y=True)
        >>> CancelOutSelector(max_iter=2, random_state=0).fit(X, y).task_
        'regression'
        >>> CancelOutSelector(max_iter=2, random_state=0).fit(X).task_
        'unsupervised'
        """
        check_is_fitted(self)
        return "unsupervised" if self._task == "reconstruction" else self._task

    # ------------------------------------------------------------ selection
    @property
    def threshold_(self):
        """The numeric threshold in force now (reads ``threshold``).

        With ``threshold=None`` it is the mean importance, or ``-inf`` when
        ``max_features`` alone decides. Setting ``threshold`` after ``fit``
        changes it (and :meth:`get_support`) without refitting.

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> from skcancelout import CancelOutSelector
        >>> X, y = make_regression(n_samples=200, n_features=8, n_informative=2,
        ...                        random_state=0)
        >>> selector = CancelOutSelector(random_state=0).fit(X, y)
        >>> bool(selector.threshold_ == selector.feature_importances_.mean())
        True
        >>> selector.set_params(threshold=0.5).threshold_
        0.5
        """
        self._check_fitted_settings()
        importances = self.feature_importances_
        if self.threshold is None:
            if self._max_features() is not None:
                return -np.inf
            return resolve_threshold("mean", importances)
        return resolve_threshold(self.threshold, importances)

    @property
    def max_features_(self):
        """The number ``max_features`` stands for now: an int, or None.

        A callable ``max_features`` is evaluated on the training X by
        ``fit`` (or the first ``partial_fit``); an int set after fit counts
        at once, as ``threshold`` does.

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> from skcancelout import CancelOutSelector
        >>> X, y = make_regression(n_samples=200, n_features=8, random_state=0)
        >>> half = lambda X: X.shape[1] // 2
        >>> CancelOutSelector(max_features=half, random_state=0).fit(X, y).max_features_
        4
        """
        self._check_fitted_settings()
        return self._max_features()

    def _max_features(self):
        if not callable(self.max_features):
            return self.max_features
        if self._new_max_features_callable():
            raise ValueError(
                "max_features was set to a new callable after fit; a callable "
                "is evaluated on the training X, so refit the selector."
            )
        return self._max_features_callable[1]

    def _check_fitted_settings(self):
        """Fitted, and ``threshold`` and ``max_features`` valid as they are now.

        They are read when the selection is asked for, so a value set after
        fit gets the same checks as one given to fit.
        """
        check_is_fitted(self)
        self._validate_params()

    # SelectorMixin's methods, with docstrings and examples of their own.
    get_support = _selection.get_support
    transform = _selection.transform
    fit_transform = _selection.fit_transform
    inverse_transform = _selection.inverse_transform
    get_feature_names_out = _selection.get_feature_names_out

    def _get_support_mask(self):
        self._check_fitted_settings()
        return support_mask(
            self.feature_importances_, self.threshold, self._max_features()
        )

    def get_selection_frequency(self):
        """Share of the networks whose own importances select each feature.

        Applies the current ``threshold`` and ``max_features`` to every
        network's importances separately. Values near 1 or 0 mark choices the
        networks agree on; values near 0.5 mark features on the fence.

        Returns
        -------
        frequency : ndarray of shape (n_features_in_,)
            For each feature, the share of the ``n_estimators`` networks
            that select it, in [0, 1].

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> from skcancelout import CancelOutSelector
        >>> X, y = make_regression(n_samples=200, n_features=8, n_informative=2,
        ...                        random_state=0)
        >>> selector = CancelOutSelector(max_features=2, random_state=0).fit(X, y)
        >>> selector.get_selection_frequency().shape
        (8,)
        """
        self._check_fitted_settings()
        masks = [
            support_mask(row, self.threshold, self._max_features())
            for row in self.all_importances_
        ]
        return np.mean(masks, axis=0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.target_tags.multi_output = True  # several targets, multilabel
        tags.input_tags.sparse = True
        # transform keeps columns of X as they are: float32 stays float32.
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


# ------------------------------------------------------------------ helpers
def batch_rows(batch_size, n_samples):
    """Rows per optimizer step for ``batch_size`` (an int or ``"auto"``)."""
    if batch_size == "auto":
        # About 8 steps per epoch on small data, at most 256 rows a step.
        batch_size = min(256, max(32, n_samples // 8))
    return min(batch_size, n_samples)


def _as_weight_tensor(weight):
    if weight is None:
        return None
    weight = weight / weight.mean()
    # A positive weight stays positive in float32 (1e-300 would become 0,
    # and its row be dropped as if its weight were 0).
    tiny = np.finfo(np.float32).tiny
    weight = np.where(weight > 0, np.maximum(weight, tiny), 0.0)
    return torch.as_tensor(weight, dtype=torch.float32)


def _check_multilabel_classes(classes):
    """A multilabel y's classes are its values 0 and 1 (``np.unique`` of the
    whole indicator matrix, as scikit-learn's partial_fit takes them); its
    labels are its columns, so any other ``classes`` is a mistake."""
    if classes is None:
        return
    given = _checked_classes(classes)
    if given.dtype.kind not in "biuf" or not np.array_equal(given, [0, 1]):
        raise ValueError(
            "y is a multilabel indicator matrix: its labels are its columns "
            "and its values are 0 and 1, so classes, if passed, must be "
            f"[0, 1] (np.unique of the whole y); got {given.tolist()[:20]}."
        )


def _check_two_rows(n_rows):
    """Refuse a fit on fewer than two rows of positive weight: as for X itself,
    one row says nothing about how the features vary."""
    if n_rows < 2:
        raise ValueError(
            "Only one row has positive weight (sample_weight times "
            "class_weight); fit needs at least two."
        )


def _warn_if_all_constant(stats, what):
    if stats.constant.all():
        warnings.warn(
            f"Every column of {what} is constant, so no feature can be told "
            "from another: all importances are 0.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )


def _rows_of(rows, *arrays):
    """The ``rows`` (indices, or None for all) of each array (NumPy, SciPy
    sparse or torch; None stays None)."""
    if rows is None:
        return arrays
    return tuple(
        None
        if values is None
        else values.index_select(0, torch.from_numpy(rows))
        if torch.is_tensor(values)
        else values[rows]
        for values in arrays
    )


def _positive_rows(sample_weight):
    """Indices of the rows of positive weight, or None when every row has one.

    Rows of weight 0 are left out as if they were not passed: of training
    (a batch of them alone would have no loss to take a share of) and of
    the column statistics.
    """
    if sample_weight is None or bool((sample_weight > 0).all()):
        return None
    return np.flatnonzero(sample_weight > 0)
