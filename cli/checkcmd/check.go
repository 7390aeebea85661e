// Package checkcmd is the command `sipbench check`: every claim of the paper against a
// fresh measurement, its plan (--dry-run), its tuned comparison (--tuned) and its JSON.
package checkcmd

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/sipbench/sipbench/check"
	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
)

const checkUsage = "sipbench check [--scale quick|paper|full] [--seeds K] [--seed S] [--only PRESET,…] [--workers W] [--out DIR] [--tuned] [--json]\n" +
	"       sipbench check … --dry-run [--remeasure]  (the plan: experiments, steps, seeds, CPU hours; trains nothing)\n" +
	"       sipbench check … --slurm [--partition P] [--time T] …  (one Slurm array, a task per job; see sipbench run -h)\n" +
	"       sipbench check [--only PRESET,…] [--json] DIR…"

// checkFlags are the flags of `sipbench check`; set names those given.
type checkFlags struct {
	scale, out           string
	seeds, seed, workers int
	only                 []string
	dryRun, tuned, json  bool
	remeasure            bool
	set                  map[string]bool
}

// Run is `sipbench check`: the paper's claims against a fresh measurement. Without
// DIR it plans the runs at a scale, trains them into a check folder and prints each claim
// as soon as its runs have finished; --out naming a check folder continues it. With DIR…
// (check, run or sweep folders, or folders of runs) it measures the claims on them.
// cluster defines the flags that submit the runs to a cluster instead (--slurm).
func Run(args []string, cluster cmdline.Cluster) error {
	fs := cmdline.NewFlags("check", checkUsage)
	var f checkFlags
	fs.StringVar(&f.scale, "scale", "", "quick (default, minutes), paper (the original settings, to each claim's first step) "+
		"or full (every claim at the step the paper names: days of CPU, for a cluster)")
	fs.IntVar(&f.seeds, "seeds", 3, fmt.Sprintf("number of seeds (default 3; %d at the full scale, its least)", check.MinFullSeeds))
	fs.IntVar(&f.seed, "seed", 0, "first seed")
	only := fs.String("only", "", "check only these presets' claims, or these claims (comma-separated: "+
		strings.Join(check.Presets(), ", ")+", or claim IDs as the rows name them)")
	fs.IntVar(&f.workers, "workers", 0, "jobs that train at once (default: the number of cores)")
	fs.StringVar(&f.out, "out", "", "check folder (default: runs/<date-time>-check); a check folder there is continued")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the plan (each experiment's methods, steps, seeds and CPU hours from "+
		"this machine's step costs) and train nothing, make no folder")
	fs.BoolVar(&f.tuned, "tuned", false, "then tune every method's learning rate per experiment (successive halving on held-out "+
		"examples, SIP's too), train the experiments again at the tuned rates and print each claim against them, judged by its interval's lower end")
	fs.BoolVar(&f.remeasure, "remeasure", false, "with --dry-run: time every step cost again, not from the cache (a cost timed on a busy machine runs high)")
	fs.BoolVar(&f.json, "json", false, "print the table (or --dry-run's plan) as JSON on stdout: each row's verdict, seeds' ratios, "+
		"mean, 95 % interval and p-values; while a check trains, its progress goes to stderr")
	sf := cluster(fs)
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if f.scale == check.Full && !f.set["seeds"] {
		f.seeds = check.MinFullSeeds
	}
	f.only = cmdline.SplitList(*only)
	if err := check.ValidateOnly(f.only); err != nil {
		return cmdline.Usagef("", "--only: %v", err)
	}
	if len(pos) > 0 {
		if f.dryRun || sf.On() {
			return cmdline.Usagef("usage: "+checkUsage, "--dry-run and --slurm plan a new check; they do not go with folders to read (%s)", strings.Join(pos, " "))
		}
		return printCheckDirs(pos, f)
	}
	switch {
	case f.scale != "" && !slices.Contains(check.Scales, f.scale):
		return cmdline.Usagef("", "--scale must be one of %s", strings.Join(check.Scales, ", "))
	case f.seeds < 1 || f.seed < 0:
		return cmdline.Usagef("", "--seeds must be ≥ 1 and --seed ≥ 0")
	case f.workers < 0:
		return cmdline.Usagef("", "--workers must be ≥ 0")
	case f.scale == check.Full && f.seeds < check.MinFullSeeds:
		return cmdline.Usagef("", "--seeds: the full scale takes at least %d (%s)", check.MinFullSeeds, check.PaperSeeds)
	}
	if f.dryRun {
		return dryRunCheck(f, sf.On())
	}
	if f.remeasure {
		return cmdline.Usagef("", "--remeasure goes with --dry-run (the plan's step costs)")
	}
	switch {
	case sf.On() && f.tuned:
		return cmdline.Usagef("", "--tuned trains here: it tunes after the check's runs end (without --slurm)")
	case sf.On() && f.json:
		return cmdline.Usagef("", "--json prints a check's table; --slurm submits it (then: sipbench check --json DIR)")
	}
	if err := sf.Check(fs); err != nil {
		return err
	}
	dir, err := checkFolder(f)
	if err != nil {
		return err
	}
	if sf.On() {
		return submitCheck(dir, sf)
	}
	return trainAndPrint(dir, f)
}

