package folder

import "github.com/sipbench/sipbench/core"

// WriteFileAtomic writes data to the file at path atomically (core.WriteFileAtomic): a
// temporary file in the same folder, synced, then renamed over path. Viewers that write
// into a run folder (figures) use it without importing core.
func WriteFileAtomic(path string, data []byte) error { return core.WriteFileAtomic(path, data) }
