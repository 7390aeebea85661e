#!/usr/bin/env python3
"""Reference rollouts of the SIP paper's fluid problem from PhiFlow 2.2.3, for
problems/fluid's TestPhiFlowFixtures.

This script is never run by the tests or by CI: the Go tests read the fixtures it wrote
(phiflow_*.json and phiflow_*.f64.gz beside it). To run it again (Debian 12, no package
index needed; see shared/reference/phiflow.md):

    apt-get install -y python3-numpy python3-scipy
    # PhiFlow's phi/ folder at tag 2.2.3, with numpy 1.24's removed aliases replaced:
    #   np.object -> object, np.bool -> np.bool_  (phi/math/_tensors.py,
    #   phi/math/backend/_numpy_backend.py, phi/math/backend/_dtype.py)
    PYTHONPATH=<folder holding phi/> /usr/bin/python3 phiflow_fixtures.py

What it computes, with the numpy backend in float64, for each case: the original's physics
step, loss and SIP estimate (estimate_v0) as shared/reference/experiments.md states them,
with one change: every pressure solve runs CG to an absolute residual of 1e-13 instead of
the original's 1e-4 (1e-5 for the first projection), so that the reference is the exact
discrete physics that sipbench's spectral solve computes.

Inputs (drawn here with numpy's seeded generator, stored in the fixture):
  m0     the marker at t = 0, 0 or 1 per cell (a box times thresholded smooth noise);
  xtrue  a cell-centred velocity: uniform + vortex of strength omega at (64, 64) with
         falloff exp(-|d|^2/800) + smooth random fluctuations; not divergence-free;
  xpred  xtrue with the vortex strength changed by dpred (a "prediction").
Outputs:
  v0     make_incompressible(StaggeredGrid(xtrue)), the staggered velocity the rollout
         starts from;
  mT, vT the marker and the staggered velocity after 8 physics steps from (v0, m0);
  loss   the frequency loss of m(T; xpred) - mT (n = 1, mean ignored) with the
         falloff 80 at n = 64 and, as sipbench scales it, 80 n / 64 at other n;
  omega0, dvort  the SIP estimate's two vortex terms for xpred: the prediction's own
         strength and the correction from the centres of mass.

Layout of the binary file: little-endian float64 arrays in the order of "arrays" in the
JSON file, each of the shape given there. Scalar fields are row-major with row = y and
column = x (cell (i, j) centred at x = (j + 1/2) h, y = (i + 1/2) h). Staggered fields are
[u; v]: u[i, j] at the x-face (x = j h, y = (i + 1/2) h), v[i, j] at the y-face
(x = (j + 1/2) h, y = i h).
"""

import gzip
import json
import os

import numpy as np

from phi import field, geom, math
from phi.field import CenteredGrid, StaggeredGrid
from phi.math import Solve, channel, extrapolation, spatial, vec
from phi.physics import advect, fluid

math.set_global_precision(64)

SIZE = 128
TIME = 2
STEPS = 8
DT = TIME / STEPS
TOL = 1e-13  # absolute CG tolerance (the original: 1e-4)
HERE = os.path.dirname(os.path.abspath(__file__))


def domain(n):
    return dict(x=n, y=n, extrapolation=extrapolation.PERIODIC, bounds=geom.Box(x=SIZE, y=SIZE))


def solve(x0=None):
    return Solve('CG', 0, TOL, max_iterations=100000, x0=x0)


# --- The original's physics, loss and SIP estimate (experiments.md, "Figure 7"), written
# --- against PhiFlow's API; only the pressure solves' tolerance differs (see above).

def frequency_loss(marker, target, falloff):
    """The frequency loss of marker - target: n = 1, mean ignored."""
    return field.frequency_loss(marker - target, n=1, frequency_falloff=falloff, ignore_mean=True)


def step(marker, velocity, p_guess):
    """One step: self-advection, projection, energy rescale per component, marker transport."""
    energy_before = field.mean(velocity ** 2)  # keeps the vector channel: one value per component
    advected = advect.mac_cormack(velocity, velocity, DT)
    projected, p_guess = fluid.make_incompressible(advected, solve=solve(p_guess))
    energy_after = field.mean(projected ** 2)
    factor = math.where(energy_after == 0, energy_after, math.sqrt(energy_before / energy_after))
    velocity = projected * factor
    return advect.mac_cormack(marker, velocity, DT), velocity, p_guess


def simulate(v0_centred, marker, dom):
    """Project StaggeredGrid(v0) and run the 8 steps; returns the start, all markers, the end."""
    velocity, _ = fluid.make_incompressible(StaggeredGrid(v0_centred, **dom), solve=solve())
    start, markers = velocity, [marker]
    p = CenteredGrid(0, **dom)
    for _ in range(STEPS):
        marker, velocity, p = step(marker, velocity, p)
        markers.append(marker)
    return start, markers, velocity


