"""Reads TensorBoard event files without TensorBoard: the TFRecord framing, each masked CRC-32C, and the fields of the Event
protobuf that scalars use. Prints JSON: one entry per file of the folder (sorted by name, as TensorBoard reads them), each with
its events. Exits non-zero on a bad length, checksum or wire type.

usage: python3 read_tfevents.py FOLDER
"""
import json
import os
import struct
import sys


def crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


TABLE = crc32c_table()


def masked_crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def records(blob):
    at = 0
    while at < len(blob):
        header = blob[at:at + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", blob[at + 8:at + 12])
        if masked_crc32c(header) != length_crc:
            raise ValueError(f"bad length checksum at byte {at}")
        data = blob[at + 12:at + 12 + length]
        (data_crc,) = struct.unpack("<I", blob[at + 12 + length:at + 16 + length])
        if len(data) != length or masked_crc32c(data) != data_crc:
            raise ValueError(f"bad data checksum at byte {at}")
        yield data
        at += 16 + length


def varint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def fields(data):
    """(field number, wire type, value) of a protobuf message; bytes for length-delimited fields."""
    at = 0
    while at < len(data):
        key, at = varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = varint(data, at)
        elif wire == 1:
            value, at = data[at:at + 8], at + 8
        elif wire == 2:
            length, at = varint(data, at)
            value, at = data[at:at + length], at + length
        elif wire == 5:
            value, at = data[at:at + 4], at + 4
        else:
            raise ValueError(f"unexpected wire type {wire}")
        yield number, wire, value


def event(data):
    """Event: wall_time = 1 (double), step = 2 (int64), file_version = 3 (string), summary = 5 (Summary). A proto3 field left out is 0."""
    parsed = {"wall_time": 0.0, "step": 0, "file_version": None, "values": []}
    for number, wire, value in fields(data):
        if number == 1 and wire == 1:
            parsed["wall_time"] = struct.unpack("<d", value)[0]
        elif number == 2 and wire == 0:
            parsed["step"] = value
        elif number == 3 and wire == 2:
            parsed["file_version"] = value.decode("utf-8")
        elif number == 5 and wire == 2:
            parsed["values"] = [summary_value(v) for n, w, v in fields(value) if n == 1 and w == 2]
    return parsed


def summary_value(data):
    """Summary.Value: tag = 1 (string), simple_value = 2 (float)."""
    parsed = {"tag": None, "simple_value": 0.0}
    for number, wire, value in fields(data):
        if number == 1 and wire == 2:
            parsed["tag"] = value.decode("utf-8")
        elif number == 2 and wire == 5:
            parsed["simple_value"] = struct.unpack("<f", value)[0]
    return parsed


folder = sys.argv[1]
files = []
for name in sorted(os.listdir(folder)):
    if "tfevents" in name:
        with open(os.path.join(folder, name), "rb") as stream:
            files.append({"file": name, "events": [event(r) for r in records(stream.read())]})
print(json.dumps(files))
