#!/usr/bin/env python3
"""The PyTorch peer of `koopscope-bench train`: the same decoder-only transformer (token and
learned position embeddings, pre-norm blocks of causal attention and a GELU-tanh MLP of width 4d,
a final LayerNorm and a linear head), the same update (forward, token log-probabilities and
entropy, backward, gradient clip 1, AdamW) and the same sampling (a KV cache, temperature 1),
timed the same way (best of --repeats). Prints one line per measurement in the form
`torch sampling: … tokens/s` / `torch update: … tokens/s`, then the update's bare GEMMs
(each linear layer's forward product and its two backward ones, as `koopscope-bench train`
times its own) as `torch bare GEMMs of the update: … s`.

    python3 scripts/bench-torch-training.py --dimension 128 --layers 5 --threads 2
"""
import argparse
import math

import torch
import torch.nn.functional as F

from benchtime import best  # scripts/benchtime.py


class Block(torch.nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.attention_norm = torch.nn.LayerNorm(d)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.output = torch.nn.Linear(d, d)
        self.mlp_norm = torch.nn.LayerNorm(d)
        self.mlp_in = torch.nn.Linear(d, 4 * d)
        self.mlp_out = torch.nn.Linear(4 * d, d)

    def split(self, x):
        b, t, d = x.shape
        return x.view(b, t, self.heads, d // self.heads).transpose(1, 2)

    def forward(self, x, cache=None):
        q, k, v = self.qkv(self.attention_norm(x)).chunk(3, dim=-1)
        q, k, v = self.split(q), self.split(k), self.split(v)
        if cache is not None:
            if "k" in cache:
                k = torch.cat([cache["k"], k], dim=2)
                v = torch.cat([cache["v"], v], dim=2)
            cache["k"], cache["v"] = k, v
        causal = cache is None or q.shape[2] > 1
        mixed = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        b, h, t, e = mixed.shape
        x = x + self.output(mixed.transpose(1, 2).reshape(b, t, h * e))
        return x + self.mlp_out(F.gelu(self.mlp_in(self.mlp_norm(x)), approximate="tanh"))


class Policy(torch.nn.Module):
    def __init__(self, vocabulary, context, d, layers, heads):
        super().__init__()
        self.tokens = torch.nn.Embedding(vocabulary, d)
        self.positions = torch.nn.Embedding(context, d)
        self.blocks = torch.nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.norm = torch.nn.LayerNorm(d)
        self.head = torch.nn.Linear(d, vocabulary)

    def forward(self, tokens, start=0, caches=None):
        t = tokens.shape[1]
        x = self.tokens(tokens) + self.positions(torch.arange(start, start + t))
        for i, block in enumerate(self.blocks):
            x = block(x, None if caches is None else caches[i])
        hidden = self.norm(x)
        return self.head(hidden), hidden


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dimension", type=int, default=128)
    parser.add_argument("--layers", type=int, default=5)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--vocabulary", type=int, default=50)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--sampling-batch", type=int, default=256)
    parser.add_argument("--response-length", type=int, default=24)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--length", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    a = parser.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    policy = Policy(a.vocabulary, a.context, a.dimension, a.layers, a.heads)
    count = sum(p.numel() for p in policy.parameters())
    print(f"torch {torch.__version__}, {a.threads} threads: policy of {count} parameters")

    prompts = torch.randint(3, a.vocabulary, (a.sampling_batch, 9))

    @torch.no_grad()
    def sample():
        caches = [dict() for _ in policy.blocks]
        logits, _ = policy(prompts, 0, caches)
        position = prompts.shape[1]
        for _ in range(a.response_length):
            probabilities = torch.softmax(logits[:, -1], dim=-1)
            token = torch.multinomial(probabilities, 1)
            logits, _ = policy(token, position, caches)
            position += 1

    sampling = best(a.repeats, sample)
    generated = a.sampling_batch * a.response_length
    print(f"torch sampling: {a.sampling_batch} sequences × {a.response_length} new tokens in {sampling:.3f} s "
          f"= {generated / sampling:.0f} tokens/s")

    inputs = torch.randint(3, a.vocabulary, (a.batch, a.length))
    targets = torch.randint(3, a.vocabulary, (a.batch, a.length))
    seed = torch.randn(a.batch, a.length) / (a.batch * a.length)
    optimizer = torch.optim.AdamW(policy.parameters(), lr=1e-6, betas=(0.9, 0.95), weight_decay=0.01)

    def update():
        optimizer.zero_grad(set_to_none=True)
        logits, _ = policy(inputs)
        logp_all = torch.log_softmax(logits, dim=-1)
        logp = logp_all.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        entropy = -(logp_all.exp() * logp_all).sum(-1)
        ((logp * seed).sum() + (entropy * seed).sum()).backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        optimizer.step()

    update()
    seconds = best(a.repeats, update)
    print(f"torch update ({a.batch} × {a.length} positions): {seconds:.3f} s = {a.batch * a.length / seconds:.0f} tokens/s")

    # The same products koopscope-bench calls its update's bare GEMMs, written into preallocated outputs.
    d, f, n = a.dimension, 4 * a.dimension, a.batch * a.length
    shapes = [(d, 3 * d), (d, d), (d, f), (f, d)] * a.layers + [(d, a.vocabulary)]
    buffers = [(torch.randn(n, k), torch.randn(k, m), torch.empty(n, m)) for k, m in shapes]

    def gemms():
        for x, w, y in buffers:
            torch.mm(x, w, out=y)
            torch.mm(y, w.t(), out=x)
            torch.mm(x.t(), y, out=w)

    gemms()
    bare = best(a.repeats, gemms)
    flops = 6 * n * sum(k * m for k, m in shapes)
    print(f"torch bare GEMMs of the update: {bare:.3f} s ({flops / bare / 1e9:.1f} GFLOP/s); update / GEMMs = {seconds / bare:.2f}×")


if __name__ == "__main__":
    main()
