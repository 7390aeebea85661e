// Package folder is the on-disk format of a run folder: its records (run.json,
// config.json, status.json, snapshot.json, control), the metrics CSV (written with
// repair on resume, read incrementally), checkpoints, the job locks and their leases,
// sweeps, FormatVersion and ReadSpec. A run folder is untrusted input: every reader
// bounds what it reads and validates what it parses.
package folder
