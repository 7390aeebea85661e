package runner

import "sync"

// hub fans events out to any number of subscribers without ever blocking the publisher:
// each subscriber has an unbounded queue that it drains in batches.
type hub struct {
	mu   sync.Mutex
	subs []*Subscription
	done bool
}

// Subscription receives a run's events. Wait on C, then call Drain.
type Subscription struct {
	// C receives a value whenever events are waiting; it is closed after the run's last
	// event has been queued.
	C     chan struct{}
	mu    sync.Mutex
	queue []Event
}

// Drain returns the events queued since the last call, in publication order.
func (s *Subscription) Drain() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queue
	s.queue = nil
	return q
}

func (h *hub) subscribe() *Subscription { return h.subscribeWith(nil) }

// subscribeWith returns a subscription whose queue starts with the events hist.
func (h *hub) subscribeWith(hist []Event) *Subscription {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &Subscription{C: make(chan struct{}, 1), queue: hist}
	if len(hist) > 0 {
		s.C <- struct{}{}
	}
	if h.done {
		close(s.C)
	} else {
		h.subs = append(h.subs, s)
	}
	return s
}

func (h *hub) publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.subs {
		s.mu.Lock()
		s.queue = append(s.queue, e)
		s.mu.Unlock()
		select {
		case s.C <- struct{}{}:
		default:
		}
	}
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done {
		return
	}
	h.done = true
	for _, s := range h.subs {
		close(s.C)
	}
}

// backlog returns the largest number of events a subscriber has not drained yet.
func (h *hub) backlog() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, s := range h.subs {
		s.mu.Lock()
		n = max(n, len(s.queue))
		s.mu.Unlock()
	}
	return n
}
