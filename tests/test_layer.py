import warnings

import pytest
import torch

from skcancelout import CancelOut, gate_penalty, gate_values


def test_forward_scales_each_feature_by_its_gate():
    layer = CancelOut(3, init=0.0)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([-10.0, 0.0, 10.0]))
    out = layer(torch.ones(4, 3) * 2)
    expected = 2 * torch.sigmoid(torch.tensor([-10.0, 0.0, 10.0]))
    assert torch.allclose(out, expected.expand(4, 3))


def test_default_init_matches_original_pytorch_code():
    layer = CancelOut(5)
    assert torch.all(layer.weight == 4.0)
    assert torch.allclose(layer.gates(), torch.full((5,), 0.98201379))


def test_softmax_gates_sum_to_one():
    layer = CancelOut(4, activation="softmax", init=1.0)
    assert layer.gates().sum().item() == pytest.approx(1.0)
    assert torch.allclose(layer.gates(), torch.full((4,), 0.25))


def test_gates_penalty_is_sum_of_gates_minus_variance():
    w = torch.tensor([0.0, 2.0, -2.0])
    expected = 0.5 * torch.sigmoid(w).sum() - 0.25 * w.var()
    assert torch.allclose(gate_penalty(w, "gates", alpha=0.5, beta=0.25), expected)


def test_l1l2_penalty_is_keras_form():
    w = torch.tensor([3.0, -4.0])
    assert gate_penalty(w, "l1l2", alpha=0.002, beta=0.001).item() == pytest.approx(
        0.002 * 7 + 0.001 * 5
    )


def test_penalty_of_stacked_gates_sums_independent_penalties():
    w = torch.randn(3, 5, generator=torch.Generator().manual_seed(0))
    total = gate_penalty(w, "gates", 0.1, 0.2)
    separate = sum(gate_penalty(row, "gates", 0.1, 0.2) for row in w)
    assert torch.allclose(total, separate)


def test_penalty_gradient_closes_gates():
    layer = CancelOut(3, init=0.0)
    layer.penalty(alpha=1.0, beta=0.0).backward()
    assert torch.all(layer.weight.grad > 0)


def test_layer_trains_inside_a_torch_model():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(256, 4, generator=gen)
    y = 3 * x[:, :1]
    layer = CancelOut(4, init=0.0)
    model = torch.nn.Sequential(layer, torch.nn.Linear(4, 1))
    optim = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(200):
        optim.zero_grad()
        loss = (model(x) - y).pow(2).mean() + layer.penalty(alpha=0.05, beta=0.0)
        loss.backward()
        optim.step()
    gates = layer.gates().detach()
    assert gates[0] > 0.9
    assert torch.all(gates[1:] < gates[0] - 0.3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_features": 0}, "n_features"),
        ({"n_features": 3, "activation": "tanh"}, "activation"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CancelOut(**kwargs)


def test_unknown_activation_and_penalty_kinds():
    with pytest.raises(ValueError, match="activation"):
        gate_values(torch.zeros(2), "relu")
    with pytest.raises(ValueError, match="kind"):
        gate_penalty(torch.zeros(2), "l0")
    # The Keras form reads no gate, but a misspelt activation is still one.
    for kind in ("gates", "l1l2"):
        with pytest.raises(ValueError, match="activation"):
            gate_penalty(torch.zeros(2), kind, activation="relu")


@pytest.mark.parametrize("n_features", [2.7, True, 0, "3"])
def test_n_features_must_be_a_positive_int(n_features):
    with pytest.raises(ValueError, match="n_features must be an int >= 1"):
        CancelOut(n_features)


@pytest.mark.parametrize("shape", [(5, 1), (5, 4), (2,)])
def test_input_width_must_match(shape):
    # A width of 1 used to broadcast silently to (5, 3).
    with pytest.raises(ValueError, match=r"last dimension has 3 features"):
        CancelOut(3)(torch.ones(shape))


@pytest.mark.parametrize("activation", ["sigmoid", "softmax"])
def test_the_layer_exports_scripts_and_traces_to_the_eager_result(activation):
    # torch.jit.script failed on the eager input checks, and tracing
    # warned that the width check would be frozen into the trace.
    layer = CancelOut(5, activation=activation, init=0.0)
    with torch.no_grad():
        layer.weight.copy_(torch.linspace(-2.0, 2.0, 5))
    x = torch.randn(4, 5, generator=torch.Generator().manual_seed(0))
    expected = layer(x)
    exported = torch.export.export(layer, (x,)).module()
    torch.testing.assert_close(exported(x), expected, rtol=0, atol=0)
    with warnings.catch_warnings():
        # Deprecated in recent torch, still offered; our warnings stay errors.
        warnings.filterwarnings("ignore", message=r"`torch\.jit\.\w+` is deprecated")
        scripted = torch.jit.script(layer)
        traced = torch.jit.trace(layer, x)
    torch.testing.assert_close(scripted(x), expected, rtol=0, atol=0)
    torch.testing.assert_close(traced(x), expected, rtol=0, atol=0)
    # Scripted, a width of 1 is refused, not broadcast to 5.
    with pytest.raises(torch.jit.Error, match="last dimension must have n_features"):
        scripted(torch.ones(4, 1))
    # In eager mode the checks still speak first.
    with pytest.raises(ValueError, match="last dimension has 5 features"):
        layer(torch.ones(2, 3))
