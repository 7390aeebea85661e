package cmdline

import "testing"

// TestUserMessage: the package prefixes that an error carries ("figures: ", "runner: ")
// are dropped, at its start and after a colon.
func TestUserMessage(t *testing.T) {
	if got := userMessage("figures: /x is not a run folder: runner: bad status"); got != "/x is not a run folder: bad status" {
		t.Errorf("userMessage: %q", got)
	}
}
