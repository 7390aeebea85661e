package slurm

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestScriptGolden compares a full script with testdata/array.sh.golden.
func TestScriptGolden(t *testing.T) {
	s := &Script{
		Options: Options{Partition: "cpu", Time: "4:00:00", Mem: "4G", Account: "proj", QOS: "normal",
			MaxParallel: 8, SignalLead: 120 * time.Second, Extra: []string{"--constraint=avx2", "--exclusive"},
			Setup: []string{"module load gcc/12", "source /shared/env.sh"}},
		Name:    "sipbench-rotation-20261206-2140",
		Tasks:   12,
		Log:     "/shared/my runs/sw/slurm/%A_%a.log",
		ErrLog:  "/shared/my runs/sw/slurm/%A_%a.err",
		Dir:     `/shared/my "runs"`,
		Command: []string{"/shared/bin/sipbench", "train-task", "/shared/runs/it's here", "--requeue-max", "3"},
		Comment: []string{"sipbench: one array task per job.", "", "Re-submit with: sbatch this-file"},
	}
	got := s.String()
	path := filepath.Join("testdata", "array.sh.golden")
	if *update {
		os.WriteFile(path, []byte(got), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("script:\n%s\nwant:\n%s", got, want)
	}
}

// TestScriptDefaults checks the defaults: 2 CPUs per task, USR1 90 s ahead, requeue, the
// throttle min(tasks, 256), and the command exec'd so that the signals reach it.
func TestScriptDefaults(t *testing.T) {
	if s := (&Script{Tasks: 300, Command: []string{"x"}}).String(); !strings.Contains(s, "#SBATCH --array=0-299%256\n") {
		t.Errorf("300 tasks: want the throttle %%256:\n%s", s)
	}
	if s := (&Script{Tasks: 300, Command: []string{"x"}, Options: Options{MaxParallel: 1000}}).String(); !strings.Contains(s, "#SBATCH --array=0-299%1000\n") {
		t.Errorf("--max-parallel 1000: want %%1000:\n%s", s)
	}
	s := (&Script{Tasks: 1, Command: []string{"sipbench", "train-task", "runs/a"}}).String()
	for _, want := range []string{"#SBATCH --array=0-0%1\n", "#SBATCH --cpus-per-task=2\n", "#SBATCH --requeue\n",
		"#SBATCH --signal=B:USR1@90\n", "\nexec sipbench train-task runs/a\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	for _, no := range []string{"--partition", "--time", "--mem", "--account", "--qos", "--error", "Set-up"} {
		if strings.Contains(s, no) {
			t.Errorf("script has %q though it was not asked for:\n%s", no, s)
		}
	}
}

func TestScriptValidate(t *testing.T) {
	ok := Script{Tasks: 2, Command: []string{"x"}}
	for _, c := range []struct {
		name string
		edit func(*Script)
	}{
		{"no tasks", func(s *Script) { s.Tasks = 0 }},
		{"no command", func(s *Script) { s.Command = nil }},
		{"negative cpus", func(s *Script) { s.CPUsPerTask = -1 }},
		{"negative throttle", func(s *Script) { s.MaxParallel = -2 }},
		{"sub-second lead", func(s *Script) { s.SignalLead = time.Millisecond }},
		{"newline in partition", func(s *Script) { s.Partition = "a\n#SBATCH --x" }},
		{"space in time", func(s *Script) { s.Time = "1 day" }},
		{"newline in extra", func(s *Script) { s.Extra = []string{"--x=1\nrm -rf /"} }},
		{"extra not an option", func(s *Script) { s.Extra = []string{"gres=gpu"} }},
	} {
		s := ok
		c.edit(&s)
		if err := s.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", c.name, s)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate(%+v) = %v", ok, err)
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain/path-1.2": "plain/path-1.2",
		"":               "''",
		"a b":            "'a b'",
		"it's":           `'it'\''s'`,
		"$HOME":          "'$HOME'",
		"a;rm":           "'a;rm'",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s; want %s", in, got, want)
		}
	}
}

