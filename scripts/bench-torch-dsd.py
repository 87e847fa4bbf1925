"""koopscope.torch.dsd forward+backward against a pure-PyTorch DSD of the reference variant (the
ReLaX authors' route, autograd through torch.linalg.svdvals) on the CPU, for a batch of B
trajectories of T states in d dimensions lifted to m features; and what the bridge costs: the
copies to and from float64 host arrays and the call, as a share of koopscope's part.

    python3 scripts/bench-torch-dsd.py [--repeats 5] [--threads 2]
"""

import argparse

import torch

import koopscope
import koopscope.torch as kt

from benchtime import best  # scripts/benchtime.py


def torch_reference(states, weight, delta=1e-3):
    g = torch.sigmoid(states @ weight.T)
    px, py = g[:, :-1], g[:, 1:]
    eye = torch.eye(g.shape[2], dtype=g.dtype)
    k = torch.linalg.solve(px.transpose(1, 2) @ px + delta * eye, px.transpose(1, 2) @ py)
    r = torch.sqrt(torch.linalg.svdvals(k) ** 2 + 1e-3)
    return torch.var(r, dim=1, unbiased=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=1024)
    parser.add_argument("--dim", type=int, default=896)
    parser.add_argument("--features", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    b, t, d, m = args.batch, args.length, args.dim, args.features
    x = torch.cumsum(torch.randn(b, t, d, generator=gen), 1) * 0.05
    w = torch.from_numpy(koopscope.default_dictionary(d, m))

    def ours():
        s = x.clone().requires_grad_(True)
        kt.dsd(s, w, variant="reference").sum().backward()

    def theirs():
        s = x.clone().requires_grad_(True)
        torch_reference(s, w).sum().backward()

    def theirs64():
        s = x.double().requires_grad_(True)
        torch_reference(s, w.double()).sum().backward()

    features = torch.sigmoid(x @ w.T).detach()

    def bridge_only():      # the copies and the call's Python side, without koopscope's work
        host = features.to(torch.float64).contiguous().numpy()
        back = torch.from_numpy(host.copy()).to(torch.float32)
        return back

    def core_only():
        koopscope.dsd_features(features.to(torch.float64).numpy(), variant="reference", gradient=True)

    ours()
    theirs()
    t_ours, t_theirs, t_theirs64 = best(args.repeats, ours), best(args.repeats, theirs), best(args.repeats, theirs64)
    t_bridge, t_core = best(args.repeats, bridge_only), best(args.repeats, core_only)
    mine = kt.dsd(x, w, variant="reference")
    reference = torch_reference(x.double(), w.double())
    print(f"B={b} T={t} d={d} m={m}, {args.threads} threads, best of {args.repeats}")
    print(f"koopscope.torch.dsd fwd+bwd            {t_ours * 1e3:8.1f} ms")
    print(f"pure torch, float32 (svdvals autograd) {t_theirs * 1e3:8.1f} ms   ratio {t_theirs / t_ours:5.2f}×")
    print(f"pure torch, float64                    {t_theirs64 * 1e3:8.1f} ms   ratio {t_theirs64 / t_ours:5.2f}×")
    print(f"koopscope's DSD+gradient of the features (C call) {t_core * 1e3:8.1f} ms")
    print(f"bridge copies (to float64 host and back)          {t_bridge * 1e3:8.1f} ms = "
          f"{100 * t_bridge / t_ours:4.1f} % of the whole")
    print(f"max |DSD − float64 torch| = {float((mine.double() - reference).abs().max()):.2e}")


if __name__ == "__main__":
    main()
