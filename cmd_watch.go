package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/sipbench/sipbench/runner"
)

// newestRun returns the most recently started run folder under root.
func newestRun(root string) (string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return "", fmt.Errorf("no runs folder %q: start a run first (sipbench run PRESET)", root)
	}
	type cand struct {
		dir string
		t   time.Time
	}
	var cs []cand
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		fi, err := os.Stat(filepath.Join(dir, "run.json"))
		if err != nil {
			continue
		}
		cs = append(cs, cand{dir, fi.ModTime()})
	}
	if len(cs) == 0 {
		return "", fmt.Errorf("no runs in %q: start a run first (sipbench run PRESET)", root)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].t.After(cs[j].t) || cs[i].t.Equal(cs[j].t) && cs[i].dir > cs[j].dir })
	return cs[0].dir, nil
}

func cmdWatch(args []string) error {
	fs := newFlags("watch", "sipbench watch [DIR] [--headless] [--color auto|always|never] [--ascii]")
	headless := fs.Bool("headless", false, "print progress lines instead of opening the dashboard")
	every := printEveryFlag(fs, 5*time.Second, "time between progress lines (headless)")
	ui := addUIFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	opts, err := ui.options()
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("", "watch takes at most one run folder")
	}
	dir := ""
	if len(pos) == 1 {
		dir = pos[0]
	} else if dir, err = newestRun(runner.RunsDir); err != nil {
		return err
	}
	if !*headless && interactive() {
		return watchInTUI(dir, opts)
	}
	w, err := runner.OpenWatch(dir)
	if err != nil {
		return err
	}
	sub := w.Subscribe()
	go w.Follow(context.Background(), time.Second, true)
	printProgress(os.Stdout, w.Info, sub, *every)
	fmt.Println()
	return showRun(os.Stdout, dir, nil, 0, false)
}
