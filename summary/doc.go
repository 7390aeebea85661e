// Package summary says what a run folder holds once read: the curves of a metric
// (ReadCurve, AggregateSeeds), the summary of a run (Summarize) or a sweep
// (SummarizeSweep), performance profiles, the trained model (LoadModel), Table 1's
// records, and the runs screen's view model (Index, Status), shared by `sipbench runs`
// and the app.
package summary
