// Package metrics reads and writes a job's metrics.csv: its writer (Open, with the repair
// of a resume: Scan), the incremental reader that watch follows (Reader, with a sample of
// a large file's rows) and one-shot reads (Read).
package metrics
