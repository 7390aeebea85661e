// Command armbench is sipbench with the planar arm of examples/arm registered: a user's own
// binary is this one import and one line (see the README's "Your first problem").
package main

import (
	_ "github.com/sipbench/sipbench/examples/arm"

	"github.com/sipbench/sipbench/cli"
)

func main() { cli.Main() }
