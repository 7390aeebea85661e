package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sipbench/sipbench/check"
	"github.com/sipbench/sipbench/cli/checkcmd"
	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/cli/showcmd"
	"github.com/sipbench/sipbench/cli/tunecmd"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/tui"
	"github.com/sipbench/sipbench/tune"
)

// cmdWatch follows a run folder (or opens a check, tune or sweep folder) in the app or
// headless.
func cmdWatch(args []string) error {
	fs := cmdline.NewFlags("watch", "sipbench watch [DIR…] [--headless] [--color auto|always|never] [--ascii] [--mouse]\n\nWithout DIR: the newest run in training, else the runs screen (headless: the newest run). A check folder (sipbench check) opens the paper check; a tune folder (sipbench tune) its rungs.\nSeveral folders, or a sweep folder, open in one dashboard that compares them.")
	view := addViewFlags(fs)
	ui := addUIFlags(fs)
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	opts, err := ui.options()
	if err != nil {
		return err
	}
	inTUI := !view.headless && interactive()
	if len(pos) > 1 || len(pos) == 1 && folder.IsSweep(pos[0]) {
		if !inTUI {
			return cmdline.Usagef("", "watch --headless follows one run folder (sipbench show compares several)")
		}
		return compareInTUI(pos, opts)
	}
	dir := ""
	switch {
	case len(pos) == 1:
		dir = pos[0]
	case inTUI: // the newest run in training, else the runs screen
		if dir = cmdline.NewestTraining(folder.RunsDir); dir == "" {
			return runsInTUI(folder.RunsDir, opts)
		}
	default:
		if dir, err = cmdline.NewestRun(folder.RunsDir); err != nil {
			return err
		}
	}
	switch {
	case tune.IsFolder(dir): // a tune folder: its rungs in the app, or its record
		return watchTune(dir, inTUI, opts)
	case check.IsFolder(dir): // a paper check: its table, filled in live in the app
		return watchCheck(dir, inTUI, opts)
	case inTUI:
		return watchInTUI(dir, opts)
	}
	return followHeadless(dir, view.every)
}

// compareInTUI opens the dashboard on the runs that the folders args name (sweep folders
// stand for their runs), compared.
func compareInTUI(args []string, opts tui.Options) error {
	dirs, err := cmdline.CompareDirs(args)
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		return fmt.Errorf("%s: no run started yet", args[0])
	}
	title := fmt.Sprintf("%d runs", len(dirs))
	if len(args) == 1 {
		title = "sweep " + args[0]
	}
	cfg := appConfig(opts)
	cfg.Compare, cfg.CompareTitle = dirs, title
	return runApp(cfg)
}

// watchTune opens the app on the tune folder dir's rungs, or prints its record.
func watchTune(dir string, inTUI bool, opts tui.Options) error {
	if inTUI {
		cfg := appConfig(opts)
		cfg.Tune = dir
		return runApp(cfg)
	}
	rec, err := cmdline.ReadTune(dir)
	if err != nil {
		return err
	}
	tunecmd.Print(os.Stdout, dir, rec)
	return nil
}

// watchCheck opens the app on the check folder dir, or prints its table.
func watchCheck(dir string, inTUI bool, opts tui.Options) error {
	if inTUI {
		return checkInTUI(dir, opts)
	}
	t, err := check.Evaluate(dir)
	if err != nil {
		return err
	}
	checkcmd.Print(os.Stdout, t, dir, 0)
	return nil
}

// followHeadless follows the run folder dir with progress lines every interval until its
// jobs end, then prints its summary.
func followHeadless(dir string, every time.Duration) error {
	w, err := runner.OpenWatch(dir)
	if err != nil {
		return err
	}
	sub := w.Subscribe()
	followed := make(chan error, 1)
	go func() { followed <- w.Follow(context.Background(), time.Second, true) }()
	cmdline.PrintProgress(os.Stdout, w.Info, sub, every)
	if err := <-followed; err != nil {
		return err
	}
	fmt.Println()
	if err := showcmd.PrintRun(os.Stdout, dir); err != nil {
		return err
	}
	if lost := w.Lost(); len(lost) > 0 {
		return fmt.Errorf("no process trains %s any more (the trainer ended without recording it): sipbench resume %s continues", strings.Join(lost, ", "), dir)
	}
	return nil
}
