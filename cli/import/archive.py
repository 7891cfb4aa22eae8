"""A reproducible `model.pt`: the same checkpoint imported twice gives the same bytes, so the
card's fingerprint (the model file's sha256) is stable and dfbench's content-keyed reuse works.

`torch.jit.save` writes a random `.data/serialization_id` and `*.debug_pkl` records that hold
the exporter's (temporary) source paths. This rewrites the archive without the debug records,
with a serialization id derived from the other records' contents, entries in their original
order, fixed timestamps, and each stored record aligned to 64 bytes as PyTorch's writer does.
"""

import hashlib
import io
import struct
import zipfile

import torch

ALIGNMENT = 64
# Extra-field id for the alignment padding (any id readers ignore).
PADDING_ID = 0x4246


def save_reproducible(module, path):
    buffer = io.BytesIO()
    torch.jit.save(module, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source:
        records = [(info.filename, source.read(info)) for info in source.infolist()
                   if not info.filename.endswith(".debug_pkl")]
    digest = hashlib.sha256()
    for name, data in records:
        if not name.endswith(".data/serialization_id"):
            digest.update(name.encode() + b"\0" + data)
    serial = str(int(digest.hexdigest()[:30], 16)).encode()
    with open(path, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as target:
        for name, data in records:
            if name.endswith(".data/serialization_id"):
                data = serial
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            start = handle.tell() + 30 + len(name.encode()) + 4
            pad = (-start) % ALIGNMENT
            info.extra = struct.pack("<HH", PADDING_ID, pad) + b"Z" * pad
            target.writestr(info, data)
