// Command sipbench is a terminal workbench for learning to solve inverse physics problems
// with the methods of "Scale-invariant Learning by Physics Inversion" (NeurIPS 2022).
// The command line lives in package cli (sipbench help, or the README, lists the commands);
// a binary of your own with your problems registered is the same one line (see cli's doc).
package main

import "github.com/sipbench/sipbench/cli"

func main() { cli.Main() }
