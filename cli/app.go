package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/mattn/go-isatty"

	"github.com/sipbench/sipbench/check"
	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/figures"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/trainers"
	"github.com/sipbench/sipbench/tui"
	"github.com/sipbench/sipbench/tune"
)

// uiFlags are the display flags of the commands that open the TUI (app, run, resume,
// watch).
type uiFlags struct {
	color string
	ascii bool
	mouse bool
}

// addUIFlags defines --color, --ascii and --mouse on fs.
func addUIFlags(fs *flag.FlagSet) *uiFlags {
	u := &uiFlags{}
	fs.StringVar(&u.color, "color", "auto", "colour: auto (honours NO_COLOR), always, never, truecolor, 256 or 16")
	fs.BoolVar(&u.ascii, "ascii", false, "draw with ASCII only (no braille, box drawing or block glyphs)")
	fs.BoolVar(&u.mouse, "mouse", false, "start in mouse mode (ctrl+t toggles it): click rows and legend entries, the wheel scrolls; shift+drag selects text in most terminals")
	return u
}

// options returns the TUI options of the flags, or a usage error.
func (u *uiFlags) options() (tui.Options, error) {
	if u == nil {
		return tui.Options{}, nil
	}
	mode, err := tui.ParseColorMode(u.color)
	if err != nil {
		return tui.Options{}, cmdline.Usagef("", "--%v", err) // color="…": want …
	}
	return tui.Options{Color: mode, ASCII: u.ascii, Mouse: u.mouse}, nil
}

// interactive reports whether stdin and stdout are terminals, so that a TUI can run (a
// variable, so that a test can say yes).
var interactive = func() bool {
	tty := func(f *os.File) bool { return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()) }
	return tty(os.Stdin) && tty(os.Stdout)
}

// cmdApp opens the app on the preset list; without a terminal it prints the list.
func cmdApp(args []string) error {
	fs := cmdline.NewFlags("sipbench", "sipbench [--color auto|always|never] [--ascii] [--mouse] [--problem-cmd CMD]")
	ui := addUIFlags(fs)
	pc := problemCmdFlags(fs)
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cmdline.Usagef("run 'sipbench help' for the commands", "unknown command %q", pos[0])
	}
	if pc.cmd != "" { // the process's problem joins the preset list and the set-up screen
		pre, err := pc.preset()
		if err != nil {
			return err
		}
		if err := presets.List(pre); err != nil {
			return err
		}
	}
	opts, err := ui.options()
	if err != nil {
		return err
	}
	if !interactive() {
		return cmdList(nil)
	}
	return runApp(appConfig(opts))
}

// appConfig returns the app's configuration with every action this command line gives the
// app (start a run, stop one, resume one, start a paper check, read check folders, draw a
// figure) and the display options;
// the caller sets what the app opens on. Every command that opens the app builds its
// configuration here, so that none forgets an action (TestAppConfigs).
func appConfig(opts tui.Options) tui.AppConfig {
	return tui.AppConfig{Options: opts, Start: startInBackground, Stop: stopTraining, Resume: resumeInBackground,
		StartCheck: startCheckInBackground, Checks: check.Viewer(), Figure: figures.Draw,
		Tunes: tune.Viewer()}
}

// resumeInBackground resumes the run folder dir in a detached background trainer (R on
// the runs screen).
func resumeInBackground(dir string) error {
	pid, err := spawnTraining(dir, 0)
	if err != nil {
		return err
	}
	return trainers.Wait(dir, pid, 10*time.Second)
}

// startInBackground creates the run folder of spec under runs/ and starts training it
// in a detached process.
func startInBackground(spec *presets.Spec, seeds []int) (string, error) {
	dir := folder.NewRunDir(spec.Preset.Name)
	if _, err := runner.Create(spec, seeds, dir); err != nil {
		return "", err
	}
	pid, err := spawnTraining(dir, 0)
	if err != nil {
		return "", err
	}
	if err := trainers.Wait(dir, pid, 10*time.Second); err != nil {
		return "", err
	}
	return dir, nil
}

// spawnTraining starts `sipbench resume DIR --headless` (this executable) as the
// run's background trainer (runner.Spawn) and returns its process id; workers > 0 is
// passed on as --workers.
func spawnTraining(dir string, workers int) (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("cannot find the sipbench executable to start training: %v", err)
	}
	command := []string{exe, "resume", dir, "--headless"}
	// A problem process's command is passed on only as this process was given it; a
	// command that a folder records is never run (the trainer then refuses, in train.log).
	if info, err := folder.ReadInfo(dir); err == nil && info.ProblemCmd != "" && info.ProblemCmd == givenProblemCmd {
		command = append(command, "--problem-cmd", givenProblemCmd)
	}
	if workers > 0 {
		command = append(command, "--workers", strconv.Itoa(workers))
	}
	return trainers.Spawn(dir, command)
}

