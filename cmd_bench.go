package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/sipbench/sipbench/eval"
)

const benchUsage = "sipbench bench [--grid 64] [--batch 32] [--threads 1,2] [--steps 10] [--warmup 2] [--levels 4] [--filters 16]"

// cmdBench times whole U-Net training steps: forward in training mode, backward of the
// L2 loss ½‖NN(x) − x*‖², one Adam step. It prints one line of key=value pairs per thread
// count; bench/torch_unet.py prints the same for PyTorch.
func cmdBench(args []string) error {
	fs := newFlags("bench", benchUsage)
	grid := fs.Int("grid", 64, "field size (grid×grid), divisible by 2^(levels−1)")
	batch := fs.Int("batch", 32, "examples per step")
	defThreads := "1"
	if nc := runtime.NumCPU(); nc > 1 {
		defThreads = fmt.Sprintf("1,%d", nc)
	}
	threads := fs.String("threads", defThreads, "comma-separated thread counts (the tape's Threads), one line each")
	steps := fs.Int("steps", 10, "timed steps per configuration (the median is reported)")
	warmup := fs.Int("warmup", 2, "untimed steps before the timed ones")
	levels := fs.Int("levels", 4, "U-Net levels")
	filters := fs.Int("filters", 16, "U-Net filters per level")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("run 'sipbench bench -h' for the flags", "bench takes no arguments, got %q", pos[0])
	}
	hint := "run 'sipbench bench -h' for the flags"
	switch {
	case *levels < 1 || *levels > 12:
		return usagef(hint, "--levels must be between 1 and 12, got %d", *levels)
	case *grid < 1 || *grid%(1<<(*levels-1)) != 0:
		return usagef(hint, "--grid %d must be positive and divisible by 2^(levels−1) = %d", *grid, 1<<(*levels-1))
	case *batch < 1:
		return usagef(hint, "--batch must be ≥ 1, got %d", *batch)
	case *batch**grid**grid < 2:
		return usagef(hint, "--batch × --grid² must be at least 2 (BatchNorm needs two values per channel)")
	case *steps < 1:
		return usagef(hint, "--steps must be ≥ 1, got %d", *steps)
	case *warmup < 0:
		return usagef(hint, "--warmup must be ≥ 0, got %d", *warmup)
	case *filters < 1:
		return usagef(hint, "--filters must be ≥ 1, got %d", *filters)
	}
	ths, err := parseInts(*threads)
	if err != nil || len(ths) == 0 || slices.Contains(ths, 0) {
		return usagef(hint, "--threads: want a comma-separated list of thread counts ≥ 1, got %q", *threads)
	}
	for _, th := range ths {
		r := eval.BenchUNet(eval.BenchConfig{Grid: *grid, Batch: *batch, Levels: *levels, Filters: *filters,
			Threads: th, Steps: *steps, Warmup: *warmup})
		printBench(os.Stdout, r)
	}
	return nil
}

// printBench writes one result as a line of key=value pairs, the format of
// bench/torch_unet.py.
func printBench(w io.Writer, r eval.BenchResult) {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	fmt.Fprintf(w, "impl=sipbench grid=%d batch=%d levels=%d filters=%d threads=%d steps=%d ms_per_step=%.1f ms_min=%.1f gflop_per_step=%.3f gflops=%.2f loss_first=%.5g loss_last=%.5g\n",
		r.Grid, r.Batch, r.Levels, r.Filters, r.Threads, r.Steps, ms(r.Median), ms(r.Min), r.GFLOP,
		r.GFLOP/r.Median.Seconds(), r.Loss[0], r.Loss[1])
}
