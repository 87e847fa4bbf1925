"""A checkpoint trained by `koopscope train --model` and written by `koopscope export` loads in
transformers as the model koopscope runs: its last-layer states and logits equal koopscope's
within 1e-4, and its greedy tokens are koopscope's."""
import json
import subprocess

import h5py
import numpy as np
import pytest

from conftest import FIXTURES, ROOT

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


def cli():
    for build in ("debug", "release"):
        path = ROOT / ".build" / build / "koopscope"
        if path.exists():
            return str(path)
    pytest.skip("the koopscope command is not built (swift build)")


@pytest.mark.parametrize("model", ["qwen3-f32", "qwen2-bf16"])
def test_an_exported_run_loads_in_transformers_as_koopscopes_model(tmp_path, model):
    koopscope = cli()
    source = FIXTURES / "hf" / model
    problems = tmp_path / "problems.jsonl"
    subprocess.run([koopscope, "dataset", "arithmetic", "--count", "40", "--digits", "2", "-o", str(problems)], check=True)
    run = tmp_path / "run"
    subprocess.run([koopscope, "train", "--run-dir", str(run), "--quiet", "--model", str(source), "--dataset", str(problems),
                    "--verifier", "gsm8k", "--max-response-length", "8", "--steps", "1", "--sft-steps", "2", "--sft-batch", "4",
                    "--prompts-per-step", "2", "--group-size", "2", "--mini-batches", "1", "--eval-every", "0",
                    "--eval-prompts", "4", "--koopman-dim", "4", "--lr", "1e-3"], check=True, capture_output=True)
    exported = tmp_path / "exported"
    subprocess.run([koopscope, "export", str(run), "-o", str(exported)], check=True, capture_output=True)
    # A second export to the same folder is refused, and the folder is left as it was.
    again = subprocess.run([koopscope, "export", str(run), "-o", str(exported)], capture_output=True, text=True)
    assert again.returncode != 0 and str(exported) in again.stderr

    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in ["What is 12 plus 30?", "Count to five:"]))
    dump = tmp_path / "dump.h5"
    subprocess.run([koopscope, "rollout", str(exported), "--prompts", str(prompts), "--samples", "1", "--temperature", "0",
                    "--max-new-tokens", "8", "--quiet", "-o", str(dump)], check=True, capture_output=True)

    loaded = transformers.AutoModelForCausalLM.from_pretrained(exported, dtype=torch.float32, attn_implementation="eager")
    original = transformers.AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32, attn_implementation="eager")
    moved = max(float((a - b).detach().abs().max()) for a, b in zip(loaded.parameters(), original.parameters()))
    assert moved > 1e-4, "the exported model is the trained one, not the source"
    head = loaded.get_output_embeddings().weight.detach().double().numpy()
    with h5py.File(dump, "r") as f:
        states, lengths = f["hidden_states"][...], f["lengths"][...]
        prompt_ids, response_ids = f["prompt_ids"][...], f["response_ids"][...]
    for i in range(len(lengths)):
        prompt = [t for t in prompt_ids[i] if t >= 0]
        response = [t for t in response_ids[i] if t >= 0]
        p, n = len(prompt), int(lengths[i])
        assert len(response) == n
        with torch.no_grad():
            out = loaded(torch.tensor([prompt + response]), output_hidden_states=True)
        theirs = out.hidden_states[-1][0, p - 1:p + n - 1].double().numpy()
        ours = states[i, :n].astype(np.float64)
        assert np.abs(ours - theirs).max() <= 1e-4 * np.abs(theirs).max()
        logits = out.logits[0, p - 1:p + n - 1].double().numpy()
        assert np.abs(ours @ head.T - logits).max() <= 1e-4 * np.abs(logits).max()
        # Greedy: each response token is the argmax of transformers' logits before it.
        assert list(logits.argmax(axis=1)) == response