// stopTraining stops the run in dir: for a run trained on a Slurm cluster it cancels the
// array (each task checkpoints its job); otherwise it asks the processes that train its
// jobs on this machine to stop (runner.StopTrainers), which checkpoint them and exit.
func stopTraining(dir string) {
	if cluster.CancelFolder(dir) { // a run trained on a Slurm cluster: cancel its array
		return
	}
	trainers.Stop(dir)
}

// watchInTUI opens the dashboard on the run folder dir, read through a runner.Watch.
func watchInTUI(dir string, opts tui.Options) error {
	w, err := runner.OpenWatch(dir)
	if err != nil {
		return err
	}
	cfg := appConfig(opts)
	cfg.Watch = w
	return runApp(cfg)
}

// runsInTUI opens the app on the runs screen of the folder root.
func runsInTUI(root string, opts tui.Options) error {
	cfg := appConfig(opts)
	cfg.Runs, cfg.RunsRoot = true, root
	return runApp(cfg)
}

// checkInTUI opens the app on the paper check screen of the check folder dir.
func checkInTUI(dir string, opts tui.Options) error {
	cfg := appConfig(opts)
	cfg.Check = dir
	return runApp(cfg)
}

// startCheckInBackground creates a check folder of every claim at scale with the seeds
// under runs/ and starts `sipbench check --out DIR` (this executable) on it in a detached
// process (runner.Spawn), whose output goes to DIR/train.log.
func startCheckInBackground(scale string, seeds []int) (string, error) {
	pl, err := check.NewPlan(scale, seeds, nil)
	if err != nil {
		return "", err
	}
	dir := folder.NewRunDir("check")
	if err := check.Create(dir, pl); err != nil {
		return "", err
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find the sipbench executable to start the check: %v", err)
	}
	if _, err := trainers.Spawn(dir, []string{exe, "check", "--out", dir}); err != nil {
		return "", err
	}
	return dir, nil
}

// appFPS is the most frames per second the app's renderer writes: the dashboard redraws
// at most 4 times a second, and Bubble Tea v1 copies the whole frame on every frame tick
// even when nothing changed (60 by default). Measured on an idle dashboard of a finished
// run at 200×60 (CPU time over 60 s): 1.2–1.7 % of a core at 60, 0.9–1.0 % at 30,
// 0.7–0.8 % at 20; a key's answer waits at most 50 ms more for its frame.
const appFPS = 20

// runApp runs the app full screen, then says where the run is and how to come back (a
// variable, so that a test can see the configuration each command opens the app with).
var runApp = func(cfg tui.AppConfig) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app := tui.NewApp(ctx, cfg)
	popts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx), tea.WithFPS(appFPS)}
	if cfg.Options.Mouse { // the app starts in mouse mode; ctrl+t turns it off and on
		popts = append(popts, tea.WithMouseCellMotion())
	}
	_, err := tea.NewProgram(app, popts...).Run()
	cancel()
	dirs, outcome := app.Result()
	if line := afterLine(dirs, app.Unfinished(), outcome); line != "" {
		fmt.Println(line)
	}
	if err != nil && !errors.Is(err, tea.ErrInterrupted) {
		return err
	}
	return app.Err()
}

// afterLine is what the app prints after it ends, of the runs in dirs (those its last
// dashboard followed: one, or several compared), of which those in unfinished have jobs
// to resume.
func afterLine(dirs, unfinished []string, o tui.Outcome) string {
	if len(dirs) == 0 {
		return ""
	}
	all, folder := strings.Join(dirs, " "), "run folder"
	if len(dirs) > 1 {
		folder = "run folders"
	}
	switch o {
	case tui.OutcomeLeft:
		return fmt.Sprintf("sipbench: still training in the background: sipbench watch %s", all)
	case tui.OutcomeStopped:
		return fmt.Sprintf("sipbench: stopping (checkpoints kept): %s, sipbench show %s", tui.ResumeText(unfinished), all)
	case tui.OutcomeLost:
		return fmt.Sprintf("sipbench: no process trains the unfinished jobs of %s any more (the trainer ended): %s",
			strings.Join(unfinished, " "), tui.ResumeText(unfinished))
	case tui.OutcomeFinished:
		return fmt.Sprintf("sipbench: %s %s: sipbench show %s", folder, all, all)
	}
	return ""
}
