"""Several small MLPs, each behind its own CancelOut gate, run as one batched net.

Forward and backward passes are written out (:func:`body_forward`,
:func:`body_backward`); training calls them directly, and
:class:`GatedMLP` makes them an autograd function for everything else.

The K networks share no weights; stacking them lets one matrix product serve
all K, so an ensemble costs little more than a single net. The input
standardization ``(x - shift) / scale`` is folded into the first layer, so a
batch of raw float32 rows (dense or densified sparse) goes straight into the
first matrix product without a standardized copy of X. A very sparse batch
(:class:`SparseRows`) enters as its stored entries instead.
"""

import math
from itertools import pairwise

import torch
from torch import nn

from ._layer import gate_penalty, gates_of

# aten's ReLU gradient: grad where input > threshold, else 0, in one pass.
_RELU_BACKWARD = torch.ops.aten.threshold_backward


def _uniform(shape, bound, generator, dtype, device):
    if generator is None:  # a state is loaded over it
        return torch.empty(shape, dtype=dtype, device=device)
    out = torch.rand(shape, generator=generator, dtype=dtype)
    return ((out * 2 - 1) * bound).to(device)


class SparseRows:
    """A batch of rows of a sparse X, as its non-zero entries, for one step.

    The first layer reads only the stored entries: a product with ``nnz``
    rows of the (d, K * h) weights instead of a (batch, d) dense one, where
    a sparse X of d columns holds few entries per row. ``shift`` (set by
    :meth:`GatedEnsemble.center`) is what centres the rows, ``x - shift``;
    it enters as one (d,) x (d, K * h) product per step, so the rows are
    never densified. Only :func:`body_forward` and :func:`body_backward`
    read it (no autograd).

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp, torch
    >>> X = sp.csr_matrix(np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 0.0]]))
    >>> rows = SparseRows.from_scipy(X)
    >>> rows.shape, rows.values.tolist()
    ((2, 3), [2.0, 1.0])
    >>> layers = (torch.randn(3, 2, 4), torch.zeros(2, 1, 4),
    ...           torch.randn(2, 4, 1), torch.zeros(2, 1, 1))
    >>> gates = torch.rand(2, 3)
    >>> shift = torch.tensor([0.5, 1.0, 0.0])
    >>> dense = torch.from_numpy(X.toarray()).float() - shift
    >>> out = body_forward(rows.centered(shift), gates, layers)[0]
    >>> bool(torch.allclose(out, body_forward(dense, gates, layers)[0], atol=1e-6))
    True
    """

    def __init__(self, rows, cols, values, shape, shift=None):
        self.rows, self.cols, self.values = rows, cols, values
        self.shape = tuple(shape)
        self.shift = shift

    @classmethod
    def from_scipy(cls, X):
        """The stored entries of a SciPy sparse matrix, as float32 tensors."""
        coo = X.tocoo()
        return cls(
            torch.from_numpy(coo.row.astype("int64")),
            torch.from_numpy(coo.col.astype("int64")),
            torch.from_numpy(coo.data.astype("float32")),
            coo.shape,
        )

    def centered(self, shift):
        """These rows minus ``shift`` (d,), without densifying them."""
        return SparseRows(self.rows, self.cols, self.values, self.shape, shift)

    def to(self, device):
        return SparseRows(
            *(t.to(device) for t in (self.rows, self.cols, self.values)),
            self.shape,
            None if self.shift is None else self.shift.to(device),
        )


