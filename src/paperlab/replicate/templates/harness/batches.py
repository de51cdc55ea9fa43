"""Which training examples each step reads, the same way on one process or many.

Every optimizer step reads one global batch: `batch_size x grad_accum x world_size` examples. With
`Batches` they are drawn without replacement, a new permutation of the training set each epoch,
seeded by the run's seed and the epoch (what torch's DistributedSampler does with `set_epoch`); each
process reads its own slice of the global batch for each micro-step. So two processes of 4 examples
read, between them, the 8 examples that one process of 8 reads: the runs are the same run. A batch
depends only on the step, so a resumed run reads what an uninterrupted one would have.

`windows` does the same for a language model's random windows of a token stream (nanoGPT's way:
an epoch of every start would not fit in memory), drawing the global batch's starts and slicing.
"""

from __future__ import annotations

import torch


def shard(cfg: dict) -> tuple[int, int, int]:
    """(rank, world size, micro-steps per step) of this process; train.py puts them in cfg."""
    return int(cfg.get("rank", 0)), int(cfg.get("world_size", 1)), max(1, int(cfg.get("grad_accum", 1)))


class Batches:
    def __init__(self, n: int, cfg: dict) -> None:
        self.n, self.batch = n, int(cfg["batch_size"])
        self.seed = int(cfg["seed"])
        self.rank, self.world, self.accum = shard(cfg)
        self.size = self.batch * self.accum * self.world  # the global batch
        self._epoch: tuple[int, torch.Tensor] | None = None

    def steps_per_epoch(self) -> int:
        return max(1, self.n // self.size)

    def _order(self, epoch: int) -> torch.Tensor:
        """The epoch's permutation (several, joined, when the set is smaller than a global batch)."""
        if self._epoch is None or self._epoch[0] != epoch:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            copies = -(-self.size // self.n)
            self._epoch = (epoch, torch.cat([torch.randperm(self.n, generator=g) for _ in range(copies)]))
        return self._epoch[1]

    def indices(self, step: int, micro: int = 0) -> torch.Tensor:
        """The examples this process reads at micro-step `micro` of optimizer step `step` (0-based)."""
        epoch, k = divmod(step, self.steps_per_epoch())
        start = k * self.size if self.n >= self.size else 0
        part = (micro * self.world + self.rank) * self.batch
        return self._order(epoch)[start + part:start + part + self.batch]


def windows(limit: int, cfg: dict, step: int, micro: int, generator_seed: int) -> torch.Tensor:
    """Start offsets in [0, limit) of this process's windows at a micro-step: the global batch's starts
    drawn from (seed, step), this process's slice taken."""
    rank, world, accum = shard(cfg)
    batch = int(cfg["batch_size"])
    g = torch.Generator().manual_seed(generator_seed * 1_000_003 + step)
    starts = torch.randint(limit, (batch * accum * world,), generator=g)
    part = (micro * world + rank) * batch
    return starts[part:part + batch]
