"""The training loop: batches, task losses, optimizer, stopping and history.

Each step is a small function so it can be read, tested and replaced alone:
``iter_batches`` -> ``training_step`` (with ``task_loss``) -> ``train_epoch``
-> ``fit_loop``.
"""

import copy
import ctypes
import math
import os
import threading
import time
import warnings
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F

from ._data import StandardizedRows
from ._layer import gate_values_backward, penalty_with_grad
from ._network import SparseRows, _uniform, body_backward, body_forward
from ._stack import user_stacklevel

# Share of the entries of X hidden from the autoencoder in each batch. The
# network must predict them from the other columns, so a feature's gate pays
# off only when it carries information shared with other columns; a plain
# autoencoder instead rewards isolated noise columns, which only their own
# gate can reconstruct.
MASK_FRACTION = 0.3
# Most random numbers drawn at once for feature-dropout masks (1 MB of
# float32): one draw serves many steps (an epoch of the 2000 x 500 default
# fit) without growing with n.
KEEP_DRAW_ELEMENTS = 2**18
# Optimizer steps after which fit_loop records the early importances of
# importance_type="combined": the end of the first epoch with batch_size
# "auto" (about 8 steps per epoch), later where an epoch has fewer steps
# (fewer than 256 rows, or large batches).
EARLY_STEPS = 8
# partial_fit revives a hidden unit that has not fired on this many rows
# of the stream (see revive_dead_units), looking at most at this many
# (evenly spaced) rows of a batch.
REVIVE_AFTER_ROWS = 256
REVIVE_CHECK_ROWS = 4096
# A sparse X holding fewer than this share of its entries trains on them
# directly (see sparse_batches_pay).
SPARSE_BATCH_DENSITY = 0.005
# Classes from which the loss takes its softmax over the last axis of the
# (K, batch, n_classes) output: with fewer, a transposed copy pays (2 classes:
# 0.5 times the time), with more it costs (16: 1.4 times, 1000: 2.2 times;
# K=8, batch 256, one thread).
CLASSES_LAST_AXIS = 16
# Entries of X gathered at once outside the training steps (evaluation,
# the revival check): 2**22 float32 is 16 MB, so rows of a very wide (or
# densified sparse) X are read in correspondingly fewer rows at a time.
BLOCK_ENTRIES = 2**22


