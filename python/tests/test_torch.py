"""koopscope.torch: gradcheck in float64, the reference variant against PyTorch's own autograd
through torch.linalg.svd, and ReLaX's exploration term against a hand-worked case."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import koopscope  # noqa: E402
import koopscope.torch as kt  # noqa: E402


def plain_reference_dsd(states, weight, delta=1e-3):
    """The reference variant written in PyTorch: lift, ridge K, Var √(s² + 10⁻³) by svdvals."""
    g = torch.sigmoid(states @ weight.T)
    px, py = g[:-1], g[1:]
    k = torch.linalg.solve(px.T @ px + delta * torch.eye(g.shape[1], dtype=g.dtype), px.T @ py)
    s = torch.linalg.svdvals(k)
    return torch.var(torch.sqrt(s ** 2 + 1e-3), unbiased=True)


# Central differences take h = 10⁻⁴: the ridge solve's rounding (the Gram matrix of sigmoid
# features is ill-conditioned) makes the forward noisy at about 10⁻¹² — PyTorch's own as much as
# koopscope's — which h = 10⁻⁶ would turn into errors of 10⁻⁶ in the numerical gradient.
def case(seed=0, b=3, t=30, d=5, m=6):
    gen = torch.Generator().manual_seed(seed)
    x = torch.cumsum(torch.randn(b, t, d, generator=gen, dtype=torch.float64), 1) * 0.2
    w = torch.randn(m, d, generator=gen, dtype=torch.float64) * 0.5
    return x, w


@pytest.mark.parametrize("variant", ["paper", "reference"])
def test_gradcheck_in_the_states_and_the_weight(variant):
    x, w = case()
    x.requires_grad_(True)
    w.requires_grad_(True)
    lengths = torch.tensor([30, 24, 18])
    assert torch.autograd.gradcheck(lambda x, w: kt.dsd(x, w, lengths=lengths, variant=variant), (x, w),
                                    eps=1e-4, atol=1e-7, rtol=1e-4)


def test_gradcheck_of_the_padded_and_windowed_dsd():
    x, w = case(1)
    x.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: kt.dsd(x, w, lengths=torch.tensor([30, 20, 25]), padded_length=40,
                                                     variant="reference"), (x,), eps=1e-4, atol=1e-7, rtol=1e-4)
    assert torch.autograd.gradcheck(lambda x: kt.dsd(x, w, window=20), (x,), eps=1e-4, atol=1e-7, rtol=1e-4)


def test_the_reference_variant_is_torchs_autograd_through_svd():
    x, w = case(2, b=1, t=40)
    mine = x[0].clone().requires_grad_(True)
    theirs = x[0].clone().requires_grad_(True)
    value = kt.dsd(mine, w, variant="reference")
    expected = plain_reference_dsd(theirs, w)
    value.backward()
    expected.backward()
    assert float(value.detach()) == pytest.approx(float(expected.detach()), rel=1e-10)
    torch.testing.assert_close(mine.grad, theirs.grad, rtol=1e-7, atol=1e-12)


def test_float32_states_match_numpy_and_the_lift_keeps_its_device():
    x, w = case(3, b=2)
    values = kt.dsd(x.float(), w.float())
    assert values.dtype == torch.float32 and values.device == x.device
    expected = koopscope.dsd(x.float().numpy(), w.float().numpy())
    np.testing.assert_allclose(values.numpy(), expected, rtol=1e-5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_tensors_give_the_cpu_numbers():
    x, w = case(4)
    xc = x.cuda().requires_grad_(True)
    xh = x.clone().requires_grad_(True)
    kt.dsd(xc, w.cuda()).sum().backward()
    kt.dsd(xh, w).sum().backward()
    torch.testing.assert_close(xc.grad.cpu(), xh.grad, rtol=1e-6, atol=1e-9)


def test_relax_loss_worked_by_hand():
    """Four responses in two groups; L_xp from the DSDs by the formula of docs/math.md §10."""
    x, w = case(5, b=4, t=20)
    mask = torch.ones(4, 20)
    mask[1, 15:] = 0
    mask[3, 12:] = 0
    advantages = torch.tensor([1.0, -1.0, 0.5, -0.5], dtype=torch.float64)
    groups = torch.tensor([0, 0, 1, 1])
    d = kt.dsd(x, w, lengths=torch.tensor([20, 15, 20, 12])).detach()
    # paper: per group log((e^{−w₁D₁} + e^{−w₂D₂})/2), w = max(A, 0), averaged over the groups.
    g0 = math.log((math.exp(-1.0 * d[0]) + math.exp(0)) / 2)
    g1 = math.log((math.exp(-0.5 * d[2]) + math.exp(0)) / 2)
    terms = kt.relax_loss(x, mask, advantages, w, alpha=0.1, groups=groups, xi=float(d[2]) - 1e-9)
    assert float(terms.l_xp) == pytest.approx((g0 + g1) / 2, rel=1e-12)
    assert float(terms.loss) == pytest.approx(0.1 * (g0 + g1) / 2, rel=1e-12)
    assert terms.penalised.tolist() == (d > float(d[2]) - 1e-9).tolist()
    # reference: Ā = A·len/L, the zero-padded DSD, one mean over the micro-batch; 𝓘 members detached.
    ref = kt.relax_loss(x, mask, advantages, w, variant="reference", xi=1e9)
    dr = kt.dsd(x * mask.unsqueeze(-1).double(), w, variant="reference").detach()
    abar = [1.0, 0.0, 0.5, 0.0]
    expected = math.log(sum(math.exp(-a * float(v)) for a, v in zip(abar, dr)) / 4)
    assert float(ref.l_xp) == pytest.approx(expected, rel=1e-12)
    assert not ref.penalised.any()
    # β·KL on 𝓘: paper sums over the set's tokens, reference averages over every response token.
    token_kl = torch.full((4, 20), 0.5, dtype=torch.float64)
    in_set = terms.penalised.double().unsqueeze(1) * mask.double()
    assert float(terms.kl_term(token_kl, mask)) == pytest.approx(0.01 * 0.5 * float(in_set.sum()), rel=1e-12)
    everyone = kt.relax_loss(x, mask, advantages, w, variant="reference", beta=0.2, kl_set="uniform")
    assert float(everyone.kl_term(token_kl, mask)) == pytest.approx(0.2 * 0.5, rel=1e-12)


@pytest.mark.parametrize("variant", ["paper", "reference"])
def test_gradcheck_of_relax_loss(variant):
    x, w = case(6, b=4, t=20)
    x.requires_grad_(True)
    mask = torch.ones(4, 20)
    mask[2, 14:] = 0
    advantages = torch.tensor([1.0, 0.3, -1.0, 0.8], dtype=torch.float64)
    fn = lambda x: kt.relax_loss(x, mask, advantages, w, variant=variant, groups=torch.tensor([0, 0, 1, 1])).loss
    assert torch.autograd.gradcheck(fn, (x,), eps=1e-4, atol=1e-8, rtol=1e-4)


def test_bad_shapes_raise_argument_errors():
    x, w = case()
    with pytest.raises(koopscope.ArgumentError, match="weight must be m×d"):
        kt.dsd(x, w[:, :2])
    with pytest.raises(koopscope.ArgumentError, match="response_mask"):
        kt.relax_loss(x, torch.ones(3, 5), torch.zeros(3), w)
    with pytest.raises(koopscope.ArgumentError, match="padded_length"):
        kt.dsd(x, w, padded_length=5)
    with pytest.raises(koopscope.ArgumentError, match="floating tensors"):
        kt.dsd(torch.zeros(3, 10, 5, dtype=torch.int64), w)
    bad = x.clone()
    bad[1, 3, 2] = float("nan")
    with pytest.raises(koopscope.NumericalError, match="trajectory 1 are not finite"):
        kt.dsd(bad, w)
