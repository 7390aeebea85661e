package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sipbench/sipbench/check"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/tui"
)

// newestTraining returns the most recently started run folder under root that a live
// process trains (runner.RunIndex), or "" if none does.
func newestTraining(root string) string {
	rs, err := runner.NewRunIndex(root).Scan()
	if err != nil {
		return ""
	}
	for _, r := range rs {
		if r.State == runner.RunTraining && r.Sweep == nil {
			return r.Dir
		}
	}
	return ""
}

// newestRun returns the most recently started run folder under root.
func newestRun(root string) (string, error) {
	runs, err := runner.ListRuns(root)
	if err != nil {
		return "", fmt.Errorf("no runs folder %q: start a run first (sipbench run PRESET)", root)
	}
	if len(runs) == 0 {
		return "", fmt.Errorf("no runs in %q: start a run first (sipbench run PRESET)", root)
	}
	return runs[0], nil
}

func cmdWatch(args []string) error {
	fs := newFlags("watch", "sipbench watch [DIR…] [--headless] [--color auto|always|never] [--ascii]\n\nWithout DIR: the newest run in training, else the runs screen (headless: the newest run). A check folder (sipbench check) opens the paper check.\nSeveral folders, or a sweep folder, open in one dashboard that compares them.")
	view := addViewFlags(fs)
	ui := addUIFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	opts, err := ui.options()
	if err != nil {
		return err
	}
	inTUI := !view.headless && interactive()
	if len(pos) > 1 || len(pos) == 1 && runner.IsSweep(pos[0]) {
		if !inTUI {
			return usagef("", "watch --headless follows one run folder (sipbench show compares several)")
		}
		dirs, err := compareDirs(pos)
		if err != nil {
			return err
		}
		if len(dirs) == 0 {
			return fmt.Errorf("%s: no run started yet", pos[0])
		}
		title := fmt.Sprintf("%d runs", len(dirs))
		if len(pos) == 1 {
			title = "sweep " + pos[0]
		}
		return runApp(tui.AppConfig{Options: opts, Compare: dirs, CompareTitle: title, Start: startInBackground, Stop: stopTraining, Resume: resumeInBackground})
	}
	dir := ""
	switch {
	case len(pos) == 1:
		dir = pos[0]
	case inTUI: // the newest run in training, else the runs screen
		if dir = newestTraining(runner.RunsDir); dir == "" {
			return runsInTUI(runner.RunsDir, opts)
		}
	default:
		if dir, err = newestRun(runner.RunsDir); err != nil {
			return err
		}
	}
	if check.IsCheck(dir) { // a paper check: its table, filled in live in the app
		if inTUI {
			return checkInTUI(dir, opts)
		}
		t, err := check.Evaluate(dir)
		if err != nil {
			return err
		}
		printCheck(os.Stdout, t, dir, 0)
		return nil
	}
	if inTUI {
		return watchInTUI(dir, opts)
	}
	w, err := runner.OpenWatch(dir)
	if err != nil {
		return err
	}
	sub := w.Subscribe()
	followed := make(chan error, 1)
	go func() { followed <- w.Follow(context.Background(), time.Second, true) }()
	printProgress(os.Stdout, w.Info, sub, view.every)
	if err := <-followed; err != nil {
		return err
	}
	fmt.Println()
	if err := showRun(os.Stdout, dir); err != nil {
		return err
	}
	if lost := w.Lost(); len(lost) > 0 {
		return fmt.Errorf("no process trains %s any more (the trainer ended without recording it): sipbench resume %s continues", strings.Join(lost, ", "), dir)
	}
	return nil
}
