#!/usr/bin/python3
"""Time whole U-Net training steps in PyTorch, for comparison with `sipbench bench`.

The network is the one of sipbench's core.UNet and the paper (PhiFlow's u_net, see
"The U-Net" in the experiments reference): DoubleConv = circular conv3x3 (with bias) ->
BatchNorm -> ReLU -> circular conv3x3 -> BatchNorm -> ReLU; inc = DoubleConv(1, f, f);
L-1 down blocks (2x2 max pool, DoubleConv(f, f, f)); L-1 up blocks (bilinear x2,
align_corners=False, concat [skip, upsampled], DoubleConv(2f, f, f)); a 1x1 conv f -> 1.

One step is: forward in training mode, the L2 loss 0.5*sum((NN(x) - x*)^2), backward,
one Adam step (lr 1e-3), gradients zeroed first. After --warmup untimed steps, --steps
steps are timed one by one and the median is printed, with GFLOP/s counting the
convolutions only, 3x the forward count (forward, input gradient, weight gradient), the
same count as sipbench's UNet.FLOPs. One line of key=value pairs per thread count, the
format of `sipbench bench`, ending with the cap on oneDNN's instruction set
(DNNL_MAX_CPU_ISA, "auto" if unset), the process's CPU time per timed step (user +
system, all threads) and its peak resident memory so far (ru_maxrss) in MiB.

Usage: /usr/bin/python3 bench/torch_unet.py [--grid 64] [--batch 32] [--threads 1,2]
       [--steps 10] [--warmup 2] [--levels 4] [--filters 16]
"""
import argparse
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class DoubleConv(nn.Module):
    def __init__(self, cin, mid, cout):
        super().__init__()
        self.double_conv = nn.Sequential(
            nn.Conv2d(cin, mid, 3, padding=1, padding_mode="circular"),
            nn.BatchNorm2d(mid),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid, cout, 3, padding=1, padding_mode="circular"),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )

    def forward(self, x):
        return self.double_conv(x)


class UNet(nn.Module):
    def __init__(self, cin, cout, levels, filters):
        super().__init__()
        f = filters
        self.inc = DoubleConv(cin, f, f)
        self.down = nn.ModuleList(
            [nn.Sequential(nn.MaxPool2d(2), DoubleConv(f, f, f)) for _ in range(levels - 1)])
        self.up = nn.ModuleList([DoubleConv(2 * f, f, f) for _ in range(levels - 1)])
        self.outc = nn.Conv2d(f, cout, 1)

    def forward(self, x):
        x = self.inc(x)
        skips = [x]
        for d in self.down:
            x = d(x)
            skips.append(x)
        for i, u in enumerate(self.up):  # up[0] is the deepest
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = u(torch.cat([skips[-2 - i], x], dim=1))
        return self.outc(x)


def unet_flops(n, h, w, levels, f, cin=1, cout=1):
    """Forward FLOPs of the convolutions (2 per multiply-add), as sipbench's UNet.FLOPs."""
    def conv(ci, co, k, hw):
        return 2.0 * n * ci * co * k * k * hw
    total = conv(cin, f, 3, h * w) + conv(f, f, 3, h * w) + conv(f, cout, 1, h * w)
    for i in range(1, levels):
        hw = (h >> i) * (w >> i)
        hw_up = (h >> (i - 1)) * (w >> (i - 1))
        total += 2 * conv(f, f, 3, hw)
        total += conv(2 * f, f, 3, hw_up) + conv(f, f, 3, hw_up)
    return total


def bench(grid, batch, levels, filters, threads, steps, warmup):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = UNet(1, 1, levels, filters)
    net.train()
    x = torch.randn(batch, 1, grid, grid)
    target = torch.randn(batch, 1, grid, grid)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=False)
        loss = 0.5 * ((net(x) - target) ** 2).sum()
        loss.backward()
        opt.step()
        return loss.item()

    first = None
    for _ in range(warmup):
        l = step()
        first = l if first is None else first
    times, last = [], None
    cpu0 = time.process_time()
    for _ in range(steps):
        t0 = time.perf_counter()
        last = step()
        times.append(time.perf_counter() - t0)
        first = last if first is None else first
    cpu = (time.process_time() - cpu0) / steps
    # Peak resident memory of the process so far (Linux reports ru_maxrss in KiB).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    med = statistics.median(times)
    # oneDNN (PyTorch's convolutions) picks its instruction set from the CPU, at most the
    # one this variable names: DNNL_MAX_CPU_ISA=AVX2 is the counterpart of sipbench's
    # SIPBENCH_KERNELS=avx2 on a CPU with AVX-512.
    isa = os.environ.get("ONEDNN_MAX_CPU_ISA", os.environ.get("DNNL_MAX_CPU_ISA", "auto")).lower()
    gflop = 3 * unet_flops(batch, grid, grid, levels, filters) / 1e9
    print(f"impl=pytorch grid={grid} batch={batch} levels={levels} filters={filters} "
          f"threads={threads} steps={steps} ms_per_step={med * 1e3:.1f} ms_min={min(times) * 1e3:.1f} "
          f"gflop_per_step={gflop:.3f} gflops={gflop / med:.2f} loss_first={first:.5g} loss_last={last:.5g} "
          f"kernels=onednn-{isa} cpu_ms_per_step={cpu * 1e3:.1f} peak_rss_mib={peak:.0f}",
          flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--grid", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--levels", type=int, default=4)
    p.add_argument("--filters", type=int, default=16)
    a = p.parse_args()
    try:
        threads = [int(t) for t in a.threads.split(",") if t.strip()]
    except ValueError:
        p.error(f"--threads: want a comma-separated list of thread counts, got {a.threads!r}")
    if (a.levels < 1 or a.grid < 1 or a.grid % (1 << (a.levels - 1)) or a.batch < 1
            or a.steps < 1 or a.warmup < 0 or a.filters < 1 or not threads or min(threads) < 1):
        p.error("bad sizes: grid divisible by 2^(levels-1), every count >= 1")
    for th in threads:
        bench(a.grid, a.batch, a.levels, a.filters, th, a.steps, a.warmup)


if __name__ == "__main__":
    sys.exit(main())
