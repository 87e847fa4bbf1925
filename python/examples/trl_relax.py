"""ReLaX in TRL with koopscope.trl: two GRPO steps with the ReLaX term on a tiny random Llama
learning 2-digit addition, on the CPU, with DSD logged beside TRL's own metrics.

    python trl_relax.py --max-steps 2 [--variant paper|reference]

Needs `pip install 'koopscope[trl]'` (TRL 1.16).
"""

import argparse
import random
import tempfile

import torch

from koopscope.trl import ReLaXConfig, ReLaXGRPOTrainer


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
    config = ReLaXConfig(output_dir=args.output_dir or tempfile.mkdtemp(prefix="trl-relax-"), max_steps=args.max_steps,
                         per_device_train_batch_size=4, num_generations=4, max_completion_length=24,
                         learning_rate=1e-4, logging_steps=1, report_to=[], save_strategy="no", use_cpu=True,
                         bf16=False, seed=0, temperature=1.0, relax_alpha=args.alpha, relax_beta=args.beta,
                         relax_variant=args.variant, koopman_dim=args.koopman_dim)
    trainer = ReLaXGRPOTrainer(model=model, reward_funcs=reward, args=config, train_dataset=data,
                               processing_class=tokenizer)
    trainer.train()
    history = [entry for entry in trainer.state.log_history if "actor/relax/l_xp" in entry]
    for entry in history:
        print({k: round(v, 5) if isinstance(v, float) else v for k, v in entry.items()
               if k.startswith(("actor/", "dictionary/", "reward", "loss", "step"))})
    return trainer, history


if __name__ == "__main__":
    main()
