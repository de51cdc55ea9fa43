"""Replication projects: scaffold, claims, runs, checks against the paper."""
