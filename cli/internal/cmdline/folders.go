package cmdline

import (
	"fmt"
	"path/filepath"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/summary"
)

// CompareDirs returns the run folders named on a command line, each sweep folder among
// them replaced by its runs that exist.
func CompareDirs(args []string) ([]string, error) {
	var dirs []string
	for _, a := range args {
		if !folder.IsSweep(a) {
			dirs = append(dirs, a)
			continue
		}
		info, err := folder.ReadSweep(a)
		if err != nil {
			return nil, err
		}
		for _, r := range info.Runs {
			d := filepath.Join(a, r.Dir)
			if _, err := folder.ReadInfo(d); err == nil {
				dirs = append(dirs, d)
			}
		}
	}
	return dirs, nil
}

// NewestTraining returns the most recently started run folder under root that a live
// process trains (runner.RunIndex), or "" if none does.
func NewestTraining(root string) string {
	rs, err := summary.NewIndex(root).Scan()
	if err != nil {
		return ""
	}
	for _, r := range rs {
		if r.State == summary.RunTraining && r.Sweep == nil {
			return r.Dir
		}
	}
	return ""
}

// NewestRun returns the most recently started run folder under root.
func NewestRun(root string) (string, error) {
	runs, err := folder.ListRuns(root)
	if err != nil {
		return "", fmt.Errorf("no runs folder %q: start a run first (sipbench run PRESET)", root)
	}
	if len(runs) == 0 {
		return "", fmt.Errorf("no runs in %q: start a run first (sipbench run PRESET)", root)
	}
	return runs[0], nil
}
