//go:build !unix

package figures

import (
	"errors"
	"os"
)

// TTY is the terminal that DetectImages asks. Without Unix terminals it cannot be
// queried: only SIPBENCH_IMAGES decides.
type TTY struct{ F *os.File }

// OpenTTY fails: there is no /dev/tty to query.
func OpenTTY() (TTY, error) { return TTY{}, errors.New("figures: no terminal to query") }

func (t TTY) raw() (termConn, func(), error) {
	return nil, nil, errors.New("figures: terminal queries need a Unix terminal")
}