def sip_vortex_terms(pred, m0, mT, dom):
    """The two terms of the SIP estimate's vortex strength: the prediction's own strength,
    and the correction from the forward/reverse centres of mass (9 pairs, about a vortex
    centre placed at 64 + u*T for the last pair and 64 + u*k for the pair at step k < 8)."""
    d = pred.points - 64
    omega = math.mean(math.cross_product(-pred.values, d), pred.shape.spatial) / 120.5
    _, fwd, v_end = simulate(pred, m0, dom)
    _, rev, _ = simulate_from_staggered(-v_end, mT, dom)
    shift = 64 - field.center_of_mass(m0)  # = u*T
    terms = []
    for k in range(STEPS + 1):
        centre = 64 + shift if k == STEPS else 64 + shift / TIME * k
        r = field.center_of_mass(rev[STEPS - k])
        terms.append(math.cross_product(field.center_of_mass(fwd[k]) - r, r - centre))
    corr = sum(terms[1:], terms[0]) / len(terms) * 1e-3
    return float(omega), float(corr)


def simulate_from_staggered(velocity, marker, dom):
    """simulate() without the initial projection, from a staggered velocity."""
    markers = [marker]
    p = CenteredGrid(0, **dom)
    for _ in range(STEPS):
        marker, velocity, p = step(marker, velocity, p)
        markers.append(marker)
    return None, markers, velocity


# --- Inputs. ---

def smooth_noise(rng, n, modes):
    """A real periodic field: random Fourier coefficients on |k| <= modes, unit std."""
    c = np.zeros((n, n), complex)
    for ky in range(-modes, modes + 1):
        for kx in range(-modes, modes + 1):
            if 0 < kx * kx + ky * ky <= modes * modes:
                c[ky % n, kx % n] = rng.normal() + 1j * rng.normal()
    f = np.real(np.fft.ifft2(c))
    return f / f.std()


def vortex(n, omega):
    """omega * exp(-|d|^2/(2*20^2)) * (-d_y, d_x) at the cell centres, as (vx, vy)."""
    h = SIZE / n
    c = (np.arange(n) + 0.5) * h - 64
    dx, dy = np.meshgrid(c, c)  # [i, j]: dx varies with j (x), dy with i (y)
    a = omega * np.exp(-0.5 * (dx * dx + dy * dy) / 20 ** 2)
    return -a * dy, a * dx


def make_case(name, n, seed, omega, dpred, box, fill):
    rng = np.random.default_rng(seed)
    h = SIZE / n
    cx, cy = box
    xs = (np.arange(n) + 0.5) * h
    inbox = (np.abs(xs[None, :] - cx) <= 28) & (np.abs(xs[:, None] - cy) <= 28)
    s = np.where(inbox, smooth_noise(rng, n, 6), -np.inf)
    k = int(round(fill * n * n))
    m0 = (s >= np.sort(s.ravel())[-k]).astype(float)
    com = np.array([(m0 * xs[None, :]).sum(), (m0 * xs[:, None]).sum()]) / m0.sum()
    u = (64 - com) / TIME
    fx, fy = 0.1 * smooth_noise(rng, n, 5), 0.1 * smooth_noise(rng, n, 5)
    vx, vy = vortex(n, omega)
    xtrue = np.stack([u[0] + vx + fx, u[1] + vy + fy])
    px, py = vortex(n, dpred)
    xpred = xtrue + np.stack([px, py])

    dom = domain(n)

    def centred(a):  # a: [2, n(y), n(x)]
        t = math.tensor(np.stack([a[0].T, a[1].T], -1), spatial('x,y'), channel(vector='x,y'))
        return CenteredGrid(t, **dom)

    def scalar(a):
        return CenteredGrid(math.tensor(a.T, spatial('x,y')), **dom)

    def stag_values(g):
        vals = g.values
        return np.stack([vals.vector['x'].numpy('y,x'), vals.vector['y'].numpy('y,x')])

    m0g = scalar(m0)
    v0, markers, vT = simulate(centred(xtrue), m0g, dom)
    mT = markers[-1]
    _, pred_markers, _ = simulate(centred(xpred), m0g, dom)
    falloff = 80 * n / 64  # sipbench's falloff at n cells (the original's 80 at n = 64)
    loss = float(frequency_loss(pred_markers[-1], mT, falloff))
    omega0, dvort = sip_vortex_terms(centred(xpred), m0g, mT, dom)

    arrays = [("m0", m0), ("xtrue", xtrue), ("v0", stag_values(v0)), ("mT", mT.values.numpy('y,x')),
              ("vT", stag_values(vT))]
    meta = dict(
        case=name, n=n, seed=seed, omega=omega, dpred=dpred, box=list(box), fill=fill,
        falloff=falloff, loss=loss, omega0=omega0, dvort=dvort,
        arrays=[dict(name=a, shape=list(np.shape(v))) for a, v in arrays],
        phiflow="2.2.3", precision=64, cg_absolute_tolerance=TOL,
    )
    with gzip.GzipFile(os.path.join(HERE, f"phiflow_{name}.f64.gz"), "wb", mtime=0) as fh:
        for _, v in arrays:
            fh.write(np.ascontiguousarray(v, dtype='<f8').tobytes())
    with open(os.path.join(HERE, f"phiflow_{name}.json"), "w") as fh:
        json.dump(meta, fh, indent=1)
        fh.write("\n")
    print(name, "loss", loss, "omega0", omega0, "dvort", dvort)


if __name__ == "__main__":
    make_case("vortex64", 64, 1, omega=1.5, dpred=-0.8, box=(45.0, 78.0), fill=0.12)
    make_case("mild32", 32, 2, omega=-0.6, dpred=0.5, box=(70.0, 52.0), fill=0.08)
