"""The task: image classification. MNIST, CIFAR-10/100 through torchvision (downloaded into data/
when there is a network), image folders in ImageNet's layout (`dataset = "folder"`: folders.py
streams them from disk through a DataLoader's workers), or fake data of the same shape for smoke
runs (random images and labels, as torchvision's FakeData makes, generated here so that a smoke run
needs no torchvision); an MLP, a small CNN, a CIFAR-style ResNet (ResNet-20/32/56/110, He et al.
2016, section 4.2), or any torchvision model by name ("torchvision:resnet50").

MNIST, CIFAR and fake data sit in memory on the device and are augmented there (random crop after
padding, horizontal flip). Metrics: top-1 and top-5 accuracy and error, and loss, on the test split
(a folder dataset's val/).
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from batches import Batches

NAME = "image-classification"
DEFAULTS = {
    "dataset": "cifar10",     # mnist | cifar10 | cifar100 | folder (data_dir/train/<class>/, data_dir/val/) | fake
    "data_dir": "data",
    "image_size": 224,        # folder: the crop the model sees
    "workers": 4,             # folder: DataLoader worker processes decoding images
    "fake_size": 512,         # images in FakeData (train; test is a quarter of it)
    "fake_classes": 10,
    "fake_shape": "3,32,32",
    "model": "resnet20",      # mlp | cnn | resnet20 | resnet32 | resnet56 | resnet110 | torchvision:NAME
    "width": 16,              # ResNet: channels of the first stage (16 in the paper)
    "augment": True,          # random crop (padding 4) and horizontal flip
    "eval_batch_size": 1000,
}
# What each metrics.json key measures: (kind, unit, split). paperlab checks a claim against a key
# only when they agree; declare every key you add.
METRICS = {
    "final_test_loss": ("loss", "nats", "test"),
    "final_test_top1_acc": ("accuracy", "fraction", "test"),
    "final_test_top1_err": ("error", "fraction", "test"),
    "final_test_top5_acc": ("top5_accuracy", "fraction", "test"),
    "final_test_top5_err": ("top5_error", "fraction", "test"),
    "best_test_top1_err": ("error", "fraction", "test"),
    "best_step": ("steps", "count", "test"),
}
NAMES = {"mnist": "MNIST", "cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "fake": "fake"}
STATS = {  # per-channel mean and std of the training images
    "mnist": ((0.1307,), (0.3081,)),
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "cifar100": ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
}


def import_torchvision():
    try:
        import torchvision
    except Exception as exc:  # absent, or a build for another torch (its compiled ops fail to load)
        sys.exit(f"error: torchvision cannot be imported ({exc}); install the build that matches your torch "
                 f"{torch.__version__} (requirements.txt pins the pair)")
    return torchvision


def load(cfg: dict) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, int]:
    """(train images, train labels, test images, test labels, classes); images as uint8 NCHW."""
    name = cfg["dataset"]
    if name == "fake":
        shape = tuple(int(n) for n in cfg["fake_shape"].split(","))
        generator = torch.Generator().manual_seed(0)

        def fake(size: int):
            images = torch.randint(0, 256, (size, *shape), dtype=torch.uint8, generator=generator)
            return images, torch.randint(cfg["fake_classes"], (size,), generator=generator)

        return *fake(cfg["fake_size"]), *fake(max(1, cfg["fake_size"] // 4)), cfg["fake_classes"]
    torchvision = import_torchvision()
    kinds = {"mnist": torchvision.datasets.MNIST, "cifar10": torchvision.datasets.CIFAR10,
             "cifar100": torchvision.datasets.CIFAR100}
    if name not in kinds:
        sys.exit(f"error: unknown dataset {name!r}: mnist, cifar10, cifar100 or fake")
    try:
        parts = [kinds[name](cfg["data_dir"], train=split, download=True) for split in (True, False)]
    except Exception as exc:  # no network, a proxy page instead of the archive, a full disk
        sys.exit(f"error: could not get {name} into {cfg['data_dir']}/ ({exc}); download it there on a "
                 f"machine with a network, or use dataset = \"fake\" to test the pipeline")
    out = []
    for part in parts:
        images = torch.as_tensor(part.data)
        images = images.unsqueeze(1) if images.ndim == 3 else images.permute(0, 3, 1, 2)  # NCHW
        out += [images.contiguous(), torch.as_tensor(part.targets)]
    return *out, len(parts[0].classes)


# --- models ----------------------------------------------------------------------------------------


class BasicBlock(nn.Module):
    """Two 3x3 convolutions; the shortcut pads channels with zeros when they double (option A)."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.pad = cout - cin
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        short = x[:, :, ::self.stride, ::self.stride] if self.stride > 1 else x
        if self.pad:
            short = F.pad(short, (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        return F.relu(out + short)


class CifarResNet(nn.Module):
    """6n+2 layers: a 3x3 conv, three stages of n blocks (widths w, 2w, 4w), global pooling, a linear layer."""

    def __init__(self, depth: int, classes: int, channels: int, width: int = 16) -> None:
        super().__init__()
        if (depth - 2) % 6:
            raise ValueError(f"a CIFAR ResNet has 6n+2 layers, not {depth}")
        n = (depth - 2) // 6
        self.stem = nn.Sequential(nn.Conv2d(channels, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        layers, cin = [], width
        for stage, cout in enumerate((width, 2 * width, 4 * width)):
            for i in range(n):
                layers.append(BasicBlock(cin, cout, 2 if stage and i == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.blocks(self.stem(x)).mean(dim=(2, 3)))


# The tests that compare one batch's update with the same batch split (test_project.py) train a model
# without batch norm: batch norm normalises each part by its own statistics.
WITHOUT_BATCH_NORM = ["--model=cnn"]


def make_model(cfg: dict, classes: int, shape: tuple[int, int, int]) -> nn.Module:
    name = cfg["model"]
    channels, height, width = shape
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(channels * height * width, 512), nn.ReLU(),
                             nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, classes))
    if name == "cnn":
        return nn.Sequential(nn.Conv2d(channels, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(64 * (height // 4) * (width // 4), 128), nn.ReLU(), nn.Linear(128, classes))
    if name.startswith("resnet") and name[6:].isdigit():
        return CifarResNet(int(name[6:]), classes, channels, cfg["width"])
    if name.startswith("torchvision:"):
        return import_torchvision().models.get_model(name.split(":", 1)[1], weights=None, num_classes=classes)
    sys.exit(f"error: unknown model {name!r}: mlp, cnn, resnet20/32/56/110 or torchvision:NAME")


# --- the task --------------------------------------------------------------------------------------


class Work:
    def __init__(self, cfg: dict, device: str, seed: int) -> None:
        self.cfg = cfg
        self.stream = None
        if cfg["dataset"] == "folder":
            from folders import MEAN, STD, Stream

            self.stream = Stream(cfg, device)
            self.classes = len(self.stream.classes)
            self.mean = torch.tensor(MEAN, device=device).view(1, -1, 1, 1)
            self.std = torch.tensor(STD, device=device).view(1, -1, 1, 1)
            self.model = make_model(cfg, self.classes, (3, cfg["image_size"], cfg["image_size"]))
            return
        train_x, train_y, test_x, test_y, classes = load(cfg)
        self.train_x, self.train_y = train_x.to(device), train_y.to(device)
        self.test_x, self.test_y = test_x.to(device), test_y.to(device)
        self.classes = classes
        mean, std = STATS.get(cfg["dataset"], ((0.5,) * train_x.shape[1], (0.5,) * train_x.shape[1]))
        self.mean = torch.tensor(mean, device=device).view(1, -1, 1, 1)
        self.std = torch.tensor(std, device=device).view(1, -1, 1, 1)
        self.model = make_model(cfg, classes, tuple(train_x.shape[1:]))
        self.batches = Batches(len(self.train_y), cfg)
        self.generator = torch.Generator().manual_seed(seed)  # this process's crops and flips

    def describe(self) -> dict:
        """What this run trains on and with: fake data is a stand-in that tests the pipeline."""
        c = self.cfg
        model = {"name": c["model"].removeprefix("torchvision:"), "width": c["width"], "augment": c["augment"]}
        if self.stream is not None:
            s = self.stream
            return {"data": {"name": Path(c["data_dir"]).resolve().name, "kind": "real",
                             "source": f"image folders, {c['data_dir']}/train and val ({len(s.classes)} classes)",
                             "sizes": {"train": len(s.train_files), "test": len(s.val_files)},
                             "tensors": [s.manifest()]}, "model": {**model, "image_size": c["image_size"]}}
        fake = c["dataset"] == "fake"
        return {
            "data": {"name": NAMES.get(c["dataset"], c["dataset"]), "kind": "fake" if fake else "real",
                     "source": "random images and labels (FakeData)" if fake else f"torchvision, {c['data_dir']}/",
                     "sizes": {"train": len(self.train_y), "test": len(self.test_y)},
                     "tensors": [self.train_x, self.train_y, self.test_x, self.test_y]},
            "model": model,
        }

    def _normalise(self, images: torch.Tensor) -> torch.Tensor:
        return (images.float() / 255 - self.mean) / self.std

    def _augment(self, images: torch.Tensor) -> torch.Tensor:
        n, _, h, w = images.shape
        padded = F.pad(images, (4, 4, 4, 4))
        dy, dx = (torch.randint(9, (n,), generator=self.generator).tolist() for _ in range(2))
        out = torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])
        flip = torch.rand(n, generator=self.generator).to(images.device) < 0.5
        return torch.where(flip.view(-1, 1, 1, 1), out.flip(3), out)

    def train_batch(self, step: int, micro: int = 0):
        if self.stream is not None:
            images, labels = self.stream.train_batch(step, micro)
            return self._normalise(images), labels
        idx = self.batches.indices(step, micro).to(self.train_x.device)
        images = self._normalise(self.train_x[idx])
        return (self._augment(images) if self.cfg["augment"] else images), self.train_y[idx]

    def loss(self, model: nn.Module, batch) -> torch.Tensor:
        images, labels = batch
        return F.cross_entropy(model(images).float(), labels)

    def _test_batches(self):  # type: ignore[no-untyped-def]
        if self.stream is not None:
            yield from self.stream.val_batches()
            return
        for i in range(0, len(self.test_x), self.cfg["eval_batch_size"]):
            yield self.test_x[i:i + self.cfg["eval_batch_size"]], self.test_y[i:i + self.cfg["eval_batch_size"]]

    def evaluate(self, model: nn.Module) -> dict:
        loss, top1, top5, n = 0.0, 0, 0, 0
        k = min(5, self.classes)
        for images, labels in self._test_batches():
            logits = model(self._normalise(images)).float()
            n += len(labels)
            loss += F.cross_entropy(logits, labels, reduction="sum").item()
            best = logits.topk(k, dim=1).indices
            top1 += (best[:, 0] == labels).sum().item()
            top5 += (best == labels[:, None]).any(dim=1).sum().item()
        row = {"test_loss": loss / n, "test_top1_acc": top1 / n, "test_top1_err": 1 - top1 / n}
        if self.classes > 5:
            row.update({"test_top5_acc": top5 / n, "test_top5_err": 1 - top5 / n})
        return row

    def should_stop(self, row: dict) -> bool:
        return False

    def summary(self, history: list[dict]) -> dict:
        if not history:
            return {}
        best = min(history, key=lambda r: r["test_top1_err"])
        return {"best_test_top1_err": best["test_top1_err"], "best_step": best["step"]}


def stand_in(cfg: dict) -> tuple[dict, str]:
    """For estimate.py: fake images of the dataset's shape and classes (one step costs the same)."""
    shapes = {"mnist": ("1,28,28", 10), "cifar10": ("3,32,32", 10), "cifar100": ("3,32,32", 100)}
    if cfg["dataset"] == "folder":
        train = Path(cfg["data_dir"]) / "train"
        found = sum(d.is_dir() for d in train.iterdir()) if train.is_dir() else 0
        shapes["folder"] = (f"3,{cfg['image_size']},{cfg['image_size']}", found or 1000)
    shape, classes = shapes.get(cfg["dataset"], (cfg["fake_shape"], cfg["fake_classes"]))
    return ({"dataset": "fake", "fake_shape": shape, "fake_classes": classes, "fake_size": cfg["batch_size"]},
            f"fake images of {NAMES.get(cfg['dataset'], cfg['data_dir'] if cfg['dataset'] == 'folder' else cfg['dataset'])}'s"
            f" shape ({shape}, {classes} classes)")


def build(cfg: dict, device: str, seed: int) -> Work:
    return Work(cfg, device, seed)