// trainAndPrint trains the check folder dir here (trainCheck), then with --tuned its
// tuned rows (tunedCheck), and prints them; with --json, the progress on stderr and the
// table, tuned rows included, as JSON on stdout.
func trainAndPrint(dir string, f checkFlags) error {
	var w io.Writer = os.Stdout
	if f.json {
		w = os.Stderr // the JSON alone on stdout
	}
	t, err := trainCheck(w, dir, f.workers)
	if t == nil {
		return err
	}
	var tt *check.Table // the tuned rows
	if f.tuned && err == nil {
		ctx, stop := cmdline.CancelOnSignal("the tuned check")
		defer stop()
		var terr error
		if tt, terr = tunedCheck(ctx, w, dir, f.workers); terr != nil {
			if ctx.Err() != nil {
				return &cmdline.ExitError{Code: 130}
			}
			return terr
		}
		if !f.json {
			printTunedRows(w, tt)
		}
	}
	if f.json {
		if jerr := printCheckJSON(os.Stdout, t, []string{dir}, tt); jerr != nil {
			return jerr
		}
	}
	return err
}

// dryRunCheck prints the plan that the flags make (or that --out's check folder holds)
// with its costs; it trains nothing and makes no folder.
func dryRunCheck(f checkFlags, slurmOn bool) error {
	var pl *check.Plan
	var err error
	if f.out != "" && check.IsFolder(f.out) {
		pl, err = check.ReadPlan(f.out)
	} else {
		pl, err = check.NewPlan(f.scale, cmdline.SeedRange(f.seed, f.seeds), f.only)
		if err != nil {
			return cmdline.Usagef("", "%v", err)
		}
	}
	if err != nil {
		return err
	}
	lines, cache, err := planCosts(pl, os.Stderr, f.remeasure)
	if err != nil {
		return err
	}
	if f.json {
		return printPlanJSON(os.Stdout, pl, lines, cache)
	}
	printPlan(os.Stdout, pl, lines, cache, slurmOn)
	return nil
}

