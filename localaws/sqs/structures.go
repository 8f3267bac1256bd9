package sqs

// ring is a growable FIFO of T.
type ring[T any] struct {
	buf        []T
	head, size int
}

func (r *ring[T]) len() int { return r.size }

func (r *ring[T]) push(v T) {
	if r.size == len(r.buf) {
		n := make([]T, max(16, 2*len(r.buf)))
		for i := 0; i < r.size; i++ {
			n[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = n, 0
	}
	r.buf[(r.head+r.size)%len(r.buf)] = v
	r.size++
}

func (r *ring[T]) front() T { return r.buf[r.head] }

func (r *ring[T]) at(i int) T { return r.buf[(r.head+i)%len(r.buf)] }

func (r *ring[T]) pop() T {
	var zero T
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head = (r.head + 1) % len(r.buf)
	r.size--
	return v
}

// removeAt deletes element i, keeping order (O(i); callers remove near the front).
func (r *ring[T]) removeAt(i int) {
	for j := i; j > 0; j-- {
		r.buf[(r.head+j)%len(r.buf)] = r.buf[(r.head+j-1)%len(r.buf)]
	}
	r.pop()
}

// filter keeps the elements for which keep is true.
func (r *ring[T]) filter(keep func(T) bool) {
	var n ring[T]
	for i := 0; i < r.size; i++ {
		if v := r.at(i); keep(v) {
			n.push(v)
		}
	}
	*r = n
}

// timerHeap orders delayed and in-flight messages by visibleAt.
type timerHeap []*message

func (h timerHeap) less(i, j int) bool {
	if h[i].visibleAt != h[j].visibleAt {
		return h[i].visibleAt < h[j].visibleAt
	}
	return h[i].seq < h[j].seq
}

func (h timerHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = i
	h[j].heapIdx = j
}

func (h *timerHeap) push(m *message) {
	m.heapIdx = len(*h)
	*h = append(*h, m)
	h.up(m.heapIdx)
}

func (h *timerHeap) remove(m *message) {
	i := m.heapIdx
	if i < 0 {
		return
	}
	last := len(*h) - 1
	if i != last {
		h.swap(i, last)
	}
	(*h)[last] = nil
	*h = (*h)[:last]
	m.heapIdx = -1
	if i != last {
		h.fix(i)
	}
}

func (h *timerHeap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h timerHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h timerHeap) down(i0 int) bool {
	i, n := i0, len(h)
	for {
		j1 := 2*i + 1
		if j1 >= n {
			break
		}
		j := j1
		if j2 := j1 + 1; j2 < n && h.less(j2, j1) {
			j = j2
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}

// group is a FIFO message group: its messages in order; the group is
// blocked while any of them is in flight.
type group struct {
	id       string
	msgs     ring[*message]
	inflight int
	listed   bool // in the queue's ready-group list
}