def _block_rows(n_features, rows):
    """``rows``, or fewer so that a block of X holds at most BLOCK_ENTRIES."""
    return max(1, min(rows, BLOCK_ENTRIES // max(n_features, 1)))


# partial_fit keeps every sigmoid gate at least this open (see floor_gates).
STREAM_GATE_FLOOR = 0.2
# A step whose task loss per net exceeds this many times the first step's
# (or this many times 1, the loss scale of standardized targets, if that
# is larger) has diverged: at too high a learning rate the loss of a
# default fit jumps 100 to 1e10 times its start while staying finite, and
# the gates that come out of it rank nothing. Default fits of the
# benchmark tasks and breast cancer (seeds 0-4) peak at 7.3 times (hastie),
# most below 2.5.
LOSS_GROWTH_LIMIT = 100.0
# What a divergence is, in the back-off warning and in fit's final error.
DIVERGED = f"became NaN or infinite, or grew over {LOSS_GROWTH_LIMIT:g} times its start"
# The kernel behind torch.optim.Adam(fused=True); absent from older builds.
_FUSED_ADAM = getattr(torch, "_fused_adam_", None)


def sparse_batches_pay(X, task, width):
    """Whether to train on a sparse X's stored entries rather than dense batches.

    The first layer then costs per stored entry instead of per (row,
    column): it pays below about SPARSE_BATCH_DENSITY of the entries stored
    (a default fit on 2000 x 5000 took 0.41 of the time at 0.2 %, 0.81 at
    1 %, and 2.9 times as long at 3 %). Each stored entry of a batch
    gathers a row of the first layer's weights, ``width`` (networks times
    first-layer units) numbers, so they must not outweigh a dense batch
    more than twice. The stored-entry products subtract the centring as
    ``shift @ W``; ``_data.float32_rows`` keeps every shift within
    ``_data.SPARSE_MAX_SHIFT`` (10) by storing columns further from 0
    centred, so that difference of float32 terms keeps its digits (at a
    shift of 1e3 it lost 0.5 % of a column's gradients). Reconstruction
    (``fit(X)``) needs each batch densified as its target anyway.
    """
    if not sp.issparse(X) or task == "reconstruction":
        return False
    cells = X.shape[0] * X.shape[1]
    return X.nnz < SPARSE_BATCH_DENSITY * cells and X.nnz * width <= 2 * cells


class TrainingData:
    """Rows of X (raw float32, dense tensor or sparse matrix), targets, weights.

    Batches are gathered, and for sparse X densified, one at a time, so memory
    beyond X itself stays bounded by the batch.
    """

    def __init__(self, X, target, sample_weight, device, sparse_batches=False):
        self.X = X
        self.target = target
        self.sample_weight = sample_weight
        self.device = device
        # Sparse X: batches as their stored entries (SparseRows), not
        # densified; see sparse_batches_pay, which decides it.
        self.sparse_batches = sparse_batches

    @property
    def n_samples(self):
        return self.X.shape[0]

    def rows(self, index):
        """Batch of rows ``index`` (a 1-D LongTensor, or None for all)."""
        if sp.issparse(self.X):
            part = self.X if index is None else self.X[index.numpy()]
            if self.sparse_batches:
                x = SparseRows.from_scipy(part)
            else:
                x = torch.from_numpy(part.toarray())
        elif isinstance(self.X, StandardizedRows):
            x = self.X.all() if index is None else self.X.index_select(0, index)
        else:
            x = self.X if index is None else self.X.index_select(0, index)
        x = x.to(self.device)
        if self.target is None:
            return x, None, self._weights(index)
        y = self.target if index is None else self.target.index_select(0, index)
        return x, y.to(self.device), self._weights(index)

    def _weights(self, index):
        if self.sample_weight is None:
            return None
        w = self.sample_weight if index is None else self.sample_weight[index]
        return w.to(self.device)

    def subset(self, index):
        """A new TrainingData holding only rows ``index`` (numpy int array)."""
        if sp.issparse(self.X):
            X = self.X[index]
        elif isinstance(self.X, StandardizedRows):
            X = self.X.subset(index)
        else:
            X = self.X.index_select(0, torch.from_numpy(index))
        take = torch.from_numpy(index)
        target = None if self.target is None else self.target.index_select(0, take)
        weight = None if self.sample_weight is None else self.sample_weight[take]
        return TrainingData(X, target, weight, self.device, self.sparse_batches)


def task_loss(
    task, output, target, x_standardized, sample_weight, mask=None, with_grad=False
):
    """Task loss of each of the K nets, shape (K,), and with ``with_grad`` its gradient.

    ``output`` has shape (K, batch, n_outputs). Each net's loss is a (weighted)
    mean over the batch, so the K nets get independent gradients of the same
    scale as a single net. With ``with_grad``, returns ``(loss, grad)``, where
    ``grad`` (the shape of ``output``) is the gradient of ``loss.sum()``
    with respect to ``output``, written out rather than left to autograd.

    Examples
    --------
    >>> import torch
    >>> out = torch.zeros(2, 4, 3, requires_grad=True)
    >>> target = torch.tensor([0, 1, 2, 1])
    >>> loss = task_loss("multiclass", out, target, None, None)
    >>> [round(v, 4) for v in loss.tolist()]  # log(3) for uniform outputs
    [1.0986, 1.0986]
    >>> loss.sum().backward()
    >>> _, grad = task_loss(
    ...     "multiclass", out.detach(), target, None, None, with_grad=True
    ... )
    >>> bool(torch.allclose(grad, out.grad))
    True
    """
    k, batch, n_out = output.shape
    # d(loss)/d(per-sample loss): 1 / batch, or each row's share of the weights.
    if sample_weight is None:
        share = 1.0 / batch
    else:
        share = (sample_weight / sample_weight.sum()).view(batch, 1)
    grad = None
    if task in ("binary", "multiclass") and n_out >= CLASSES_LAST_AXIS:
        log_p = torch.log_softmax(output, -1)
        index = target.view(1, batch, 1).expand(k, batch, 1)
        per_sample = -log_p.gather(-1, index).squeeze(-1)
        if with_grad:
            minus_one = log_p.new_full((1, 1, 1), -1.0).expand(k, batch, 1)
            grad = log_p.exp().scatter_add_(-1, index, minus_one)
    elif task in ("binary", "multiclass"):
        # Over the middle dimension of a (K, n_classes, batch) copy: a
        # log_softmax over a last dimension of a few classes is about six
        # times as slow as the copy and this one together.
        log_p = torch.log_softmax(output.transpose(1, 2).contiguous(), 1)
        index = target.view(1, 1, batch).expand(k, 1, batch)
        per_sample = -log_p.gather(1, index).squeeze(1)
        if with_grad:
            # softmax minus the one-hot target, back in the layout of ``output``
            minus_one = log_p.new_full((1, 1, 1), -1.0).expand(k, 1, batch)
            grad = log_p.exp().scatter_add_(1, index, minus_one)
            grad = grad.transpose(1, 2).contiguous()
    elif task == "multilabel":
        target = target.expand(k, -1, -1)
        per_sample = F.binary_cross_entropy_with_logits(
            output, target, reduction="none"
        ).mean(-1)
        if with_grad:
            grad = (torch.sigmoid(output) - target) / n_out
    elif task in ("regression", "reconstruction"):
        error = output - (target if task == "regression" else x_standardized)
        if mask is None:
            per_sample = error.pow(2).mean(-1)
            if with_grad:
                grad = error * (2.0 / n_out)
        else:
            per_row = mask.sum(-1, keepdim=True).clamp(min=1)
            masked = error * mask
            per_sample = (masked * error).sum(-1) / per_row.squeeze(-1)
            if with_grad:
                grad = masked.mul_(2.0) / per_row
    else:
        raise ValueError(f"unknown task {task!r}")
    if sample_weight is None:
        loss = per_sample.mean(-1)
    else:
        loss = (per_sample * share.view(batch)).sum(-1)
    if not with_grad:
        return loss
    return loss, grad.mul_(share)


@torch.no_grad()
def training_step(model, x, target, x_std, sample_weight, mask, keep, settings):
    """Loss of one batch as a float (K nets summed, penalty included), and gradients.

    The gradient of that loss with respect to every parameter of ``model``
    is written into the parameters' ``.grad`` (views of ``model.flat_grad``).
    Each piece has its gradient written out: the task loss
    (:func:`task_loss`), the networks (``_network.body_backward``), the gates
    and their penalty (``_layer.gate_values_backward``,
    ``penalty_with_grad``); autograd would build and walk a graph of about
    90 small operations per step for the same result, and default fits
    took about 1.25 times as long with it.

    Raises :class:`DivergedError`, before any gradient is written, when the
    loss is not finite or the task loss per net exceeds
    ``settings.loss_limit`` (set at the first step, see
    ``LOSS_GROWTH_LIMIT``).
    """
    gates = model.gates()
    factor = model.gate_factor(keep)  # d(scaled gates) / d(gates)
    out, saved = body_forward(x, gates * factor, model.layers())
    loss_per_net, grad_out = task_loss(
        settings.task, out, target, x_std, sample_weight, mask, with_grad=True
    )
    activation = model.gate_activation
    penalty, through_gates, direct = penalty_with_grad(
        model.gate, settings.penalty, settings.alpha, settings.beta, activation, gates
    )
    task_sum = loss_per_net.sum()
    loss = float(task_sum + penalty)
    if not math.isfinite(loss):
        raise DivergedError("loss is not finite")
    per_net = float(task_sum) / loss_per_net.shape[0]
    if settings.loss_limit is None:
        settings.loss_limit = LOSS_GROWTH_LIMIT * max(per_net, 1.0)
    elif per_net > settings.loss_limit:
        raise DivergedError(
            f"task loss {per_net:.3g} is over {LOSS_GROWTH_LIMIT:g} times its start"
        )
    grads = [param.grad for param in model.layers()]
    _, grad_scaled = body_backward(saved, grad_out, grads)
    # The task's and the penalty's gradients of the gate values, one backward.
    grad_gates = grad_scaled.mul_(factor).add_(through_gates)
    grad_gate = gate_values_backward(gates, grad_gates, activation)
    torch.add(grad_gate, direct, out=model.gate.grad)
    return loss


class EnsembleAdam:
    """Adam on a :class:`GatedEnsemble`'s one flat parameter buffer.

    The update of ``torch.optim.Adam`` (default betas and eps, coupled weight
    decay) on the whole buffer at once: each parameter may have its own
    weight decay, and torch's fused Adam kernel runs once per distinct rate
    (twice with the selector's defaults), applying it as it reads the
    gradient. Where the build has no such kernel, the decay is added to the
    gradient as one vector and a few in-place operations follow. Unlike
    ``torch.optim``, building it does not import
    ``torch._dynamo`` (2-3 s on the first fit in a process), and a step
    has no per-parameter Python work.

    Parameters
    ----------
    model : GatedEnsemble
    lr : float
    weight_decay : dict
        Weight decay of each parameter of ``model``; missing ones get none.

    Examples
    --------
    >>> import torch
    >>> from skcancelout._network import GatedEnsemble
    >>> model = GatedEnsemble(3, 2, (4,), 2, "sigmoid", 4.0,
    ...     torch.Generator().manual_seed(0), torch.zeros(3), torch.ones(3),
    ...     torch.device("cpu"))
    >>> optimizer = EnsembleAdam(model, lr=0.01, weight_decay={model.weights[0]: 0.1})
    >>> before = model.gate.detach().clone()
    >>> model(torch.ones(5, 3)).sum().backward()
    >>> optimizer.step()
    >>> bool((model.gate != before).all())
    True
    """

    betas = (0.9, 0.999)
    eps = 1e-8

    def __init__(self, model, lr, weight_decay):
        self.model = model
        # The weight decay rates, once: runs of the flat buffer by rate.
        self._groups = _decay_groups(model, weight_decay)
        self._decay = None  # the per-entry vector, built if the plain path runs
        self.param_groups = [{"lr": float(lr)}]
        self.n_steps = 0
        self.exp_avg = torch.zeros_like(model.flat)
        self.exp_avg_sq = torch.zeros_like(model.flat)
        self._step = torch.zeros((), dtype=model.flat.dtype, device=model.flat.device)
        self._denom = None
        # torch's one-pass Adam kernel (what torch.optim.Adam(fused=True)
        # runs), where this build has it for the device; else plain ops.
        self.fused = _FUSED_ADAM is not None
        # The fused kernel's operands: for each weight decay rate, views of
        # the (never reallocated) buffers on that rate's runs.
        buffers = (model.flat, model.flat_grad, self.exp_avg, self.exp_avg_sq)
        self._fused_operands = [
            (rate, *([buffer[part] for part in parts] for buffer in buffers))
            for rate, parts in self._groups
        ]

    @property
    def decay(self):
        """Weight decay rate of each entry of the flat buffer; None if all are 0.

        Built from the rate groups on first use: only the plain update (no
        fused kernel) adds it to the gradient as one vector.
        """
        if self._decay is None and any(rate for rate, _ in self._groups):
            decay = torch.zeros_like(self.model.flat)
            for rate, parts in self._groups:
                for part in parts:
                    decay[part] = rate
            self._decay = decay
        return self._decay

    def zero_grad(self):
        self.model.zero_grad()

    @torch.no_grad()
    def step(self):
        param, grad = self.model.flat, self.model.flat_grad
        self.n_steps += 1
        if self.fused:
            self._step.fill_(self.n_steps)
            try:
                self._fused_step()
                return
            except (RuntimeError, NotImplementedError):
                # No kernel for this device: the first call fails before any
                # update, and every call after it would fail the same way.
                self.fused = False
        if self.decay is not None:
            # In place: the next step overwrites the gradient buffer.
            grad.addcmul_(param, self.decay)
        self._plain_step(param, grad)

    def _fused_step(self):
        # One kernel call per weight decay rate (the kernel applies it to the
        # gradient as it reads it), on the runs of the buffers with that rate.
        beta1, beta2 = self.betas
        for rate, params, grads, avgs, avg_sqs in self._fused_operands:
            _FUSED_ADAM(
                params,
                grads,
                avgs,
                avg_sqs,
                [],
                [self._step] * len(params),
                lr=self.param_groups[0]["lr"],
                beta1=beta1,
                beta2=beta2,
                weight_decay=rate,
                eps=self.eps,
                amsgrad=False,
                maximize=False,
            )

    def _plain_step(self, param, grad):
        beta1, beta2 = self.betas
        self.exp_avg.lerp_(grad, 1 - beta1)
        self.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        correction1 = 1 - beta1**self.n_steps
        correction2 = 1 - beta2**self.n_steps
        if self._denom is None:
            self._denom = torch.empty_like(param)
        denom = torch.sqrt(self.exp_avg_sq, out=self._denom)
        denom.div_(correction2**0.5).add_(self.eps)
        lr = self.param_groups[0]["lr"]
        param.addcdiv_(self.exp_avg, denom, value=-lr / correction1)

    def state_dict(self):
        """Moments and step count (in torch's optimizer layout), and the rate."""
        entry = {
            "step": self.n_steps,
            "exp_avg": self.exp_avg,
            "exp_avg_sq": self.exp_avg_sq,
        }
        return {"state": {0: entry}, "param_groups": [dict(self.param_groups[0])]}

    def reset(self):
        """Forget the moments and the step count; keep the learning rate."""
        self.n_steps = 0
        self.exp_avg.zero_()
        self.exp_avg_sq.zero_()

    def load_state_dict(self, state):
        entry = state["state"][0]
        self.n_steps = int(entry["step"])
        with warnings.catch_warnings():
            # A state loaded read-only (joblib's mmap_mode="r") is only read
            # here: copied into the optimizer's own buffers.
            warnings.filterwarnings("ignore", message="The given NumPy array")
            self.exp_avg.copy_(torch.as_tensor(entry["exp_avg"]))
            self.exp_avg_sq.copy_(torch.as_tensor(entry["exp_avg_sq"]))
        self.param_groups = [dict(state["param_groups"][0])]


def _decay_groups(model, weight_decay):
    """``[(rate, [slice, ...]), ...]``: the flat buffer's runs, by weight decay.

    Adjacent parameters with the same rate share one run. With the
    defaults (decay on the first layer only) there are two rates: the
    first layer's weights, and everything else in two runs.

    Examples
    --------
    >>> import torch
    >>> from skcancelout._network import GatedEnsemble
    >>> model = GatedEnsemble(3, 2, (4,), 2, "sigmoid", 4.0,
    ...     torch.Generator().manual_seed(0), torch.zeros(3), torch.ones(3),
    ...     torch.device("cpu"))
    >>> groups = _decay_groups(model, {model.weights[0]: 0.1})
    >>> [(rate, len(parts)) for rate, parts in groups]
    [(0.0, 2), (0.1, 1)]
    >>> sizes = [part.stop - part.start for _, parts in groups for part in parts]
    >>> sum(sizes) == model.flat.numel()
    True
    """
    runs = []
    for param, part in sorted(model.segments.items(), key=lambda item: item[1].start):
        rate = float(weight_decay.get(param, 0.0))
        if runs and runs[-1][0] == rate and runs[-1][1].stop == part.start:
            runs[-1] = (rate, slice(runs[-1][1].start, part.stop))
        else:
            runs.append((rate, part))
    groups = {}
    for rate, part in runs:
        groups.setdefault(rate, []).append(part)
    return list(groups.items())


class DivergedError(ValueError):
    """The training loss became NaN or infinite, or grew many times its start."""


class TrainingSettings:
    """Plain holder of the numbers that drive :func:`fit_loop`.

    ``loss_limit``, None until the first training step sets it, is the task
    loss per net beyond which a step counts as diverged. ``lr_factor``
    (default 1) multiplies the learning rate from the first epoch on.
    """

    def __init__(self, **kwargs):
        self.loss_limit = None
        self.lr_factor = 1.0
        self.__dict__.update(kwargs)


def iter_batches(n_samples, batch_size, generator):
    """Shuffled index batches covering every row once; None when one batch."""
    if batch_size >= n_samples:
        yield None
        return
    order = torch.randperm(n_samples, generator=generator)
    for start in range(0, n_samples, batch_size):
        yield order[start : start + batch_size]


def train_epoch(model, optimizer, data, settings, generator, feature_dropout=0.0):
    """One pass over ``data``; returns the mean total loss per net.

    ``feature_dropout`` is this epoch's rate (see :func:`dropout_rate`).
    """
    total, seen = 0.0, 0
    batches = list(iter_batches(data.n_samples, settings.batch_size, generator))
    # Dropout masks for many steps in one draw (the same numbers as one draw
    # per step, without a handful of small operations in every step), at
    # most KEEP_DRAW_ELEMENTS numbers at a time so memory stays bounded.
    chunk = max(1, KEEP_DRAW_ELEMENTS // model.gate.numel())
    keeps = None
    for step, index in enumerate(batches):
        if feature_dropout and step % chunk == 0:
            steps = min(chunk, len(batches) - step)
            keeps = None  # freed before the next draw
            keeps = feature_keep(model, feature_dropout, generator, steps=steps)
        x, y, w = data.rows(index)
        x, x_std, mask = masked_input(model, x, settings.task, generator)
        # A gathered batch is our own copy; the whole X (one batch) is not.
        fresh = index is not None or mask is not None
        keep = None if keeps is None else keeps[step % chunk]
        x = model.center(x, inplace=fresh)
        loss = training_step(model, x, y, x_std, w, mask, keep, settings)
        optimizer.step()
        rows = x.shape[0]
        total += loss * rows
        seen += rows
    return total / seen / model.n_estimators


def feature_keep(model, rate, generator, steps=None):
    """Per-net input multipliers, (K, d), or (steps, K, d) for ``steps`` steps.

    Each feature is dropped (multiplier 0, so it reads as its column mean)
    with probability ``rate``, independently for each of the K nets and
    each step; kept ones are scaled by ``1 / (1 - rate)`` so a layer's
    expected input is unchanged. None when ``rate`` is 0.

    Examples
    --------
    >>> import torch
    >>> class Net:
    ...     gate = torch.zeros(3, 1000)
    >>> keep = feature_keep(Net(), 0.25, torch.Generator().manual_seed(0))
    >>> keep.shape
    torch.Size([3, 1000])
    >>> sorted(set(keep.flatten().tolist()))  # dropped, or kept and rescaled
    [0.0, 1.3333333730697632]
    >>> round(float((keep == 0).float().mean()), 1)
    0.2
    >>> feature_keep(Net(), 0.25, torch.Generator(), steps=4).shape
    torch.Size([4, 3, 1000])
    """
    if not rate:
        return None
    shape = model.gate.shape if steps is None else (steps, *model.gate.shape)
    # float32 draws whatever torch's default dtype: the same seed, the same masks.
    draw = torch.rand(shape, generator=generator, dtype=torch.float32)
    keep = draw.ge_(rate).to(model.gate.dtype).div_(1.0 - rate)  # in place
    return keep.to(model.gate.device)


def masked_input(model, x, task, generator):
    """(input, target, mask) for one batch; hides entries for reconstruction.

    Hidden entries are set to the column mean (0 once standardized) and only
    they enter the reconstruction loss. Other tasks get ``(x, None, None)``.
    """
    if task != "reconstruction":
        return x, None, None
    mask = torch.rand(x.shape, generator=generator, dtype=torch.float32) < MASK_FRACTION
    mask = mask.to(x.device)
    x_std = model.standardize(x)
    return torch.where(mask, model.shift, x), x_std, mask.to(x.dtype)


@torch.no_grad()
def evaluate(model, data, settings):
    """Mean task loss per net on ``data`` (no penalty), in batches."""
    total = 0.0
    step = max(settings.batch_size, _block_rows(model.weights[0].shape[0], 4096))
    # The same entries are hidden at every evaluation, so epochs compare.
    masks = torch.Generator().manual_seed(0)
    for start in range(0, data.n_samples, step):
        index = torch.arange(start, min(start + step, data.n_samples))
        x, y, w = data.rows(index)
        x, x_std, mask = masked_input(model, x, settings.task, masks)
        output = model(model.center(x, inplace=True))
        loss = task_loss(settings.task, output, y, x_std, w, mask).mean()
        share = x.shape[0] if w is None else w.sum()
        total += float(loss) * float(share)
    norm = data.n_samples if data.sample_weight is None else data.sample_weight.sum()
    return total / float(norm)


def dropout_rate(settings, epoch):
    """The feature-dropout rate of ``epoch`` (counted from 0).

    ``settings.feature_dropout`` is one rate for every epoch, or a pair
    ``(first, second)``: ``first`` for the first half of ``max_iter`` epochs,
    ``second`` from there on.

    Examples
    --------
    >>> settings = TrainingSettings(feature_dropout=(0.1, 0.4), max_iter=100)
    >>> dropout_rate(settings, 49), dropout_rate(settings, 50)
    (0.1, 0.4)
    >>> dropout_rate(TrainingSettings(feature_dropout=0.2, max_iter=10), 9)
    0.2
    """
    rate = settings.feature_dropout
    if isinstance(rate, tuple):
        first, second = rate
        return first if 2 * epoch < settings.max_iter else second
    return rate


def _learning_rate(settings, epoch):
    """Cosine decay from ``learning_rate_init`` to 5 % of it over max_iter."""
    if settings.constant_lr:
        return settings.learning_rate_init
    progress = min(epoch / max(settings.max_iter, 1), 1.0)
    floor = 0.05
    return settings.learning_rate_init * (
        floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
    )


def denormals_flushed():
    """Whether this thread treats float32 subnormals as zero.

    torch can set the flag but not read it, so a subnormal is multiplied by
    one: with the flag on the product is zero.
    """
    tiny = torch.tensor(1e-39, dtype=torch.float32)
    return bool(tiny * 1.0 == 0)


def _openmp_runtime():
    """The libgomp that torch runs its intra-op threads on, if loaded; else None.

    ``RTLD_NOLOAD`` only finds a library already in the process, so this
    never loads a second OpenMP runtime beside torch's.
    """
    bundled = os.path.join(os.path.dirname(torch.__file__), "lib", "libgomp.so.1")
    mode = getattr(os, "RTLD_NOLOAD", None)
    if mode is None:  # not Linux / glibc
        return None
    for name in (bundled, "libgomp.so.1"):
        try:
            library = ctypes.CDLL(name, mode=mode | os.RTLD_LAZY)
            parallel = library.GOMP_parallel
        except (OSError, AttributeError):
            continue
        parallel.restype = None
        parallel.argtypes = [
            _THREAD_TASK,
            ctypes.c_void_p,
            ctypes.c_uint,
            ctypes.c_uint,
        ]
        return parallel
    return None


_THREAD_TASK = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_GOMP_PARALLEL = _openmp_runtime()


def in_every_thread(function):
    """Results of ``function()`` run once in each of torch's intra-op threads.

    The calling thread is the first of them. Where torch's OpenMP runtime
    cannot be reached (another runtime, another OS), only the calling
    thread runs it.

    Examples
    --------
    >>> len(in_every_thread(lambda: None)) in (1, torch.get_num_threads())
    True
    """
    if _GOMP_PARALLEL is None:
        return [function()]
    results = {}

    def task(_):
        results[threading.get_ident()] = function()

    # Holds the ctypes wrapper alive for the call; each thread takes the GIL.
    callback = _THREAD_TASK(task)
    _GOMP_PARALLEL(callback, None, torch.get_num_threads(), 0)
    here = results.pop(threading.get_ident())
    return [here, *results.values()]


@contextmanager
def flush_denormals():
    """Treat float32 subnormals as zero while training, then restore the flag.

    Late in training the gates of unused features are nearly shut, so their
    gradients, Adam's moments of gradients that stay zero and the decayed
    first-layer weights fall below 1.2e-38, where the CPU computes in slow
    microcode: at 10000 x 50 one epoch went from 90 ms to 450 ms once that
    happened (epoch 40 on), and the whole fit from 7.8 s to 26.5 s. Such
    values carry nothing for the ranking. The flag belongs to each thread,
    and ``torch.set_flush_denormal`` sets the calling thread's only, so it
    is set in each of torch's intra-op threads as well (see
    :func:`in_every_thread`): with the calling thread alone, a 2-thread
    product of a (500, 8, 32) subnormal tensor took 400 us instead of 13.
    Afterwards every thread gets the calling thread's earlier mode back.
    Where the CPU has no such mode (``torch.set_flush_denormal`` returns
    False) nothing changes.

    Examples
    --------
    >>> before = denormals_flushed()
    >>> with flush_denormals():
    ...     all(in_every_thread(denormals_flushed))
    True
    >>> denormals_flushed() == before
    True
    """
    before = denormals_flushed()
    if not torch.set_flush_denormal(True):
        yield
        return
    in_every_thread(lambda: torch.set_flush_denormal(True))
    try:
        yield
    finally:
        in_every_thread(lambda: torch.set_flush_denormal(before))


class LoopResult:
    """What :func:`fit_loop` hands back to the estimator."""

    def __init__(self):
        self.loss_curve = []
        self.validation_loss_curve = []
        self.gate_history = []
        self.n_iter = 0
        # Gate times first-layer weight norm per net early in training: after
        # the first epoch that brings the step count to EARLY_STEPS.
        self.early_importance = None
        self.backoffs = 0
        # The learning rate's back-off factor at the end (see fit_loop).
        self.lr_factor = 1.0


def fit_loop(model, optimizer, data, settings, generator, validation=None):
    """Train ``model`` for up to ``settings.max_iter`` epochs.

    Stops early when the monitored loss (validation loss with
    ``early_stopping``, else training loss) has not improved by ``tol`` for
    ``n_iter_no_change`` epochs; with a validation split it then restores
    the state of the best epoch, without one it keeps the last. A
    diverging loss restores the last good parameters, starts Adam afresh
    (zero moments) and halves the learning rate (a warning says so) up to
    ``max_backoffs`` times before giving up.
    The rate is ``result.lr_factor`` times its schedule, starting from
    ``settings.lr_factor``, so ``partial_fit`` can carry a back-off over
    to the next batch.
    Ctrl-C stops training, keeps the best state so far (without a
    validation split: the last complete epoch's parameters, with Adam
    started afresh) and warns; before the first epoch is complete it
    propagates (there is nothing to keep).
    """
    result = LoopResult()
    result.lr_factor = settings.lr_factor
    stopping = _EarlyStopping(settings, keep_best=validation is not None)
    good = _Checkpoint(model, optimizer, moments=False)
    start = time.perf_counter()
    try:
        while result.n_iter < settings.max_iter:
            rate = _start_epoch(optimizer, settings, result)
            previous = dropout_rate(settings, max(result.n_iter - 1, 0))
            if validation is None and rate != previous:
                # Training losses at another dropout rate do not compare.
                stopping.restart()
            try:
                loss = train_epoch(model, optimizer, data, settings, generator, rate)
            except DivergedError:
                if result.backoffs >= settings.max_backoffs:
                    raise
                _back_off(result, settings)
                good.restore(model, optimizer)
                continue
            good.save(model, optimizer)
            score = _end_epoch(model, result, loss, data, settings, validation)
            if settings.verbose:
                _log_epoch(model, result, loss, validation, start, settings)
            if stopping.update(score, model, optimizer):
                break
    except KeyboardInterrupt:
        if result.n_iter == 0:
            # Nothing was trained to keep: the call fails, and changes nothing.
            raise
        warnings.warn(
            f"Training interrupted after {result.n_iter} epochs; keeping the "
            "best state reached so far.",
            RuntimeWarning,
            stacklevel=user_stacklevel(),
        )
        if stopping.best is None:
            good.restore(model, optimizer)  # not the half-trained epoch
    if stopping.best is not None:
        stopping.best.restore(model, optimizer)
    return result


def _start_epoch(optimizer, settings, result):
    """Set the epoch's learning rate; return its feature-dropout rate."""
    for group in optimizer.param_groups:
        group["lr"] = _learning_rate(settings, result.n_iter) * result.lr_factor
    return dropout_rate(settings, result.n_iter)


def _back_off(result, settings):
    """Halve the learning rate after a diverging epoch, with a warning."""
    result.backoffs += 1
    result.lr_factor /= 2
    # A stream's later batches start from the halved rate.
    later = "; later partial_fit calls keep it" if settings.constant_lr else ""
    warnings.warn(
        f"The training loss {DIVERGED}; restarting the "
        f"epoch with the learning rate halved (now {result.lr_factor:g} x "
        f"learning_rate_init{later}). Pass a lower "
        "learning_rate_init to avoid this.",
        RuntimeWarning,
        stacklevel=user_stacklevel(),
    )


def _end_epoch(model, result, loss, data, settings, validation):
    """Record a finished epoch in ``result``; return the loss to monitor."""
    result.n_iter += 1
    steps_per_epoch = -(-data.n_samples // settings.batch_size)
    if (result.n_iter - 1) * steps_per_epoch < EARLY_STEPS:
        result.early_importance = _gate_weight_product(model)
    result.loss_curve.append(loss)
    if settings.keep_gate_history:
        result.gate_history.append(
            model.gates().detach().mean(0).cpu().numpy().astype(np.float64)
        )
    if validation is None:
        return loss
    score = evaluate(model, validation, settings)
    result.validation_loss_curve.append(score)
    return score


class _EarlyStopping:
    """When to stop, and (with a validation split) the best epoch's state.

    Training stops after ``n_iter_no_change`` epochs without an improvement
    of more than ``tol``; the state kept is that of the lowest validation
    loss, however small its lead, with the optimizer's state of the same
    epoch (a later ``partial_fit`` goes on from both).
    """

    def __init__(self, settings, keep_best):
        self.tol = settings.tol
        self.patience = settings.n_iter_no_change
        self.keep_best = keep_best
        self.best = None  # a _Checkpoint once an epoch was kept
        self.lowest = np.inf
        self.restart()

    def restart(self):
        self.best_score, self.stall = np.inf, 0

    def update(self, score, model, optimizer):
        """Record an epoch's monitored loss; True when training should stop."""
        if score < self.best_score - self.tol:
            self.best_score, self.stall = score, 0
        else:
            self.stall += 1
        if self.keep_best and score < self.lowest:
            self.lowest = score
            if self.best is None:
                self.best = _Checkpoint(model, optimizer)
            else:
                self.best.save(model, optimizer)
        return self.stall >= self.patience


@torch.no_grad()
def _gate_weight_product(model):
    product = model.gates() * model.first_layer_norms()
    return product.cpu().double().numpy()


def _clone(value):
    return value.detach().clone() if torch.is_tensor(value) else copy.copy(value)


def _copy_into(buffers, state):
    """Copy the tensors of ``state`` (a flat dict) into ``buffers``.

    Buffers of the right shape are reused, so saving a state every epoch
    allocates memory once instead of every time; others are cloned.
    """
    if buffers is None:
        buffers = {}
    for key, value in state.items():
        held = buffers.get(key)
        if (
            torch.is_tensor(value)
            and torch.is_tensor(held)
            and held.shape == value.shape
            and held.dtype == value.dtype
        ):
            held.copy_(value.detach())
        else:
            buffers[key] = _clone(value)
    return buffers


class _Checkpoint:
    """A model state (and, with ``moments``, the optimizer's) to go back to.

    Saved into the same buffers every time (no new allocation once the
    optimizer state exists); restored by copying, so training never writes
    into the checkpoint. The NaN backoff's checkpoint, saved after every
    epoch, holds the parameters only (``moments=False``): a restore starts
    Adam afresh (zero moments, step 0) at the halved rate, and the fit's
    peak memory holds one copy of the parameters instead of three. Early
    stopping's best epoch keeps the moments too, so a later ``partial_fit``
    goes on from the optimizer state of that epoch.
    """

    def __init__(self, model, optimizer, moments=True):
        self.moments = moments
        self.model_state = None
        self.optim_state = {}
        self.param_groups = None
        self.save(model, optimizer)

    def save(self, model, optimizer):
        self.model_state = _copy_into(self.model_state, model.state_dict())
        if not self.moments:
            return
        optim = optimizer.state_dict()
        self.optim_state = {
            key: _copy_into(self.optim_state.get(key), entry)
            for key, entry in optim["state"].items()
        }
        self.param_groups = [dict(group) for group in optim["param_groups"]]

    def restore(self, model, optimizer):
        model.load_state_dict(self.model_state)
        if not self.moments:
            optimizer.reset()
            return
        optimizer.load_state_dict(
            {
                "state": {
                    key: {name: _clone(v) for name, v in entry.items()}
                    for key, entry in self.optim_state.items()
                },
                "param_groups": [dict(group) for group in self.param_groups],
            }
        )


def _log_epoch(model, result, loss, validation, start, settings):
    gates = model.gates().detach()
    # A sigmoid gate is open above 0.5; softmax gates share one unit, so
    # one is open above an equal share.
    level = 0.5 if model.gate_activation == "sigmoid" else 1.0 / gates.shape[-1]
    open_gates = float((gates > level).float().sum(-1).mean())
    parts = [
        f"epoch {result.n_iter:4d}/{settings.max_iter}",
        f"loss {loss:.5f}",
    ]
    if validation is not None:
        parts.append(f"val_loss {result.validation_loss_curve[-1]:.5f}")
    parts.append(f"open gates {open_gates:.1f}/{gates.shape[-1]}")
    parts.append(f"{time.perf_counter() - start:.1f}s")
    print(" | ".join(parts), flush=True)


@torch.no_grad()
def floor_gates(model, floor=STREAM_GATE_FLOOR):
    """Raise sigmoid gates below ``floor`` to ``floor``; returns how many moved.

    On a stream no feature is ruled out for good: a gate the penalty has shut
    while its feature carried nothing would leave too little gradient for the
    feature to come back once it matters (``partial_fit`` calls this after
    each batch). Softmax gates, which share one unit of openness among the
    features, are left as they are.

    Examples
    --------
    >>> import torch
    >>> from skcancelout._network import GatedEnsemble
    >>> model = GatedEnsemble(3, 1, (4,), 1, "sigmoid", 0.0,
    ...     torch.Generator().manual_seed(0), torch.zeros(3), torch.ones(3),
    ...     torch.device("cpu"))
    >>> _ = model.gate.data.copy_(torch.tensor([[-6.0, 0.0, 3.0]]))
    >>> floor_gates(model, 0.1)
    1
    >>> [round(g, 2) for g in model.gates()[0].tolist()]
    [0.1, 0.5, 0.95]
    """
    if model.gate_activation != "sigmoid":
        return 0
    low = math.log(floor / (1.0 - floor))
    below = model.gate < low
    count = int(below.sum())
    if count:
        model.gate.masked_fill_(below, low)
    return count


@torch.no_grad()
def revive_dead_units(
    model, optimizer, data, generator, idle, after_rows=REVIVE_AFTER_ROWS
):
    """Fresh incoming weights for hidden units that have stopped firing.

    A ReLU unit whose output is 0 for every row gets no gradient, so it
    never comes back. On a stream that changes, the large loss after the
    change can kill most of a network's units this way, and the networks
    stop learning (``partial_fit`` calls this after each batch).

    ``idle`` holds, per hidden layer, a (K, h) count of the rows seen since
    each unit last fired; it is brought up to date with the rows of
    ``data`` (0 for a unit that fired on one of them; of a batch larger
    than ``REVIVE_CHECK_ROWS`` only that many evenly spaced rows are looked
    at and counted). A unit idle for ``after_rows`` rows or more gets new
    incoming weights and bias (``nn.Linear``'s initialisation, drawn from
    ``generator``), outgoing weights of 0 (so the networks' outputs do not
    change), Adam moments of 0 for all of those, and an idle count of 0.
    Counting across calls keeps a unit that merely missed the few rows of a
    small batch. Returns the number of units revived.

    Examples
    --------
    >>> import torch
    >>> from skcancelout._network import GatedEnsemble
    >>> model = GatedEnsemble(3, 1, (4,), 2, "sigmoid", 0.0,
    ...     torch.Generator().manual_seed(0), torch.zeros(3), torch.ones(3),
    ...     torch.device("cpu"))
    >>> optimizer = EnsembleAdam(model, lr=0.01, weight_decay={})
    >>> with torch.no_grad():
    ...     _ = model.biases[0].fill_(5.0)  # every unit fires...
    ...     model.biases[0][1, 0, 2] = -100.0  # ...but net 1's unit 2
    >>> data = TrainingData(torch.randn(50, 3), None, None, torch.device("cpu"))
    >>> idle = [torch.zeros(2, 4, dtype=torch.long)]
    >>> revive_dead_units(model, optimizer, data, torch.Generator(), idle, 100)
    0
    >>> idle[0].tolist()  # rows since each unit last fired
    [[0, 0, 0, 0], [0, 0, 50, 0]]
    >>> revive_dead_units(model, optimizer, data, torch.Generator(), idle, 100)
    1
    >>> float(model.weights[1][1, 2, 0].detach())  # its outgoing weight
    0.0
    """
    weights, biases = model.weights, model.biases
    # At most REVIVE_CHECK_ROWS evenly spaced rows (a gathered copy, so
    # centering it in place leaves the data alone): the cost of a large
    # batch stays that of one small forward pass.
    checked = _block_rows(model.weights[0].shape[0], REVIVE_CHECK_ROWS)
    stride = -(-data.n_samples // checked)
    index = torch.arange(0, data.n_samples, stride)
    x = model.center(data.rows(index)[0], inplace=True)
    gates = model.gates() * model.gate_factor()
    _, saved = body_forward(x, gates, model.layers())
    revived = 0
    moments = (optimizer.exp_avg, optimizer.exp_avg_sq)
    for layer, act in enumerate(saved[4]):
        fired = act.amax(dim=1).cpu() > 0  # (K, h)
        counts = idle[layer]
        counts.add_(index.numel()).masked_fill_(fired, 0)
        nets, units = torch.nonzero(counts >= after_rows, as_tuple=True)
        count = nets.numel()
        if count == 0:
            continue
        counts[nets, units] = 0
        nets, units = nets.to(model.flat.device), units.to(model.flat.device)
        w_in, b_in, w_out = weights[layer], biases[layer], weights[layer + 1]
        fan_in = w_in.shape[0] if layer == 0 else w_in.shape[1]
        into = "first" if layer == 0 else "into"
        parts = ((w_in, into), (b_in, "bias"), (w_out, "out"))
        for tensor, kind in parts:
            views = [m[model.segments[tensor]].view_as(tensor) for m in moments]
            for held in (tensor, *views):
                _set_unit(held, kind, nets, units, 0.0)
        # The networks' own initialisation (float32 whatever torch's default
        # dtype: the same seed, the same draw): weights and bias in one draw.
        bound = 1.0 / math.sqrt(fan_in)
        shape = (count, fan_in + 1)
        fresh = _uniform(shape, bound, generator, torch.float32, w_in.device)
        _set_unit(w_in, into, nets, units, fresh[:, :fan_in])
        _set_unit(b_in, "bias", nets, units, fresh[:, fan_in])
        revived += count
    return revived


def _set_unit(tensor, kind, nets, units, value):
    """Set the entries of units ``(nets, units)`` in a weight or bias tensor.

    ``kind``: ``"first"``, incoming weights of the first layer, (d, K, h);
    ``"into"``, incoming weights of a later layer, (K, h_in, h); ``"bias"``,
    (K, 1, h); ``"out"``, the units' outgoing weights, (K, h, n_out).
    ``value`` is a number, or one row per unit.
    """
    if kind == "first":
        tensor[:, nets, units] = value if isinstance(value, float) else value.T
    elif kind == "into":
        tensor[nets, :, units] = value
    elif kind == "bias":
        tensor[nets, 0, units] = value
    else:
        tensor[nets, units, :] = value
