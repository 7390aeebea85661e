// Package profile computes performance profiles over the seeds of runs (Of): per method,
// the share of problems it solves within τ× the best method's steps to a target.
package profile
