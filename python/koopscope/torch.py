"""DSD and ReLaX's exploration term as differentiable PyTorch functions.

    import torch, koopscope.torch as kt
    states = torch.randn(4, 120, 64, requires_grad=True)      # B × L × d last-layer states
    weight = torch.from_numpy(koopscope.default_dictionary(64))   # m × d
    d = kt.dsd(states, weight, lengths=torch.tensor([120, 90, 60, 100]))
    d.sum().backward()                                           # ∂DSD/∂states into states.grad

The lift σ(x Wᵀ + b) runs in PyTorch on the tensors' device (CPU or CUDA) and is differentiated
by autograd; only the lifted m-dimensional features cross to the host, where koopscope
computes DSD and its exact gradient in float64 (docs/math.md §7) — no eigen- or singular-value
decomposition is differentiated by PyTorch.
"""

from __future__ import annotations

from typing import Optional

try:
    import torch as _torch
except ImportError as error:  # pragma: no cover - the message is what is tested
    raise ImportError("koopscope.torch needs PyTorch (torch is missing): pip install 'koopscope[torch]'") from error

from . import dsd_features as _dsd_features
from ._native import ArgumentError

__all__ = ["dsd", "dsd_of_features", "relax_loss", "ReLaXTerms"]


class _FeatureDSD(_torch.autograd.Function):
    @staticmethod
    def forward(ctx, features, lengths, variant, population, delta, window):
        host = features.detach().to("cpu", _torch.float64).contiguous().numpy()
        lens = None if lengths is None else lengths.detach().to("cpu", _torch.int64).numpy()
        if features.requires_grad:
            value, grad = _dsd_features(host, lengths=lens, variant=variant, population=population, delta=delta,
                                        window=window, gradient=True)
            ctx.save_for_backward(_torch.from_numpy(grad).to(features.device, features.dtype))
        else:
            value = _dsd_features(host, lengths=lens, variant=variant, population=population, delta=delta,
                                  window=window)
        return _torch.as_tensor(value, dtype=features.dtype).to(features.device)

    @staticmethod
    def backward(ctx, grad_output):
        (grad,) = ctx.saved_tensors
        # A trajectory too short for a DSD (NaN) passes no gradient.
        weight = _torch.nan_to_num(grad_output, nan=0.0)
        return weight.reshape(-1, 1, 1) * grad, None, None, None, None, None


def _lengths_tensor(lengths, batch):
    if lengths is None:
        return None
    lengths = _torch.as_tensor(lengths, dtype=_torch.int64).reshape(-1)
    if lengths.shape[0] != batch:
        raise ArgumentError(1, f"lengths has {lengths.shape[0]} entries for {batch} trajectories")
    return lengths


def dsd_of_features(features: _torch.Tensor, lengths: Optional[_torch.Tensor] = None, variant: str = "paper",
                    population: bool = False, delta: float = 1e-3, window: int = 0) -> _torch.Tensor:
    """DSD of features already lifted (B × L × m, or T × m), differentiable in them: (B,) or ()."""
    single = features.dim() == 2
    f = features.unsqueeze(0) if single else features
    if f.dim() != 3:
        raise ArgumentError(1, f"features must be T×m or B×L×m, got shape {tuple(features.shape)}")
    out = _FeatureDSD.apply(f, _lengths_tensor(lengths, f.shape[0]), variant, population,
                            delta, window)
    return out[0] if single else out


