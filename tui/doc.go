// Package tui is sipbench's terminal interface (Bubble Tea): the preset list, the set-up
// screen and the live dashboard. It reads runner events and sends runner commands; it does
// no numerics.
package tui
