#!/usr/bin/env python3
"""The planar three-link arm of examples/arm as a sipbench problem process, NumPy only.

    sipbench run --problem-cmd 'python3 examples/arm/problem.py' --steps 200 --headless
    sipbench conform --problem-cmd 'python3 examples/arm/problem.py'

It speaks the problem process protocol of docs/problem-protocol.md (version 1) on stdin and
stdout; logs go to stderr. The arithmetic is arm.go's, operation for operation in float64,
so that a run trains to the Go version's metrics (examples/arm/cmd/armbench/main_test.go).
Copy it as the start of your own problem: replace the functions between the two rules.
"""
import json
import math
import struct
import sys

import numpy as np

PROTOCOL = 1

# ---------------------------------------------------------------- the problem (arm.go)
L = (1.0, 0.8, 0.6)          # the links' lengths
DAMPING = 1e-2               # λ of the Gauss–Newton update
LOW = (0.0, -1.5, -2.5)      # the sampling ranges of θ
HIGH = (math.pi, 1.5, 2.5)
MASK = (1 << 64) - 1

DESCRIPTION = {
    "protocol": PROTOCOL,
    "name": "arm",
    "x_shape": [3],
    "y_shape": [4],
    "metrics": ["x_l1", "y_l2", "hand_dist", "wrist_flip"],
    "updates": ["gauss-newton", "analytic"],
    "preset": {  # the Go preset's network, methods, steps and batch (arm.go's Preset)
        "network": {"kind": "mlp", "sizes": [4, 32, 64, 32, 3], "activation": "relu"},
        "methods": [
            {"name": "gauss-newton", "source": "inverse", "update": "gauss-newton", "optimizer": "adam", "lr": 1e-3, "default": True},
            {"name": "analytic", "source": "inverse", "update": "analytic", "optimizer": "adam", "lr": 1e-3, "default": True},
            {"name": "adam", "source": "adjoint", "optimizer": "adam", "lr": 1e-3, "default": True},
            {"name": "supervised", "source": "supervised", "optimizer": "adam", "lr": 1e-3, "default": True},
        ],
        "steps": 3000,
        "batch": 64,
        "metric": "hand_dist",
        "reference": "analytic",
        "reduction": "mean",
    },
}


def splitmix64(state):
    """Returns (the next 64 bits, the new state)."""
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31), state


def sample(seed, batch):
    x = np.empty((batch, 3), dtype=np.float32)
    state = seed
    for i in range(batch):
        for j in range(3):
            bits, state = splitmix64(state)
            u = float(bits >> 11) * 2.0 ** -53
            x[i, j] = np.float32(LOW[j] + (HIGH[j] - LOW[j]) * u)
    return x, forward(x)


def pose(x):
    """The absolute angles' cosines and sines (lists of arrays over the batch), the elbow,
    the wrist and the hand."""
    t = x.astype(np.float64)
    a = np.zeros(t.shape[0])
    c, s = [], []
    for j in range(3):
        a = a + t[:, j]
        c.append(np.cos(a))
        s.append(np.sin(a))
    ex, ey = L[0] * c[0], L[0] * s[0]
    wx, wy = ex + L[1] * c[1], ey + L[1] * s[1]
    hx, hy = wx + L[2] * c[2], wy + L[2] * s[2]
    return c, s, (ex, ey, hx, hy)


def jacobian(c, s):
    """J[k][j] = ∂P_k/∂θ_j, arrays over the batch."""
    zero = np.zeros_like(c[0])
    J = [[zero] * 3 for _ in range(4)]
    J[0][0], J[1][0] = -L[0] * s[0], L[0] * c[0]
    for j in range(3):
        sx, sy = zero, zero
        for k in range(2, j - 1, -1):
            sx = sx + -L[k] * s[k]
            sy = sy + L[k] * c[k]
        J[2][j], J[3][j] = sx, sy
    return J


def residual(P, y):
    yd = y.astype(np.float64)
    return [P[k] - yd[:, k] for k in range(4)]


def forward(x):
    _, _, P = pose(x)
    return np.stack(P, axis=1).astype(np.float32)


def loss(x, y):
    _, _, P = pose(x)
    r = residual(P, y)
    return 0.5 * (r[0] * r[0] + r[1] * r[1] + r[2] * r[2] + r[3] * r[3])


def gradient(x, y):
    c, s, P = pose(x)
    r, J = residual(P, y), jacobian(c, s)
    g = [J[0][j] * r[0] + J[1][j] * r[1] + J[2][j] * r[2] + J[3][j] * r[3] for j in range(3)]
    return np.stack(g, axis=1).astype(np.float32)


def det3(m):
    return (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))


