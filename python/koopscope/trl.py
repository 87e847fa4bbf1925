"""ReLaX for TRL: a GRPOTrainer whose loss gains α·L_xp (and β·KL on the set 𝓘), with koopscope
computing DSD and its exact gradient, the dictionary fitted by koopscope, and DSD logged beside
TRL's own metrics under the names `koopscope train` uses.

    from koopscope.trl import ReLaXConfig, ReLaXGRPOTrainer

    config = ReLaXConfig(output_dir="out", relax_alpha=0.1, relax_variant="paper", koopman_dim=50)
    trainer = ReLaXGRPOTrainer(model=model, reward_funcs=reward, args=config, train_dataset=data)
    trainer.train()

Written against TRL 1.16 (`pip install 'koopscope[trl]'`). The last-layer states come from the
policy's own scoring pass — a hook on the final norm while TRL computes the completion's
log-probabilities — so ReLaX costs no extra forward; the states kept are those whose logits
predict each completion token (positions P−1 … P+L−2). The dictionary is fitted on the first
micro-batch's states and refitted every `refit_every` optimiser steps.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Optional

try:
    import torch
    from trl import GRPOConfig, GRPOTrainer
except ImportError as error:  # pragma: no cover - the message is what is tested
    raise ImportError(f"koopscope.trl needs PyTorch and TRL ({error.name} is missing): "
                      "pip install 'koopscope[trl]'") from error

from . import fit_dictionary
from . import torch as _kt

__all__ = ["ReLaXConfig", "ReLaXGRPOTrainer"]


@dataclass
class ReLaXConfig(GRPOConfig):
    """GRPOConfig with ReLaX's settings (docs/math.md §10); the defaults are the paper's."""

    relax_alpha: float = field(default=0.1, metadata={"help": "α, the weight of L_xp"})
    relax_beta: float = field(default=0.01, metadata={"help": "β, the KL weight on the set 𝓘 (0: no reference copy)"})
    relax_xi: Optional[float] = field(default=None, metadata={"help": "ξ, the DSD threshold of 𝓘 (None: 25 paper, 10 reference)"})
    relax_variant: str = field(default="paper", metadata={"help": "paper or reference"})
    koopman_dim: int = field(default=50, metadata={"help": "m, the dictionary's size"})
    refit_every: int = field(default=50, metadata={"help": "refit the dictionary every k optimiser steps (0: never)"})

    def __post_init__(self):
        super().__post_init__()
        if self.relax_variant not in ("paper", "reference"):
            raise ValueError(f"relax_variant {self.relax_variant!r} is neither 'paper' nor 'reference'")
        for name in ("relax_alpha", "relax_beta"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be at least 0, got {getattr(self, name)}")
        if self.relax_xi is not None and not self.relax_xi >= 0:
            raise ValueError(f"relax_xi must be at least 0, got {self.relax_xi}")
        if not 2 <= self.koopman_dim <= 4096:
            raise ValueError(f"koopman_dim must be in 2…4096, got {self.koopman_dim}")
        if self.refit_every < 0:
            raise ValueError(f"refit_every must be at least 0, got {self.refit_every}")


class ReLaXGRPOTrainer(GRPOTrainer):
    """GRPO with ReLaX's exploration term; `args` is a :class:`ReLaXConfig`.

    After each training micro-batch, `last_relax` holds what the term was computed from (the
    response states, mask, advantages, dictionary and group ids) and its :class:`ReLaXTerms`.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        config = kwargs.get("args", args[2] if len(args) > 2 else None)
        if not isinstance(config, ReLaXConfig):
            raise TypeError(f"ReLaXGRPOTrainer needs args=ReLaXConfig(…), got {type(config).__name__}")
        super().__init__(*args, **kwargs)
        self.relax_weight: Optional[torch.Tensor] = None
        self.last_relax: Optional[dict] = None
        self._fitted_at = 0
        self._captured: list = []
        self._relax_hidden: Optional[torch.Tensor] = None
        self.relax_reference = None
        if config.relax_beta > 0:
            self.relax_reference = copy.deepcopy(self.model).eval()
            for p in self.relax_reference.parameters():
                p.requires_grad_(False)

    def _final_norm(self, model):
        model = self.accelerator.unwrap_model(model)
        decoder = model.get_decoder() if hasattr(model, "get_decoder") else getattr(model, "model", None)
        norm = getattr(decoder, "norm", None)
        if norm is None:
            raise RuntimeError("ReLaXGRPOTrainer: this model has no decoder.norm to take the last-layer states from")
        return norm

    def _get_per_token_logps_and_entropies(self, model, input_ids, attention_mask, logits_to_keep, *args, **kwargs):
        self._captured = []
        handle = self._final_norm(model).register_forward_hook(lambda _m, _i, out: self._captured.append(out))
        try:
            result = super()._get_per_token_logps_and_entropies(model, input_ids, attention_mask, logits_to_keep,
                                                                *args, **kwargs)
        finally:
            handle.remove()
        hidden = torch.cat(self._captured, 0) if self._captured else None
        self._relax_hidden = None if hidden is None else hidden[:, -logits_to_keep - 1:-1]
        return result

    def _refit(self, hidden, mask):
        """Fits the dictionary on this micro-batch's response states (koopscope.fit_dictionary)."""
        lengths = mask.sum(1).to(torch.int64).cpu().numpy()
        states = hidden.detach().float().cpu().numpy()
        weight, _, report = fit_dictionary(states, m=self.args.koopman_dim, lengths=lengths,
                                           variant=self.args.relax_variant, seed=self.state.global_step)
        self.relax_weight = torch.from_numpy(weight)
        self._fitted_at = self.state.global_step
        self._metrics["train"]["dictionary/effective_rank_after"].append(report["effective_rank_after"])

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        loss = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        hidden, mask = self._relax_hidden, inputs["completion_mask"]
        mode = "train" if self.model.training else "eval"
        if hidden is None or mode != "train":
            return loss
        a = self.args
        if self.relax_weight is None or (a.refit_every and self.state.global_step - self._fitted_at >= a.refit_every):
            self._refit(hidden, mask)
        weight = self.relax_weight.to(hidden.device, hidden.dtype)
        groups = torch.arange(hidden.shape[0]) // self.num_generations
        terms = _kt.relax_loss(hidden, mask, inputs["advantages"], weight, alpha=a.relax_alpha, beta=a.relax_beta,
                               xi=a.relax_xi, variant=a.relax_variant, groups=groups)
        self.last_relax = {"hidden": hidden.detach(), "mask": mask.detach(), "advantages": inputs["advantages"].detach(),
                           "weight": weight.detach(), "groups": groups, "terms": terms}
        extra = terms.loss
        if self.relax_reference is not None and terms.penalised.any():
            extra = extra + terms.kl_term(self._token_kl(model, inputs), mask)
        for key, value in terms.metrics.items():
            self._metrics[mode][key].append(value)
        return loss + extra / self.current_gradient_accumulation_steps

    def _token_kl(self, model, inputs):
        """k3 (low_var_kl) of the policy to the frozen start on each completion token."""
        ids = torch.cat([inputs["prompt_ids"], inputs["completion_ids"]], 1)
        attention = torch.cat([inputs["prompt_mask"], inputs["completion_mask"]], 1)
        keep = inputs["completion_ids"].shape[1]

        def logps(net):
            logits = net(input_ids=ids, attention_mask=attention).logits[:, -keep - 1:-1]
            return torch.log_softmax(logits.float(), -1).gather(-1, inputs["completion_ids"].unsqueeze(-1)).squeeze(-1)

        with torch.no_grad():
            reference = logps(self.relax_reference)
        delta = reference - logps(model)
        return torch.exp(delta) - delta - 1
