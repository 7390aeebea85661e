package runner

import (
	"testing"

	"github.com/sipbench/sipbench/folder"
)

// BenchmarkTrainStep times one training step (sample, network forward, the method's
// x-space gradient, backward, optimizer) of each preset's SIP method at the quick scale.
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range []struct{ preset, method string }{
		{"exp", "rescaled"}, {"rotation", "sip"}, {"poisson", "sip"}, {"poisson", "adam"}, {"heat", "sip"}, {"heat", "adam"},
	} {
		b.Run(c.preset+"/"+c.method, func(b *testing.B) {
			s := spec(b, c.preset, []string{c.method})
			tr, err := newTrainer(s, s.Methods[0], folder.JobInfo{ID: c.method + "-seed0"}, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			batch := s.Common.Batch
			tr.trainStep(batch)
			for b.Loop() {
				tr.trainStep(batch)
			}
		})
	}
}

// BenchmarkHIGStep times a whole training step of HIG (and Gauss–Newton) against Adam's,
// on rotation and the oscillators at the quick scale (batch 100 and 128), on one thread:
// the ratio of a HIG step to an Adam step within one run is what PERFORMANCE.md reports.
// Besides ns/op it reports cpu-ns/op, the process's CPU time per step, which a loaded
// machine inflates less than the wall time.
func BenchmarkHIGStep(b *testing.B) {
	for _, c := range []struct{ preset, method string }{
		{"rotation", "adam"}, {"rotation", "hig"}, {"rotation", "gn"},
		{"oscillators", "adam"}, {"oscillators", "hig"},
	} {
		b.Run(c.preset+"/"+c.method, func(b *testing.B) {
			s := spec(b, c.preset, []string{c.method})
			tr, err := newTrainer(s, s.Methods[0], folder.JobInfo{ID: c.method + "-seed0"}, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			batch := s.Common.Batch
			tr.trainStep(batch)
			cpu0, n := processCPU(), 0
			for b.Loop() {
				tr.trainStep(batch)
				n++
			}
			if cpu := processCPU() - cpu0; cpu0 > 0 && cpu > 0 && n > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/op")
			}
		})
	}
}
