"""The CancelOut gate: one learnable weight per input feature, pure torch."""

import math
import numbers

import torch
from torch import nn

from ._constants import GATE_ACTIVATIONS, PENALTIES


def _check_weight(weight):
    if not torch.is_tensor(weight):
        raise TypeError(
            f"weight must be a torch.Tensor, got {type(weight).__name__}; "
            "use torch.as_tensor(weight, dtype=torch.float32)."
        )
    if weight.ndim == 0 or not weight.is_floating_point():
        raise ValueError(
            "weight must be a floating-point tensor with the features along "
            f"its last dimension; got shape {tuple(weight.shape)} and dtype "
            f"{weight.dtype}."
        )


def gate_values(weight, activation="sigmoid"):
    """Gate values for raw gate weights, along the last dimension.

    Parameters
    ----------
    weight : torch.Tensor of shape (..., n_features)
        Raw gate weights ``w``.
    activation : {"sigmoid", "softmax"}, default="sigmoid"
        ``"sigmoid"`` opens each gate independently in (0, 1); ``"softmax"``
        makes the features compete, the gates summing to one.

    Returns
    -------
    gates : torch.Tensor of the same shape as ``weight``
        The factor each feature is multiplied by.

    Examples
    --------
    >>> import torch
    >>> from skcancelout import gate_values
    >>> gate_values(torch.zeros(3))
    tensor([0.5000, 0.5000, 0.5000])
    >>> gate_values(torch.zeros(4), "softmax").sum().item()
    1.0
    """
    _check_weight(weight)
    return gates_of(weight, activation)


def gates_of(weight, activation):
    """:func:`gate_values` without its input checks, for the training step."""
    if activation == "sigmoid":
        return torch.sigmoid(weight)
    if activation == "softmax":
        return torch.softmax(weight, dim=-1)
    raise ValueError(
        f"activation must be one of {GATE_ACTIVATIONS}, got {activation!r}."
    )


def gate_penalty(weight, kind="gates", alpha=0.001, beta=0.001, activation="sigmoid"):
    """Penalty that pushes the gates of unhelpful features shut.

    Parameters
    ----------
    weight : torch.Tensor of shape (..., n_features)
        Raw gate weights ``w``. Leading dimensions (several gates trained at
        once) are summed over, so each gate vector gets its own gradient.
    kind : {"gates", "l1l2"}, default="gates"
        ``"gates"`` is the PyTorch form of the original code,
        ``alpha * sum(g(w)) - beta * var(w)``: it closes gates and spreads the
        weights apart so the ranking is clear. ``"l1l2"`` is the Keras form,
        ``alpha * |w|_1 + beta * |w|_2``.
    alpha, beta : float, default=0.001
        Strengths of the two terms.
    activation : {"sigmoid", "softmax"}, default="sigmoid"
        Gate activation used by the ``"gates"`` form.

    Returns
    -------
    penalty : torch.Tensor, scalar
        To add to the training loss; differentiable in ``weight``.

    Examples
    --------
    >>> import torch
    >>> from skcancelout import gate_penalty
    >>> w = torch.tensor([4.0, 4.0])
    >>> round(gate_penalty(w, "gates", alpha=1.0, beta=0.0).item(), 4)
    1.964
    >>> round(gate_penalty(w, "l1l2", alpha=1.0, beta=0.0).item(), 4)
    8.0
    """
    _check_weight(weight)
    if activation not in GATE_ACTIVATIONS:  # "l1l2" reads no gate either
        raise ValueError(
            f"activation must be one of {GATE_ACTIVATIONS}, got {activation!r}."
        )
    if kind == "gates":
        gates = gates_of(weight, activation)
        spread = weight.var(dim=-1) if weight.shape[-1] > 1 else weight.sum(-1) * 0
        return alpha * gates.sum() - beta * spread.sum()
    if kind == "l1l2":
        return alpha * weight.abs().sum() + beta * weight.norm(dim=-1).sum()
    raise ValueError(f"kind must be one of {PENALTIES}, got {kind!r}.")


