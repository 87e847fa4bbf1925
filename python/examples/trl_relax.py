"""ReLaX in TRL: a GRPOTrainer whose loss gains α·L_xp (and β·KL on the set 𝓘), with koopscope
computing DSD and its exact gradient, DSD logged beside TRL's own metrics.

    python trl_relax.py --max-steps 2                 # a tiny random Llama on 2-digit addition, CPU

Written against TRL 1.16 (`pip install trl==1.16.0`). The last-layer hidden states are taken
from the policy's own forward pass — a hook on the final norm while TRL scores the completion —
so ReLaX costs no extra forward; the states kept are those whose logits predict each completion
token (positions P−1 … P+L−2). The dictionary is fitted with koopscope on the first
micro-batch's states and refitted every `refit_every` optimiser steps.
"""

import argparse
import copy
import random
import tempfile

import numpy as np
import torch
from trl import GRPOConfig, GRPOTrainer

import koopscope
import koopscope.torch as kt


class ReLaXGRPOTrainer(GRPOTrainer):
    """GRPO with ReLaX's exploration term (docs/math.md §10 of koopscope): `relax_variant` "paper" or
    "reference", α `relax_alpha`, β `relax_beta` (the KL on 𝓘 against a frozen copy of the
    starting policy; 0: off), ξ `relax_xi` (None: the variant's), m `koopman_dim`."""

    def __init__(self, *args, relax_alpha=0.1, relax_beta=0.01, relax_xi=None, relax_variant="paper",
                 koopman_dim=50, refit_every=50, **kwargs):
        super().__init__(*args, **kwargs)
        self.relax_alpha, self.relax_beta, self.relax_xi = relax_alpha, relax_beta, relax_xi
        self.relax_variant, self.koopman_dim, self.refit_every = relax_variant, koopman_dim, refit_every
        self.relax_weight = None
        self._fitted_at = None
        self._captured = []
        self.relax_reference = None
        if relax_beta > 0:
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
        m = self.koopman_dim
        weight, _, report = koopscope.fit_dictionary(states, m=m, lengths=lengths,
                                                     variant=self.relax_variant, seed=self.state.global_step)
        self.relax_weight = torch.from_numpy(weight)
        self._fitted_at = self.state.global_step
        self._metrics["train"]["dictionary/effective_rank_after"].append(report["effective_rank_after"])

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        loss = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        hidden, mask = self._relax_hidden, inputs["completion_mask"]
        mode = "train" if self.model.training else "eval"
        if hidden is None or mode != "train":
            return loss
        if self.relax_weight is None or (self.refit_every and self.state.global_step - self._fitted_at >= self.refit_every):
            self._refit(hidden, mask)
        weight = self.relax_weight.to(hidden.device, hidden.dtype)
        groups = torch.arange(hidden.shape[0]) // self.num_generations
        terms = kt.relax_loss(hidden, mask, inputs["advantages"], weight, alpha=self.relax_alpha, beta=self.relax_beta,
                              xi=self.relax_xi, variant=self.relax_variant, groups=groups)
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


def tiny_problem(seed=0):
    """A character tokenizer, a 2-block random Llama and 2-digit addition prompts: nothing downloaded."""
    from datasets import Dataset
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    alphabet = list("0123456789+=")
    vocabulary = {"<pad>": 0, "<eos>": 1, "<unk>": 2, **{c: i + 3 for i, c in enumerate(alphabet)}}
    core = Tokenizer(models.WordLevel(vocabulary, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", eos_token="<eos>",
                                        unk_token="<unk>", padding_side="left")
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(vocabulary), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=64,
                         pad_token_id=0, eos_token_id=1, bos_token_id=1)
    model = LlamaForCausalLM(config)
    rng = random.Random(seed)
    pairs = [(rng.randint(10, 99), rng.randint(10, 99)) for _ in range(64)]
    data = Dataset.from_dict({"prompt": [f"{a}+{b}=" for a, b in pairs], "answer": [str(a + b) for a, b in pairs]})

    def correct(completions, answer, **_):
        """1 for the sum; a random policy earns the format's share: digits before any other sign."""
        def score(text, expected):
            head = text.strip()
            digits = len(head) - len(head.lstrip("0123456789"))
            return 1.0 if head.startswith(expected) else 0.1 * min(digits, 3) / 3
        return [score(c, a) for c, a in zip(completions, answer)]

    return model, tokenizer, data, correct


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-steps", type=int, default=2)
    parser.add_argument("--variant", choices=["paper", "reference"], default="paper")
    parser.add_argument("--alpha", type=float, default=0.1)
    parser.add_argument("--beta", type=float, default=0.01)
    parser.add_argument("--koopman-dim", type=int, default=8)
    parser.add_argument("--output-dir", default=None)
    args = parser.parse_args(argv)
    model, tokenizer, data, reward = tiny_problem()
    config = GRPOConfig(output_dir=args.output_dir or tempfile.mkdtemp(prefix="trl-relax-"), max_steps=args.max_steps,
                        per_device_train_batch_size=4, num_generations=4, max_completion_length=24,
                        learning_rate=1e-4, logging_steps=1, report_to=[], save_strategy="no", use_cpu=True,
                        bf16=False, seed=0, temperature=1.0)
    trainer = ReLaXGRPOTrainer(model=model, reward_funcs=reward, args=config, train_dataset=data,
                               processing_class=tokenizer, relax_alpha=args.alpha, relax_beta=args.beta,
                               relax_variant=args.variant, koopman_dim=args.koopman_dim)
    trainer.train()
    history = [entry for entry in trainer.state.log_history if "actor/relax/l_xp" in entry]
    for entry in history:
        print({k: round(v, 5) if isinstance(v, float) else v for k, v in entry.items()
               if k.startswith(("actor/", "dictionary/", "reward", "loss", "step"))})
    return history


if __name__ == "__main__":
    main()