// submitCheck creates the run folder of every experiment of the check folder dir (or
// opens those that exist) and submits one Slurm array with a task per job: experiment ×
// method × seed, each requeued at the time limit as a run's are. A task per job rather
// than per experiment × seed: the job is what a task checkpoints, requeues and fails
// alone (runner.TrainTask), its methods need not share a time limit (a rotation seed's six
// methods would run one after another in one task), Slurm runs them side by side, and
// the pairing of a seed's methods holds across tasks (each job draws its initial weights
// and batches from its seed's own streams, not from the process).
func submitCheck(dir string, sf cmdline.ClusterFlags) error {
	pl, err := check.ReadPlan(dir)
	if err != nil {
		return err
	}
	var runs []runner.ArrayRun
	for _, e := range pl.Experiments {
		rdir := filepath.Join(dir, e.Name)
		var r *runner.Run
		if _, serr := os.Lstat(filepath.Join(rdir, "run.json")); serr == nil {
			r, err = runner.Open(rdir)
		} else {
			spec, serr := e.Spec(pl.Scale)
			if serr != nil {
				return serr
			}
			r, err = runner.Create(spec, pl.Seeds, rdir)
		}
		if err != nil {
			return err
		}
		runs = append(runs, runner.ArrayRun{Rel: e.Name, Run: r})
	}
	if err := sf.Submit(dir, "sipbench-check-"+pl.Scale, runs); err != nil || sf.DryRun() {
		return err
	}
	fmt.Printf("  the table so far (provisional rows while it trains): sipbench check %s\n", dir)
	for _, e := range pl.Experiments {
		if e.Table1 != nil {
			fmt.Printf("  once every task has ended, Table 1's evaluations: sipbench check --out %s\n", dir)
			break
		}
	}
	return nil
}

// printCheckDirs measures the claims on the folders dirs and prints the table.
func printCheckDirs(dirs []string, f checkFlags) error {
	for _, name := range []string{"scale", "seeds", "seed", "workers", "out"} {
		if f.set[name] {
			return cmdline.Usagef("usage: "+checkUsage, "--%s plans new runs; it does not go with run folders to read (%s)", name, strings.Join(dirs, " "))
		}
	}
	t, err := check.Evaluate(dirs...)
	if err != nil {
		return err
	}
	if f.json {
		return printCheckJSON(os.Stdout, filterRows(t, f.only), dirs, nil)
	}
	Print(os.Stdout, filterRows(t, f.only), strings.Join(dirs, " "), 0)
	return nil
}

// checkFolder returns the check folder to train: --out's if it holds one (given flags
// must agree with its plan), else a new one with the flags' plan.
func checkFolder(f checkFlags) (string, error) {
	dir := f.out
	if dir != "" && check.IsFolder(dir) {
		pl, err := check.ReadPlan(dir)
		if err != nil {
			return "", err
		}
		if (f.set["scale"] && f.scale != pl.Scale) || ((f.set["seeds"] || f.set["seed"]) && !slices.Equal(cmdline.SeedRange(f.seed, f.seeds), pl.Seeds)) ||
			(f.set["only"] && !slices.Equal(f.only, pl.Only)) {
			return "", cmdline.Usagef("leave out --scale, --seeds, --seed and --only to continue it",
				"%s holds a check at the %s scale with seeds %v; it continues as planned", dir, pl.Scale, pl.Seeds)
		}
		return dir, nil
	}
	pl, err := check.NewPlan(f.scale, cmdline.SeedRange(f.seed, f.seeds), f.only)
	if err != nil {
		return "", cmdline.Usagef("", "%v", err)
	}
	if dir == "" {
		dir = folder.NewRunDir("check")
	}
	return dir, check.Create(dir, pl)
}