// TestParseQueue reads squeue outputs recorded on a single-node cluster (Slurm 22.05,
// 2 CPUs, tasks of 1 CPU; see each file's scenario below).
func TestParseQueue(t *testing.T) {
	type ts = Task
	for _, c := range []struct {
		file, array string
		want        map[int]Task
	}{
		// sbatch --array=0-4%2: two run, three wait for the throttle.
		{"squeue-throttled.txt", "6", map[int]Task{
			0: {0, "6_0", "RUNNING", "", "vm", 0},
			1: {1, "6_1", "RUNNING", "", "vm", 0},
			2: {2, "6_2", "PENDING", "JobArrayTaskLimit", "", 0},
			3: {3, "6_3", "PENDING", "JobArrayTaskLimit", "", 0},
			4: {4, "6_4", "PENDING", "JobArrayTaskLimit", "", 0},
		}},
		// Then task 4 scancel'd while pending (it vanishes) and task 0 requeued by itself.
		{"squeue-throttled-requeued.txt", "6", map[int]Task{
			0: {0, "6_0", "PENDING", "JobArrayTaskLimit", "", 1},
			1: {1, "6_1", "RUNNING", "", "vm", 0},
			2: {2, "6_2", "RUNNING", "", "vm", 0},
			3: {3, "6_3", "PENDING", "JobArrayTaskLimit", "", 0},
		}},
		// sbatch --array=0-2: two run, one waits for a core.
		{"squeue-resources.txt", "10", map[int]Task{
			0: {0, "10_0", "RUNNING", "", "vm", 0},
			1: {1, "10_1", "RUNNING", "", "vm", 0},
			2: {2, "10_2", "PENDING", "Resources", "", 0},
		}},
		// Then task 1 scancel'd while running, task 0 requeued (held until its BeginTime).
		{"squeue-begintime-cancelled.txt", "10", map[int]Task{
			0: {0, "10_0", "PENDING", "BeginTime", "", 1},
			1: {1, "10_1", "CANCELLED", "", "vm", 0},
			2: {2, "10_2", "RUNNING", "", "vm", 0},
		}},
		// A finished array within MinJobAge; task 0 was requeued twice.
		{"squeue-completed.txt", "1", map[int]Task{
			0: {0, "1_0", "COMPLETED", "", "vm", 2},
			1: {1, "1_1", "COMPLETED", "", "vm", 0},
			2: {2, "1_2", "COMPLETED", "", "vm", 0},
			3: {3, "1_3", "COMPLETED", "", "vm", 0},
		}},
		// Another array's lines are skipped.
		{"squeue-completed.txt", "2", map[int]Task{}},
	} {
		out, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseQueue(out, c.array)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s (array %s):\n got %v\nwant %v", c.file, c.array, got, c.want)
		}
	}
}

func TestParseQueueRangesAndErrors(t *testing.T) {
	got, err := ParseQueue([]byte("7|[3-5%2]|PENDING|JobArrayTaskLimit||0|\n7|1,8|PENDING|Priority|(null)|0|\n"), "7")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || got[4].Reason != "JobArrayTaskLimit" || got[8].Reason != "Priority" || got[8].Node != "" {
		t.Errorf("ranges: %v", got)
	}
	for _, bad := range []string{"7|0|RUNNING\n", "7|x|RUNNING|None|vm|0|\n", "7|5-2|PENDING|None||0|\n",
		"7|0|RUNNING|None|vm|many|\n", "7|0-99999999|PENDING|None||0|\n"} {
		if _, err := ParseQueue([]byte(bad), "7"); err == nil {
			t.Errorf("ParseQueue(%q) accepted it", bad)
		}
	}
}

func TestTaskClasses(t *testing.T) {
	for _, c := range []struct {
		state                   string
		pending, active, ending bool
	}{
		{"PENDING", true, false, false}, {"REQUEUED", true, false, false}, {"RUNNING", false, true, false},
		{"COMPLETING", false, true, false}, {"COMPLETED", false, false, true}, {"CANCELLED", false, false, true},
		{"NODE_FAIL", false, false, true}, {"TIMEOUT", false, false, true},
	} {
		task := Task{State: c.state}
		if task.Pending() != c.pending || task.Active() != c.active || task.Ended() != c.ending {
			t.Errorf("%s: pending %v active %v ended %v", c.state, task.Pending(), task.Active(), task.Ended())
		}
	}
}

