package summary

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/cluster/slurmengine"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
	"github.com/sipbench/sipbench/slurm"
)

// listJob is one job of a listed fixture run: its method and seed, its status (none if
// state is ""), and rows of metric m = base·exp(−step/200) + floor logged from step 1.
type listJob struct {
	method      string
	seed        int
	state       folder.State
	rows        int
	base, floor float64
}

// listRun writes a run folder root/name started at started, with metrics "other" and
// "m" (the run's), SIP the reference, and the jobs given; it returns the folder.
func listRun(t testing.TB, root, name string, started time.Time, jobs ...listJob) string {
	t.Helper()
	dir := filepath.Join(root, name)
	info := folder.Info{Preset: "fake", Scale: "quick", Metrics: []string{"other", "m"}, Metric: "m", Reference: "SIP",
		Started: started.UTC().Format(time.RFC3339), Settings: map[string]string{"lr.Adam": "0.001"}}
	for _, j := range jobs {
		if !strings.Contains(strings.Join(info.Methods, ","), j.method) {
			info.Methods = append(info.Methods, j.method)
		}
		id := folder.JobID(j.method, j.seed)
		info.Jobs = append(info.Jobs, folder.JobInfo{ID: id, Method: j.method, Seed: j.seed, Steps: 1000})
		jd := filepath.Join(dir, id)
		if err := os.MkdirAll(jd, 0o755); err != nil {
			t.Fatal(err)
		}
		if j.rows > 0 {
			var b strings.Builder
			b.WriteString("step,wall_s,other,m\n")
			for s := 1; s <= j.rows; s++ {
				v := j.base*math.Exp(-float64(s)/200) + j.floor
				fmt.Fprintf(&b, "%d,%.4f,%g,%.8g\n", s, float64(s)/100, -v, v)
			}
			if err := os.WriteFile(filepath.Join(jd, folder.MetricsFile), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if j.state != "" {
			folder.WriteStatus(dir, id, folder.Status{State: j.state, Step: j.rows, Total: 1000, Wall: float64(j.rows) / 100, Updated: started.Add(time.Hour).UTC().Format(time.RFC3339)})
		}
	}
	if err := folder.WriteJSON(filepath.Join(dir, folder.RunFile), info); err != nil {
		t.Fatal(err)
	}
	return dir
}

// deadPID returns the id of a process that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	return cmd.Process.Pid
}

// writeStaleLock writes a job's lock file naming a process that is gone, without holding
// the lock: what a trainer killed with SIGKILL leaves behind.
func writeStaleLock(t *testing.T, dir, job string, pid int) {
	t.Helper()
	b, _ := json.Marshal(folder.LockOwner{PID: pid, Host: "box", Started: "2025-01-01T00:00:00Z"})
	if err := os.WriteFile(filepath.Join(dir, job, folder.LockFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func byName(t *testing.T, rs []Status) map[string]Status {
	t.Helper()
	m := map[string]Status{}
	for _, r := range rs {
		m[r.Name()] = r
	}
	return m
}

// TestRunIndexStates lists one run in every state and checks each run's state, its
// description, its steps, its order (newest first) and its headline.
func TestRunIndexStates(t *testing.T) {
	root := t.TempDir()
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	listRun(t, root, "finished", at(0), listJob{"SIP", 0, folder.Done, 2000, 1, 0.001}, listJob{"Adam", 0, folder.Done, 2000, 1, 0.01})
	listRun(t, root, "diverged", at(1), listJob{"SIP", 0, folder.Done, 300, 1, 0.001}, listJob{"SGD", 0, folder.Diverged, 120, 1, 0.1})
	listRun(t, root, "failed", at(2), listJob{"SIP", 0, folder.Failed, 10, 1, 0.001}, listJob{"Adam", 0, folder.Done, 300, 1, 0.01})
	listRun(t, root, "interrupted", at(3), listJob{"SIP", 0, folder.Cancelled, 200, 1, 0.001}, listJob{"Adam", 0, folder.Done, 300, 1, 0.01})
	lost := listRun(t, root, "lost", at(4), listJob{"SIP", 0, folder.Running, 200, 1, 0.001}, listJob{"Adam", 0, folder.Running, 250, 1, 0.01})
	training := listRun(t, root, "training", at(5), listJob{"SIP", 0, folder.Running, 100, 1, 0.001}, listJob{"Adam", 0, folder.Queued, 0, 1, 0.01})
	os.MkdirAll(filepath.Join(root, "unreadable"), 0o755)
	os.WriteFile(filepath.Join(root, "unreadable", folder.RunFile), []byte("{not json"), 0o644)
	os.Chtimes(filepath.Join(root, "unreadable", folder.RunFile), at(-1), at(-1)) // sorted by this time
	os.MkdirAll(filepath.Join(root, "not-a-run"), 0o755)

	pid := deadPID(t)
	writeStaleLock(t, lost, "SIP-seed0", pid)
	writeStaleLock(t, lost, "Adam-seed0", pid)
	var locks []*folder.JobLock
	for _, j := range []string{"SIP-seed0", "Adam-seed0"} { // one live trainer holds both
		l, err := folder.LockJob(training, j, "")
		if err != nil {
			t.Fatal(err)
		}
		locks = append(locks, l)
	}
	defer func() {
		for _, l := range locks {
			l.Release()
		}
	}()

	x := NewIndex(root)
	x.Now = func() time.Time { return at(10) }
	rs, err := x.Scan()
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range rs {
		order = append(order, r.Name())
	}
	if got := strings.Join(order, " "); got != "training lost interrupted failed diverged finished unreadable" {
		t.Errorf("order %q; want newest first, the unreadable run (no start time) last", got)
	}
	want := map[string]struct {
		state State
		text  string
	}{
		"finished":    {RunFinished, "finished"},
		"diverged":    {RunDiverged, "diverged 1/2"},
		"failed":      {RunFailed, "failed 1/2"},
		"interrupted": {RunInterrupted, "interrupted"},
		"lost":        {RunLost, "lost 2/2"},
		"training":    {RunTraining, "training"},
		"unreadable":  {RunUnreadable, "unreadable"},
	}
	m := byName(t, rs)
	for name, w := range want {
		r := m[name]
		if r.State != w.state || r.StateText() != w.text {
			t.Errorf("%s: state %s (%q); want %s (%q)", name, r.State, r.StateText(), w.state, w.text)
		}
	}
	if r := m["unreadable"]; r.Err == nil {
		t.Error("unreadable: no error")
	}
	if r := m["lost"]; r.Done != 450 || r.Total != 2000 || r.Training != 2.5 || r.Jobs[0].Owner != nil {
		t.Errorf("lost: done %d/%d, training %gs, owner %v; want 450/2000, 2.5s, none", r.Done, r.Total, r.Training, r.Jobs[0].Owner)
	}
	if r := m["training"]; r.Jobs[0].Owner == nil || r.Jobs[0].Owner.PID != os.Getpid() || r.Jobs[0].Kind != JobTraining || r.Jobs[1].Kind != JobQueued || r.Jobs[1].Owner == nil {
		t.Errorf("training: jobs %+v; want both held by this process, the queued one waiting for a worker", r.Jobs)
	}
	// Headline: Adam ÷ SIP at the end, the running means of their last 64 rows.
	f := m["finished"]
	if f.Headline.Method != "Adam" || math.Abs(f.Headline.Ratio-f.Jobs[1].Value/f.Jobs[0].Value) > 1e-12 || f.Headline.Ratio < 2 {
		t.Errorf("finished: headline %+v (values %g, %g)", f.Headline, f.Jobs[0].Value, f.Jobs[1].Value)
	}
	if d := m["diverged"]; !math.IsNaN(d.Headline.Ratio) {
		t.Errorf("diverged: headline %+v; want none (the only other method diverged)", d.Headline)
	}
	if f.TrendJob != "SIP-seed0" || len(f.Trend) != TrendPoints || f.Trend[0] < 10*f.Trend[len(f.Trend)-1] {
		t.Errorf("finished: trend of %s: %v; want SIP's, falling", f.TrendJob, f.Trend)
	}

	// The trainer ends (its locks drop with it): the run is lost.
	for _, l := range locks {
		l.Release()
	}
	locks = nil
	rs, _ = x.Scan()
	if r := byName(t, rs)["training"]; r.State != RunLost || r.Count[JobLost] != 2 {
		t.Errorf("training run after its trainer ended: %s %v; want lost", r.State, r.Count)
	}
	// A run created a moment ago whose trainer has not started yet is queued, not lost.
	listRun(t, root, "new", at(10), listJob{"SIP", 0, "", 0, 1, 0})
	rs, _ = x.Scan()
	if r := byName(t, rs)["new"]; r.State != RunQueued || r.Jobs[0].Kind != JobQueued {
		t.Errorf("new run: %s; want queued", r.State)
	}
}

// TestRunIndexSlurm lists a run submitted to Slurm whose tasks wait in the queue: queued,
// not lost; once Slurm forgets them, lost.
func TestRunIndexSlurm(t *testing.T) {
	root := t.TempDir()
	dir := listRun(t, root, "cluster", time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC),
		listJob{"SIP", 0, folder.Queued, 0, 1, 0}, listJob{"Adam", 0, folder.Queued, 0, 1, 0})
	rec := &cluster.Record{Array: "77", Script: slurm.ScriptFile, Tasks: []cluster.TaskJob{{Task: 0, Job: "SIP-seed0"}, {Task: 1, Job: "Adam-seed0"}}}
	if err := cluster.WriteRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	squeue := "#!/bin/sh\necho '77|0|PENDING|Priority||0|'\necho '77|1|PENDING|Priority||0|'\n"
	os.WriteFile(filepath.Join(bin, "squeue"), []byte(squeue), 0o755)
	x := NewIndex(root)
	x.Engine = slurmengine.New(slurm.Client{Bin: bin})
	rs, err := x.Scan()
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if r.State != RunQueued || r.StateText() != "queued (Slurm)" || r.Jobs[0].Cluster.State != cluster.Pending || r.Jobs[0].Cluster.Reason != "Priority" {
		t.Errorf("cluster run: %s (%q), job 0 %+v; want queued (Slurm), pending (Priority)", r.State, r.StateText(), r.Jobs[0].Cluster)
	}
	// Slurm no longer lists the tasks (a new index: the poller asks again).
	os.WriteFile(filepath.Join(bin, "squeue"), []byte("#!/bin/sh\n"), 0o755)
	x = NewIndex(root)
	x.Engine = slurmengine.New(slurm.Client{Bin: bin})
	rs, _ = x.Scan()
	if r := rs[0]; r.State != RunLost || !strings.Contains(r.Jobs[0].Cluster.Resume, "sipbench resume") {
		t.Errorf("cluster run Slurm forgot: %s %+v; want lost, with the resume command", r.State, r.Jobs[0].Cluster)
	}
}

// TestReadTailAgreesWithSummarize checks that the value read from the end of a
// metrics.csv is `show`'s value at the end, for files shorter and longer than the first
// read, and rows shorter and longer than the window needs.
func TestReadTailAgreesWithSummarize(t *testing.T) {
	for _, n := range []int{0, 1, 2, 50, 127, 128, 129, 1000, 20000} {
		for _, pad := range []int{0, 300} { // wide rows: the first read holds fewer than 128
			root := t.TempDir()
			dir := listRun(t, root, "r", time.Now(), listJob{"SIP", 0, folder.Done, n, 1, 0.01})
			if pad > 0 { // rewrite with a padded "other" column
				var b strings.Builder
				b.WriteString("step,wall_s,other,m\n")
				for s := 1; s <= n; s++ {
					fmt.Fprintf(&b, "%d,%.4f,%s,%.8g\n", s, float64(s)/100, "1"+strings.Repeat("0", pad), math.Exp(-float64(s)/200)+0.01)
				}
				os.WriteFile(filepath.Join(dir, "SIP-seed0", folder.MetricsFile), []byte(b.String()), 0o644)
			}
			info, _ := folder.ReadInfo(dir)
			s, err := Summarize(dir, info, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := readTail(filepath.Join(dir, "SIP-seed0", folder.MetricsFile), 3, metrics.DefaultWindow)
			want := s.Jobs[0].Values[0]
			if !(math.IsNaN(want) && math.IsNaN(got.value)) && math.Abs(got.value-want) > 1e-12*math.Abs(want) || got.step != s.Jobs[0].Done {
				t.Errorf("%d rows, pad %d: tail %+v; want value %g, step %d", n, pad, got, want, s.Jobs[0].Done)
			}
		}
	}
}

// TestRunIndexIncremental checks that a Scan reads again only files that changed: a
// metrics.csv rewritten with the same size and time is not read again (the old value
// stays), one that grew is.
func TestRunIndexIncremental(t *testing.T) {
	root := t.TempDir()
	dir := listRun(t, root, "r", time.Now().Add(-time.Hour), listJob{"SIP", 0, folder.Running, 300, 1, 0.01})
	x := NewIndex(root)
	rs, _ := x.Scan()
	before := rs[0].Jobs[0].Value
	path := filepath.Join(dir, "SIP-seed0", folder.MetricsFile)
	fi, _ := os.Stat(path)
	b, _ := os.ReadFile(path)
	damaged := []byte(strings.ReplaceAll(string(b), "e-", "x-")) // same size, unreadable values
	os.WriteFile(path, damaged, 0o644)
	os.Chtimes(path, fi.ModTime(), fi.ModTime())
	rs, _ = x.Scan()
	if got := rs[0].Jobs[0].Value; got != before {
		t.Errorf("unchanged stamp: value %g; want the cached %g (the file was read again)", got, before)
	}
	os.WriteFile(path, append(b, "301,3.01,-5,5\n"...), 0o644)
	rs, _ = x.Scan()
	if got := rs[0].Jobs[0]; got.Step != 301 || got.Value <= before {
		t.Errorf("grown file: step %d, value %g; want 301 and a value above %g", got.Step, got.Value, before)
	}
	os.RemoveAll(dir)
	if rs, _ = x.Scan(); len(rs) != 0 || len(x.runs) != 0 {
		t.Errorf("deleted run: still listed (%d) or cached (%d)", len(rs), len(x.runs))
	}
}

// TestReadTrend checks the trend of a small file (means of equal runs of rows) and of a
// large one (samples at spread offsets): TrendPoints falling values, with non-finite
// values left out.
func TestReadTrend(t *testing.T) {
	for _, n := range []int{5, 100, 5000, 100000} {
		root := t.TempDir()
		dir := listRun(t, root, "r", time.Now(), listJob{"SIP", 0, folder.Done, n, 1, 0})
		got := readTrend(filepath.Join(dir, "SIP-seed0", folder.MetricsFile), 3, TrendPoints)
		if want := min(n, TrendPoints); len(got) != want {
			t.Errorf("%d rows: %d values, want %d", n, len(got), want)
			continue
		}
		for i := 1; i < len(got); i++ {
			if !(got[i] < got[i-1]) {
				t.Errorf("%d rows: trend not falling at %d: %v", n, i, got)
				break
			}
		}
		// The last sample lies near the end: within the last 1/TrendPoints of the steps.
		if last, end := got[len(got)-1], math.Exp(-float64(n)/200); last > math.Exp(-float64(n)*(1-1.5/TrendPoints)/200)*(1+1e-7) || last < end*(1-1e-7) {
			t.Errorf("%d rows: last value %g, the end is %g", n, last, end)
		}
	}
}

// TestDeleteRun checks that only a run or sweep folder that nobody trains is deleted.
func TestDeleteRun(t *testing.T) {
	root := t.TempDir()
	done := listRun(t, root, "done", time.Now(), listJob{"SIP", 0, folder.Done, 10, 1, 0})
	live := listRun(t, root, "live", time.Now(), listJob{"SIP", 0, folder.Running, 10, 1, 0})
	l, err := folder.LockJob(live, "SIP-seed0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if err := DeleteRun(live); err == nil || !strings.Contains(err.Error(), "still being trained") {
		t.Errorf("DeleteRun(live run) = %v; want refused", err)
	}
	other := filepath.Join(root, "other")
	os.MkdirAll(other, 0o755)
	if err := DeleteRun(other); err == nil {
		t.Error("DeleteRun(a folder that is no run): no error")
	}
	link := filepath.Join(root, "link")
	os.Symlink(done, link)
	if err := DeleteRun(link); err == nil {
		t.Error("DeleteRun(a link to a run): no error")
	}
	if err := DeleteRun(done); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(done); !os.IsNotExist(err) {
		t.Errorf("run folder still there: %v", err)
	}
}

// BenchmarkRunIndex times listing 500 run folders of 3 jobs × 2000 logged steps: the
// first Scan (every run.json and status.json read, the end of every metrics.csv and a
// trend's samples), a Scan after one run logged more (only its files read again), and,
// for scale, what reading every metrics.csv whole (Summarize) would cost.
func BenchmarkRunIndex(b *testing.B) {
	root := b.TempDir()
	t0 := time.Now().Add(-24 * time.Hour)
	var dirs []string
	for i := range 500 {
		dirs = append(dirs, listRun(b, root, fmt.Sprintf("run%03d", i), t0.Add(time.Duration(i)*time.Minute),
			listJob{"SIP", 0, folder.Done, 2000, 1, 0.001}, listJob{"Adam", 0, folder.Done, 2000, 1, 0.01}, listJob{"SGD", 0, folder.Done, 2000, 1, 0.1}))
	}
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			x := NewIndex(root)
			if rs, err := x.Scan(); err != nil || len(rs) != 500 {
				b.Fatal(err, len(rs))
			}
		}
	})
	b.Run("again", func(b *testing.B) {
		x := NewIndex(root)
		x.Scan()
		path := filepath.Join(dirs[0], "SIP-seed0", folder.MetricsFile)
		step := 2000
		for b.Loop() {
			step++
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			fmt.Fprintf(f, "%d,%d,-0.001,0.001\n", step, step)
			f.Close()
			if rs, err := x.Scan(); err != nil || len(rs) != 500 {
				b.Fatal(err, len(rs))
			}
		}
	})
	b.Run("summarize-all", func(b *testing.B) {
		for b.Loop() {
			for _, d := range dirs {
				info, _ := folder.ReadInfo(d)
				if _, err := Summarize(d, info, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// TestRunTrainedFor: a run's training time on the runs list counts the jobs that trained
// one after another (TrainedFor, the union of the jobs' spans), not only the longest
// job's: 3 jobs of 2 s, two in sequence and one overlapping the second, trained for 5 s
// (it said 2 s for a run of about 7 s); a sweep's spans join over its runs.
func TestRunTrainedFor(t *testing.T) {
	root := t.TempDir()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	dir := listRun(t, root, "seq", t0,
		listJob{method: "SIP", state: folder.Done, rows: 200, base: 1, floor: 0.01},
		listJob{method: "Adam", state: folder.Done, rows: 200, base: 1, floor: 0.02},
		listJob{method: "SGD", state: folder.Done, rows: 200, base: 1, floor: 0.03})
	for id, end := range map[string]int{"SIP-seed0": 3, "Adam-seed0": 6, "SGD-seed0": 5} {
		st := folder.Status{State: folder.Done, Step: 200, Total: 1000, Wall: 2, Updated: t0.Add(time.Duration(end) * time.Second).Format(time.RFC3339)}
		if err := folder.WriteJSON(filepath.Join(dir, id, folder.StatusFile), st); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := NewIndex(root).Scan()
	if err != nil || len(rs) != 1 {
		t.Fatalf("scan: %d runs, %v", len(rs), err)
	}
	if r := rs[0]; r.Training != 2 || math.Abs(r.Elapsed-5) > 1e-9 || r.TrainedFor() != r.Elapsed {
		t.Errorf("trained: Training %g, Elapsed %g, TrainedFor %g; want 2, 5, 5", r.Training, r.Elapsed, r.TrainedFor())
	}
	for _, c := range []struct {
		spans [][2]float64
		want  float64
	}{
		{nil, 0},
		{[][2]float64{{0, 2}}, 2},
		{[][2]float64{{3, 5}, {0, 2}}, 4},
		{[][2]float64{{0, 4}, {1, 2}}, 4},
		{[][2]float64{{0, 2}, {1, 3}, {5, 6}}, 4},
	} {
		if got := spanUnion(c.spans); got != c.want {
			t.Errorf("spanUnion(%v) = %g; want %g", c.spans, got, c.want)
		}
	}
}

// TestProgressAndPresets checks the texts that `sipbench runs` and the runs screen share:
// the steps per job (rounded means) and the presets of several runs, each once.
func TestProgressAndPresets(t *testing.T) {
	for _, c := range []struct {
		jobs, done, total int
		want              string
	}{{0, 0, 0, "-"}, {2, 0, 0, "-"}, {3, 1500, 6000, "500/2000"}, {2, 3, 9, "2/5"}} {
		r := &Status{Jobs: make([]JobStatus, c.jobs), Done: c.done, Total: c.total}
		if got := r.Progress(); got != c.want {
			t.Errorf("Progress of %d jobs, %d of %d steps: %q, want %q", c.jobs, c.done, c.total, got, c.want)
		}
	}
	infos := []folder.Info{{Preset: "poisson"}, {Preset: "heat"}, {Preset: "poisson"}}
	if got := Presets(infos); got != "poisson, heat" {
		t.Errorf("Presets = %q, want \"poisson, heat\"", got)
	}
	if got := Presets(nil); got != "" {
		t.Errorf("Presets(nil) = %q, want \"\"", got)
	}
}
