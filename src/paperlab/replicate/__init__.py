"""Replication: scaffold a PyTorch project from a template, hold the paper's claims, run it (locally,
under torchrun or submitit), check the runs against the claims, and report."""
