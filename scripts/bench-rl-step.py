#!/usr/bin/env python3
"""The PyTorch side of scripts/bench-rl-step: one ReLaX step of a transformers model on the CPU,
timed in the parts koopscope's metrics use, with the process's peak memory.

    python3 scripts/bench-rl-step.py FOLDER [--prompts 4] [--group 4] [--prompt-tokens 16]
        [--new-tokens 64] [--mini-batches 2] [--koopman-dim 50] [--steps 3]

Each step: sample `group` responses to each of `prompts` random prompts through the KV cache
(temperature 1, exactly `new-tokens` each); score them without gradients (π_old's
log-probabilities and the last-layer states); then per mini-batch a forward pass with gradients,
the GRPO surrogate of docs/math.md §9 and ReLaX's α·L_xp of §10 (DSD of each trajectory through a
fixed dictionary, K by the ridge, Var |λ| by torch.linalg.eigvals, its gradient by autograd), the
backward pass, clipping to norm 1 and AdamW (lr 1e-6, betas 0.9/0.95). As in koopscope's ReLaX (β 0.01), a
frozen copy of the model is the reference policy, scored for the trajectories in 𝓘 = {D_i > ξ} (ξ 25)
whose k3 KL joins the loss. DSD and its gradient are
timed on their own (on detached states, the gradient then joined to the backward pass), as
koopscope's timing_s/dsd. Prints one line per step and the peak resident memory.
"""
import argparse
import copy
import resource
import time

import torch
from transformers import AutoModelForCausalLM

DELTA = 1e-3
BETA, XI = 0.01, 25.0


def dsd(states, w):
    g = torch.sigmoid(states.double() @ w.T)
    px, py = g[:-1], g[1:]
    k = torch.linalg.solve(px.T @ px + DELTA * torch.eye(w.shape[0], dtype=torch.float64), px.T @ py)
    return torch.linalg.eigvals(k).abs().var()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--prompts", type=int, default=4)
    parser.add_argument("--group", type=int, default=4)
    parser.add_argument("--prompt-tokens", type=int, default=16)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--mini-batches", type=int, default=2)
    parser.add_argument("--koopman-dim", type=int, default=50)
    parser.add_argument("--steps", type=int, default=3)
    a = parser.parse_args()
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(a.folder, dtype=torch.float32, attn_implementation="eager")
    model.generation_config.pad_token_id = model.config.eos_token_id if isinstance(model.config.eos_token_id, int) else 0
    parameters = [p for p in model.parameters()]
    reference = copy.deepcopy(model).eval().requires_grad_(False)
    optimizer = torch.optim.AdamW(parameters, lr=1e-6, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.01)
    d, v = model.config.hidden_size, model.config.vocab_size
    w = torch.rand(a.koopman_dim, d, dtype=torch.float64) - 0.5
    n = a.prompts * a.group
    print(f"{sum(p.numel() for p in parameters)} parameters, {torch.get_num_threads()} threads; "
          f"{a.prompts} prompts × {a.group}, {a.prompt_tokens} + {a.new_tokens} tokens, {a.mini_batches} mini-batches")
    for step in range(1, a.steps + 1):
        started = time.perf_counter()
        model.eval()
        prompts = torch.randint(1, v, (a.prompts, a.prompt_tokens)).repeat_interleave(a.group, dim=0)
        with torch.no_grad():
            sequences = model.generate(prompts, do_sample=True, temperature=1.0, top_k=0, top_p=1.0,
                                       max_new_tokens=a.new_tokens, min_new_tokens=a.new_tokens)
        gen = time.perf_counter() - started
        p, length = a.prompt_tokens, a.new_tokens
        rewards = torch.randint(0, 2, (n,), dtype=torch.float64)
        grouped = rewards.view(a.prompts, a.group)
        advantages = ((grouped - grouped.mean(1, keepdim=True)) / (grouped.std(1, keepdim=True) + 1e-6)).view(-1)

        def score(batch, policy=model):
            out = policy(batch, output_hidden_states=True)
            logp = torch.log_softmax(out.logits[:, p - 1:p + length - 1].float(), dim=-1)
            taken = logp.gather(-1, batch[:, p:].unsqueeze(-1)).squeeze(-1)
            return taken, out.hidden_states[-1][:, p - 1:p + length - 1]

        t0 = time.perf_counter()
        with torch.no_grad():
            old = torch.cat([score(sequences[k:k + 8])[0] for k in range(0, n, 8)])
        scoring = time.perf_counter() - t0

        model.train()
        t0 = time.perf_counter()
        dsd_seconds = 0.0
        per = n // a.mini_batches
        for b in range(a.mini_batches):
            rows = slice(b * per, (b + 1) * per)
            logp, hidden = score(sequences[rows])
            ratio = torch.exp(torch.clamp(logp - old[rows], -20, 20))
            adv = advantages[rows].float().unsqueeze(1)
            token = torch.maximum(-adv * ratio, -adv * torch.clamp(ratio, 0.8, 1.2))
            token = torch.where(adv < 0, torch.minimum(token, -adv * 3.0), token)
            pg = token.mean()
            d0 = time.perf_counter()
            states = hidden.detach().requires_grad_()
            values = torch.stack([dsd(states[i], w) for i in range(per)])
            weights = torch.clamp(advantages[rows], min=0)
            # The paper's L_xp: log-mean-exp within each group, averaged over the groups.
            exponents = (-weights * values).view(-1, a.group)
            l_xp = (torch.logsumexp(exponents, 1) - torch.log(torch.tensor(float(a.group)))).mean()
            (state_gradient,) = torch.autograd.grad(0.1 * l_xp, states)
            dsd_seconds += time.perf_counter() - d0
            members = (values.detach() > XI).nonzero().flatten()
            if len(members) > 0:
                with torch.no_grad():
                    reference_logp = score(sequences[rows][members], reference)[0]
                delta = (logp[members] - reference_logp).clamp(-20, 20)
                pg = pg + BETA * (torch.exp(-delta) + delta - 1).clamp(-10, 10).sum(1).sum() / per
            optimizer.zero_grad(set_to_none=True)
            torch.autograd.backward([pg, hidden], [None, state_gradient.to(hidden.dtype)])
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
        update = time.perf_counter() - t0
        total = time.perf_counter() - started
        print(f"step {step}: gen {gen:.2f} s  scoring {scoring:.2f} s  update {update:.2f} s (dsd {dsd_seconds:.3f} s)  "
              f"step {total:.2f} s  {n * a.new_tokens} tokens")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
