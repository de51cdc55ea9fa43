"""A stand-in for arXiv's API on 127.0.0.1 for `make demo` when arXiv cannot be reached: it lists a
dozen invented papers (titles and abstracts written for the demo, not real ones) so `paperlab feed
pull` has something to pull. Prints the API URL, then serves until killed.

    python scripts/demo_arxiv.py
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.arxiv_server import ArxivServer, ServedPaper  # noqa: E402

INVENTED = [
    ("cs.LG", "Delayed generalization in small transformers trained on group operations",
     "We train small transformers on group multiplication tables and find that validation accuracy rises long "
     "after training accuracy saturates. Weight decay shortens the delay; the learned circuits use Fourier "
     "features of the group."),
    ("cs.LG", "Weight decay and the slingshot: when does overfitting turn into generalization",
     "We study the optimisation dynamics behind delayed generalization. Cyclic spikes in the last layer's norm "
     "precede each jump in validation accuracy; without weight decay the network stays memorised."),
    ("cs.LG", "Normalisation layers as implicit learning-rate schedules",
     "Batch and layer normalisation make a network's output invariant to the scale of its weights, so weight "
     "decay raises the effective learning rate. We derive the equilibrium and test it on ResNets and transformers."),
    ("cs.CL", "Attention heads that count: length generalization in arithmetic transformers",
     "Transformers trained on addition fail on longer numbers. We show that positional encodings decide length "
     "generalization and propose a relative scheme that extends to 5x longer inputs."),
    ("cs.LG", "Progress measures for phase transitions in modular arithmetic",
     "We reverse-engineer networks trained on modular addition and define progress measures that grow smoothly "
     "before the sudden rise of validation accuracy, splitting training into memorisation, circuit formation "
     "and cleanup."),
    ("cs.CL", "A survey of efficient attention for long documents",
     "We review sparse, low-rank and kernel approximations of self-attention for long inputs, comparing their "
     "speed and accuracy on document classification and summarization benchmarks."),
    ("cs.CV", "Self-supervised depth estimation from driving video",
     "We learn monocular depth from unlabelled driving video with a photometric loss and a pose network, and "
     "handle moving objects with a motion mask predicted per pixel."),
    ("cs.CV", "Open-vocabulary object detection with region-text contrastive pre-training",
     "We pre-train a detector on image-caption pairs by matching region features to words, and detect objects "
     "of categories never annotated in the detection data."),
    ("cs.RO", "Learning dexterous in-hand manipulation from human video",
     "A robot hand learns to rotate objects from videos of people. We retarget hand poses to the robot and "
     "refine the policy with reinforcement learning in simulation."),
    ("cs.SD", "Streaming speech recognition with chunked attention",
     "We make an attention-based speech recogniser stream by attending within fixed chunks of audio, "
     "lowering latency with a small loss in word error rate."),
    ("cs.LG", "Batch size, noise and the edge of stability",
     "We measure how batch size changes the sharpness reached by gradient descent. Small batches settle in "
     "flatter regions; learning-rate warmup lets large batches match them."),
    ("cs.CV", "Diffusion models for satellite image super-resolution",
     "We adapt a diffusion model to raise the resolution of satellite images fourfold and evaluate it on "
     "land-cover segmentation downstream."),
]


def main() -> None:
    server = ArxivServer().start()
    now = datetime.now(timezone.utc)
    for n, (category, title, abstract) in enumerate(INVENTED, start=1):
        when = (now - timedelta(hours=6 * n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        paper = ServedPaper(f"2612.{90000 + n}", 1, title, b"", authors=["A. Demo", "B. Sample"], abstract=abstract,
                            category=category, published=when)
        server.listed.append(paper)
        server.papers[paper.arxiv_id] = paper
    print(server.api_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