// trainCheck trains the check folder dir here, printing each experiment as it starts and
// ends and each claim as soon as it is measured; Ctrl-C or SIGTERM stops it with
// checkpoints written (exit 130), to be continued with --out dir.
func trainCheck(w io.Writer, dir string, workers int) (*check.Table, error) {
	ctx, stop := cmdline.CancelOnSignal("the check")
	defer stop()
	pl, err := check.ReadPlan(dir)
	if err != nil {
		return nil, err
	}
	exps := fmt.Sprintf("%d experiments", len(pl.Experiments))
	if len(pl.Experiments) == 1 {
		exps = "1 experiment"
	}
	fmt.Fprintf(w, "sipbench check: %s scale, seeds %s, %s, check folder %s\n", pl.Scale, cmdline.SeedsText(pl.Seeds), exps, dir)
	printCheckLegend(w)
	start := time.Now()
	failed := false
	n := 0
	m := cmdline.NewMeter(os.Stderr)
	w = m.Above(w)
	var cur atomic.Pointer[checkExp] // the experiment training, for the progress lines
	done := make(chan struct{})
	defer func() { close(done); m.Clear() }()
	go checkProgress(m, &cur, len(pl.Experiments), done)
	t, err := check.Train(ctx, dir, check.TrainOptions{
		Workers: workers,
		Started: func(e check.Experiment, rdir string) {
			n++
			cur.Store(&checkExp{name: e.Name, dir: rdir, n: n})
			fmt.Fprintf(w, "[%s] training %s (%s; %s) …\n", cmdline.Elapsed(start), e.Name, strings.Join(e.Methods, ", "),
				strings.Join(append([]string{e.Preset}, e.Sets...), " "))
		},
		Finished: func(e check.Experiment, rdir string, states map[string]folder.State, took time.Duration) {
			cur.Store(nil)
			notes, f := cmdline.EndNotes(states)
			failed = failed || f
			fmt.Fprintf(w, "[%s] %s finished in %s %s\n", cmdline.Elapsed(start), e.Name, took.Round(time.Second), notes)
		},
		Row: func(r check.Row) { printRow(w, r) },
	})
	if ctx.Err() != nil {
		fmt.Fprintf(os.Stderr, "sipbench: continue it: sipbench check --out %s\n", dir)
		return nil, &cmdline.ExitError{Code: 130}
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(w)
	printSummary(w, t, time.Since(start))
	fmt.Fprintf(w, "again, without training: sipbench check %s\n", dir)
	if failed {
		return t, &cmdline.ExitError{Code: 1}
	}
	return t, nil
}

// filterRows keeps the rows of the claims only names, by preset or ID (all if empty).
func filterRows(t *check.Table, only []string) *check.Table {
	if len(only) == 0 {
		return t
	}
	out := *t
	out.Rows = nil
	for _, r := range t.Rows {
		if slices.Contains(only, r.Claim.Preset) || slices.Contains(only, r.Claim.ID) {
			out.Rows = append(out.Rows, r)
		}
	}
	return &out
}

// Print prints a whole table: a header, the legend, each row, the summary.
func Print(w io.Writer, t *check.Table, dirs string, took time.Duration) {
	fmt.Fprintf(w, "sipbench check: %s (%s scale)\n", dirs, t.Scale)
	printCheckLegend(w)
	for _, r := range t.Rows {
		printRow(w, r)
	}
	fmt.Fprintln(w)
	printSummary(w, t, took)
}

// printCheckLegend says how to read the rows.
func printCheckLegend(w io.Writer) {
	fmt.Fprintln(w, "Each claim: where it is, the step measured, the ratio measured (mean over seeds [95 % paired")
	fmt.Fprintln(w, "bootstrap interval] and p, the one-sided Wilcoxon signed-rank p that the claim's way holds;")
	fmt.Fprintln(w, "below 5 seeds the interval is Student's t or wider: wide because the seeds are few),")
	fmt.Fprintln(w, "the paper's value and the verdict; below it the paper's words and what the ratio is.")
	fmt.Fprintln(w, "holds: the mean reaches the paper's factor and every seed points its way; short of the paper:")
	fmt.Fprintln(w, "right direction, below the factor (with the fraction reached, mean ÷ factor), or a seed against;")
	fmt.Fprintln(w, "not comparable: this scale changes what the claim measures. Values are running means (64")
	fmt.Fprintln(w, "logged steps), as the paper's plots. A pending row shows its ratio at the latest step every seed")
	fmt.Fprintln(w, "has reached, marked provisional: never a verdict, never counted.")
}

// printRow prints one claim in three lines.
func printRow(w io.Writer, r check.Row) {
	c := r.Claim
	seeds := ""
	if n := r.Stats.Seeds; n > 0 {
		seeds = fmt.Sprintf("%d seed", n)
		if n > 1 {
			seeds += "s"
		}
	}
	verdict := strings.ToUpper(string(r.Verdict))
	if s := r.Reached(); s != "" {
		verdict += ": " + s
	}
	if s := r.ProvisionalText(); s != "" {
		verdict += " (" + s + ")"
	}
	measured := r.Measured()
	if p := r.PValue(); p != "" {
		measured += " " + p
	}
	fmt.Fprintf(w, "\n%-10s %-17s %-37s %-8s paper %-16s %s\n", c.Where, r.StepText(), measured, seeds, c.Paper, verdict)
	if c.Words != "" {
		fmt.Fprint(w, wrapIndented(fmt.Sprintf("%q (%s)", c.Words, c.Cite)))
	} else {
		fmt.Fprint(w, wrapIndented(c.Cite))
	}
	fmt.Fprint(w, wrapIndented(fmt.Sprintf("measured (%s): %s", c.ID, r.Detail())))
}

// checkWidth is the width the claims' words and details are wrapped to.
const checkWidth = 100

// wrapIndented wraps s to checkWidth columns, indented by two spaces (four after the
// first line), with a newline at the end.
func wrapIndented(s string) string {
	lines := strings.Split(ansi.Wordwrap(s, checkWidth-4, ""), "\n")
	for i := range lines {
		lines[i] = "    " + lines[i]
	}
	lines[0] = lines[0][2:]
	return strings.Join(lines, "\n") + "\n"
}

// printSummary prints the count of each verdict and the time.
func printSummary(w io.Writer, t *check.Table, took time.Duration) {
	n := t.Count()
	var parts []string
	for _, v := range check.Verdicts {
		if n[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[v], v))
		}
	}
	claims := fmt.Sprintf("%d claims", len(t.Rows))
	if len(t.Rows) == 1 {
		claims = "1 claim"
	}
	line := claims + ": " + strings.Join(parts, ", ")
	prov := 0
	for _, r := range t.Rows {
		if r.Provisional != nil {
			prov++
		}
	}
	if prov > 0 {
		line += fmt.Sprintf(" (%d with a provisional ratio so far, not a verdict)", prov)
	}
	if took > 0 {
		line += fmt.Sprintf("; %s", took.Round(time.Second))
	}
	fmt.Fprintln(w, line)
}

// checkExp is the experiment a check trains: its name, run folder and number.
type checkExp struct {
	name, dir string
	n         int
}

// checkProgress shows, every m.Every until done closes, how far the experiment in cur
// has come: its steps over every job, from their status files (a headless check was
// silent for minutes inside a long experiment).
func checkProgress(m *cmdline.Meter, cur *atomic.Pointer[checkExp], of int, done <-chan struct{}) {
	tick := time.NewTicker(m.Every())
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		e := cur.Load()
		if e == nil {
			continue
		}
		steps, total, training, jobs, ok := cmdline.RunProgress(e.dir)
		if !ok || total == 0 {
			continue
		}
		frac := float64(steps) / float64(total)
		text := fmt.Sprintf("experiment %d of %d, %s: step %s of %s over %d jobs (%.0f %%), %d training",
			e.n, of, e.name, thousands(steps), thousands(total), jobs, 100*frac, training)
		if steps == total {
			text = fmt.Sprintf("experiment %d of %d, %s: every job done; evaluating …", e.n, of, e.name)
		}
		m.Show(frac, text)
	}
}

// thousands formats a count with thousands separators: 12,500.
func thousands(n int) string { return strings.TrimSuffix(check.FormatFactor(float64(n)), "×") }