def gate_values_backward(gates, grad, activation="sigmoid"):
    """Gradient with respect to the raw weights, given ``grad`` of the gates.

    ``gates`` is ``gate_values(weight, activation)`` and ``grad`` a tensor
    or a number; the vector-Jacobian product of :func:`gate_values`, without
    autograd.

    Examples
    --------
    >>> import torch
    >>> w = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> gate_values(w).backward(torch.ones(2))
    >>> ours = gate_values_backward(gate_values(w.detach()), torch.ones(2))
    >>> bool(torch.allclose(ours, w.grad))
    True
    """
    if activation == "sigmoid":
        if torch.is_tensor(grad):  # grad * gates * (1 - gates), one operation
            return torch.ops.aten.sigmoid_backward(grad, gates)
        return grad * gates * (1 - gates)
    return gates * (grad - (gates * grad).sum(-1, keepdim=True))


def penalty_with_grad(weight, kind, alpha, beta, activation, gates):
    """:func:`gate_penalty`, and its gradient in two parts, without autograd.

    ``gates`` is ``gate_values(weight, activation)``. Returns ``(value,
    through_gates, direct)``: the gradient with respect to ``weight`` is
    ``gate_values_backward(gates, through_gates, activation) + direct``, so
    a caller that also has a gradient of the gate values (the task loss's)
    adds ``through_gates`` to it and runs the gate's backward once.

    Examples
    --------
    >>> import torch
    >>> w = torch.tensor([[4.0, -1.0, 0.5]], requires_grad=True)
    >>> gate_penalty(w, "gates", 0.01, 0.001).backward()
    >>> gates = gate_values(w.detach())
    >>> value, through, direct = penalty_with_grad(
    ...     w.detach(), "gates", 0.01, 0.001, "sigmoid", gates)
    >>> grad = gate_values_backward(gates, through) + direct
    >>> bool(torch.allclose(grad, w.grad))
    True
    """
    if kind == "gates":
        value = gates.sum().mul_(alpha)
        n_features = weight.shape[-1]
        if n_features == 1:  # no spread to reward
            return value, alpha, torch.zeros_like(weight)
        centered = (weight - weight.mean(-1, keepdim=True)).view(-1)
        # Few operations: this runs at every training step.
        value.sub_(torch.dot(centered, centered), alpha=beta / (n_features - 1))
        direct = centered.mul_(-2 * beta / (n_features - 1))
        return value, alpha, direct.view(weight.shape)
    if kind == "l1l2":
        norm = weight.norm(dim=-1, keepdim=True)
        value = alpha * weight.abs().sum() + beta * norm.sum()
        unit = torch.where(norm > 0, weight / norm, torch.zeros_like(weight))
        return value, 0.0, alpha * torch.sign(weight) + beta * unit
    raise ValueError(f"kind must be one of {PENALTIES}, got {kind!r}.")


def _check_input(x, n_features):
    """Refuse what ``CancelOut(n_features)`` cannot gate, saying why."""
    if not torch.is_tensor(x):
        raise TypeError(
            f"CancelOut takes a torch.Tensor, got {type(x).__name__}; use "
            "torch.as_tensor(x, dtype=torch.float32)."
        )
    if tuple(x.shape[-1:]) != (n_features,):
        raise ValueError(
            f"CancelOut({n_features}) gates inputs whose last dimension has "
            f"{n_features} features; got shape {tuple(x.shape)}."
        )


