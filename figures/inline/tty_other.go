//go:build !unix

package inline

import (
	"errors"
	"os"
)

// TTY is the terminal that Detect asks. Without Unix terminals it cannot be
// queried: only SIPBENCH_IMAGES decides.
type TTY struct{ F *os.File }

// OpenTTY fails: there is no /dev/tty to query.
func OpenTTY() (TTY, error) { return TTY{}, errors.New("inline: no terminal to query") }

func (t TTY) raw() (termConn, func(), error) {
	return nil, nil, errors.New("inline: terminal queries need a Unix terminal")
}
