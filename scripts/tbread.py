#!/usr/bin/env python3
"""Independent reader of TensorBoard event files, used to check ribbit's TypeScript writer.

Reads TFRecord framing itself (uint64 length, masked CRC-32C of the length, data, masked CRC-32C of the
data; CRC-32C computed by a pure-Python table implementation here), parses every record as a
tensorboard.Event with google.protobuf (messages compiled at run time from the .proto files in
--protos with `protoc --descriptor_set_out`), and prints one JSON object per event, one per line.

For images and audio it also checks the payload: PNG signature, IHDR size, and the inflated IDAT size
(height * (1 + width * channels)); WAV RIFF/fmt/data header fields.

Usage: python3 scripts/tbread.py [--protos DIR] EVENT_FILE_OR_LOG_DIR...
Exit status 1 (with a message on stderr) on a CRC mismatch, a truncated record or an unparsable event.
Needs: python3-protobuf (google.protobuf) and protoc (Debian: protobuf-compiler).
"""

import argparse
import base64
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc32c(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283, "CRC-32C self-test"


def load_event_class(proto_dir):
    """Compiles the .proto files with protoc into a descriptor set and builds the Event message class."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    protos = sorted(f for f in os.listdir(proto_dir) if f.endswith(".proto"))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "tb.desc")
        subprocess.run(
            ["protoc", "-I", proto_dir, "--include_imports", "--descriptor_set_out=" + out, *protos],
            check=True,
        )
        with open(out, "rb") as f:
            fds = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for fd in fds.file:
        pool.Add(fd)
    desc = pool.FindMessageTypeByName("tensorboard.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


def read_records(path):
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        if pos + 12 > len(data):
            raise ValueError("%s: truncated record header at byte %d" % (path, pos))
        header = data[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        (len_crc,) = struct.unpack("<I", data[pos + 8 : pos + 12])
        if len_crc != masked_crc32c(header):
            raise ValueError("%s: length CRC mismatch at byte %d" % (path, pos))
        start = pos + 12
        if start + length + 4 > len(data):
            raise ValueError("%s: truncated record data at byte %d" % (path, pos))
        body = data[start : start + length]
        (data_crc,) = struct.unpack("<I", data[start + length : start + length + 4])
        if data_crc != masked_crc32c(body):
            raise ValueError("%s: data CRC mismatch at byte %d" % (path, pos))
        yield pos, body
        pos = start + length + 4


def check_png(b):
    info = {"signature_ok": b[:8] == b"\x89PNG\r\n\x1a\n"}
    pos = 8
    idat = b""
    chunks = []
    while pos + 8 <= len(b):
        (n,) = struct.unpack(">I", b[pos : pos + 4])
        kind = b[pos + 4 : pos + 8].decode("latin1")
        body = b[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack(">I", b[pos + 8 + n : pos + 12 + n])
        if crc != zlib.crc32(b[pos + 4 : pos + 8 + n]) & 0xFFFFFFFF:
            info["chunk_crc_error"] = kind
        chunks.append(kind)
        if kind == "IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            info.update(width=w, height=h, bit_depth=depth, color_type=ctype)
        elif kind == "IDAT":
            idat += body
        pos += 12 + n
    info["chunks"] = chunks
    info["idat_inflated_bytes"] = len(zlib.decompress(idat)) if idat else 0
    return info


def check_wav(b):
    info = {"riff": b[0:4].decode("latin1"), "wave": b[8:12].decode("latin1"), "riff_size": struct.unpack("<I", b[4:8])[0]}
    info["fmt"] = b[12:16].decode("latin1")
    fmt_size, code, channels, rate, byte_rate, align, bits = struct.unpack("<IHHIIHH", b[16:36])
    info.update(fmt_size=fmt_size, format_code=code, channels=channels, sample_rate=rate, byte_rate=byte_rate, block_align=align, bits_per_sample=bits)
    info["data"] = b[36:40].decode("latin1")
    info["data_size"] = struct.unpack("<I", b[40:44])[0]
    info["file_size"] = len(b)
    return info


INT64_FIELDS = {"step", "num_channels", "length_frames", "size"}


def normalise(obj):
    """MessageToDict writes int64 as strings; turn them back into numbers."""
    if isinstance(obj, dict):
        return {k: (int(v) if k in INT64_FIELDS and isinstance(v, str) else normalise(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [normalise(v) for v in obj]
    return obj


def event_to_json(event):
    from google.protobuf import json_format

    d = normalise(json_format.MessageToDict(event, preserving_proto_field_name=True))
    d["wall_time"] = event.wall_time  # exact double, also when 0
    d["step"] = event.step
    if event.HasField("summary"):
        for v, dv in zip(event.summary.value, d["summary"].get("value", [])):
            kind = v.WhichOneof("value")
            dv["kind"] = kind
            if kind == "simple_value":
                dv["simple_value"] = v.simple_value
            elif kind == "image":
                dv["png"] = check_png(v.image.encoded_image_string)
            elif kind == "audio":
                dv["wav"] = check_wav(v.audio.encoded_audio_string)
            elif kind == "tensor" and v.tensor.string_val:
                dv["text"] = [s.decode("utf-8") for s in v.tensor.string_val]
    return d


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--protos", default=os.path.join(here, "..", "tests", "fixtures", "tensorboard"))
    ap.add_argument("--no-bytes", action="store_true", help="drop base64 payloads from the output")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    files = []
    for p in args.paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p) if "tfevents" in f)
        else:
            files.append(p)
    Event = load_event_class(args.protos)
    try:
        for path in files:
            for offset, body in read_records(path):
                event = Event.FromString(body)
                d = event_to_json(event)
                d["_file"] = path
                d["_offset"] = offset
                d["_crc_ok"] = True
                if args.no_bytes:
                    for v in d.get("summary", {}).get("value", []):
                        for key in ("image", "audio"):
                            for f in ("encoded_image_string", "encoded_audio_string"):
                                if key in v and f in v[key]:
                                    v[key][f] = "<%d bytes>" % len(base64.b64decode(v[key][f]))
                print(json.dumps(d))
    except ValueError as e:
        print("tbread: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