class GatedEnsemble(nn.Module):
    """K gated MLPs with ReLU hidden layers, evaluated together.

    Parameters
    ----------
    n_features, n_outputs : int
    hidden_layer_sizes : tuple of int
    n_estimators : int
        Number of independent networks K.
    gate_activation : str
    gate_init : float
    generator : torch.Generator or None
        Source of all initial weights (CPU generator); None leaves the
        weights uninitialised, for a model whose state is loaded next.
    shift, scale : torch.Tensor of shape (n_features,)
        Standardization folded into the first layer.
    device : torch.device
    """

    def __init__(
        self,
        n_features,
        n_outputs,
        hidden_layer_sizes,
        n_estimators,
        gate_activation,
        gate_init,
        generator,
        shift,
        scale,
        device,
    ):
        super().__init__()
        dtype = torch.float32
        self.gate_activation = gate_activation
        self.gate = nn.Parameter(
            torch.full(
                (n_estimators, n_features), float(gate_init), dtype=dtype, device=device
            )
        )
        sizes = [n_features, *hidden_layer_sizes, n_outputs]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for layer, (fan_in, fan_out) in enumerate(pairwise(sizes)):
            # nn.Linear's default initialisation, drawn from our own generator.
            bound = 1.0 / math.sqrt(fan_in)
            shape = (n_estimators, fan_in, fan_out)
            weight = _uniform(shape, bound, generator, dtype, device)
            if layer == 0:
                # Stored (d, K, h): as the (d, K*h) operand of the first
                # product, with no permuted copy of it (or of its gradient).
                weight = weight.permute(1, 0, 2).contiguous()
            self.weights.append(nn.Parameter(weight))
            self.biases.append(
                nn.Parameter(
                    _uniform(
                        (n_estimators, 1, fan_out), bound, generator, dtype, device
                    )
                )
            )
        self._flatten()
        # Built once: ParameterList's indexing costs about a tenth of a small
        # fit when done at every step. The parameters stay the same objects
        # (loading a state or moving the flat buffer changes their data).
        self._layers = tuple(
            param
            for pair in zip(self.weights, self.biases, strict=True)
            for param in pair
        )
        self.register_buffer(
            "shift", torch.empty_like(shift, device=device, dtype=dtype)
        )
        self.register_buffer(
            "inv_scale", torch.empty_like(scale, device=device, dtype=dtype)
        )
        self.set_standardization(shift, scale)

    def _flatten(self):
        """Put every parameter, and its gradient, into one contiguous buffer.

        Each parameter becomes a view of ``flat`` and its ``.grad`` a view of
        ``flat_grad``; backward accumulates into those views in place. An
        optimizer then updates all K networks with a handful of operations
        on one tensor instead of several per parameter, which is most of an
        optimizer step's cost at these sizes.
        """
        params = list(self.parameters())
        total = sum(param.numel() for param in params)
        first = params[0]
        self.flat = torch.empty(total, dtype=first.dtype, device=first.device)
        self.flat_grad = torch.zeros_like(self.flat)
        self.segments = {}
        offset = 0
        for param in params:
            size = param.numel()
            part = slice(offset, offset + size)
            self.flat[part].copy_(param.detach().reshape(-1))
            param.data = self.flat[part].view_as(param)
            param.grad = self.flat_grad[part].view_as(param)
            self.segments[param] = part
            offset += size

    def zero_grad(self, set_to_none=False):
        """Zero the gradients in place; they must stay views of ``flat_grad``."""
        if set_to_none:
            raise ValueError("GatedEnsemble keeps its gradients; zero them instead.")
        self.flat_grad.zero_()

    def set_standardization(self, shift, scale):
        """Use ``(x - shift) / scale`` as the standardized input from now on."""
        with torch.no_grad():
            self.shift.copy_(shift)
            self.inv_scale.copy_(1.0 / scale)
        self.has_shift = bool(torch.any(self.shift != 0))

    @property
    def n_estimators(self):
        return self.gate.shape[0]

    def gates(self):
        return gates_of(self.gate, self.gate_activation)

    def penalty(self, kind, alpha, beta):
        return gate_penalty(self.gate, kind, alpha, beta, self.gate_activation)

    def standardize(self, x):
        """Standardized input, as the gates see it (used as autoencoder target)."""
        return (x - self.shift) * self.inv_scale

    def center(self, x, inplace=False):
        """``x - shift``; in place when the caller owns ``x`` (a fresh batch)."""
        if not self.has_shift:
            return x
        if isinstance(x, SparseRows):
            return x.centered(self.shift)
        return x.sub_(self.shift) if inplace else x - self.shift

    def forward(self, x, keep=None):
        """Outputs of shape (K, batch, n_outputs) for centered rows x (batch, d).

        ``x`` must already be centered with :meth:`center`; the division by
        the scale happens inside, folded into the first-layer weights.
        ``keep`` (K, d), if given, multiplies each net's standardized input
        (feature dropout), folded in the same way.
        """
        scaled_gates = self.gates() * self.gate_factor(keep)
        if isinstance(x, SparseRows):  # no autograd through sparse rows
            return body_forward(x, scaled_gates, self.layers())[0]
        return GatedMLP.apply(x, scaled_gates, *self.layers())

    def gate_factor(self, keep=None):
        """What multiplies the gates before the first layer: 1 / scale, times ``keep``.

        (d,), or (K, d) with ``keep``; the product of the gates and this
        factor is the ``scaled_gates`` of :func:`body_forward`.
        """
        return self.inv_scale if keep is None else self.inv_scale * keep

    def layers(self):
        """``(w_1, b_1, w_2, b_2, ...)``, as :func:`body_forward` takes them."""
        return self._layers

    def first_layer_norms(self):
        """Norm of each feature's outgoing first-layer weights, (K, d)."""
        return self.weights[0].norm(dim=-1).T


