package cli

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/eval"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
)

const benchUsage = "sipbench bench [--grid 64] [--batch 32] [--threads 1,2] [--steps 10] [--warmup 2] [--levels 4] [--filters 16]\n" +
	"       sipbench bench --preset PRESET [--scale paper] [--method M] [--seed 0] [--threads 1,2] [--steps 10] [--warmup 2]\n" +
	"       (either form) [--cpuprofile FILE]: a pprof CPU profile of the whole command;\n" +
	"       SIPBENCH_KERNELS=avx2 in the environment runs the AVX2 kernels on a CPU with AVX-512"

// cmdBench times whole U-Net training steps: forward in training mode, backward of the
// L2 loss ½‖NN(x) − x*‖², one Adam step. It prints one line of key=value pairs per thread
// count; bench/torch_unet.py prints the same for PyTorch. With --preset it times a
// preset's training steps instead, as the runner trains one job (runner.StepTimes).
func cmdBench(args []string) error {
	fs := cmdline.NewFlags("bench", benchUsage)
	grid := fs.Int("grid", 64, "field size (grid×grid), divisible by 2^(levels−1)")
	batch := fs.Int("batch", 32, "examples per step")
	threads := fs.String("threads", defaultThreads(), "comma-separated thread counts (the tape's Threads), one line each")
	steps := fs.Int("steps", 10, "timed steps per configuration (the median is reported)")
	warmup := fs.Int("warmup", 2, "untimed steps before the timed ones")
	levels := fs.Int("levels", 4, "U-Net levels")
	filters := fs.Int("filters", 16, "U-Net filters per level")
	preset := fs.String("preset", "", "time a preset's training steps (one job, as the runner trains it) instead of the bare U-Net")
	scale := fs.String("scale", "paper", "with --preset: the preset's scale")
	method := fs.String("method", "", "with --preset: the method (default: the preset's first)")
	seed := fs.Int("seed", 0, "with --preset: the job's seed")
	cpuprofile := fs.String("cpuprofile", "", "write a pprof CPU profile of the command to this file (for go tool pprof)")
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cmdline.Usagef("run 'sipbench bench -h' for the flags", "bench takes no arguments, got %q", pos[0])
	}
	hint := "run 'sipbench bench -h' for the flags"
	switch {
	case *levels < 1 || *levels > 12:
		return cmdline.Usagef(hint, "--levels must be between 1 and 12, got %d", *levels)
	case *grid < 1 || *grid%(1<<(*levels-1)) != 0:
		return cmdline.Usagef(hint, "--grid %d must be positive and divisible by 2^(levels−1) = %d", *grid, 1<<(*levels-1))
	case *batch < 1:
		return cmdline.Usagef(hint, "--batch must be ≥ 1, got %d", *batch)
	case *batch**grid**grid < 2:
		return cmdline.Usagef(hint, "--batch × --grid² must be at least 2 (BatchNorm needs two values per channel)")
	case *steps < 1:
		return cmdline.Usagef(hint, "--steps must be ≥ 1, got %d", *steps)
	case *warmup < 0:
		return cmdline.Usagef(hint, "--warmup must be ≥ 0, got %d", *warmup)
	case *filters < 1:
		return cmdline.Usagef(hint, "--filters must be ≥ 1, got %d", *filters)
	}
	ths, err := cmdline.ParseInts(*threads)
	if err != nil || len(ths) == 0 || slices.Contains(ths, 0) {
		return cmdline.Usagef(hint, "--threads: want a comma-separated list of thread counts ≥ 1, got %q", *threads)
	}
	stopProfile, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	if *preset != "" {
		return benchPreset(os.Stdout, *preset, *scale, *method, *seed, ths, *warmup, *steps)
	}
	for _, th := range ths {
		var cpu cpuMark
		r := eval.BenchUNet(eval.BenchConfig{Grid: *grid, Batch: *batch, Levels: *levels, Filters: *filters,
			Threads: th, Steps: *steps, Warmup: *warmup, Mark: cpu.mark})
		printBench(os.Stdout, r, cpu.perStep(*steps))
	}
	return nil
}

// defaultThreads is --threads' default: 1, and every core if there are more.
func defaultThreads() string {
	if nc := runtime.NumCPU(); nc > 1 {
		return fmt.Sprintf("1,%d", nc)
	}
	return "1"
}

