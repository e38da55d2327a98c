"""Pillow's answers for the image tests: reads {"png": path, "ops": [[mode, w, h, fit], ...]} on stdin and prints
one hex string of 8-bit pixels per op. mode 'L' = convert('L') first, 'RGB' = convert('RGB'); fit 'fill' =
resize(BILINEAR), 'cover' = centre crop to the aspect ratio in whole pixels then resize, 'contain' = ImageOps.pad."""
import json
import sys

from PIL import Image, ImageOps

req = json.load(sys.stdin)
out = []
for mode, w, h, fit in req["ops"]:
    im = Image.open(req["png"]).convert(mode)
    if fit == "fill":
        im = im.resize((w, h), Image.BILINEAR)
    elif fit == "contain":
        im = ImageOps.pad(im, (w, h), Image.BILINEAR)
    else:
        W, H = im.size
        cw, ch = (round(H * w / h), H) if W * h > H * w else (W, round(W * h / w))
        left, top = (W - cw) // 2, (H - ch) // 2
        im = im.crop((left, top, left + cw, top + ch)).resize((w, h), Image.BILINEAR)
    out.append(im.tobytes().hex())
print(json.dumps(out))
