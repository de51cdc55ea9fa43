"""Every equation `x op y = z (mod p)`, split into train and validation by a seeded shuffle."""

from __future__ import annotations

import torch


def make_dataset(p: int, operation: str, train_fraction: float, seed: int):
    x, y = torch.cartesian_prod(torch.arange(p), torch.arange(p)).T
    if operation == "add":
        z = (x + y) % p
    elif operation == "sub":
        z = (x - y) % p
    elif operation == "mul":
        z = (x * y) % p
    else:
        raise ValueError(f"unknown operation {operation!r}: add, sub or mul")
    op_token, eq_token = p, p + 1
    inputs = torch.stack([x, torch.full_like(x, op_token), y, torch.full_like(x, eq_token)], dim=1)
    order = torch.randperm(len(inputs), generator=torch.Generator().manual_seed(seed))
    n_train = int(train_fraction * len(inputs))
    train, val = order[:n_train], order[n_train:]
    return inputs[train], z[train], inputs[val], z[val]