def dsd(states: _torch.Tensor, weight: _torch.Tensor, bias: Optional[_torch.Tensor] = None,
        lengths: Optional[_torch.Tensor] = None, variant: str = "paper", padded_length: Optional[int] = None,
        window: int = 0, population: bool = False, delta: float = 1e-3) -> _torch.Tensor:
    """DSD of hidden-state trajectories (B × L × d, or T × d) lifted by σ(x Wᵀ + b), differentiable
    in the states, W and b. `lengths` (B) says how many states of each are the response; with
    `padded_length`, zero states are appended up to that many and every trajectory counts them
    (the reference code's padded DSD, whose gradient reaches only the real states)."""
    single = states.dim() == 2
    x = states.unsqueeze(0) if single else states
    if not x.is_floating_point() or not weight.is_floating_point():
        raise ArgumentError(1, f"states and weight must be floating tensors, got {states.dtype} and {weight.dtype}")
    if x.dim() != 3:
        raise ArgumentError(1, f"states must be T×d or B×L×d, got shape {tuple(states.shape)}")
    if weight.dim() != 2 or weight.shape[1] != x.shape[2]:
        raise ArgumentError(1, f"weight must be m×d with d = {x.shape[2]}, got shape {tuple(weight.shape)}")
    if padded_length:
        if padded_length < x.shape[1]:
            raise ArgumentError(1, f"padded_length {padded_length} is below the {x.shape[1]} states given")
        if lengths is not None:
            mask = _torch.arange(x.shape[1], device=x.device)[None, :] < _torch.as_tensor(lengths, device=x.device)[:, None]
            x = x * mask.unsqueeze(-1).to(x.dtype)
        x = _torch.nn.functional.pad(x, (0, 0, 0, padded_length - x.shape[1]))
        lengths = None
    z = x @ weight.to(x.dtype).T
    if bias is not None:
        z = z + bias.to(x.dtype)
    out = dsd_of_features(_torch.sigmoid(z), lengths=lengths, variant=variant, population=population, delta=delta,
                          window=window)
    return out[0] if single else out


class ReLaXTerms:
    """What relax_loss gives: `loss` (α·L_xp, to add to the policy loss), `l_xp`, `dsd` (B),
    `penalised` (B booleans, the set 𝓘 whose tokens take β·KL), `beta` and `metrics` (floats to log)."""

    def __init__(self, loss, l_xp, dsd, penalised, metrics, variant, beta):
        self.loss, self.l_xp, self.dsd, self.penalised, self.metrics = loss, l_xp, dsd, penalised, metrics
        self.variant, self.beta = variant, beta

    def kl_term(self, token_kl: _torch.Tensor, response_mask: _torch.Tensor, beta: Optional[float] = None) -> _torch.Tensor:
        """β·agg(KL over the tokens of 𝓘), from per-token KL to the reference policy (B × L): a sum
        over 𝓘's tokens (paper), or masked to 𝓘 and averaged over all response tokens (reference) —
        per the variant relax_loss was called with; β is relax_loss's unless given."""
        beta = self.beta if beta is None else beta
        mask = response_mask.to(token_kl.dtype) * self.penalised.to(token_kl.dtype).unsqueeze(1)
        if self.variant == "paper":
            return beta * (token_kl * mask).sum()
        return beta * (token_kl * mask).sum() / response_mask.to(token_kl.dtype).sum().clamp(min=1)


