"""``training.train.merge``: a seed ensemble folded into one head scores exactly as the mean
of its members, through the shipped numpy ``Head`` too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from scipy import sparse

from guard.ml.heads import Head
from training.train import Config, HeadNet, merge, ngram_bag, to_head


@pytest.mark.parametrize("hidden", [16, 0])
def test_merged_head_is_the_mean_of_its_members(hidden: int, tmp_path: Path) -> None:
    cfg = Config(hidden=hidden, n_features=64)
    members = []
    for seed in range(3):
        torch.manual_seed(seed)
        net = HeadNet(8, 4, cfg)
        assert net.ngram is not None
        torch.nn.init.normal_(net.ngram.weight)  # trained heads have non-zero n-gram weights
        members.append(net.eval())
    merged = merge(members)
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(5, 8)).astype(np.float32)
    grams = sparse.random(5, 64, density=0.2, format="csr", random_state=1, dtype=np.float32)
    bag = ngram_bag(grams, np.arange(5))
    with torch.no_grad():
        mean = torch.stack([m(torch.from_numpy(emb), bag) for m in members]).mean(0)
        got = merged(torch.from_numpy(emb), bag)
    np.testing.assert_allclose(got.numpy(), mean.numpy(), rtol=1e-5, atol=1e-5)
    assert not torch.allclose(mean, members[0](torch.from_numpy(emb), bag))  # members differ

    # the committed format (fp16 weights) keeps the merged scores
    to_head(merged, ["a", "b", "c", "d"], np.zeros(4, np.float32), cfg).save(tmp_path / "h.npz")
    head = Head.load(tmp_path / "h.npz")
    assert head.layers[0][0].shape[1] == (hidden * 3 or 4)
    np.testing.assert_allclose(head.logits(emb, None, None, grams), mean.numpy(), atol=2e-2)
