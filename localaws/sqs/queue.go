package sqs

import "sync"

// queue is one queue's state. Every field below mu is guarded by mu.
type queue struct {
	qid  uint64 // unique for the life of the data directory, never reused
	name string
	url  string
	arn  string
	fifo bool

	sendMu sync.Mutex // FIFO: serialises sends so groups stay in sequence order

	mu          sync.Mutex
	attrs       map[string]string // settable attributes, canonical form
	set         queueSettings
	tags        map[string]string
	created     int64 // unix seconds
	modified    int64 // unix seconds
	nextSeq     uint64
	purgedBelow uint64 // messages with a lower seq were purged
	lastPurge   int64  // unix ms
	deleted     bool

	msgs        map[uint64]*message
	ready       ring[*message] // standard: receivable messages (lazy deletion)
	groups      map[string]*group
	readyGroups ring[*group] // FIFO: groups whose head is receivable
	timers      timerHeap    // delayed and in-flight messages by visibleAt
	order       ring[*message]
	nReady      int
	nDelayed    int
	nInflight   int

	dedup      map[string]dedupEntry
	dedupOrder ring[dedupRef]

	attempts     map[string]*receiveAttempt // FIFO: receives a retry answers again (attempts.go)
	attemptOrder ring[dedupRef]

	notify  chan struct{} // closed when messages may have become receivable
	waiters int
}

type dedupEntry struct {
	msgID   string
	seq     uint64
	expires int64 // unix ms
}

type dedupRef struct {
	key     string
	expires int64
}

const dedupWindowMs = 5 * 60 * 1000

func newQueue(qid uint64, name, url, arn string, fifo bool, attrs, tags map[string]string, created int64) *queue {
	if tags == nil {
		tags = map[string]string{}
	}
	q := &queue{qid: qid, name: name, url: url, arn: arn, fifo: fifo, attrs: attrs, set: parseSettings(attrs),
		tags: tags, created: created, modified: created, nextSeq: 1,
		msgs: map[uint64]*message{}, notify: make(chan struct{})}
	if fifo {
		q.groups = map[string]*group{}
		q.dedup = map[string]dedupEntry{}
	}
	return q
}

// wake tells long-polling receivers that messages may be available.
// lockLive locks q.mu for a change of q, or returns QueueDoesNotExist
// (q.mu released) when q was deleted meanwhile. Callers changing durable
// state hold Service.ckpt shared first.
func (q *queue) lockLive() error {
	q.mu.Lock()
	if q.deleted {
		q.mu.Unlock()
		return errQueueDoesNotExist()
	}
	return nil
}

func (q *queue) wake() {
	if q.waiters > 0 {
		close(q.notify)
		q.notify = make(chan struct{})
	}
}

// insert adds m in the state its fields describe (delayed or in flight
// when visibleAt is after now) and reports whether it is receivable.
func (q *queue) insert(m *message, now int64) bool {
	q.msgs[m.seq] = m
	q.order.push(m)
	m.heapIdx = -1
	if q.fifo {
		g := q.groups[m.groupID]
		if g == nil {
			g = &group{id: m.groupID}
			q.groups[m.groupID] = g
		}
		g.msgs.push(m)
		m.group = g
	}
	if m.visibleAt > now {
		if m.receiveCount > 0 {
			m.state = stateInflight
			q.nInflight++
			if m.group != nil {
				m.group.inflight++
			}
		} else {
			m.state = stateDelayed
			q.nDelayed++
		}
		q.timers.push(m)
		return false
	}
	m.state = stateDelayed // makeReady counts from a known state
	q.nDelayed++
	q.makeReady(m)
	return true
}

// makeReady turns a delayed or in-flight message receivable.
func (q *queue) makeReady(m *message) {
	switch m.state {
	case stateInflight:
		q.nInflight--
		if m.group != nil {
			m.group.inflight--
		}
	case stateDelayed:
		q.nDelayed--
	default:
		return
	}
	m.state = stateReady
	q.nReady++
	if q.fifo {
		q.listGroup(m.group)
	} else {
		q.ready.push(m)
	}
}

func (q *queue) listGroup(g *group) {
	if !g.listed && g.inflight == 0 && g.msgs.len() > 0 && g.msgs.front().state == stateReady {
		g.listed = true
		q.readyGroups.push(g)
	}
}

// promote makes due delayed and in-flight messages receivable and reports
// whether any became so.
func (q *queue) promote(now int64) bool {
	any := false
	for len(q.timers) > 0 && q.timers[0].visibleAt <= now {
		m := q.timers[0]
		q.timers.remove(m)
		q.makeReady(m)
		any = true
	}
	return any
}

// nextDue is the earliest visibleAt of a delayed or in-flight message, or 0.
func (q *queue) nextDue() int64 {
	if len(q.timers) == 0 {
		return 0
	}
	return q.timers[0].visibleAt
}