def relax_loss(hidden_states: _torch.Tensor, response_mask: _torch.Tensor, advantages: _torch.Tensor,
               weight: _torch.Tensor, bias: Optional[_torch.Tensor] = None, alpha: float = 0.1, beta: float = 0.01,
               xi: Optional[float] = None, variant: str = "paper", groups: Optional[_torch.Tensor] = None,
               shaping: str = "advantage", kl_set: str = "adaptive", population: bool = False,
               delta: float = 1e-3) -> ReLaXTerms:
    """ReLaX's exploration term (docs/math.md §10) over a micro-batch of responses.

    hidden_states: B × L × d response states (position t of response i at [i, t]);
    response_mask: B × L, 1 on response tokens (right-padded); advantages: B, or B × L token
    advantages; weight/bias: the Koopman dictionary; groups: B group ids (paper variant: the mean
    inside the log runs over each group, then the groups are averaged; None: one group).

    paper: Ā_i = A_i, D_i over the response's own states, 𝓘 = {D_i > ξ} (ξ 25).
    reference: Ā_i = token advantages averaged over the padded length, D_i of the zero-padded
    response tensor, the mean over the micro-batch, 𝓘 = {w_i > 0 and D_i > ξ} (ξ 10) with D_i
    detached inside L_xp for i ∈ 𝓘.
    Minimising α·L_xp = α·log((1/N) Σ exp(−w_i D_i)) raises DSD where w_i = max(Ā_i, 0) > 0;
    β weighs the KL that `terms.kl_term(token_kl, response_mask)` gives on the tokens of 𝓘.
    """
    if variant not in ("paper", "reference"):
        raise ArgumentError(1, f"variant {variant!r} is neither 'paper' nor 'reference'")
    if shaping not in ("advantage", "none") or kl_set not in ("adaptive", "uniform"):
        raise ArgumentError(1, "shaping is 'advantage' or 'none', kl_set 'adaptive' or 'uniform'")
    if hidden_states.dim() != 3 or response_mask.shape != hidden_states.shape[:2]:
        raise ArgumentError(1, f"hidden_states must be B×L×d and response_mask B×L, got {tuple(hidden_states.shape)} "
                               f"and {tuple(response_mask.shape)}")
    xi = (25.0 if variant == "paper" else 10.0) if xi is None else float(xi)
    mask = response_mask.to(hidden_states.dtype)
    lengths = mask.sum(1).to(_torch.int64)
    batch, length = hidden_states.shape[:2]
    if advantages.dim() == 2:
        token_mean = (advantages * mask).sum(1) / length
        first = advantages[:, 0]
    else:
        first = advantages
        token_mean = advantages * lengths.to(advantages.dtype) / length
    effective = (first if variant == "paper" else token_mean).detach().to(hidden_states.dtype)
    if variant == "paper":
        d = dsd(hidden_states, weight, bias, lengths=lengths, variant="paper", population=population, delta=delta)
    else:
        d = dsd(hidden_states, weight, bias, lengths=lengths, variant="reference", padded_length=length,
                population=population, delta=delta)
    w = _torch.ones_like(effective) if shaping == "none" else effective.clamp(min=0)
    valid = ~_torch.isnan(d)
    in_set = (d > xi) & valid if variant == "paper" else (w > 0) & (d > xi) & valid
    inside = _torch.where(in_set, d.detach(), d) if variant == "reference" else d
    exponent = _torch.where(valid, -w * _torch.nan_to_num(inside, nan=0.0), _torch.zeros_like(w))
    if variant == "paper":
        ids = _torch.zeros(batch, dtype=_torch.int64) if groups is None else _torch.as_tensor(groups).reshape(-1).cpu()
        per_group = []
        for g in _torch.unique(ids):
            members = (ids == g).to(exponent.device) & valid
            if members.any():
                per_group.append(_log_mean_exp(exponent[members]))
        l_xp = _torch.stack(per_group).mean() if per_group else exponent.sum() * 0
    else:
        l_xp = _log_mean_exp(exponent[valid]) if valid.any() else exponent.sum() * 0
    penalised = _torch.ones(batch, dtype=_torch.bool, device=d.device) if kl_set == "uniform" else in_set
    dv = d[valid].detach()
    # The names koopscope's trainer logs (docs/training.md, "Metrics").
    metrics = {"actor/relax/l_xp": float(l_xp.detach()), "actor/relax/penalised_frac": float(penalised.float().mean()),
               "actor/dsd/mean": float(dv.mean()) if dv.numel() else float("nan"),
               "actor/dsd/short_fraction": float((lengths - 1 < weight.shape[0]).float().mean())}
    return ReLaXTerms(alpha * l_xp, l_xp, d, penalised, metrics, variant, beta)


def _log_mean_exp(e):
    return _torch.logsumexp(e, 0) - _torch.log(_torch.tensor(float(e.numel()), dtype=e.dtype, device=e.device))
