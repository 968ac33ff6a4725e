"""Writes tests/fixtures/coqui_glow_tts/model.pth: the parity fixture's Glow-TTS weights in the layout Coqui's
Trainer saves ({"model": state_dict, "config": dict, "step": int, ...}), with Debian's python3-torch.

Usage: /usr/bin/python3 scripts/make_coqui_pth.py
"""
import json
import struct
from pathlib import Path

import torch

root = Path(__file__).resolve().parent.parent
src = root / "tests/fixtures/parity/glow_tts"
out = root / "tests/fixtures/coqui_glow_tts/model.pth"

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


def released_names(sd):
    """Weight-norm tensors as Coqui's released checkpoints name them (weight_g / weight_v, torch < 2.1)."""
    out = {}
    for k, v in sd.items():
        k = k.replace("parametrizations.weight.original0", "weight_g")
        k = k.replace("parametrizations.weight.original1", "weight_v")
        out[k] = v
    return out


config_text = (src / "config.json").read_text()
config = json.loads(config_text)
state = {
    "model": released_names(read_safetensors(src / "weights.safetensors")),
    "config": config,
    "step": 1000,
    "epoch": 3,
    "date": "November 24, 2026",
    "model_loss": 1.5,
}
out.parent.mkdir(parents=True, exist_ok=True)
torch.save(state, out)
print(f"wrote {out} ({out.stat().st_size} bytes, {len(state['model'])} tensors)")
