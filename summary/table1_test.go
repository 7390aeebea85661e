package summary

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestJobTable1 round-trips a job's Table 1 record and refuses what could lead out of the
// run folder: a job name that is a path, a job folder or a record that is a link.
func TestJobTable1(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sip-seed0"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := Table1Result{Job: "sip-seed0", Step: 250, Examples: 16, Rows: []Table1Row{{Name: "network", Network: true, Seconds: 1e-3}}}
	if err := WriteJobTable1(dir, r); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJobTable1(dir, "sip-seed0")
	if err != nil || got.Step != 250 || len(got.Rows) != 1 || got.Rows[0].Seconds != 1e-3 {
		t.Errorf("ReadJobTable1 = %+v, %v", got, err)
	}
	if _, err := ReadJobTable1(dir, "adam-seed0"); err == nil {
		t.Error("a job without a folder was read")
	}
	if err := WriteJobTable1(dir, Table1Result{Job: "../x"}); err == nil {
		t.Error("WriteJobTable1 wrote for job ../x")
	}
	if _, err := ReadJobTable1(dir, "../sip-seed0"); err == nil {
		t.Error("ReadJobTable1 read job ../sip-seed0")
	}
	outside := t.TempDir()
	os.Mkdir(filepath.Join(dir, "gd-seed0"), 0o755)
	if err := os.Symlink(filepath.Join(dir, "sip-seed0", Table1File), filepath.Join(dir, "gd-seed0", Table1File)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "lbfgs-seed0")); err != nil {
		t.Fatal(err)
	}
	for _, job := range []string{"gd-seed0", "lbfgs-seed0"} {
		if _, err := ReadJobTable1(dir, job); err == nil || errors.Is(err, os.ErrNotExist) {
			t.Errorf("ReadJobTable1(%s) through a link: %v; want a refusal", job, err)
		}
	}
}
