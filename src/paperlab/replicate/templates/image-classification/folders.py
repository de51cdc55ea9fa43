"""Image folders in ImageNet's layout, streamed from disk: `data_dir/train/<class>/*.jpg` and
`data_dir/val/<class>/*.jpg` (the class folders' sorted names are the labels). A DataLoader's worker
processes decode (Pillow) and augment the images while the model trains, into pinned memory when the
device is a GPU; nothing is held in memory but the file list.

Training images get the usual random resized crop (8% to 100% of the area, aspect ratio 3/4 to 4/3)
and a horizontal flip; evaluation resizes the shorter side to size x 256/224 and crops the centre.
Which images a step reads comes from batches.py (each process its slice of the global batch), and
each image's crop and flip are drawn from a seed of its place in the global batch: a run on one
process or several, stopped and resumed or not, sees the same pixels.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from batches import Batches, shard

EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)  # ImageNet's, the usual for photographs


def scan(root: Path, classes: list[str] | None = None) -> tuple[list[tuple[str, int]], list[str]]:
    """(file, label) of every image under root's class folders, and the class names."""
    if not root.is_dir():
        sys.exit(f"error: {root} does not exist; put the images there as {root}/<class>/<image>.jpg")
    found = sorted(d.name for d in root.iterdir() if d.is_dir())
    if classes is not None and found != classes:
        sys.exit(f"error: {root} has other class folders than train/ ({len(found)} against {len(classes)})")
    files = [(str(p), label) for label, name in enumerate(found)
             for p in sorted((root / name).rglob("*")) if p.suffix.lower() in EXTENSIONS]
    if not files:
        sys.exit(f"error: no images under {root}/<class>/")
    return files, found


def _rgb(path: str):  # type: ignore[no-untyped-def]
    from PIL import Image

    with Image.open(path) as image:
        return image.convert("RGB")


def random_resized_crop(image, size: int, rng: random.Random):  # type: ignore[no-untyped-def]
    width, height = image.size
    area = width * height
    for _ in range(10):
        target = area * rng.uniform(0.08, 1.0)
        ratio = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
        w, h = round(math.sqrt(target * ratio)), round(math.sqrt(target / ratio))
        if 0 < w <= width and 0 < h <= height:
            x, y = rng.randint(0, width - w), rng.randint(0, height - h)
            return image.resize((size, size), box=(x, y, x + w, y + h))
    side = min(width, height)  # ten draws did not fit: the central square
    x, y = (width - side) // 2, (height - side) // 2
    return image.resize((size, size), box=(x, y, x + side, y + side))


def center_crop(image, size: int):  # type: ignore[no-untyped-def]
    width, height = image.size
    short = round(size * 256 / 224)
    scale = short / min(width, height)
    image = image.resize((max(size, round(width * scale)), max(size, round(height * scale))))
    x, y = (image.size[0] - size) // 2, (image.size[1] - size) // 2
    return image.crop((x, y, x + size, y + size))


def to_tensor(image) -> torch.Tensor:  # type: ignore[no-untyped-def]
    width, height = image.size
    return torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).view(height, width, 3).permute(2, 0, 1)


class Folder(Dataset):
    def __init__(self, files: list[tuple[str, int]], size: int, train: bool, seed: int) -> None:
        self.files, self.size, self.train, self.seed = files, size, train, seed

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        """key: an index, or (index, its place in the global batch) for training's crop and flip."""
        i, place = key if isinstance(key, tuple) else (key, 0)
        path, label = self.files[i]
        image = _rgb(path)
        if self.train:
            rng = random.Random(self.seed * 1_000_003 + place)
            image = random_resized_crop(image, self.size, rng)
            if rng.random() < 0.5:
                image = image.transpose(0)  # Image.FLIP_LEFT_RIGHT
        else:
            image = center_crop(image, self.size)
        return to_tensor(image), label


class StepSampler(Sampler):
    """The micro-batches of steps first, first + 1, ... (without end): each a list of (index, place)."""

    def __init__(self, batches: Batches, first: int) -> None:
        self.batches, self.first = batches, first

    def __iter__(self):  # type: ignore[no-untyped-def]
        b, step = self.batches, self.first
        while True:
            for micro in range(b.accum):
                base = ((step * b.accum + micro) * b.world + b.rank) * b.batch
                yield [(int(i), base + j) for j, i in enumerate(b.indices(step, micro))]
            step += 1


class Stream:
    """The train and val folders, and their loaders."""

    def __init__(self, cfg: dict, device: str) -> None:
        root = Path(cfg["data_dir"])
        self.train_files, self.classes = scan(root / "train")
        self.val_files, _ = scan(root / "val", self.classes)
        self.cfg, self.device = cfg, device
        size, seed = int(cfg["image_size"]), int(cfg["seed"])
        self.train = Folder(self.train_files, size, True, seed)
        self.val = Folder(self.val_files, size, False, seed)
        self.batches = Batches(len(self.train_files), cfg)
        self._iter = None
        self._next = (-1, -1)  # the (step, micro) the iterator yields next
        self._val_loader: DataLoader | None = None

    def _loader(self, dataset: Dataset, **kw) -> DataLoader:  # type: ignore[no-untyped-def]
        workers = int(self.cfg["workers"])
        return DataLoader(dataset, num_workers=workers, pin_memory=self.device.startswith("cuda"),
                          persistent_workers=workers > 0, **({"prefetch_factor": 4} if workers else {}), **kw)

    def train_batch(self, step: int, micro: int) -> tuple[torch.Tensor, torch.Tensor]:
        if self._iter is None or self._next != (step, micro):  # the first step, or a resumed run's
            self._iter = iter(self._loader(self.train, batch_sampler=StepSampler(self.batches, step)))
            for _ in range(micro):
                next(self._iter)
        images, labels = next(self._iter)
        accum = shard(self.cfg)[2]
        self._next = (step, micro + 1) if micro + 1 < accum else (step + 1, 0)
        return images.to(self.device, non_blocking=True), labels.to(self.device, non_blocking=True)

    def val_batches(self):  # type: ignore[no-untyped-def]
        if self._val_loader is None:
            self._val_loader = self._loader(self.val, batch_size=int(self.cfg["eval_batch_size"]), shuffle=False)
        for images, labels in self._val_loader:
            yield images.to(self.device, non_blocking=True), labels.to(self.device, non_blocking=True)

    def manifest(self) -> torch.Tensor:
        """The file list with sizes, as bytes: the data's fingerprint (the pixels are not read for it)."""
        root = Path(self.cfg["data_dir"])
        lines = [f"{Path(p).relative_to(root)}\t{label}\t{Path(p).stat().st_size}"
                 for p, label in self.train_files + self.val_files]
        return torch.frombuffer(bytearray("\n".join(lines).encode()), dtype=torch.uint8)