// makeInflight hides a receivable message until visibleAt.
func (q *queue) makeInflight(m *message, visibleAt int64) {
	q.nReady--
	q.nInflight++
	m.state = stateInflight
	m.visibleAt = visibleAt
	if m.group != nil {
		m.group.inflight++
	}
	q.timers.push(m)
}

// setVisibility changes when an in-flight message becomes receivable and
// reports whether it is receivable now.
func (q *queue) setVisibility(m *message, visibleAt, now int64) bool {
	if visibleAt <= now {
		q.timers.remove(m)
		m.visibleAt = visibleAt
		q.makeReady(m)
		return true
	}
	m.visibleAt = visibleAt
	q.timers.fix(m.heapIdx)
	return false
}

// remove deletes m whatever its state.
func (q *queue) remove(m *message) {
	switch m.state {
	case stateReady:
		q.nReady--
	case stateDelayed:
		q.nDelayed--
	case stateInflight:
		q.nInflight--
	case stateDeleted:
		return
	}
	q.timers.remove(m)
	if g := m.group; g != nil {
		if m.state == stateInflight {
			g.inflight--
		}
		for i := 0; i < g.msgs.len(); i++ {
			if g.msgs.at(i) == m {
				g.msgs.removeAt(i)
				break
			}
		}
		if g.msgs.len() == 0 && !g.listed {
			delete(q.groups, g.id)
		} else {
			q.listGroup(g)
		}
	}
	m.state = stateDeleted
	delete(q.msgs, m.seq)
}

// takeReady picks up to n receivable messages without changing them:
// standard queues in arrival order, FIFO queues group by group, in order,
// skipping blocked groups.
func (q *queue) takeReady(n int, now int64) []*message {
	q.promote(now)
	q.expire(now)
	out := make([]*message, 0, n)
	if !q.fifo {
		for len(out) < n && q.ready.len() > 0 {
			m := q.ready.pop()
			if m.state != stateReady {
				continue
			}
			out = append(out, m)
		}
		return out
	}
	for len(out) < n && q.readyGroups.len() > 0 {
		g := q.readyGroups.pop()
		g.listed = false
		if g.msgs.len() == 0 {
			if q.groups[g.id] == g {
				delete(q.groups, g.id)
			}
			continue
		}
		if g.inflight > 0 {
			continue
		}
		for i := 0; i < g.msgs.len() && len(out) < n; i++ {
			m := g.msgs.at(i)
			if m.state != stateReady {
				break
			}
			out = append(out, m)
		}
	}
	return out
}

// putBack returns messages takeReady picked but the caller did not use.
func (q *queue) putBack(ms []*message) {
	for _, m := range ms {
		if m.state != stateReady {
			continue
		}
		if q.fifo {
			q.listGroup(m.group)
		} else {
			q.ready.push(m)
		}
	}
}

// expire drops messages older than the retention period, and FIFO
// deduplication entries older than the window.
func (q *queue) expire(now int64) {
	cutoff := now - int64(q.set.retention)*1000
	for q.order.len() > 0 {
		m := q.order.front()
		if m.state != stateDeleted && m.sentAt > cutoff {
			break
		}
		q.order.pop()
		if m.state != stateDeleted {
			q.remove(m)
		}
	}
	if q.order.len() > 2*len(q.msgs)+64 {
		q.order.filter(func(m *message) bool { return m.state != stateDeleted })
	}
	if !q.fifo {
		if q.ready.len() > 2*q.nReady+64 {
			q.ready.filter(func(m *message) bool { return m.state == stateReady })
		}
		return
	}
	for q.dedupOrder.len() > 0 && q.dedupOrder.front().expires <= now {
		r := q.dedupOrder.pop()
		if e, ok := q.dedup[r.key]; ok && e.expires == r.expires {
			delete(q.dedup, r.key)
		}
	}
	q.expireAttempts(now)
}

// addDedup remembers a FIFO deduplication key until expires.
func (q *queue) addDedup(key string, e dedupEntry) {
	q.dedup[key] = e
	q.dedupOrder.push(dedupRef{key: key, expires: e.expires})
}

// dedupKey is the deduplication key of a message under the queue's scope.
func (q *queue) dedupKey(groupID, dedupID string) string {
	if q.set.dedupPerGroup {
		return groupID + "\x00" + dedupID
	}
	return dedupID
}

// clear drops every message (PurgeQueue).
func (q *queue) clear() {
	for _, m := range q.msgs {
		m.state = stateDeleted
		m.heapIdx = -1
	}
	q.msgs = map[uint64]*message{}
	q.ready, q.readyGroups, q.order = ring[*message]{}, ring[*group]{}, ring[*message]{}
	q.timers = nil
	if q.fifo {
		q.groups = map[string]*group{}
	}
	q.nReady, q.nDelayed, q.nInflight = 0, 0, 0
}
