package cluster

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRecord(t *testing.T) {
	dir := t.TempDir()
	r := &Record{Array: "42", Script: "slurm/array.sh", Tasks: []TaskJob{{0, "lr=0.1", "sip-seed0"}, {1, "", "adam-seed0"}}}
	if err := WriteRecord(dir, r); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRecord(dir)
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("ReadRecord = %+v, %v; want %+v", got, err, r)
	}
	if tj, ok := got.Lookup(1); !ok || tj.Job != "adam-seed0" {
		t.Errorf("Lookup(1) = %v, %v", tj, ok)
	}
	if _, ok := got.Lookup(2); ok {
		t.Error("Lookup(2) found a task")
	}
	for _, bad := range []string{
		`{"array_id":"1;rm","tasks":[]}`,
		`{"array_id":"1","tasks":[{"task":0,"job":"../x"}]}`,
		`{"array_id":"1","tasks":[{"task":0,"run":"/etc","job":"a"}]}`,
		`{"array_id":"1","tasks":[{"task":0,"run":"..","job":"a"}]}`,
		`{"array_id":"1","tasks":[{"task":0,"job":"a"},{"task":0,"job":"b"}]}`,
		`{"array_id":"1","tasks":[{"task":-1,"job":"a"}]}`,
		`{"array_id":`,
	} {
		os.WriteFile(filepath.Join(dir, SlurmRecordFile), []byte(bad), 0o644)
		if _, err := ReadRecord(dir); err == nil {
			t.Errorf("ReadRecord accepted %s", bad)
		}
	}
}

