"""Writes a Coqui VITS checkpoint from the VITS parity fixture's weights, in the layout Coqui's Trainer saves
({"model": state_dict, "config": dict, "step": int, ...}), with Debian's python3-torch.

Usage: /usr/bin/python3 scripts/make_coqui_vits_pth.py OUT.pth [--legacy-names] [--no-disc]

--legacy-names  weight-norm tensors as weight_g / weight_v (Coqui's released checkpoints, torch < 2.1)
                instead of parametrizations.weight.original0/1 (torch >= 2.1, the fixture's naming)
--no-disc       leave out the discriminator (disc.*), as a checkpoint trimmed for inference
"""
import json
import struct
import sys
from pathlib import Path

import torch

root = Path(__file__).resolve().parent.parent
src = root / "tests/fixtures/parity/vits"
args = sys.argv[1:]
out = Path(next(a for a in args if not a.startswith("--")))
legacy = "--legacy-names" in args
no_disc = "--no-disc" in args

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "F16": torch.float16}


def read_safetensors(path):
    data = path.read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        t = torch.frombuffer(bytearray(body[a:b]), dtype=DTYPES[info["dtype"]])
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors


state_dict = {}
for k, v in read_safetensors(src / "weights.safetensors").items():
    if no_disc and k.startswith("disc."):
        continue
    if legacy:
        k = k.replace("parametrizations.weight.original0", "weight_g")
        k = k.replace("parametrizations.weight.original1", "weight_v")
    state_dict[k] = v
config = json.loads((src / "config.json").read_text())
state = {"model": state_dict, "config": config, "step": 1000, "epoch": 3, "model_loss": 1.5}
out.parent.mkdir(parents=True, exist_ok=True)
torch.save(state, out)
print(f"wrote {out} ({out.stat().st_size} bytes, {len(state_dict)} tensors)")
