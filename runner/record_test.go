package runner

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/summary"
)

// editConfigs rewrites the config.json of every job of dir with edit.
func editConfigs(t *testing.T, dir string, edit func(*folder.JobConfig)) {
	t.Helper()
	info, err := folder.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range info.Jobs {
		c, err := folder.ReadJobConfig(dir, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		edit(&c)
		if err := folder.WriteJSON(filepath.Join(dir, j.ID, folder.ConfigFile), c); err != nil {
			t.Fatal(err)
		}
	}
}

// editRunInfo rewrites dir's run.json with edit.
func editRunInfo(t *testing.T, dir string, edit func(*folder.Info)) {
	t.Helper()
	info, err := folder.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	edit(&info)
	if err := folder.WriteJSON(filepath.Join(dir, folder.RunFile), info); err != nil {
		t.Fatal(err)
	}
}

// created returns a new run folder of spec that has not trained yet.
func created(t *testing.T, s *presets.Spec) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Create(s, []int{0}, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRunRecordsFormatAndNetwork checks what a new run folder records: the format version
// in run.json and config.json, each method as it trains and each network.
func TestRunRecordsFormatAndNetwork(t *testing.T) {
	dir := created(t, spec(t, "poisson", []string{"sip", "fno"}))
	info, err := folder.ReadInfo(dir)
	if err != nil || info.Format != folder.FormatVersion {
		t.Fatalf("run.json format %d, %v; want %d", info.Format, err, folder.FormatVersion)
	}
	want := map[string]string{"sip": "U-Net 1→1, 4 levels, 16 filters", "fno": "FNO 1→1, 4 Fourier layers, 12 modes, width 32, padded by 9"}
	for _, j := range info.Jobs {
		c, err := folder.ReadJobConfig(dir, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Format != folder.FormatVersion || c.Method.Name != j.Method || c.Network == nil || c.Network.String() != want[j.Method] {
			t.Errorf("%s: config format %d, method %+v, network %v; want network %s", j.ID, c.Format, c.Method, c.Network, want[j.Method])
		}
	}
}

// TestResumeFollowsTheRecord edits a run's record as a change of the preset's code would
// leave it behind the folder (another learning rate, proxy loss and network width) and
// checks that Open resumes with what the folder records, and that the run trains as a
// fresh run with those settings would.
func TestResumeFollowsTheRecord(t *testing.T) {
	base := spec(t, "rotation", []string{"sip"}, "steps=30")
	dir := created(t, base)
	editConfigs(t, dir, func(c *folder.JobConfig) {
		c.Method.LR, c.Job.LR = 3e-3, 3e-3
		c.Method.Proxy = "l2"
		c.Network.Sizes = []int{2, 16, 2}
	})
	editRunInfo(t, dir, func(info *folder.Info) { info.Jobs[0].LR = 3e-3 })
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := r.spec.Methods[0]; m.LR != 3e-3 || m.Proxy != "l2" {
		t.Errorf("resumed method %+v; want the recorded lr 3e-3 and proxy l2", m)
	}
	if n := r.spec.Network("sip"); n.String() != "MLP 2-16-2, ReLU" {
		t.Errorf("resumed network %v; want the recorded MLP 2-16-2", n)
	}
	r.Start(context.Background(), Options{Workers: 1})
	if st := r.Wait()["sip-seed0"]; st != folder.Done {
		t.Fatalf("resumed job: %s", st)
	}
	// The same run from scratch: the recorded method and network as the run's own.
	fresh := spec(t, "rotation", []string{"sip"}, "steps=30", "lr.sip=0.003")
	fresh.Methods[0].Proxy = "l2"
	fdir := created(t, fresh)
	editConfigs(t, fdir, func(c *folder.JobConfig) { c.Network.Sizes = []int{2, 16, 2} })
	fr, err := Open(fdir)
	if err != nil {
		t.Fatal(err)
	}
	fr.Start(context.Background(), Options{Workers: 1})
	fr.Wait()
	a, b := readAll(t, dir, "sip-seed0", r.Info.Metrics), readAll(t, fdir, "sip-seed0", r.Info.Metrics)
	if len(a) != 30 || !sameMetrics(a, b) {
		t.Errorf("resumed run (%d rows) differs from a fresh run with the recorded settings (%d rows)", len(a), len(b))
	}
	// The preset's own settings would have given other metrics.
	plain, _ := train(t, base, []int{0}, 1)
	if sameMetrics(a, readAll(t, plain, "sip-seed0", r.Info.Metrics)) {
		t.Error("the run trained as the preset's code says, not as its folder records")
	}
}

// TestOpenRefusesWhatNoLongerExists checks the refusals of Open, one edit of a valid
// folder at a time: each gives an error that says what is wrong, and none panics.
func TestOpenRefusesWhatNoLongerExists(t *testing.T) {
	cases := []struct {
		name   string
		run    func(*folder.Info)
		config func(*folder.JobConfig)
		want   string
	}{
		{"newer format", func(i *folder.Info) { i.Format = folder.FormatVersion + 1 }, nil, "written by a newer sipbench (run format 2"},
		{"newer job format", nil, func(c *folder.JobConfig) { c.Format = folder.FormatVersion + 1 }, "written by a newer sipbench (format 2"},
		{"preset gone", func(i *folder.Info) { i.Preset = "vanished" }, nil, `preset no longer exists in this sipbench: unknown preset "vanished"`},
		{"network kind gone", nil, func(c *folder.JobConfig) { c.Network.Kind = "transformer" }, `the network of method "sip" no longer exists: presets: unknown network kind "transformer"`},
		{"no network", nil, func(c *folder.JobConfig) { c.Network = nil }, "records no network"},
		{"optimizer gone", nil, func(c *folder.JobConfig) { c.Method.Optimizer = "lion" }, `unknown optimizer "lion"`},
		{"update gone", nil, func(c *folder.JobConfig) { c.Method.Update = "sip2" }, `the problem has no update "sip2"`},
		{"setting gone", func(i *folder.Info) { i.Settings["omega"] = "3" }, nil, `records setting "omega", which this sipbench's preset no longer has`},
		{"bad value", func(i *folder.Info) { i.Settings["xi"] = "abc" }, nil, `recorded setting: xi="abc": want a number`},
		{"job id", func(i *folder.Info) { i.Jobs[0].ID = "../elsewhere" }, nil, `job id "../elsewhere" is not a plain folder name`},
		{"method differs", nil, func(c *folder.JobConfig) { c.Method.Name = "adam" }, `records method "adam" for job sip-seed0`},
	}
	for _, c := range cases {
		dir := created(t, spec(t, "rotation", []string{"sip"}, "steps=5"))
		if c.config != nil {
			editConfigs(t, dir, c.config)
		}
		if c.run != nil {
			editRunInfo(t, dir, c.run)
		}
		_, err := Open(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Open: %v; want an error with %q", c.name, err, c.want)
		}
		if _, err := summary.LoadModel(dir, "sip-seed0"); c.name != "job id" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: LoadModel: %v; want an error with %q", c.name, err, c.want)
		}
	}
}

// TestOpenFormatZero opens a folder as sipbench wrote them before formats (no "format",
// no network in config.json): it resumes with the preset's current network.
func TestOpenFormatZero(t *testing.T) {
	dir := created(t, spec(t, "exp", []string{"adam"}, "steps=5"))
	editRunInfo(t, dir, func(i *folder.Info) { i.Format = 0 })
	editConfigs(t, dir, func(c *folder.JobConfig) { c.Format, c.Network = 0, nil })
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := r.spec.Network("adam"); n.String() != "MLP 1-16-64-16-1, Sigmoid" {
		t.Errorf("network %v; want the preset's", n)
	}
	r.Start(context.Background(), Options{Workers: 1})
	if st := r.Wait()["adam-seed0"]; st != folder.Done {
		t.Errorf("format-0 run: %s", st)
	}
}