class CancelOut(nn.Module):
    """CancelOut layer: scales each input feature by a learnable gate.

    The input ``x`` becomes ``x * g(w)`` with one weight ``w_j`` per feature
    and ``g`` a sigmoid (or softmax). Add :meth:`penalty` to the training loss
    so the gates of features the network does not need close; after training
    the gate values rank the features. Usable in front of any torch model.

    Parameters
    ----------
    n_features : int
        Number of input features (the size of the last input dimension).
    activation : {"sigmoid", "softmax"}, default="sigmoid"
        Gate activation, see :func:`gate_values`.
    init : float, default=4.0
        Initial value of every weight. ``4.0`` (the original PyTorch code)
        starts each sigmoid gate about 98 % open; the Keras code used ``1.0``.

    Attributes
    ----------
    weight : torch.nn.Parameter of shape (n_features,)
        The raw gate weights ``w``.

    Examples
    --------
    >>> import torch
    >>> from skcancelout import CancelOut
    >>> layer = CancelOut(3)
    >>> out = layer(torch.ones(2, 3))
    >>> tuple(out.shape)
    (2, 3)
    >>> bool(torch.allclose(out, torch.sigmoid(torch.tensor(4.0)).expand(2, 3)))
    True
    >>> model = torch.nn.Sequential(layer, torch.nn.Linear(3, 1))
    >>> loss = model(torch.ones(2, 3)).pow(2).mean() + layer.penalty()
    >>> loss.backward()
    >>> layer.weight.grad.shape
    torch.Size([3])
    """

    def __init__(self, n_features, *, activation="sigmoid", init=4.0):
        super().__init__()
        if (
            not isinstance(n_features, numbers.Integral)
            or isinstance(n_features, bool)
            or n_features < 1
        ):
            raise ValueError(f"n_features must be an int >= 1, got {n_features!r}.")
        if activation not in GATE_ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {GATE_ACTIVATIONS}, got {activation!r}."
            )
        if not isinstance(init, numbers.Real) or not math.isfinite(init):
            raise ValueError(f"init must be a finite number, got {init!r}.")
        self.activation = activation
        self.weight = nn.Parameter(torch.full((int(n_features),), float(init)))

    def gates(self) -> torch.Tensor:
        """Current gate values.

        Returns
        -------
        gates : torch.Tensor of shape (n_features,)
            ``g(w)``: the factor each feature is multiplied by.

        Examples
        --------
        >>> from skcancelout import CancelOut
        >>> CancelOut(2, init=0.0).gates()
        tensor([0.5000, 0.5000], grad_fn=<SigmoidBackward0>)
        """
        if torch.jit.is_scripting():
            # TorchScript compiles this branch only (gates_of's message is
            # Python that it cannot compile).
            if self.activation == "sigmoid":
                return torch.sigmoid(self.weight)
            if self.activation == "softmax":
                return torch.softmax(self.weight, dim=-1)
            raise ValueError("CancelOut: activation must be 'sigmoid' or 'softmax'.")
        return gates_of(self.weight, self.activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Multiply each feature of ``x`` by its gate.

        Parameters
        ----------
        x : torch.Tensor of shape (..., n_features)
            Inputs, features along the last dimension.

        Returns
        -------
        out : torch.Tensor of the same shape as ``x``
            ``x * g(w)``.

        Raises
        ------
        ValueError
            If the last dimension of ``x`` is not ``n_features``.

        Examples
        --------
        >>> import torch
        >>> from skcancelout import CancelOut
        >>> CancelOut(2, init=0.0)(torch.tensor([[2.0, 4.0]]))
        tensor([[1., 2.]], grad_fn=<MulBackward0>)

        The layer exports with ``torch.export`` and compiles with
        ``torch.compile``, ``torch.jit.script`` and ``torch.jit.trace`` (the
        last two deprecated in recent torch). Scripted, it refuses an input
        of another width with a shorter message; exported, the export's
        shape guard refuses it; traced, nothing checks the width, and an
        input of width 1 broadcasts.

        >>> x = torch.tensor([[2.0, 4.0]])
        >>> exported = torch.export.export(CancelOut(2, init=0.0), (x,))
        >>> exported.module()(x)
        tensor([[1., 2.]], grad_fn=<MulBackward0>)
        """
        if torch.jit.is_scripting():
            if x.dim() == 0 or x.size(-1) != self.weight.size(0):
                raise ValueError(
                    "CancelOut: the input's last dimension must have n_features "
                    "entries."
                )
        elif not torch.jit.is_tracing():
            _check_input(x, self.weight.shape[0])
        return x * self.gates()

    def penalty(self, kind="gates", alpha=0.001, beta=0.001):
        """The gate penalty to add to the training loss.

        Parameters
        ----------
        kind : {"gates", "l1l2"}, default="gates"
        alpha, beta : float, default=0.001
            See :func:`gate_penalty`, which this calls with the layer's
            weights and activation.

        Returns
        -------
        penalty : torch.Tensor, scalar
            To add to the training loss; differentiable in ``weight``.

        Examples
        --------
        >>> from skcancelout import CancelOut
        >>> layer = CancelOut(2, init=0.0)
        >>> round(layer.penalty(alpha=1.0, beta=0.0).item(), 4)  # two gates at 0.5
        1.0
        """
        return gate_penalty(self.weight, kind, alpha, beta, self.activation)

    def extra_repr(self):
        """What ``repr(layer)`` shows inside the parentheses.

        Returns
        -------
        text : str
            The number of features and the activation.

        Examples
        --------
        >>> from skcancelout import CancelOut
        >>> CancelOut(3)
        CancelOut(n_features=3, activation='sigmoid')
        """
        return f"n_features={self.weight.shape[0]}, activation={self.activation!r}"
