#!/usr/bin/env python3
"""The PyTorch side of scripts/bench-decoder, and the maker of its random checkpoints.

    python3 scripts/bench-decoder.py make NAME FOLDER     # a random checkpoint shaped as NAME
    python3 scripts/bench-decoder.py run FOLDER [--forward-tokens 512] [--batch 32] [--prompt-tokens 16]
                                                [--new-tokens 64] [--repeats 2]

`run` loads the folder with transformers in float32 (eager attention, torch's default threads),
and prints forward tokens/s for one sequence, sampling tokens/s for a batch through the KV cache
(temperature 1, no stop), and the process's peak memory — the measurements koopscope-bench
decoder prints for koopscope.
"""
import argparse
import resource
import time

import torch
from transformers import AutoModelForCausalLM, LlamaConfig, Qwen2Config

SHAPES = {
    # The published configurations of SmolLM2-135M and Qwen2.5-0.5B, with random weights.
    "smollm2-135m": lambda: LlamaConfig(vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                                        num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=8192,
                                        rms_norm_eps=1e-5, tie_word_embeddings=True, bos_token_id=0, eos_token_id=0,
                                        rope_parameters={"rope_type": "default", "rope_theta": 100000.0}),
    "qwen2.5-0.5b": lambda: Qwen2Config(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                                        num_attention_heads=14, num_key_value_heads=2, max_position_embeddings=32768,
                                        rms_norm_eps=1e-6, tie_word_embeddings=True, use_sliding_window=False,
                                        bos_token_id=151643, eos_token_id=151645,
                                        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}),
}


def best(repeats, body):
    shortest = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        shortest = min(shortest, time.perf_counter() - start)
    return shortest


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["make", "run"])
    parser.add_argument("args", nargs="+")
    parser.add_argument("--forward-tokens", type=int, default=512)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--prompt-tokens", type=int, default=16)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2)
    a = parser.parse_args()
    if a.action == "make":
        name, folder = a.args
        torch.manual_seed(0)
        model = AutoModelForCausalLM.from_config(SHAPES[name]()).to(torch.bfloat16)
        model.save_pretrained(folder)
        return
    folder = a.args[0]
    start = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").eval()
    print(f"model loaded in {time.perf_counter() - start:.2f} s, {torch.get_num_threads()} threads")
    vocab = model.config.vocab_size
    g = torch.Generator().manual_seed(1)
    with torch.inference_mode():
        ids = torch.randint(0, vocab, (1, a.forward_tokens), generator=g)
        forward = best(a.repeats, lambda: model(input_ids=ids))
        print(f"forward: {a.forward_tokens} tokens in {forward:.3f} s = {a.forward_tokens / forward:.0f} tokens/s")
        prompts = torch.randint(0, vocab, (a.batch, a.prompt_tokens), generator=g)
        sample = lambda: model.generate(prompts, attention_mask=torch.ones_like(prompts), do_sample=True, temperature=1.0,
                                        top_p=1.0, top_k=0, max_new_tokens=a.new_tokens, min_new_tokens=a.new_tokens,
                                        eos_token_id=None, pad_token_id=0)
        sampling = best(a.repeats, sample)
        generated = a.batch * a.new_tokens
        print(f"sampling: batch {a.batch}, {a.prompt_tokens} prompt + {a.new_tokens} new tokens each: "
              f"{sampling:.3f} s = {generated / sampling:.0f} tokens/s")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
