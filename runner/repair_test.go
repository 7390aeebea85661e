package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
)

// metricsLines returns the lines of a job's metrics.csv, each with its newline.
func metricsLines(t *testing.T, dir, job string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, job, folder.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(string(b), "\n")
}

// killedAt turns a copy of the finished run short (trained to step k with its final
// checkpoint there) into a run of n steps whose trainer was killed after its checkpoint at
// k: status running, and metrics.csv as edit leaves it.
func killedAt(t *testing.T, short string, k, n int, edit func(dir, job string)) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.CopyFS(dir, os.DirFS(short)); err != nil {
		t.Fatal(err)
	}
	info, err := folder.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	info.Settings["steps"] = fmt.Sprint(n)
	for i := range info.Jobs {
		info.Jobs[i].Steps = n
		id := info.Jobs[i].ID
		if err := folder.WriteStatus(dir, id, folder.Status{State: folder.Running, Step: k, Total: n}); err != nil {
			t.Fatal(err)
		}
		edit(dir, id)
	}
	if err := folder.WriteJSON(filepath.Join(dir, folder.RunFile), info); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestResumeRepairsMetrics damages metrics.csv of a run killed after a checkpoint in the
// ways that crashes, full disks and hands do, then resumes it: the rows must be the
// uninterrupted run's (every step once, in order) except the steps whose rows were lost
// before the checkpoint, which the resume reports. Rows after a damaged line are kept, and
// a file that only needs cutting back is cut in place (no copy: a resume needs no space).
func TestResumeRepairsMetrics(t *testing.T) {
	const k, n = 80, 120 // checkpoint step, steps of the run
	methods := []string{"rescaled"}
	full, _ := train(t, spec(t, "exp", methods, fmt.Sprintf("steps=%d", n), "checkpoint_every=20"), []int{0}, 1)
	short, _ := train(t, spec(t, "exp", methods, fmt.Sprintf("steps=%d", k), "checkpoint_every=20"), []int{0}, 1)
	const job = "rescaled-seed0"
	ref := metricsLines(t, full, job) // header, rows 1..n, ""
	rows := func(from, to int) string { return strings.Join(ref[from:to+1], "") }
	header := ref[0]
	long := strings.Repeat("7", metrics.LineBuf+10) + "\n"
	for _, c := range []struct {
		name    string
		content string // metrics.csv as the crash left it; "-" for no file
		missing []int  // steps whose rows are lost
		note    string // in the resume's note ("" for none)
		inPlace bool   // repaired by cutting the file, not rewriting it
	}{
		{"rows after the checkpoint", header + rows(1, 95), nil, "", true},
		{"torn last line", header + rows(1, 84) + "85,0.01,3.", nil, "", true},
		{"garbage line in the middle", header + rows(1, 40) + "x#!,garbage\n" + rows(41, 95), nil, "1 lines that were not rows", false},
		{"garbage instead of a row", header + rows(1, 39) + "40,zz,1\n" + rows(41, 95), []int{40}, "no rows for steps 40 ", false},
		{"a line longer than the reader's buffer", header + rows(1, 40) + long + rows(41, 90), nil, "1 lines", false},
		{"zeros after a power cut", header + rows(1, 80) + strings.Repeat("\x00", 5000), nil, "", true},
		{"shortened", header + rows(1, 70), []int{71, 72, 73, 74, 75, 76, 77, 78, 79, 80}, "no rows for steps 71–80", true},
		{"rows repeated at the end", header + rows(1, 80) + rows(75, 80) + rows(81, 90), nil, "6 lines", true},
		{"rows repeated in the middle", header + rows(1, 50) + rows(41, 50) + rows(51, 90), nil, "10 lines", false},
		{"no header", rows(1, 90), nil, "header was rewritten", false},
		{"empty file", "", seq(1, k), "no rows for steps 1–80", false},
		{"no file", "-", seq(1, k), "no rows for steps 1–80", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := ""
			dir := killedAt(t, short, k, n, func(dir, job string) {
				path = filepath.Join(dir, job, folder.MetricsFile)
				os.Remove(path)
				if c.content != "-" {
					if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			})
			before, _ := os.Stat(path)
			r, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			sub := r.Subscribe()
			if err := r.Start(context.Background(), Options{Workers: 1}); err != nil {
				t.Fatal(err)
			}
			var notes []string
			for range sub.C {
				for _, e := range sub.Drain() {
					if e.Kind == EvNote {
						notes = append(notes, e.Message)
					}
				}
			}
			if st := r.Wait()[job]; st != folder.Done {
				t.Fatalf("state %s after resume; want done", st)
			}
			got := metricsLines(t, dir, job)
			var want []string
			want = append(want, header)
			for s := 1; s <= n; s++ {
				if !slices.Contains(c.missing, s) {
					want = append(want, ref[s])
				}
			}
			want = append(want, "")
			if len(got) != len(want) {
				t.Fatalf("%d lines after resume; want %d", len(got), len(want))
			}
			for i := range want {
				if stripWall(got[i]) != stripWall(want[i]) {
					t.Fatalf("line %d: %q; want %q (wall_s aside)", i, got[i], want[i])
				}
			}
			note := strings.Join(notes, "\n")
			if c.note == "" && note != "" || !strings.Contains(note, c.note) {
				t.Errorf("note %q; want one with %q", note, c.note)
			}
			after, _ := os.Stat(path)
			if c.inPlace && (before == nil || !os.SameFile(before, after)) {
				t.Errorf("metrics.csv was rewritten; want it cut back in place")
			}
		})
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// stripWall returns a metrics.csv line without its wall_s column.
func stripWall(line string) string {
	parts := strings.Split(line, ",")
	if len(parts) > 2 {
		parts[1] = ""
	}
	return strings.Join(parts, ",")
}

// TestRowsSyncedBeforeCheckpoint checks that metrics.csv is synced to disk, up to the
// checkpoint's step, before each checkpoint is written: a power cut can then never leave a
// checkpoint ahead of the rows, which nothing could refill.
func TestRowsSyncedBeforeCheckpoint(t *testing.T) {
	var synced []int
	defer func(f func(*os.File) error) { metrics.SyncFile = f }(metrics.SyncFile)
	metrics.SyncFile = func(f *os.File) error {
		b, _ := os.ReadFile(f.Name())
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		step := 0
		fmt.Sscanf(lines[len(lines)-1], "%d,", &step)
		synced = append(synced, step)
		return f.Sync()
	}
	train(t, spec(t, "exp", []string{"rescaled"}, "steps=100", "checkpoint_every=25"), []int{0}, 1)
	for _, s := range []int{25, 50, 75, 100} {
		if !slices.Contains(synced, s) {
			t.Errorf("no sync of metrics.csv up to step %d before its checkpoint (synced: %v)", s, synced)
		}
	}
}

// TestResumeRetriesFailedJob checks that a failed job (here: after a full disk, as its
// status says) is trained again by a resume, from its checkpoint, to the metrics of an
// uninterrupted run; without RetryFailed it is left as it is.
func TestResumeRetriesFailedJob(t *testing.T) {
	const k, n = 40, 60
	full, _ := train(t, spec(t, "exp", []string{"rescaled"}, "steps=60", "checkpoint_every=20"), []int{0}, 1)
	short, _ := train(t, spec(t, "exp", []string{"rescaled"}, "steps=40", "checkpoint_every=20"), []int{0}, 1)
	const job = "rescaled-seed0"
	dir := killedAt(t, short, k, n, func(dir, job string) {
		folder.WriteStatus(dir, job, folder.Status{State: folder.Failed, Step: k, Total: n, Message: "write metrics.csv: no space left on device"})
	})
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r.Start(context.Background(), Options{Workers: 1})
	if st := r.Wait()[job]; st != folder.Failed {
		t.Fatalf("without RetryFailed: %s; want the job left failed", st)
	}
	r, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background(), Options{Workers: 1, RetryFailed: true}); err != nil {
		t.Fatal(err)
	}
	if st := r.Wait()[job]; st != folder.Done {
		t.Fatalf("with RetryFailed: %s; want done", st)
	}
	info, _ := folder.ReadInfo(dir)
	if a, b := readAll(t, full, job, info.Metrics), readAll(t, dir, job, info.Metrics); len(b) != n || !sameMetrics(a, b) {
		t.Errorf("retried job: %d rows, differs from the uninterrupted run", len(b))
	}
}

// TestResumeClearsWhatDeadProcessesLeft checks that a resume is not stopped or held by a
// control file addressed to a trainer that has died ("cancel" would cancel the job at
// once, "pause" hold a headless resume for ever), and removes the temporary files of
// writes that a kill interrupted.
func TestResumeClearsWhatDeadProcessesLeft(t *testing.T) {
	short, _ := train(t, spec(t, "exp", []string{"rescaled", "adam"}, "steps=20"), []int{0}, 1)
	dir := killedAt(t, short, 20, 40, func(dir, job string) {
		action := map[string]string{"rescaled-seed0": "cancel", "adam-seed0": "pause"}[job]
		os.WriteFile(filepath.Join(dir, job, folder.ControlFile), []byte(action+"\n"), 0o644)
		for _, f := range []string{".checkpoint.bin.tmp123", ".status.json.tmp9", ".metrics.csv.tmp77"} {
			os.WriteFile(filepath.Join(dir, job, f), []byte("half"), 0o644)
		}
	})
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r.Start(context.Background(), Options{Workers: 2})
	done := make(chan map[string]folder.State)
	go func() { done <- r.Wait() }()
	select {
	case states := <-done:
		for id, st := range states {
			if st != folder.Done {
				t.Errorf("%s: %s; want done (a stale control file was obeyed)", id, st)
			}
		}
	case <-time.After(60 * time.Second):
		t.Fatal("resume hangs: a stale pause file holds it")
	}
	for _, job := range []string{"rescaled-seed0", "adam-seed0"} {
		entries, _ := os.ReadDir(filepath.Join(dir, job))
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") || e.Name() == folder.ControlFile {
				t.Errorf("%s: %s left after the resume", job, e.Name())
			}
		}
	}
}

