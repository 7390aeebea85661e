package cli

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/problems/process"
	"github.com/sipbench/sipbench/runner"
)

// problemCmd holds the flags of a problem process (docs/problem-protocol.md).
type problemCmd struct {
	cmd     string
	exe     string // train-task: the program's absolute path, as the submitting sipbench resolved it
	timeout time.Duration
	trust   bool // resume: run the command the folder records
}

// givenProblemCmd is the --problem-cmd this process was given ("" for none): the only
// command that a trainer it spawns is told to run (spawnTraining).
var givenProblemCmd string

// activeProblemCmd holds the problem process flags of the command being run, for the
// Slurm script it may write (problemTaskArgs).
var activeProblemCmd *problemCmd

func problemCmdFlags(fs *flag.FlagSet) *problemCmd {
	pc := &problemCmd{}
	activeProblemCmd = pc
	fs.StringVar(&pc.cmd, "problem-cmd", "", "the problem is a process speaking docs/problem-protocol.md, started from this command (one per job), e.g. 'python3 my_problem.py'")
	fs.DurationVar(&pc.timeout, "problem-timeout", process.DefaultTimeout, "the per-call timeout of a problem process")
	return pc
}

func (pc *problemCmd) options() process.Options { return process.Options{Timeout: pc.timeout} }

// argv splits and resolves the command (the program as an absolute path).
func (pc *problemCmd) argv() ([]string, error) {
	words, err := process.Split(pc.cmd)
	if err != nil {
		return nil, cmdline.Usagef("", "--problem-cmd: %v", err)
	}
	if pc.exe != "" {
		return append([]string{pc.exe}, words[1:]...), nil
	}
	return process.Resolve(words, "")
}

// start starts the problem process and returns it, described.
func (pc *problemCmd) start() (*process.Problem, error) {
	if pc.timeout <= 0 {
		return nil, cmdline.Usagef("", "--problem-timeout must be > 0")
	}
	argv, err := pc.argv()
	if err != nil {
		return nil, err
	}
	givenProblemCmd = pc.cmd
	p, err := process.Start(argv, pc.options())
	if err != nil {
		return nil, faultError(err)
	}
	return p, nil
}

// preset starts the process once for its description, ends it, and returns the preset
// that trains it (each job starts its own process), known to runner.Open (AddCommand).
func (pc *problemCmd) preset() (*presets.Preset, error) {
	p, err := pc.start()
	if err != nil {
		return nil, err
	}
	d := p.Description()
	p.Close()
	argv, _ := pc.argv()
	pre, err := process.Preset(d, pc.cmd, argv, pc.options())
	if err != nil {
		return nil, err
	}
	presets.AddCommand(pre)
	return pre, nil
}

// faultError is err, with the tail of the process's stderr for a *process.Fault.
func faultError(err error) error {
	if f, ok := err.(*process.Fault); ok && f.Stderr != "" {
		return fmt.Errorf("%v\nthe process's stderr ended with:\n%s", f, indentTail(f.Stderr))
	}
	return err
}

// indentTail returns the lines of s, control characters dropped, each after "  | ".
func indentTail(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  | ")
		b.WriteString(strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 {
				return -1
			}
			return r
		}, line))
		b.WriteString("\n")
	}
	return b.String()
}

// forResume prepares `resume DIR` for a run whose problem is a process: the recorded
// command must be given again with --problem-cmd (or --trust-problem-cmd given), and then
// its preset is made known. A run without a command needs neither flag.
func (pc *problemCmd) forResume(dir string) error {
	info, err := folder.ReadInfo(dir)
	if err != nil || info.ProblemCmd == "" {
		if pc.cmd != "" && err == nil {
			return cmdline.Usagef("", "%s does not run a problem process: resume it without --problem-cmd", dir)
		}
		return nil // runner.Open says what is wrong with the folder
	}
	switch {
	case pc.trust && pc.cmd == "":
		pc.cmd = info.ProblemCmd
	case pc.cmd == "":
		return nil // runner.Open refuses, saying how to give the command
	case pc.cmd != info.ProblemCmd:
		return cmdline.Usagef("", "%s records the problem command %q; --problem-cmd gave %q (sipbench resumes a run with its own command only)", dir, info.ProblemCmd, pc.cmd)
	}
	_, err = pc.preset()
	return err
}

// problemTaskArgs returns the train-task arguments that make a Slurm task run the problem
// process the submitting user gave (--problem-cmd): the command as typed, which the runs
// record, and its program's absolute path (--problem-exe), so that a task on a compute node
// runs the same program. Runs without a process need none. The task never reads a command
// from the folder: the script, written here, carries it.
func problemTaskArgs(runs []runner.ArrayRun) ([]string, error) {
	cmd := ""
	for _, r := range runs {
		if c := r.Run.Info.ProblemCmd; c != "" {
			cmd = c
		}
	}
	if cmd == "" {
		return nil, nil
	}
	pc := activeProblemCmd
	if pc == nil || pc.cmd != cmd {
		return nil, fmt.Errorf("the run's problem is the process %q: give it with --problem-cmd to submit it", cmd)
	}
	argv, err := pc.argv()
	if err != nil {
		return nil, err
	}
	return []string{"--problem-cmd", cmd, "--problem-exe", argv[0], "--problem-timeout", pc.timeout.String()}, nil
}