// FuzzRecord feeds mutations of a slurm.json to its parser: an error or a record whose
// every run and job is one plain name inside the folder and whose tasks are distinct and
// not negative; never a panic.
func FuzzRecord(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", SlurmRecordFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	for _, s := range []string{"", "null", "{}", `{"tasks":[{"task":0,"run":"..","job":"a"}]}`, `{"array_id":"1;rm","tasks":[]}`,
		`{"tasks":[{"task":0,"job":"a/../../b"},{"task":0,"job":"c"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseRecord(b)
		if err != nil {
			return
		}
		if strings.Trim(r.Array, "0123456789") != "" {
			t.Fatalf("accepted array id %q", r.Array)
		}
		seen := map[int]bool{}
		for _, tj := range r.Tasks {
			if tj.Task < 0 || seen[tj.Task] || !plainName(tj.Job) || tj.Run != "" && !plainName(tj.Run) ||
				strings.ContainsAny(tj.Job+tj.Run, `/\`) {
				t.Fatalf("accepted task %+v", tj)
			}
			seen[tj.Task] = true
		}
	})
}

// TestAdoptArray: the script submitted again by hand makes a new array; its tasks record it
// once, the old id is kept, the task map is unchanged, and bad ids are refused.
func TestAdoptArray(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tasks := []TaskJob{{0, "", "sip-seed0"}, {1, "", "adam-seed0"}}
	if err := WriteRecord(dir, &Record{Array: "42", Script: "slurm/array.sh", Submitted: "2026-11-30T10:00:00Z", Tasks: tasks}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} { // the array's second task finds it recorded
		changed, err := AdoptArray(dir, "57", 0)
		if err != nil || changed != want {
			t.Fatalf("call %d: AdoptArray = %v, %v; want %v, nil", i, changed, err, want)
		}
	}
	if _, err := AdoptArray(dir, "60", 0); err != nil {
		t.Fatal(err)
	}
	r, err := ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Array != "60" || !reflect.DeepEqual(r.Previous, []string{"42", "57"}) || !reflect.DeepEqual(r.Tasks, tasks) || r.Submitted != "" {
		t.Fatalf("record after two adoptions: %+v", r)
	}
	for _, bad := range []string{"", "12a", "../x"} {
		if _, err := AdoptArray(dir, bad, 0); err == nil {
			t.Errorf("AdoptArray(%q) accepted", bad)
		}
	}
	if _, err := AdoptArray(t.TempDir(), "1", 0); err == nil {
		t.Error("AdoptArray without slurm.json accepted")
	}
	if _, err := parseRecord([]byte(`{"array_id":"1","previous_arrays":["x"],"tasks":[]}`)); err == nil {
		t.Error("a previous array id that is not a number was accepted")
	}
}

// TestRecordView: a task's state comes from the newest array that holds it pending or
// running (a task re-submitted alone, the others still pending in the old array), else from
// the newest that lists it; a further array (a part) numbers its tasks from its First.
func TestRecordView(t *testing.T) {
	r := &Record{Array: "20", Previous: []string{"10"}, Script: "slurm/array.sh",
		Tasks: []TaskJob{{0, "", "a"}, {1, "", "b"}, {2, "", "c"}, {3, "", "d"}},
		Parts: []Part{{Array: "30", First: 3, Script: "slurm/array-3.sh"}}}
	if got := r.ArrayIDs(); !reflect.DeepEqual(got, []string{"20", "30", "10"}) {
		t.Errorf("ArrayIDs = %v", got)
	}
	byArray := map[string]map[int]Task{
		"10": {0: {ID: "10_0", State: "PENDING"}, 1: {ID: "10_1", State: "CANCELLED"}, 2: {ID: "10_2", State: "NODE_FAIL"}},
		"20": {1: {ID: "20_1", State: "RUNNING"}, 2: {ID: "20_2", State: "FAILED"}},
		"30": {0: {ID: "30_0", State: "PENDING"}},
	}
	v := r.View(byArray)
	want := map[int]string{0: "10_0 PENDING", 1: "20_1 RUNNING", 2: "20_2 FAILED", 3: "30_0 PENDING"}
	for g, w := range want {
		if got := v[g].ID + " " + v[g].State; got != w || v[g].Index != g {
			t.Errorf("task %d: %q (index %d); want %q", g, got, v[g].Index, w)
		}
	}
	if r.TaskID(1) != "20_1" || r.TaskID(3) != "30_0" {
		t.Errorf("TaskID(1), TaskID(3) = %s, %s", r.TaskID(1), r.TaskID(3))
	}
	if _, err := parseRecord([]byte(`{"array_id":"1","tasks":[],"parts":[{"array_id":"x","first":2}]}`)); err == nil {
		t.Error("a part whose array id is not a number was accepted")
	}
}

// TestRecordOfAnotherEngine: an engine other than Slurm keeps its record in cluster.json,
// naming itself, with array ids that are plain tokens; ReadRecord finds it, and a Slurm
// record there, or an id that is not a token, is refused.
func TestRecordOfAnotherEngine(t *testing.T) {
	dir := t.TempDir()
	r := &Record{Engine: "fake", Array: "fake-2", Previous: []string{"fake-1"}, Tasks: []TaskJob{{0, "", "sip-seed0"}}}
	if err := WriteRecord(dir, r); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, RecordFile)); err != nil {
		t.Fatalf("no %s: %v", RecordFile, err)
	}
	got, err := ReadRecord(dir)
	if err != nil || !reflect.DeepEqual(got, r) || got.EngineName() != "fake" || got.TaskID(0) != "fake-2_0" {
		t.Fatalf("ReadRecord = %+v, %v; want %+v", got, err, r)
	}
	if changed, err := AdoptArray(dir, "fake-3", 0); !changed || err != nil {
		t.Errorf("AdoptArray(fake-3) = %v, %v", changed, err)
	}
	for _, bad := range []string{`{"engine":"fake","array_id":"a;rm","tasks":[]}`, `{"engine":"../x","array_id":"1","tasks":[]}`,
		`{"array_id":"1","tasks":[]}`, `{"engine":"slurm","array_id":"1","tasks":[]}`} {
		os.WriteFile(filepath.Join(dir, RecordFile), []byte(bad), 0o644)
		if _, err := ReadRecord(dir); err == nil {
			t.Errorf("ReadRecord accepted %s", bad)
		}
	}
	slurmDir := t.TempDir()
	if err := WriteRecord(slurmDir, &Record{Array: "12", Tasks: []TaskJob{{0, "", "a"}}}); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadRecord(slurmDir); err != nil || got.EngineName() != "slurm" || RecordFileOf(got.Engine) != SlurmRecordFile {
		t.Errorf("a Slurm record: %+v, %v", got, err)
	}
	if b, _ := os.ReadFile(filepath.Join(slurmDir, SlurmRecordFile)); strings.Contains(string(b), "engine") {
		t.Errorf("slurm.json names its engine, which an earlier release would not expect:\n%s", b)
	}
}
