// Package sanitize makes text from a run folder, which is untrusted input, safe to show
// on a terminal: control characters and escapes are shown as visible codes and long text
// is cut (String, N, Lines, Path, Error).
package sanitize
