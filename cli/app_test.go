package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sipbench/sipbench/check"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/tui"
)

// TestAppConfigs opens the app (as if on a terminal) in every way the command line does,
// and checks that each configuration carries every action: watch of compared folders once
// lacked StartCheck, so that the paper check said "this app cannot start processes".
func TestAppConfigs(t *testing.T) {
	root := t.TempDir()
	var runs []string
	for _, name := range []string{"a", "b"} {
		p, _ := presets.Lookup("exp")
		s, err := p.Resolve("", []string{"rescaled"}, []string{"steps=5"})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, name)
		if _, err := runner.Create(s, []int{0}, dir); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, dir)
	}
	checkDir := filepath.Join(root, "check")
	if err := os.MkdirAll(checkDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(checkDir, check.PlanFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // no runs/: watch opens the runs screen

	oldRun, oldInteractive := runApp, interactive
	defer func() { runApp, interactive = oldRun, oldInteractive }()
	var got []tui.AppConfig
	runApp = func(cfg tui.AppConfig) error { got = append(got, cfg); return nil }
	interactive = func() bool { return true }

	for _, c := range []struct {
		name  string
		args  []string
		opens func(tui.AppConfig) bool
	}{
		{"app", nil, func(c tui.AppConfig) bool {
			return c.Watch == nil && !c.Runs && c.Compare == nil && c.Check == "" && !c.Options.Mouse
		}},
		{"app in mouse mode", []string{"--mouse"}, func(c tui.AppConfig) bool { return c.Watch == nil && c.Options.Mouse }},
		{"watch of a run in mouse mode", []string{"watch", "--mouse", runs[0]}, func(c tui.AppConfig) bool { return c.Watch != nil && c.Options.Mouse }},
		{"watch of two runs", []string{"watch", runs[0], runs[1]}, func(c tui.AppConfig) bool { return len(c.Compare) == 2 }},
		{"watch of a run", []string{"watch", runs[0]}, func(c tui.AppConfig) bool { return c.Watch != nil }},
		{"watch of a check", []string{"watch", checkDir}, func(c tui.AppConfig) bool { return c.Check == checkDir }},
		{"watch without runs", []string{"watch"}, func(c tui.AppConfig) bool { return c.Runs }},
	} {
		got = nil
		if code, _, stderr := capture(t, c.args...); code != 0 || len(got) != 1 {
			t.Errorf("%s: exit %d, %d apps opened: %s", c.name, code, len(got), stderr)
			continue
		}
		cfg := got[0]
		if !c.opens(cfg) {
			t.Errorf("%s: the app opens on the wrong screen: %+v", c.name, cfg)
		}
		v := reflect.ValueOf(cfg)
		for i := range v.NumField() {
			if f := v.Field(i); f.Kind() == reflect.Func && f.IsNil() {
				t.Errorf("%s: the app's configuration lacks %s", c.name, v.Type().Field(i).Name)
			}
		}
	}
}