def gauss_newton(x, y):
    c, s, P = pose(x)
    r, J = residual(P, y), jacobian(c, s)
    A = [[J[0][j] * J[0][k] + J[1][j] * J[1][k] + J[2][j] * J[2][k] + J[3][j] * J[3][k] for k in range(3)] for j in range(3)]
    for j in range(3):
        A[j][j] = A[j][j] + DAMPING
    g = [-(J[0][j] * r[0] + J[1][j] * r[1] + J[2][j] * r[2] + J[3][j] * r[3]) for j in range(3)]
    D = det3(A)
    d = []
    for col in range(3):
        m = [row[:] for row in A]
        for row in range(3):
            m[row][col] = g[row]
        d.append(det3(m) / D)
    return np.stack(d, axis=1).astype(np.float32)


def wrap(v):
    return v - 2 * math.pi * np.floor(v / (2 * math.pi) + 0.5)


def analytic(x, y):
    t = x.astype(np.float64)
    yd = y.astype(np.float64)
    t1 = np.arctan2(yd[:, 1], yd[:, 0])
    dx, dy = yd[:, 2] - yd[:, 0], yd[:, 3] - yd[:, 1]
    D = np.sqrt(dx * dx + dy * dy)
    D = np.maximum(abs(L[1] - L[2]), np.minimum(L[1] + L[2], D))
    cc = (D * D - L[1] * L[1] - L[2] * L[2]) / (2 * L[1] * L[2])
    t3 = np.arccos(np.maximum(-1.0, np.minimum(1.0, cc)))
    t3 = np.where(t[:, 2] < 0, -t3, t3)
    a2 = np.arctan2(dy, dx) - np.arctan2(L[2] * np.sin(t3), L[1] + L[2] * np.cos(t3))
    inv = [t1, a2 - t1, t3]
    return np.stack([wrap(inv[j] - t[:, j]) for j in range(3)], axis=1).astype(np.float32)


def metrics(x, y, x_true):
    t, tt = x.astype(np.float64), x_true.astype(np.float64)
    _, _, P = pose(x)
    r = residual(P, y)
    n = float(x.shape[0])
    l1 = np.abs(t - tt).sum()
    l2 = (0.5 * (r[0] * r[0] + r[1] * r[1] + r[2] * r[2] + r[3] * r[3])).sum()
    hd = np.sqrt(r[2] * r[2] + r[3] * r[3]).sum()
    flip = float(np.count_nonzero(t[:, 2] * tt[:, 2] < 0))
    return np.array([l1 / (3 * n), l2 / n, hd / n, flip / n])


UPDATES = {"gauss-newton": gauss_newton, "analytic": analytic}
# ---------------------------------------------------------------- the protocol


def read_exact(f, n):
    b = f.read(n)
    if len(b) < n:
        raise EOFError
    return b


def read_request(f):
    (n,) = struct.unpack("<I", read_exact(f, 4))
    header = json.loads(read_exact(f, n))
    arrays = {}
    for a in header.get("arrays", []):
        dtype = {"f32": "<f4", "f64": "<f8"}[a["dtype"]]
        count = int(np.prod(a["shape"]))
        raw = read_exact(f, count * np.dtype(dtype).itemsize)
        arrays[a["name"]] = np.frombuffer(raw, dtype=dtype).reshape(a["shape"])
    return header, arrays


def write_answer(f, header, arrays=()):
    """arrays: (name, array) pairs, float32 or float64."""
    header = dict(header)
    if arrays:
        header["arrays"] = [{"name": name, "dtype": "f64" if a.dtype == np.float64 else "f32", "shape": list(a.shape)}
                            for name, a in arrays]
    h = json.dumps(header).encode()
    f.write(struct.pack("<I", len(h)) + h)
    for _, a in arrays:
        f.write(a.astype("<f8" if a.dtype == np.float64 else "<f4").tobytes())
    f.flush()


def answer(header, arrays):
    call = header["call"]
    if call == "describe":
        return DESCRIPTION, ()
    if call == "sample":
        x, y = sample(int(header["seed"]), int(header["batch"]))
        return {}, (("x", x), ("y", y))
    x = arrays.get("x")
    if call == "forward":
        return {}, (("y", forward(x)),)
    if call == "loss":
        return {}, (("loss", loss(x, arrays["y"])),)
    if call == "gradient":
        return {}, (("grad", gradient(x, arrays["y"])),)
    if call == "update":
        return {}, (("dx", UPDATES[header["name"]](x, arrays["y"])),)
    if call == "metrics":
        return {}, (("metrics", metrics(x, arrays["y"], arrays["x_true"])),)
    raise ValueError("unknown call %r" % call)


def main():
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            header, arrays = read_request(stdin)
        except EOFError:
            return  # sipbench closed our stdin: the job is over
        try:
            h, out = answer(header, arrays)
        except Exception as e:  # a failure of one call is an answer, not a crash
            print("problem.py: %s: %r" % (header.get("call"), e), file=sys.stderr)
            h, out = {"error": "%s: %s" % (type(e).__name__, e)}, ()
        write_answer(stdout, h, out)


if __name__ == "__main__":
    main()
