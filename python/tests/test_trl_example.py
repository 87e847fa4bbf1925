"""The TRL example trains two GRPO steps with the ReLaX term on a tiny random Llama."""

import math
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("trl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))


@pytest.mark.parametrize("variant", ["paper", "reference"])
def test_two_steps_log_dsd_beside_trls_metrics(variant, tmp_path):
    import trl_relax

    history = trl_relax.main(["--max-steps", "2", "--variant", variant, "--output-dir", str(tmp_path)])
    assert len(history) == 2
    for entry in history:
        assert "reward" in entry and "entropy" in entry            # TRL's own
        assert math.isfinite(entry["actor/dsd/mean"]) and entry["actor/dsd/mean"] > 0
        assert math.isfinite(entry["actor/relax/l_xp"]) and entry["actor/relax/l_xp"] <= 0
    # With rewards that differ inside a group, some advantage is positive and L_xp moves off 0.
    assert any(entry["actor/relax/l_xp"] < 0 for entry in history)


def test_the_states_are_those_that_predict_the_completion(tmp_path):
    import torch
    import trl_relax
    from trl import GRPOConfig

    model, tokenizer, data, reward = trl_relax.tiny_problem()
    config = GRPOConfig(output_dir=str(tmp_path), max_steps=1, per_device_train_batch_size=4, num_generations=4,
                        max_completion_length=8, report_to=[], save_strategy="no", use_cpu=True, bf16=False)
    trainer = trl_relax.ReLaXGRPOTrainer(model=model, reward_funcs=reward, args=config, train_dataset=data,
                                         processing_class=tokenizer, koopman_dim=4, relax_beta=0)
    ids = torch.tensor([[5, 6, 7, 8, 9, 10]])
    trainer._get_per_token_logps_and_entropies(model, ids, torch.ones_like(ids), 3)
    with torch.no_grad():
        expected = model(input_ids=ids, output_hidden_states=True).hidden_states[-1][:, 2:5]
    torch.testing.assert_close(trainer._relax_hidden.detach(), expected)
