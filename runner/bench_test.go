package runner

import (
	"testing"
)

// BenchmarkTrainStep times one training step (sample, network forward, the method's
// x-space gradient, backward, optimizer) of each preset's SIP method at the quick scale.
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range []struct{ preset, method string }{
		{"exp", "rescaled"}, {"rotation", "sip"}, {"poisson", "sip"}, {"poisson", "adam"}, {"heat", "sip"}, {"heat", "adam"},
	} {
		b.Run(c.preset+"/"+c.method, func(b *testing.B) {
			s := spec(b, c.preset, []string{c.method})
			tr, err := newTrainer(s, s.Methods[0], JobInfo{ID: c.method + "-seed0"}, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			batch := s.Values.Int("batch")
			tr.trainStep(batch)
			for b.Loop() {
				tr.trainStep(batch)
			}
		})
	}
}

// BenchmarkHIGStep times a whole training step of HIG (and Gauss–Newton) against Adam's,
// on rotation and the oscillators at the quick scale (batch 100 and 128): the ratio of a
// HIG step to an Adam step within one run is what PERFORMANCE.md reports.
func BenchmarkHIGStep(b *testing.B) {
	for _, c := range []struct{ preset, method string }{
		{"rotation", "adam"}, {"rotation", "hig"}, {"rotation", "gn"},
		{"oscillators", "adam"}, {"oscillators", "hig"},
	} {
		b.Run(c.preset+"/"+c.method, func(b *testing.B) {
			s := spec(b, c.preset, []string{c.method})
			tr, err := newTrainer(s, s.Methods[0], JobInfo{ID: c.method + "-seed0"}, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			batch := s.Values.Int("batch")
			tr.trainStep(batch)
			for b.Loop() {
				tr.trainStep(batch)
			}
		})
	}
}
