// Package trainers controls the background processes that train a run on this machine:
// it starts one (Spawn, Wait), finds them through their jobs' locks (List) and stops them
// (Stop).
package trainers