def body_forward(x, scaled_gates, layers):
    """Outputs (K, batch, n_outputs) of K gated ReLU MLPs, and what backward needs.

    ``layers`` is ``(w_1, b_1, w_2, b_2, ...)`` with ``w_1`` (d, K, h_1),
    ``b_l`` (K, 1, h_l) and, for later layers, ``w_l`` (K, h_{l-1}, h_l).
    Net k computes
    ``relu(...relu((x * scaled_gates[k]) @ w_1[:, k] + b_1[k])...) @ w_L[k] + b_L[k]``.
    The gates are folded into the first-layer weights, and one
    (batch, d) x (d, K * h_1) product serves all K first layers.

    Examples
    --------
    >>> import torch
    >>> layers = (torch.randn(3, 2, 4), torch.zeros(2, 1, 4),
    ...           torch.randn(2, 4, 1), torch.zeros(2, 1, 1))
    >>> out, saved = body_forward(torch.randn(5, 3), torch.ones(2, 3), layers)
    >>> tuple(out.shape)  # (K, batch, n_outputs)
    (2, 5, 1)
    """
    w_first, b_first, later = layers[0], layers[1], layers[2:]
    n_features, k, hidden = w_first.shape
    # (d, K, 1), contiguous: the broadcast product runs faster.
    gates_t = scaled_gates.T.contiguous().unsqueeze(-1)
    w_eff = w_first * gates_t
    # (batch, K * h): the first layers' outputs, net after net in each row.
    if isinstance(x, SparseRows):
        out = _sparse_first_layer(x, w_eff.view(n_features, k * hidden), b_first)
    else:
        out = torch.addmm(
            b_first.reshape(1, k * hidden), x, w_eff.view(n_features, k * hidden)
        )
    out = out.view(x.shape[0], k, hidden).transpose(0, 1)
    activations = []
    for weight, bias in zip(later[::2], later[1::2], strict=True):
        act = torch.relu(out)
        activations.append(act)
        out = torch.baddbmm(bias, act, weight)
    return out, (x, gates_t, w_first, later[::2], activations)


def body_backward(saved, grad_out, into, need_gates=True, need_x=False):
    """Gradients of :func:`body_forward`'s inputs for ``grad_out`` (K, batch, n_out).

    The gradients of ``layers`` are written into ``into``, tensors of their
    shapes in the same order (the parameters' ``.grad`` in training).
    Returns ``(grad_x, grad_scaled_gates)``, each None unless asked for.
    ``saved`` is the second value :func:`body_forward` returned.

    Examples
    --------
    >>> import torch
    >>> layers = (torch.randn(3, 2, 4), torch.zeros(2, 1, 4),
    ...           torch.randn(2, 4, 1), torch.zeros(2, 1, 1))
    >>> out, saved = body_forward(torch.randn(5, 3), torch.ones(2, 3), layers)
    >>> into = [torch.empty_like(t) for t in layers]
    >>> _, grad_gates = body_backward(saved, torch.ones_like(out), into)
    >>> tuple(grad_gates.shape), bool(into[3].eq(5).all())  # bias: batch of 1s
    ((2, 3), True)
    """
    x, gates_t, w_first, weights, activations = saved
    batch = x.shape[0]
    n_features, k, hidden = w_first.shape
    # ``grad`` is the gradient of a layer's outputs seen as (batch, K, h),
    # the layout in which the first layer writes them.
    grad = grad_out.transpose(0, 1)
    for layer in reversed(range(len(weights))):
        act, weight = activations[layer], weights[layer]
        grad = grad.transpose(0, 1)  # (K, batch, h) for the batched products
        torch.bmm(act.transpose(1, 2), grad, out=into[2 + 2 * layer])
        torch.sum(grad, 1, keepdim=True, out=into[3 + 2 * layer])
        grad = torch.bmm(grad, weight.transpose(1, 2))
        # ReLU's gradient in one pass, in the activation's memory layout:
        # (batch, K, h) for the first layer, so no copy follows.
        grad = _RELU_BACKWARD(grad.transpose(0, 1), act.transpose(0, 1), 0.0)
    flat = grad.contiguous().view(batch, k * hidden)
    torch.sum(flat, 0, out=into[1].view(k * hidden))
    if isinstance(x, SparseRows):
        grad_w_eff = _sparse_weight_gradient(x, flat, into[1].view(k * hidden))
        grad_w_eff = grad_w_eff.view(n_features, k, hidden)
    else:
        grad_w_eff = (x.T @ flat).view(n_features, k, hidden)
    torch.mul(grad_w_eff, gates_t, out=into[0])
    grad_x = None
    if need_x and isinstance(x, SparseRows):
        raise ValueError("SparseRows carry no gradient; densify them first.")
    if need_x:
        grad_x = flat @ (w_first * gates_t).view(n_features, k * hidden).T
    grad_gates = None
    if need_gates:
        grad_gates = grad_w_eff.mul_(w_first).sum(-1).T
    return grad_x, grad_gates