func TestParseSubmit(t *testing.T) {
	for in, want := range map[string]string{"123\n": "123", "77;cluster2\n": "77"} {
		if got, err := ParseSubmit([]byte(in)); err != nil || got != want {
			t.Errorf("ParseSubmit(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "Submitted batch job 5\n", "12x"} {
		if _, err := ParseSubmit([]byte(bad)); err == nil {
			t.Errorf("ParseSubmit(%q) accepted it", bad)
		}
	}
}

// fakeSlurm writes shell scripts named after Slurm's commands into a folder, for a Client
// whose Bin is that folder. Each appends its arguments to calls.log.
func fakeSlurm(t *testing.T, scripts map[string]string) (Client, string) {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "calls.log")
	for name, body := range scripts {
		s := "#!/bin/sh\necho \"" + name + " $*\" >> " + log + "\n" + body + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return Client{Bin: dir}, log
}

func TestClient(t *testing.T) {
	rec, _ := filepath.Abs(filepath.Join("testdata", "squeue-resources.txt"))
	c, log := fakeSlurm(t, map[string]string{
		"sbatch":   `case "$*" in *bad*) echo "sbatch: error: invalid partition specified: bad" >&2; exit 1;; esac; echo "10;local"`,
		"squeue":   `case "$*" in *--jobs=99*) echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1;; esac; cat ` + rec,
		"scancel":  `exit 0`,
		"scontrol": `echo "Requested operation is presently disabled" >&2; exit 1`,
	})
	ctx := context.Background()
	if err := c.Available(); err != nil {
		t.Errorf("Available: %v", err)
	}
	if id, err := c.Submit(ctx, "/x/array.sh"); err != nil || id != "10" {
		t.Errorf("Submit = %q, %v; want 10", id, err)
	}
	_, err := c.Submit(ctx, "/x/array.sh", "--partition=bad")
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Msg != "sbatch: error: invalid partition specified: bad" {
		t.Errorf("Submit with a bad partition: %v; want sbatch's message", err)
	}
	tasks, err := c.Queue(ctx, "10")
	if err != nil || len(tasks) != 3 || tasks[2].Reason != "Resources" {
		t.Errorf("Queue = %v, %v", tasks, err)
	}
	if tasks, err := c.Queue(ctx, "99"); err != nil || len(tasks) != 0 {
		t.Errorf("Queue of a forgotten array = %v, %v; want no tasks and no error", tasks, err)
	}
	if err := c.Cancel(ctx, "10_1"); err != nil {
		t.Errorf("Cancel: %v", err)
	}
	if err := c.Requeue(ctx, "10_0"); err == nil || !strings.Contains(err.Error(), "presently disabled") {
		t.Errorf("Requeue: %v; want scontrol's message", err)
	}
	b, _ := os.ReadFile(log)
	want := "sbatch --parsable /x/array.sh\nsbatch --parsable --partition=bad /x/array.sh\n" +
		"squeue --noheader --array --states=all --jobs=10 --Format=" + queueFormat + "\n" +
		"squeue --noheader --array --states=all --jobs=99 --Format=" + queueFormat + "\n" +
		"scancel 10_1\nscontrol requeue 10_0\n"
	if string(b) != want {
		t.Errorf("commands run:\n%s\nwant:\n%s", b, want)
	}
	none := Client{Bin: t.TempDir()}
	if err := none.Available(); !errors.Is(err, ErrNoSlurm) {
		t.Errorf("Available without sbatch: %v", err)
	}
	if _, err := none.Submit(ctx, "x"); !errors.Is(err, ErrNoSlurm) {
		t.Errorf("Submit without sbatch: %v", err)
	}
}

// TestPollerRateLimit checks that squeue runs at most once per interval, however often
// the tasks are asked for, and never more often than MinPollInterval.
func TestPollerRateLimit(t *testing.T) {
	rec, _ := filepath.Abs(filepath.Join("testdata", "squeue-resources.txt"))
	c, log := fakeSlurm(t, map[string]string{"squeue": "cat " + rec})
	clock := time.Unix(1e9, 0)
	p := &Poller{Client: c, Array: "10", Every: time.Second, now: func() time.Time { return clock }}
	for step := 0; step < 60; step++ { // 30 s in steps of 0.5 s
		tasks, _, err := p.Tasks(context.Background())
		if err != nil || len(tasks) != 3 {
			t.Fatalf("Tasks = %v, %v", tasks, err)
		}
		clock = clock.Add(500 * time.Millisecond)
	}
	b, _ := os.ReadFile(log)
	if n := strings.Count(string(b), "squeue"); n != 3 { // at 0, 10 and 20 s
		t.Errorf("squeue ran %d times in 30 s; want 3 (every %v)", n, MinPollInterval)
	}
}

// TestArraySpec folds indices into sbatch's ranges.
func TestArraySpec(t *testing.T) {
	for _, c := range []struct {
		in   []int
		th   int
		want string
	}{{[]int{3}, 0, "3"}, {[]int{0, 1, 2, 3, 7, 9, 10}, 2, "0-3,7,9-10%2"}, {[]int{5, 6}, 0, "5-6"}} {
		if got := ArraySpec(c.in, c.th); got != c.want {
			t.Errorf("ArraySpec(%v, %d) = %q; want %q", c.in, c.th, got, c.want)
		}
	}
}

// TestMonitor: one squeue call per interval for every array its callers follow, a failed
// call is not repeated within the interval, sacct is asked once per AccountingEvery and
// only when a task has gone from squeue, and a cluster without accounting says so.
func TestMonitor(t *testing.T) {
	c, log := fakeSlurm(t, map[string]string{
		"squeue": "echo '10|0|RUNNING|None|n1|0|'; echo '20|1|PENDING|Priority||0|'",
		"sacct":  "echo 'sacct: error: Slurm accounting storage is disabled' >&2; exit 1",
	})
	clock := time.Unix(1e9, 0)
	m := &Monitor{Client: c, Every: 12 * time.Second, now: func() time.Time { return clock }}
	ctx := context.Background()
	for step := 0; step < 24; step++ { // 24 s: forty screens asking every second
		for range 40 {
			for _, arrays := range [][]string{{"10"}, {"20", "10"}} {
				got, _, err := m.Queue(ctx, arrays)
				if err != nil || got["10"][0].State != "RUNNING" {
					t.Fatalf("Queue(%v) = %v, %v", arrays, got, err)
				}
			}
		}
		clock = clock.Add(time.Second)
	}
	b, _ := os.ReadFile(log)
	if n := strings.Count(string(b), "squeue"); n != 3 { // at 0 (twice: "20" was new) and 12 s
		t.Errorf("squeue ran %d times in 24 s for 80 callers a second; want 3:\n%s", n, b)
	}
	if !strings.Contains(string(b), "--jobs=10,20 ") {
		t.Errorf("squeue was not asked about both arrays in one call:\n%s", b)
	}
	if _, err := m.Accounting(ctx, []string{"10"}, false); err != nil {
		t.Errorf("Accounting without a forgotten task: %v", err)
	}
	for range 5 {
		if _, err := m.Accounting(ctx, []string{"10"}, true); !errors.Is(err, ErrNoAccounting) {
			t.Errorf("Accounting on a cluster without it: %v", err)
		}
	}
	b, _ = os.ReadFile(log)
	if n := strings.Count(string(b), "sacct"); n != 1 {
		t.Errorf("sacct ran %d times; want once", n)
	}
	os.WriteFile(filepath.Join(c.Bin, "squeue"), []byte("#!/bin/sh\necho squeue >> "+log+"\necho 'slurm_load_jobs error: Socket timed out' >&2; exit 1\n"), 0o755)
	clock = clock.Add(time.Minute)
	for range 10 {
		if _, _, err := m.Queue(ctx, []string{"10"}); err == nil || !strings.Contains(err.Error(), "timed out") {
			t.Fatalf("Queue with squeue failing: %v", err)
		}
	}
	b, _ = os.ReadFile(log)
	if n := strings.Count(string(b), "squeue"); n != 4 {
		t.Errorf("squeue ran %d times; want one more call for the failed poll", n)
	}
}

// TestAccounting parses sacct's reply: a task's final state without "by UID", its node.
func TestAccounting(t *testing.T) {
	c, _ := fakeSlurm(t, map[string]string{"sacct": "printf '10_0|NODE_FAIL|n2\\n10_1|CANCELLED by 0|n1\\n10_[2-3]|PENDING|None assigned\\n11_0|OUT_OF_MEMORY|n1\\n'"})
	got, err := c.Accounting(context.Background(), []string{"10"})
	if err != nil {
		t.Fatal(err)
	}
	if got["10"][0].State != "NODE_FAIL" || got["10"][0].Node != "n2" || got["10"][1].State != "CANCELLED" || got["10"][3].State != "PENDING" || len(got["10"]) != 4 {
		t.Errorf("Accounting = %+v", got)
	}
}

// TestMaxArraySize reads scontrol show config.
func TestMaxArraySize(t *testing.T) {
	c, _ := fakeSlurm(t, map[string]string{"scontrol": "echo 'MaxArraySize            = 1001'; echo 'MaxJobCount = 10000'"})
	if n, err := c.MaxArraySize(context.Background()); n != 1001 || err != nil {
		t.Errorf("MaxArraySize = %d, %v", n, err)
	}
}