// startCPUProfile writes a pprof CPU profile to path ("": none) until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// cpuMark measures the process's CPU time between mark(true) and mark(false).
type cpuMark struct {
	t  time.Duration
	ok bool
}

func (c *cpuMark) mark(start bool) {
	t, ok := processCPU()
	if start {
		c.t, c.ok = t, ok
		return
	}
	c.t, c.ok = t-c.t, c.ok && ok
}

// perStep returns the measured CPU time divided by steps, 0 if it was not measured.
func (c *cpuMark) perStep(steps int) time.Duration {
	if !c.ok || steps < 1 {
		return 0
	}
	return c.t / time.Duration(steps)
}

// benchPreset times the training steps of one job of the preset at the scale, one line
// per thread count.
func benchPreset(w io.Writer, name, scale, method string, seed int, threads []int, warmup, steps int) error {
	p, err := presets.Lookup(name)
	if err != nil {
		return cmdline.Usagef("run 'sipbench list' for the presets", "%v", err)
	}
	var methods []string
	if method != "" {
		methods = []string{method}
	}
	spec, err := p.Resolve(scale, methods, nil)
	if err != nil {
		return cmdline.Usagef("run 'sipbench list' for the presets, scales and methods", "%v", err)
	}
	m := spec.Methods[0].Name
	for _, th := range threads {
		var cpu cpuMark
		st, err := runner.StepTimes(spec, m, seed, th, warmup, steps, cpu.mark)
		if err != nil {
			return err
		}
		times := st.Times
		slices.Sort(times)
		med := times[len(times)/2]
		if len(times)%2 == 0 {
			med = (times[len(times)/2-1] + times[len(times)/2]) / 2
		}
		fmt.Fprintf(w, "impl=sipbench preset=%s scale=%s method=%s batch=%d threads=%d steps=%d ms_per_step=%.1f ms_min=%.1f%s%s\n",
			name, spec.Scale, m, spec.Common.Batch, th, steps, cmdline.Ms(med), cmdline.Ms(times[0]), cgFields(st), resourceFields(cpu.perStep(steps)))
	}
	return nil
}

// cgFields returns, for a Hessian-free job, its timed steps' mean CG iterations and their
// limit per step (" cg_iters=50 cg_max=250"); "" for other optimizers.
func cgFields(st runner.StepTiming) string {
	if len(st.CGIterations) == 0 {
		return ""
	}
	sum := 0
	for _, n := range st.CGIterations {
		sum += n
	}
	return fmt.Sprintf(" cg_iters=%.4g cg_max=%d", float64(sum)/float64(len(st.CGIterations)), st.CGMax)
}

// resourceFields returns the key=value pairs that end a bench line: the kernels in use
// (core.Kernels; SIPBENCH_KERNELS=avx2 forces the AVX2 ones), the process's CPU time per
// timed step (user + system, all threads) and its peak resident memory so far, as
// bench/torch_unet.py prints them; those two are left out where the system does not
// report them.
func resourceFields(cpu time.Duration) string {
	s := " kernels=" + core.Kernels()
	if cpu > 0 {
		s += fmt.Sprintf(" cpu_ms_per_step=%.1f", cmdline.Ms(cpu))
	}
	if peak, ok := peakRSSMiB(); ok {
		s += fmt.Sprintf(" peak_rss_mib=%.0f", peak)
	}
	return s
}

// printBench writes one result as a line of key=value pairs, the format of
// bench/torch_unet.py.
func printBench(w io.Writer, r eval.BenchResult, cpu time.Duration) {
	fmt.Fprintf(w, "impl=sipbench grid=%d batch=%d levels=%d filters=%d threads=%d steps=%d ms_per_step=%.1f ms_min=%.1f gflop_per_step=%.3f gflops=%.2f loss_first=%.5g loss_last=%.5g%s\n",
		r.Grid, r.Batch, r.Levels, r.Filters, r.Threads, r.Steps, cmdline.Ms(r.Median), cmdline.Ms(r.Min), r.GFLOP,
		r.GFLOP/r.Median.Seconds(), r.Loss[0], r.Loss[1], resourceFields(cpu))
}
