package folder

import (
	"strings"
	"testing"
)

// TestLocalOnly: a folder in memory (tmpfs) or on a local disk under /tmp is one that compute
// nodes may not see; the mount table's escapes are read.
func TestLocalOnly(t *testing.T) {
	if _, ok := MountOf("/"); !ok {
		t.Skip("no mount table here")
	}
	dir := t.TempDir()
	if strings.HasPrefix(dir, "/tmp/") {
		if w := LocalOnly(dir); w == "" {
			m, _ := MountOf(dir)
			if !sharedTypes[m.Type] {
				t.Errorf("LocalOnly(%s) on %+v says nothing", dir, m)
			}
		}
	}
	if m, ok := MountOf("/dev/shm/x"); ok && m.Type == "tmpfs" && !strings.Contains(LocalOnly("/dev/shm/x"), "tmpfs") {
		t.Errorf("LocalOnly(/dev/shm/x) = %q; want tmpfs", LocalOnly("/dev/shm/x"))
	}
	if got := unescapeMount(`/mnt/my\040runs`); got != "/mnt/my runs" {
		t.Errorf("unescapeMount = %q", got)
	}
}