// TestCreateOnce starts several Creates of one folder at once, with different settings:
// exactly one succeeds, and the folder's run.json and job records are all its own.
func TestCreateOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	const n = 8
	type result struct {
		r     *Run
		steps int
		err   error
	}
	results := make(chan result, n)
	for i := range n {
		s := spec(t, "exp", []string{"rescaled"}, fmt.Sprintf("steps=%d", 10+i))
		go func() {
			r, err := Create(s, []int{0}, dir)
			results <- result{r, 10 + i, err}
		}()
	}
	var won []int
	for range n {
		res := <-results
		if res.err == nil {
			won = append(won, res.steps)
		} else if !strings.Contains(res.err.Error(), "already holds a run") {
			t.Errorf("losing Create: %v; want \"already holds a run\"", res.err)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d Creates succeeded; want 1", len(won))
	}
	info, err := folder.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := folder.ReadJobConfig(dir, "rescaled-seed0")
	if err != nil {
		t.Fatal(err)
	}
	if info.Jobs[0].Steps != won[0] || c.Settings["steps"] != fmt.Sprint(won[0]) {
		t.Errorf("run.json has %d steps, config.json %s; want the winner's %d", info.Jobs[0].Steps, c.Settings["steps"], won[0])
	}
}

// TestCreateRefusesFolderThatIsNoRun checks that Create writes nothing into a folder that
// holds anything but a run (a file named like a job's folder, another program's output).
func TestCreateRefusesFolderThatIsNoRun(t *testing.T) {
	s := spec(t, "exp", []string{"rescaled"}, "steps=10")
	for _, name := range []string{"notes.txt", "rescaled-seed0", "lock-dir"} {
		dir := t.TempDir()
		if name == "lock-dir" {
			os.Mkdir(filepath.Join(dir, "lock"), 0o755)
		} else {
			os.WriteFile(filepath.Join(dir, name), []byte("mine"), 0o644)
		}
		before, _ := os.ReadDir(dir)
		_, err := Create(s, []int{0}, dir)
		if err == nil || !strings.Contains(err.Error(), "is not empty") {
			t.Errorf("folder with %s: Create: %v; want a refusal", name, err)
		}
		after, _ := os.ReadDir(dir)
		if len(after) != len(before) {
			t.Errorf("folder with %s: Create left %d entries, there were %d", name, len(after), len(before))
		}
		if b, _ := os.ReadFile(filepath.Join(dir, name)); name != "lock-dir" && string(b) != "mine" {
			t.Errorf("%s overwritten: %q", name, b)
		}
	}
	// A folder that a Create killed before run.json left (its lock, a job's records, a
	// temporary run.json) is taken over.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "lock"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, ".run.json.tmp42"), []byte("{"), 0o644)
	os.Mkdir(filepath.Join(dir, "adam-seed3"), 0o755)
	os.WriteFile(filepath.Join(dir, "adam-seed3", "config.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(dir, "adam-seed3", ".status.json.tmp7"), []byte("{"), 0o644)
	if _, err := Create(s, []int{0}, dir); err != nil {
		t.Errorf("Create in a folder left by an interrupted Create: %v", err)
	}
	for _, left := range []string{".run.json.tmp42", "adam-seed3"} {
		if _, err := os.Stat(filepath.Join(dir, left)); err == nil {
			t.Errorf("the interrupted Create's %s is left", left)
		}
	}
	// But a folder with anything else in a job-like folder is not ours.
	dir = t.TempDir()
	os.Mkdir(filepath.Join(dir, "adam-seed3"), 0o755)
	os.WriteFile(filepath.Join(dir, "adam-seed3", "thesis.tex"), []byte("mine"), 0o644)
	if _, err := Create(s, []int{0}, dir); err == nil {
		t.Error("Create took over a folder holding thesis.tex")
	}
}

// TestReadersSkipRepeatsAndGarbage checks the readers of metrics.csv (show, watch): a
// garbage line is skipped and the rows after it kept, repeated steps are returned once (show
// counted them twice), and a file cut back by a resume and grown again is read on without
// repeating a step.
func TestReadersSkipRepeatsAndGarbage(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "j-seed0"), 0o755)
	path := filepath.Join(dir, "j-seed0", folder.MetricsFile)
	row := func(s int) string { return fmt.Sprintf("%d,0.%d,1\n", s, s) }
	var b strings.Builder
	b.WriteString("step,wall_s,x\n")
	for s := 1; s <= 6; s++ {
		b.WriteString(row(s))
	}
	b.WriteString("#garbage\n" + row(7) + row(5) + row(6) + row(7) + row(8))
	os.WriteFile(path, []byte(b.String()), 0o644)
	m := metrics.NewReader(dir, "j-seed0", []string{"x"})
	steps := func() []int {
		rows, err := m.Next(0)
		if err != nil {
			t.Fatal(err)
		}
		var s []int
		for _, r := range rows {
			s = append(s, r.Step)
		}
		return s
	}
	if got := steps(); !slices.Equal(got, seq(1, 8)) || m.Skipped != 4 {
		t.Errorf("steps %v, %d skipped; want 1…8 once each, 4 lines skipped", got, m.Skipped)
	}
	// A resume cuts the file back to step 4 and trains on to step 10.
	var c strings.Builder
	c.WriteString("step,wall_s,x\n")
	for s := 1; s <= 10; s++ {
		c.WriteString(row(s))
	}
	os.WriteFile(path, []byte(c.String()[:len("step,wall_s,x\n")+len(row(1)+row(2)+row(3)+row(4))]), 0o644)
	if got := steps(); len(got) != 0 {
		t.Errorf("after the cut: steps %v; want none (all read before)", got)
	}
	os.WriteFile(path, []byte(c.String()), 0o644)
	if got := steps(); !slices.Equal(got, seq(9, 10)) {
		t.Errorf("grown again: steps %v; want 9, 10", got)
	}
}
