// Command sipbench is a terminal workbench for learning to solve inverse physics problems
// with the methods of "Scale-invariant Learning by Physics Inversion" (NeurIPS 2022).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "sipbench: under construction")
	os.Exit(2)
}
