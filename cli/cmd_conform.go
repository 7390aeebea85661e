package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/problems"
	"github.com/sipbench/sipbench/problems/conform"
)

const conformUsage = "sipbench conform PRESET [--scale S] [--set k=v]…  |  sipbench conform --problem-cmd 'CMD' [--timeout D]"

// cmdConform is `sipbench conform`: the problem contract's checks (problems/conform) on a
// preset's problem, or on a problem process started from --problem-cmd. It prints one line
// per check and fails (exit 1) naming the checks that failed.
func cmdConform(args []string) error {
	fs := cmdline.NewFlags("conform", conformUsage)
	scale := fs.String("scale", "", "the preset's scale (default: its first)")
	var sets cmdline.ListFlag
	fs.Var(&sets, "set", "a setting key=value (repeatable)")
	pc := problemCmdFlags(fs)
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	var prob problems.Problem
	var what string
	if pc.cmd != "" {
		if len(pos) > 0 {
			return cmdline.Usagef("usage: "+conformUsage, "conform takes a preset or --problem-cmd, not both")
		}
		proc, err := pc.start()
		if err != nil {
			return err
		}
		defer proc.Close()
		prob, what = proc, "problem process "+pc.cmd
	} else {
		p, err := cmdline.PresetArg("conform", pos)
		if err != nil {
			return err
		}
		if p.IsSolver() {
			return fmt.Errorf("conform: %s is a preset of iterative solvers: it has no problems.Problem to check", p.Name)
		}
		spec, err := p.Resolve(*scale, nil, sets)
		if err != nil {
			return cmdline.Usagef("", "%v", err)
		}
		prob, what = spec.NewProblem(), fmt.Sprintf("preset %s (%s scale)", p.Name, spec.Scale)
	}
	rs := conform.Run(prob)
	fmt.Printf("conformance of %s:\n", what)
	conform.Print(os.Stdout, rs)
	if failed := conform.Failed(rs); len(failed) > 0 {
		return fmt.Errorf("conform: %d of %d checks failed: %s", len(failed), len(rs), strings.Join(failed, ", "))
	}
	fmt.Printf("all %d checks pass\n", len(rs))
	return nil
}
