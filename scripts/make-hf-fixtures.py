#!/usr/bin/env python3
"""Builds the tiny Hugging Face checkpoints and tokenizers in Fixtures/hf/ and what
`transformers` and `tokenizers` compute from them, so that koopscope's tests compare against the
ecosystem's reference without Python.

    pip install transformers tokenizers safetensors   # and torch (the CPU wheel)
    python3 scripts/make-hf-fixtures.py

Writes, for each architecture, Fixtures/hf/<name>/ with config.json, the weights
(model.safetensors, or shards and model.safetensors.index.json), tokenizer.json,
generation_config.json and reference.safetensors:
    input_ids   I64 [2, 12]   two fixed sequences of token ids
    logits      F32 [2, 12, V] the model's logits for them (weights upcast to float32, eager attention)
    hidden      F32 [2, 12, D] hidden_states[-1] (the final norm's output)
    layers      F32 [L + 1, 2, 12, D] every entry of hidden_states (0 the embeddings)
    prompt      I64 [7]        a prompt ...
    generated   I64 [32]       ... and its 32 greedy new tokens through the KV cache (no stop at EOS)
    generated_hidden F32 [39, D] hidden_states[-1] of the prompt and those tokens together

and Fixtures/hf/tokenizer/: corpus.jsonl (one JSON string per line, at least 5000 varied texts) and,
for each pre-tokenizer (Qwen2's, Llama-3's and SmolLM2's), <name>.json (a byte-level BPE tokenizer trained on the corpus)
with <name>.ids.jsonl (the ids `tokenizers` gives each text, added tokens included).
Everything is seeded: running it again gives the same files. scripts/make-step-fixtures.py then
records one GRPO and one ReLaX update of the Qwen3 checkpoint in PyTorch.
"""
import json
import os
import random
import shutil
import unicodedata

import torch
from safetensors.torch import save_file
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast
from transformers import LlamaConfig, MistralConfig, Qwen2Config, Qwen3Config

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "hf")

# The pre-tokenizer patterns of Qwen2 and Llama-3, as their tokenizer.json files give them.
QWEN2_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
                 r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")
LLAMA3_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
                  r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")
VOCABULARY = 640


def corpus(count=5200, seed=7):
    """Varied texts: prose, accents, CJK, emoji, numbers, code, runs of blanks, contractions."""
    rng = random.Random(seed)
    words = ("the of and to in is was for on that with as by at from his her they we you it this "
             "model state trajectory operator spectrum koopman rollout reward policy gradient answer "
             "question number compute seventeen hundred").split()
    accented = "café naïve résumé façade über straße déjà-vu crème brûlée señor São Paulo Ångström Øresund".split()
    cjk = ["你好世界", "机器学习", "こんにちは", "東京都", "한국어", "数学题", "答案是", "模型"]
    emoji = ["😀", "🚀", "👍🏽", "🇫🇷", "❤️", "🤖", "✨", "👨‍👩‍👧"]
    code = ["def f(x):\n    return x ** 2", "for (int i = 0; i < n; ++i) { s += a[i]; }",
            "let y = x.map { $0 * 2 }", "if a != b:\n\tprint(a, b)", "x = {'k': [1, 2, 3]}",
            "#include <stdio.h>", "SELECT * FROM t WHERE id=42;", "fn main() -> Result<(), E> {}"]
    contractions = ["I'm", "you're", "they've", "she'll", "he'd", "it's", "don't", "WE'RE", "I'LL"]
    texts = ["", " ", "\n", "\t", "  \n\n  ", "a", "Hello, world!", "1234567890", "3.14159", "#### 42",
             # White space that regular-expression engines disagree on: vertical tab, NEL, no-break
             # and ideographic spaces, the line separator.
             "a\u000bb", "x\u0085y", "no\u00a0break", "全角\u3000空白", "line\u2028sep", " \u000b \u0085\n"]
    while len(texts) < count:
        kind = rng.randrange(9)
        n = rng.randrange(1, 14)
        if kind == 0:
            text = " ".join(rng.choice(words) for _ in range(n)).capitalize() + rng.choice([".", "?", "!", ""])
        elif kind == 1:
            text = " ".join(rng.choice(words + accented) for _ in range(n))
        elif kind == 2:
            text = "".join(rng.choice(cjk + ["，", "。", " "]) for _ in range(n))
        elif kind == 3:
            text = " ".join(rng.choice(words + emoji) for _ in range(n))
        elif kind == 4:
            text = " ".join(str(rng.randrange(10 ** rng.randrange(1, 16))) for _ in range(n // 2 + 1))
            if rng.random() < 0.5:
                text = f"{rng.randrange(1000):,} + {rng.randrange(10 ** 7):,} = ?"
        elif kind == 5:
            text = rng.choice(code)
        elif kind == 6:
            blanks = ["  ", "   ", "\t", "\t\t", "\n", "\n\n", " \n", "\r\n", "    "]
            text = "".join(rng.choice(words) + rng.choice(blanks) for _ in range(n))
        elif kind == 7:
            text = " ".join(rng.choice(contractions + words) for _ in range(n))
        else:
            pieces = words + accented + cjk + emoji + contractions + ["42", "1,000", "(", ")", "=", "->"]
            text = "".join(rng.choice(pieces) + rng.choice(["", " ", "  ", "\n", "\t"]) for _ in range(n))
        if rng.random() < 0.1:
            text = unicodedata.normalize("NFD", text)   # decomposed accents, which NFC recomposes
        texts.append(text)
    return texts


def make_tokenizer(pattern, texts, nfc, llama3):
    tokenizer = Tokenizer(models.BPE())
    if nfc:
        tokenizer.normalizer = normalizers.NFC()
    if pattern is None:
        # SmolLM2's: digits one by one, then GPT-2's own split inside ByteLevel.
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ])
    else:
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    tokenizer.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    trainer = trainers.BpeTrainer(vocab_size=VOCABULARY - 8, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    tokenizer.add_tokens(["<think>", "</think>"])   # added, not special: decoded as text
    if llama3:
        # As Llama-3's tokenizer.json: whole words in the vocabulary skip the merges, and a
        # beginning-of-text token is put first.
        tokenizer.model.ignore_merges = True
        tokenizer.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single="<|endoftext|> $A", pair="<|endoftext|> $A <|endoftext|> $B",
                                          special_tokens=[("<|endoftext|>", 0)]),
        ])
    return tokenizer


