package check

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// maxPlanSize bounds check.json, so that a damaged file cannot exhaust memory.
const maxPlanSize = 1 << 20

// writeJSON writes v to path through a temporary file and a rename.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// readJSON reads path into v.
func readJSON(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPlanSize+1))
	if err != nil {
		return err
	}
	if len(b) > maxPlanSize {
		return fmt.Errorf("check: %s is larger than %d bytes", path, maxPlanSize)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("check: %s: %v", path, err)
	}
	return nil
}
