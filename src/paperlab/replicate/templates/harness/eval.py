"""Evaluate a checkpoint of this project on the task's held-out split (the test set where the task
has one, else its validation set) and write the metrics under the names train.py gives them
(`final_*`), in `eval-<checkpoint>.json` beside it.

    python eval.py runs/latest/best.pt       # the checkpoint with the lowest evaluation loss
    python eval.py runs/latest/last.pt
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

import task


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: python eval.py runs/<run>/best.pt")
    path = Path(argv[0])
    if not path.exists():
        sys.exit(f"error: {path} does not exist; a run writes last.pt and best.pt into its out_dir")
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    cfg = ckpt["config"]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    work = task.build(cfg, device, int(cfg.get("seed", 0)))
    model = work.model.to(device)
    model.load_state_dict(ckpt["model"])
    model.eval()
    bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
    with torch.no_grad(), torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=bf16):
        row = work.evaluate(model)
    metrics = {f"final_{k}": v for k, v in row.items()}
    out = {"checkpoint": str(path), "step": int(ckpt["step"]), **metrics}
    (path.parent / f"eval-{path.stem}.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
