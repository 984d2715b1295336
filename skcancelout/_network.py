"""Several small MLPs, each behind its own CancelOut gate, run as one batched net.

The K networks share no weights; stacking them lets one matrix product serve
all K, so an ensemble costs little more than a single net. The input
standardization ``(x - shift) / scale`` is folded into the first layer, so a
batch of raw float32 rows (dense or densified sparse) goes straight into the
first matrix product without a standardized copy of X.
"""

import math
from itertools import pairwise

import torch
from torch import nn

from ._layer import gate_penalty, gate_values


def _uniform(shape, bound, generator, dtype, device):
    out = torch.rand(shape, generator=generator, dtype=dtype)
    return ((out * 2 - 1) * bound).to(device)


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
    generator : torch.Generator
        Source of all initial weights (CPU generator).
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
        return gate_values(self.gate, self.gate_activation)

    def penalty(self, kind, alpha, beta):
        return gate_penalty(self.gate, kind, alpha, beta, self.gate_activation)

    def standardize(self, x):
        """Standardized input, as the gates see it (used as autoencoder target)."""
        return (x - self.shift) * self.inv_scale

    def center(self, x, inplace=False):
        """``x - shift``; in place when the caller owns ``x`` (a fresh batch)."""
        if not self.has_shift:
            return x
        return x.sub_(self.shift) if inplace else x - self.shift

    def forward(self, x, keep=None):
        """Outputs of shape (K, batch, n_outputs) for centered rows x (batch, d).

        ``x`` must already be centered with :meth:`center`; the division by
        the scale happens inside, folded into the first-layer weights.
        ``keep`` (K, d), if given, multiplies each net's standardized input
        (feature dropout), folded in the same way.
        """
        # Plain tuples: slicing a ParameterList builds a new module each call.
        weights, biases = tuple(self.weights), tuple(self.biases)
        w_first = weights[0]  # (d, K, h)
        n_features, k, hidden = w_first.shape
        scaled_gates = self.gates() * self.inv_scale  # (K, d)
        if keep is not None:
            scaled_gates = scaled_gates * keep
        # (d, K) laid out contiguously: the broadcast product runs faster.
        w_eff = w_first * scaled_gates.T.contiguous().unsqueeze(-1)  # (d, K, h)
        # One (batch, d) x (d, K*h) product serves all K first layers.
        h = x @ w_eff.view(n_features, k * hidden)
        h = h.view(x.shape[0], k, hidden).transpose(0, 1) + biases[0]
        for weight, bias in zip(weights[1:], biases[1:], strict=True):
            h = torch.baddbmm(bias, torch.relu(h), weight)
        return h

    def first_layer_norms(self):
        """Norm of each feature's outgoing first-layer weights, (K, d)."""
        return self.weights[0].norm(dim=-1).T
