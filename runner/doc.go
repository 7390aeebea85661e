// Package runner trains runs: it turns a preset into jobs, runs them on a worker pool
// (Run), emits their events through a hub (Subscribe), and follows a run that another
// process trains from its folder (Watch). The folder's format is package folder's; what
// a finished run says is package summary's.
package runner
