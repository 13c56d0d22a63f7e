# Our network in PyTorch, built by python/alexnet.py (the module that loads exported runs) from the same hyperparameters,
# stepped on command for `benchmark --against-pytorch`.
# argv: threads, training batch, evaluation batch, a JSON file {"train": hyperparameters, "train-nolrn": hyperparameters,
# "layers": [{"name": "conv1", "input": [32, 3, 227, 227]}, ...]}.
# Reads one command per line ("train", "train-nolrn", "eval", "layer conv1"), runs one step and prints its seconds.
import json
import os
import sys
import time

import torch
from torch import nn

from alexnet import AlexNet

torch.set_num_threads(int(sys.argv[1]))
torch.manual_seed(1)
train_batch, eval_batch = int(sys.argv[2]), int(sys.argv[3])
with open(sys.argv[4]) as file:
    networks = json.load(file)

layers = networks.pop("layers")
models = {kind: AlexNet.from_hyperparameters(hyperparameters, 1000) for kind, hyperparameters in networks.items()}
optimizers = {kind: torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9, weight_decay=5e-4) for kind, model in models.items()}
size = networks["train"]["model"]["inputSize"]
images, labels = torch.randn(train_batch, 3, size, size), torch.randint(0, 1000, (train_batch,))
eval_images = torch.randn(eval_batch, 3, size, size)


def train(kind):
    model, sgd = models[kind], optimizers[kind]
    model.train()
    sgd.zero_grad()
    nn.functional.cross_entropy(model(images), labels).backward()
    sgd.step()


def evaluate():
    model = models["train"]
    model.eval()
    with torch.no_grad():
        model(eval_images)


def layer_function(name):
    """The layer as the network's forward applies it, activation included."""
    model = models["train"]
    if name.startswith("pool"):
        return model.pool
    if name in ("lrn1", "lrn2", "fc8"):
        return getattr(model, name)
    return lambda x: model.act(getattr(model, name)(x))


layer_runs = {}
for layer in layers:
    function = layer_function(layer["name"])
    layer_input = torch.randn(*layer["input"])
    with torch.no_grad():
        upstream = torch.randn_like(function(layer_input))
    layer_runs[layer["name"]] = (function, layer_input, upstream, layer["name"] != "conv1")


def run_layer(name):
    function, layer_input, upstream, input_gradient = layer_runs[name]
    x = layer_input.detach().requires_grad_(input_gradient)
    function(x).backward(upstream)
    models["train"].zero_grad(set_to_none=True)


def loaded_blas():
    """The BLAS library this process has loaded for its linear layers (Debian's alternatives choose it)."""
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if os.path.basename(line.split()[-1]).startswith("libblas")}
    return os.path.realpath(sorted(paths)[0]) if paths else "none"


print("ready", torch.__version__, sum(p.numel() for p in models["train"].parameters()), loaded_blas(), flush=True)
for line in sys.stdin:
    command = line.strip()
    start = time.perf_counter()
    if command == "eval":
        evaluate()
    elif command.startswith("layer "):
        run_layer(command[len("layer "):])
    else:
        train(command)
    print(f"{time.perf_counter() - start:.6f}", flush=True)