def _sparse_first_layer(x, weights, bias):
    """``(x - shift) @ weights + bias`` for SparseRows x; weights (d, K * h)."""
    out = bias.reshape(1, -1).repeat(x.shape[0], 1)
    if x.shift is not None:
        out.sub_(x.shift @ weights)
    picked = weights.index_select(0, x.cols).mul_(x.values.unsqueeze(1))
    return out.index_add_(0, x.rows, picked)


def _sparse_weight_gradient(x, grad, grad_sum):
    """``(x - shift).T @ grad`` for SparseRows x; ``grad_sum`` is grad's column sum."""
    n_features = x.shape[1]
    if x.shift is None:
        out = grad.new_zeros((n_features, grad.shape[1]))
    else:
        out = torch.outer(x.shift, grad_sum).neg_()
    picked = grad.index_select(0, x.rows).mul_(x.values.unsqueeze(1))
    return out.index_add_(0, x.cols, picked)


class GatedMLP(torch.autograd.Function):
    """:func:`body_forward` as an autograd function, with its backward by hand.

    ``apply(x, scaled_gates, w_1, b_1, w_2, b_2, ...)``; see
    :func:`body_forward`. Training calls the two functions directly (see
    ``_training.training_step``); this makes the same network usable with
    ``loss.backward()``.

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(5, 3)
    >>> gates = torch.rand(2, 3, requires_grad=True)
    >>> w1 = torch.randn(3, 2, 4, requires_grad=True)
    >>> b1 = torch.zeros(2, 1, 4, requires_grad=True)
    >>> w2 = torch.randn(2, 4, 1, requires_grad=True)
    >>> b2 = torch.zeros(2, 1, 1, requires_grad=True)
    >>> out = GatedMLP.apply(x, gates, w1, b1, w2, b2)
    >>> tuple(out.shape)
    (2, 5, 1)
    >>> direct = torch.relu((x * gates[0]) @ w1[:, 0] + b1[0]) @ w2[0] + b2[0]
    >>> bool(torch.allclose(out[0], direct, atol=1e-6))
    True
    >>> out.sum().backward()
    >>> tuple(gates.grad.shape), tuple(w1.grad.shape)
    ((2, 3), (3, 2, 4))
    """

    @staticmethod
    def forward(ctx, x, scaled_gates, *layers):
        out, saved = body_forward(x, scaled_gates, layers)
        x, gates_t, w_first, weights, activations = saved
        ctx.save_for_backward(x, gates_t, w_first, *weights, *activations)
        ctx.layer_shapes = [layer.shape for layer in layers]
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, gates_t, w_first, *rest = ctx.saved_tensors
        n_later = len(rest) // 2
        saved = (x, gates_t, w_first, rest[:n_later], rest[n_later:])
        needs = ctx.needs_input_grad
        grads = [x.new_empty(shape) for shape in ctx.layer_shapes]
        grad_x, grad_gates = body_backward(saved, grad_out, grads, needs[1], needs[0])
        return grad_x, grad_gates, *grads
