//go:build race

package stats

// raceOn is true under the race detector, which slows the coverage test's bootstrap
// tenfold: there it runs one of its cases, and .ci/run runs all of them without it.
const raceOn = true
