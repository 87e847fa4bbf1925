"""Two checkpoints compared on the same prompts, layer by layer: each model answers the prompts
(greedy), the states that predict its answer's tokens are taken from every layer, koopscope
analyses them in memory with one dictionary, and `koopscope.compare` measures how far the
spectra moved (Wasserstein-1) and whether DSD changed (paired tests).

    python compare_checkpoints.py BASE_DIR TUNED_DIR [--prompts 8] [--new-tokens 48]

Needs torch and transformers (pip install "koopscope[torch]" transformers).
"""
import argparse

import numpy as np
import torch
from transformers import AutoModelForCausalLM

import koopscope


def states(folder, prompts, new_tokens):
    """Per layer, the response-aligned states (N × L × d, float32) of `folder`'s greedy answers."""
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    p = prompts.shape[1]
    with torch.no_grad():
        answers = model.generate(prompts, attention_mask=torch.ones_like(prompts), do_sample=False,
                                 max_new_tokens=new_tokens, min_new_tokens=new_tokens, pad_token_id=0)
        hidden = model(answers, output_hidden_states=True).hidden_states
    # The state at position t predicts token t + 1: positions P − 1 … P + L − 2.
    return [h[:, p - 1:p + new_tokens - 1].float().numpy() for h in hidden]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("tuned")
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--new-tokens", type=int, default=48)
    args = parser.parse_args()
    vocabulary = AutoModelForCausalLM.from_pretrained(args.base).config.vocab_size
    prompts = torch.randint(1, vocabulary, (args.prompts, 6), generator=torch.Generator().manual_seed(0))
    base, tuned = states(args.base, prompts, args.new_tokens), states(args.tuned, prompts, args.new_tokens)
    if len(base) != len(tuned):
        raise SystemExit(f"the checkpoints have {len(base) - 1} and {len(tuned) - 1} layers")
    d = base[0].shape[-1]
    print(f"{args.prompts} prompts, {args.new_tokens} new tokens, d = {d}, m = 8")
    print(f"{'layer':>5}  {'dsd base':>9}  {'dsd tuned':>9}  {'mean W1':>8}  {'pooled W1':>9}  {'Δdsd':>9}  {'Wilcoxon p':>10}")
    for layer, (x, y) in enumerate(zip(base, tuned)):
        # The same default dictionary (m = 8, seed 7) for both checkpoints and every layer.
        a = koopscope.analyze(x, koopman_dim=8, seed=7)
        b = koopscope.analyze(y, koopman_dim=8, seed=7)
        c = koopscope.compare(a, b, names=(f"{args.base} layer {layer}", f"{args.tuned} layer {layer}"))
        print(f"{layer:>5}  {a['summary']['dsd']['mean']:>9.4g}  {b['summary']['dsd']['mean']:>9.4g}  "
              f"{c['distance']['mean']:>8.4f}  {c['pooled']['w1']:>9.4f}  {c['dsd']['mean_difference']:>9.3g}  "
              f"{c['dsd']['wilcoxon_p']:>10.3g}")


if __name__ == "__main__":
    main()
