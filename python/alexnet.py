"""AlexNet (Krizhevsky et al., 2012) as AlexNet.Experiments computes it, for loading the weights it exports.

    from alexnet import AlexNet
    net = AlexNet.load("run.json", "alexnet.pt")    # GET /api/runs/<id>, GET /api/runs/<id>/export/pytorch
    logits = net(images)                            # images: N x 3 x inputSize x inputSize, as below

The two towers are grouped convolutions (conv2, conv4, conv5), as on one device; each tower normalises (LRN) only its
own channels. Inputs are N x 3 x inputSize x inputSize: (RGB on the 0..255 scale - the mean image) x model.pixelScale,
as the project feeds them.
"""

import json

import torch
from torch import nn
import torch.nn.functional as F


def _even(channels):
    # round half to even, as the C# geometry does with Math.Round
    return max(2, int(round(channels / 2)) * 2)


def _pool(size, kernel, stride):
    return 0 if size < kernel else (size - kernel) // stride + 1


class GroupedLocalResponseNorm(nn.Module):
    """nn.LocalResponseNorm applied to each tower's channels separately.

    PyTorch divides alpha by the window size; a run in the paper's convention (b = a / (k + alpha * sum a^2)^beta)
    is reproduced with alpha * size, which is what from_hyperparameters passes.
    """

    def __init__(self, groups, size, alpha, beta, k):
        super().__init__()
        self.groups = groups
        self.norm = nn.LocalResponseNorm(size, alpha=alpha, beta=beta, k=k)

    def forward(self, x):
        n, c, h, w = x.shape
        return self.norm(x.reshape(n * self.groups, c // self.groups, h, w)).reshape(n, c, h, w)


class AlexNet(nn.Module):
    def __init__(self, num_classes, width_multiplier=1.0, input_size=227, towers=2, lrn=None,
                 pool_kernel=3, pool_stride=2, dropout=0.5, activation="relu",
                 conv1_kernel=11, conv1_stride=4, conv1_padding=0):
        super().__init__()
        # the one-tower ablation halves every conv layer but conv5 and keeps the FC layers
        conv = 0.5 if towers == 1 else 1.0
        c1, c2 = _even(96 * width_multiplier * conv), _even(256 * width_multiplier * conv)
        c3, c4 = _even(384 * width_multiplier * conv), _even(384 * width_multiplier * conv)
        c5, fc = _even(256 * width_multiplier), _even(4096 * width_multiplier)
        p5 = (input_size + 2 * conv1_padding - conv1_kernel) // conv1_stride + 1
        for _ in range(3):
            p5 = _pool(p5, pool_kernel, pool_stride)

        self.conv1 = nn.Conv2d(3, c1, conv1_kernel, stride=conv1_stride, padding=conv1_padding)
        self.conv2 = nn.Conv2d(c1, c2, 5, padding=2, groups=towers)
        self.conv3 = nn.Conv2d(c2, c3, 3, padding=1)  # reads both towers
        self.conv4 = nn.Conv2d(c3, c4, 3, padding=1, groups=towers)
        self.conv5 = nn.Conv2d(c4, c5, 3, padding=1, groups=towers)
        self.fc6 = nn.Linear(c5 * p5 * p5, fc)
        self.fc7 = nn.Linear(fc, fc)
        self.fc8 = nn.Linear(fc, num_classes)
        self.lrn1 = GroupedLocalResponseNorm(towers, **lrn) if lrn else nn.Identity()
        self.lrn2 = GroupedLocalResponseNorm(towers, **lrn) if lrn else nn.Identity()
        self.pool = nn.MaxPool2d(pool_kernel, pool_stride)
        self.dropout = nn.Dropout(dropout)
        self.act = torch.tanh if activation == "tanh" else F.relu

    @staticmethod
    def load(run_json, export_pt):
        """The run's network (its JSON as GET /api/runs/<id> returns it) with the exported weights, in eval mode."""
        with open(run_json) as file:
            run = json.load(file)
        net = AlexNet.from_hyperparameters(run["hyperparameters"], len(run["datasetVersion"]["classNames"]))
        net.load_state_dict(torch.load(export_pt))  # strict: every key and shape must match the module
        return net.eval()

    @staticmethod
    def from_hyperparameters(hyperparameters, num_classes):
        """Builds the network a run used from its hyperparameters (the JSON the API returns)."""
        model = hyperparameters["model"]
        lrn = model["lrn"]
        alpha = lrn["alpha"] * lrn["size"] if lrn["convention"] == "Paper" else lrn["alpha"]
        return AlexNet(
            num_classes,
            width_multiplier=model["widthMultiplier"],
            input_size=model["inputSize"],
            towers=model["towers"],
            lrn=dict(size=lrn["size"], alpha=alpha, beta=lrn["beta"], k=lrn["k"]) if lrn["enabled"] else None,
            pool_kernel=model["pooling"]["kernel"],
            pool_stride=model["pooling"]["stride"],
            dropout=model["dropout"],
            activation=model["activation"].lower(),
            conv1_kernel=model["conv1"]["kernel"],
            conv1_stride=model["conv1"]["stride"],
            conv1_padding=model["conv1"]["padding"],
        )

    def forward(self, x):
        x = self.pool(self.lrn1(self.act(self.conv1(x))))
        x = self.pool(self.lrn2(self.act(self.conv2(x))))
        x = self.act(self.conv3(x))
        x = self.act(self.conv4(x))
        x = self.pool(self.act(self.conv5(x)))
        x = self.dropout(self.act(self.fc6(torch.flatten(x, 1))))
        x = self.dropout(self.act(self.fc7(x)))
        return self.fc8(x)
