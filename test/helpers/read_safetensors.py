"""Reads a safetensors file with numpy only (the format as its spec defines it) and prints a JSON summary."""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "U8": "u1"}

with open(sys.argv[1], "rb") as f:
    raw = f.read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8 : 8 + n])
meta = header.pop("__metadata__", {})
out = {"metadata": meta, "tensors": {}}
for name, t in header.items():
    a, b = t["data_offsets"]
    arr = np.frombuffer(raw[8 + n + a : 8 + n + b], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
    values = arr.ravel().tolist() if arr.size <= 4096 else None
    out["tensors"][name] = {"dtype": t["dtype"], "shape": list(arr.shape), "sum": float(arr.astype(np.float64).sum()), "values": values}
print(json.dumps(out))
