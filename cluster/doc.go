// Package cluster is what sipbench knows of a cluster's view of a run trained as an
// array of tasks: one neutral task state (State) and view (View) that runs, the app and
// `sipbench runs` show.
package cluster
