"""Writes seed inputs for a data-file fuzz target (fuzz/run-data.sh): small
valid files of each kind and a few hostile ones, in the target's input
layout (CSV and IDX inputs start with option bytes, see fuzz/Fuzz*.swift)."""
import json, os, struct, sys

target, folder = sys.argv[1], sys.argv[2]
os.makedirs(folder, exist_ok=True)
root = os.path.join(os.path.dirname(__file__), "..")

def put(name, data):
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data)

def npy(descr, shape, payload, version=1):
    dims = "(%d,)" % shape[0] if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, dims)
    prefix = 10 if version == 1 else 12
    header += " " * ((64 - (prefix + len(header) + 1) % 64) % 64) + "\n"
    length = struct.pack("<H" if version == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + length + header.encode() + payload

if target == "npy":
    put("f4", npy("<f4", [3, 2], struct.pack("<6f", 1, 2, 3, 4, 5, 6)))
    put("f8", npy("<f8", [2], struct.pack("<2d", 0.5, -1)))
    put("u1", npy("|u1", [2, 2, 2], bytes(range(8)), version=2))
    put("i4", npy("<i4", [3], struct.pack("<3i", 0, 1, 2)))
    put("i8", npy("<i8", [2], struct.pack("<2q", 1, 7)))
    put("nested", b"\x93NUMPY\x01\x00" + struct.pack("<H", 200) + b"(" * 200)
elif target == "idx":
    put("images", b"\x00" + bytes([0, 0, 8, 3]) + struct.pack(">3I", 2, 2, 2) + bytes(range(8)))
    put("labels", b"\x01" + bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + bytes([0, 1, 2]))
elif target == "csv":
    for name in ("iris.csv", "digits.csv"):
        with open(os.path.join(root, "Sources/NNCRuntime/Resources", name), "rb") as f:
            put(name, bytes([4, 64]) + f.read()[:4000])
    put("named", bytes([4, 7]) + b"a,b,species\n1,2,setosa\n3,4,virginica\n")
    put("crlf", bytes([0, 3]) + b"\xef\xbb\xbf1, 2 ,\"0\"\r\n3,4,1\r\n\r\n")
    put("known", bytes([16, 5]) + b"1,2,a\n3,4,b\n")
elif target == "safetensors":
    def st(tensors, metadata):
        header, data = {}, b""
        if metadata:
            header["__metadata__"] = metadata
        for name, values in tensors:
            header[name] = {"dtype": "F32", "shape": [len(values)], "data_offsets": [len(data), len(data) + 4 * len(values)]}
            data += struct.pack("<%df" % len(values), *values)
        text = json.dumps(header, separators=(",", ":")).encode()
        text += b" " * ((8 - len(text) % 8) % 8)
        return struct.pack("<Q", len(text)) + text + data
    put("model", st([("dense1.weight", [0.5, -1, 2, 0]), ("dense1.bias", [0.1])], {}))
    put("checkpoint", st([("parameters", [1, 2, 3]), ("optimizer_state", [0, 0, 0])],
                         {"format": "nnc-checkpoint-1", "epoch": "2", "history": "epoch=1 loss=0.5\nepoch=2 loss=0.25"}))