def write_tokenizers():
    folder = os.path.join(ROOT, "tokenizer")
    os.makedirs(folder, exist_ok=True)
    texts = corpus()
    with open(os.path.join(folder, "corpus.jsonl"), "w", encoding="utf-8") as f:
        for text in texts:
            f.write(json.dumps(text, ensure_ascii=False) + "\n")
    tokenizers = {}
    for name, pattern, nfc in [("qwen2", QWEN2_PATTERN, True), ("llama3", LLAMA3_PATTERN, False),
                               ("smollm2", None, False)]:
        tokenizer = make_tokenizer(pattern, texts, nfc, llama3=name == "llama3")
        tokenizer.save(os.path.join(folder, f"{name}.json"))
        probe = texts + ["<|im_start|>user\n2+2?<|im_end|>", "<think>so</think> 4<|endoftext|>"]
        with open(os.path.join(folder, f"{name}.ids.jsonl"), "w") as f:
            for text in probe:
                f.write(json.dumps(tokenizer.encode(text).ids) + "\n")
        tokenizers[name] = tokenizer
    return tokenizers


def v4_rope(config_path):
    """Rewrites `rope_parameters` as the `rope_theta` and `rope_scaling` that checkpoints written
    by transformers 4 (most of those on the hub) carry."""
    with open(config_path) as f:
        config = json.load(f)
    rope = config.pop("rope_parameters", None)
    if rope:
        config["rope_theta"] = rope.pop("rope_theta")
        config["rope_scaling"] = rope if rope.get("rope_type", "default") != "default" else None
    with open(config_path, "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)


def write_model(name, config, tokenizer, dtype, shard=None, v4=False):
    folder = os.path.join(ROOT, name)
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(sum(map(ord, name)))
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager").to(dtype)
    kwargs = {"max_shard_size": shard} if shard else {}
    model.save_pretrained(folder, **kwargs)
    PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="<|endoftext|>").save_pretrained(folder)
    if v4:
        v4_rope(os.path.join(folder, "config.json"))

    reloaded = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager")
    reloaded.eval()
    generator = torch.Generator().manual_seed(11)
    ids = torch.randint(0, config.vocab_size, (2, 12), generator=generator)
    with torch.no_grad():
        out = reloaded(input_ids=ids, output_hidden_states=True)
        prompt = ids[0, :7].unsqueeze(0)
        generated = reloaded.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False,
                                      max_new_tokens=32, min_new_tokens=32, eos_token_id=None, pad_token_id=0)
        whole = reloaded(input_ids=generated, output_hidden_states=True).hidden_states[-1]
    save_file({
        "input_ids": ids.contiguous(),
        "logits": out.logits.float().contiguous(),
        "hidden": out.hidden_states[-1].float().contiguous(),
        "layers": torch.stack(out.hidden_states).float().contiguous(),
        "prompt": prompt[0].clone(),
        "generated": generated[0, 7:].contiguous(),
        "generated_hidden": whole[0].float().contiguous(),
    }, os.path.join(folder, "reference.safetensors"))
    print(name, sorted(os.listdir(folder)))


def main():
    tokenizers = write_tokenizers()
    common = dict(vocab_size=VOCABULARY, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                  bos_token_id=0, eos_token_id=0, initializer_range=0.1)
    llama = LlamaConfig(**common, tie_word_embeddings=False, rms_norm_eps=1e-5,
                        rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
                                         "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                         "original_max_position_embeddings": 16})
    write_model("llama-f32-sharded", llama, tokenizers["llama3"], torch.float32, shard="100KB", v4=True)
    qwen2 = Qwen2Config(**common, tie_word_embeddings=True, rms_norm_eps=1e-6, use_sliding_window=False,
                        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0})
    write_model("qwen2-bf16", qwen2, tokenizers["qwen2"], torch.bfloat16, v4=True)
    qwen3 = Qwen3Config(**common, head_dim=32, tie_word_embeddings=True, rms_norm_eps=1e-6,
                        use_sliding_window=False, rope_parameters={"rope_type": "default", "rope_theta": 1000000.0})
    write_model("qwen3-f32", qwen3, tokenizers["qwen2"], torch.float32)
    mistral = MistralConfig(**common, tie_word_embeddings=False, sliding_window=None, rms_norm_eps=1e-5,
                            rope_parameters={"rope_type": "default", "rope_theta": 10000.0})
    write_model("mistral-f16", mistral, tokenizers["llama3"], torch.float16, v4=True)


if __name__ == "__main__":
    main()
