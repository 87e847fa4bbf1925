"""koopscope.trl: two GRPO steps of each ReLaX variant through TRL on a tiny random Llama, the
states TRL's scoring pass gives, and one step's ReLaX term equal to koopscope.torch.relax_loss."""

import math
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("trl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))


@pytest.mark.parametrize("variant", ["paper", "reference"])
def test_two_steps_log_dsd_beside_trls_metrics(variant, tmp_path):
    import torch
    import trl_relax
    import koopscope.torch as kt

    trainer, history = trl_relax.main(["--max-steps", "2", "--variant", variant, "--output-dir", str(tmp_path)])
    assert len(history) == 2
    for entry in history:
        assert "reward" in entry and "entropy" in entry            # TRL's own
        assert math.isfinite(entry["actor/dsd/mean"]) and entry["actor/dsd/mean"] > 0
        assert math.isfinite(entry["actor/relax/l_xp"]) and entry["actor/relax/l_xp"] <= 0
        assert "dictionary/effective_rank_after" in history[0]
    # With rewards that differ inside a group, some advantage is positive and L_xp moves off 0.
    assert any(entry["actor/relax/l_xp"] < 0 for entry in history)
    # The last micro-batch's term, recomputed by koopscope.torch on the same states.
    last = trainer.last_relax
    again = kt.relax_loss(last["hidden"], last["mask"], last["advantages"], last["weight"], alpha=0.1, beta=0.01,
                          variant=variant, groups=last["groups"])
    torch.testing.assert_close(last["terms"].loss.detach(), again.loss.detach(), rtol=1e-6, atol=0)
    assert last["terms"].metrics == again.metrics


def test_the_states_are_those_that_predict_the_completion(tmp_path):
    import torch
    import trl_relax
    from koopscope.trl import ReLaXConfig, ReLaXGRPOTrainer

    model, tokenizer, data, reward = trl_relax.tiny_problem()
    config = ReLaXConfig(output_dir=str(tmp_path), max_steps=1, per_device_train_batch_size=4, num_generations=4,
                         max_completion_length=8, report_to=[], save_strategy="no", use_cpu=True, bf16=False,
                         koopman_dim=4, relax_beta=0)
    trainer = ReLaXGRPOTrainer(model=model, reward_funcs=reward, args=config, train_dataset=data,
                               processing_class=tokenizer)
    ids = torch.tensor([[5, 6, 7, 8, 9, 10]])
    trainer._get_per_token_logps_and_entropies(model, ids, torch.ones_like(ids), 3)
    with torch.no_grad():
        expected = model(input_ids=ids, output_hidden_states=True).hidden_states[-1][:, 2:5]
    torch.testing.assert_close(trainer._relax_hidden.detach(), expected)


def test_bad_settings_name_the_field(tmp_path):
    from trl import GRPOConfig
    import trl_relax
    from koopscope.trl import ReLaXConfig, ReLaXGRPOTrainer

    common = dict(output_dir=str(tmp_path), report_to=[], use_cpu=True, bf16=False)
    for bad, field in [({"relax_variant": "papr"}, "relax_variant"), ({"relax_alpha": -1.0}, "relax_alpha"),
                       ({"koopman_dim": 1}, "koopman_dim"), ({"refit_every": -2}, "refit_every")]:
        with pytest.raises(ValueError, match=field):
            ReLaXConfig(**common, **bad)
    model, tokenizer, data, reward = trl_relax.tiny_problem()
    with pytest.raises(TypeError, match="ReLaXConfig"):
        ReLaXGRPOTrainer(model=model, reward_funcs=reward, args=GRPOConfig(**common), train_dataset=data,
                         processing_class=tokenizer)


def test_without_trl_the_error_names_the_extra(tmp_path):
    # A Python whose `trl` cannot be imported: the module says which extra brings it.
    blocker = tmp_path / "trl.py"
    blocker.write_text("raise ImportError('no TRL here', name='trl')\n")
    out = subprocess.run([sys.executable, "-c", "import koopscope.trl"], capture_output=True, text=True,
                         env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert out.returncode != 0
    assert "pip install 'koopscope[trl]'" in out.stderr and "trl is missing" in out.stderr
