package console

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/licenseflow/licenseflow/ops/dlq"
)

// Job kinds.
const (
	jobDryRun = "dry run"
	jobReplay = "replay"
)

// maxJobItems bounds the messages a job lists; maxJobs the jobs kept.
const (
	maxJobItems = 500
	maxJobs     = 50
)

// job is a dry run or a replay of one DLQ, run by the dlq engine in a
// goroutine the console owns, so it goes on when the browser goes away.
type job struct {
	ID   string
	Kind string
	// Queue is the DLQ's name (Opts.Queue its URL).
	Queue   string
	Opts    dlq.ReplayOptions
	Started time.Time
	// preview are the DLQ's messages peeked at the start, by id: what a
	// dry run lists of each message it would move.
	preview map[string]dlq.Message

	mu      sync.Mutex
	planned int64
	counts  map[dlq.Action]int64
	items   []jobItem
	sum     dlq.Summary
	err     error
	ended   time.Time
	changed chan struct{}
}

// jobItem is one message a job moved, would move or failed on.
type jobItem struct {
	Action      dlq.Action
	MessageID   string
	Destination string
	Error       string
	Event       *dlq.EventSummary
}

// Planned implements dlq.Observer.
func (j *job) Planned(n int64) {
	j.mu.Lock()
	j.planned = n
	j.wake()
	j.mu.Unlock()
}

// Done implements dlq.Observer.
func (j *job) Done(o dlq.Outcome) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.counts[o.Action] += max(o.Count, 1)
	if o.Action != dlq.ActionSkipped && len(j.items) < maxJobItems && o.MessageID != "" {
		it := jobItem{Action: o.Action, MessageID: o.MessageID, Destination: o.Destination, Error: o.Error}
		if m, ok := j.preview[o.MessageID]; ok {
			it.Event = m.Event
		}
		j.items = append(j.items, it)
	}
	j.wake()
}

// wake tells the job's watchers it changed. Caller holds j.mu.
func (j *job) wake() {
	close(j.changed)
	j.changed = make(chan struct{})
}

// jobView is a job's state at one instant, for its page.
type jobView struct {
	ID, Kind, Queue string
	Opts            dlq.ReplayOptions
	Started, Ended  time.Time
	Done            bool
	Planned         int64
	Moved, Would    int64
	Skipped, Failed int64
	Processed       int64
	Items           []jobItem
	Summary         dlq.Summary
	Err             string
}

func (j *job) view() (jobView, <-chan struct{}) {
	j.mu.Lock()
	defer j.mu.Unlock()
	v := jobView{ID: j.ID, Kind: j.Kind, Queue: j.Queue, Opts: j.Opts, Started: j.Started, Ended: j.ended,
		Done: !j.ended.IsZero(), Planned: j.planned, Moved: j.counts[dlq.ActionMoved], Would: j.counts[dlq.ActionWouldMove],
		Skipped: j.counts[dlq.ActionSkipped], Failed: j.counts[dlq.ActionFailed], Items: append([]jobItem(nil), j.items...),
		Summary: j.sum}
	v.Processed = v.Moved + v.Would + v.Skipped + v.Failed
	if j.err != nil {
		v.Err = j.err.Error()
	}
	return v, j.changed
}

// jobs are the console's dry runs and replays, the latest maxJobs.
type jobs struct {
	c    *Console
	mu   sync.Mutex
	byID map[string]*job
}

// errBusy refuses a second job on a DLQ while one runs.
var errBusy = errors.New("a dry run or replay of this queue is running")

// start runs a dry run or replay of opts.Queue. Only one job runs per
// queue at a time.
func (js *jobs) start(kind string, opts dlq.ReplayOptions, preview []dlq.Message) (*job, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	opts.DryRun = kind == jobDryRun
	j := &job{ID: hex.EncodeToString(b[:]), Kind: kind, Queue: queueName(opts.Queue), Opts: opts, Started: time.Now(),
		preview: map[string]dlq.Message{}, counts: map[dlq.Action]int64{}, changed: make(chan struct{})}
	for _, m := range preview {
		j.preview[m.ID] = m
	}
	js.mu.Lock()
	for _, o := range js.byID {
		if o.Queue == j.Queue && !o.isDone() {
			js.mu.Unlock()
			return o, fmt.Errorf("%w (job %s)", errBusy, o.ID)
		}
	}
	js.byID[j.ID] = j
	js.prune()
	js.mu.Unlock()
	js.c.goOwned(func(ctx context.Context) {
		sum, err := js.c.tool.Replay(ctx, opts, j)
		j.mu.Lock()
		j.sum, j.err, j.ended = sum, err, time.Now()
		j.wake()
		j.mu.Unlock()
	})
	return j, nil
}

func (j *job) isDone() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return !j.ended.IsZero()
}

// prune drops the oldest finished jobs beyond maxJobs. Caller holds js.mu.
func (js *jobs) prune() {
	if len(js.byID) <= maxJobs {
		return
	}
	all := make([]*job, 0, len(js.byID))
	for _, j := range js.byID {
		all = append(all, j)
	}
	sort.Slice(all, func(a, b int) bool { return all[a].Started.Before(all[b].Started) })
	for _, j := range all[:len(all)-maxJobs] {
		if j.isDone() {
			delete(js.byID, j.ID)
		}
	}
}

func (js *jobs) get(id string) (*job, bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	j, ok := js.byID[id]
	return j, ok
}

// running reports whether a job of the queue runs now.
func (js *jobs) running(queue string) bool {
	js.mu.Lock()
	defer js.mu.Unlock()
	for _, j := range js.byID {
		if j.Queue == queue && !j.isDone() {
			return true
		}
	}
	return false
}

// ofQueue are the queue's jobs, newest first.
func (js *jobs) ofQueue(queue string) []jobView {
	js.mu.Lock()
	var list []*job
	for _, j := range js.byID {
		if j.Queue == queue {
			list = append(list, j)
		}
	}
	js.mu.Unlock()
	out := make([]jobView, len(list))
	for i, j := range list {
		out[i], _ = j.view()
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Started.After(out[b].Started) })
	return out
}
