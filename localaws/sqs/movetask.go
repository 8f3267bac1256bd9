package sqs

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"sync"
)

// Message move task statuses.
const (
	taskRunning   = "RUNNING"
	taskCompleted = "COMPLETED"
	taskCancelled = "CANCELLED"
	taskFailed    = "FAILED"
)

const defaultMoveRate = 500 // messages a second when the caller names none

// maxTaskHistory is how many tasks a source keeps: as many as
// ListMessageMoveTasks lists.
const maxTaskHistory = 10

// moveTask moves messages out of a dead-letter queue, back to their
// sources or to a destination, at a rate. Each change of a task is a record
// of its whole state (taskRecord): its start and its cancellation durable,
// its progress and its end as moves are, so a restart finds the history
// and resumes the tasks that were running. A source keeps its last
// maxTaskHistory tasks.
type moveTask struct {
	handle    string
	source    *queue
	sourceARN string
	destARN   string
	rate      int32
	rateSet   bool
	status    string
	moved     int64
	toMove    int64
	started   int64 // unix ms
	failure   string
	budget    float64
}

type taskTable struct {
	mu       sync.Mutex
	byHandle map[string]*moveTask
	bySource map[string][]*moveTask // oldest first
}

func (t *taskTable) init() {
	t.byHandle = map[string]*moveTask{}
	t.bySource = map[string][]*moveTask{}
}

// add lists a task, newest, under its source, and forgets the source's
// oldest finished tasks beyond maxTaskHistory. The caller holds t.mu.
func (t *taskTable) add(task *moveTask) {
	ts := append(t.bySource[task.sourceARN], task)
	for i := 0; len(ts) > maxTaskHistory && i < len(ts); {
		if ts[i].status == taskRunning {
			i++
			continue
		}
		delete(t.byHandle, ts[i].handle)
		ts = append(ts[:i], ts[i+1:]...)
	}
	t.byHandle[task.handle] = task
	t.bySource[task.sourceARN] = ts
}

// dropSource forgets the tasks of a source queue that is gone. The caller
// holds t.mu.
func (t *taskTable) dropSource(arn string) {
	for _, task := range t.bySource[arn] {
		task.status = taskCancelled // stops a running one
		delete(t.byHandle, task.handle)
	}
	delete(t.bySource, arn)
}

// taskRecord is the record of a task's whole state.
func taskRecord(t *moveTask) []byte {
	e := enc{recTask}
	for _, v := range []string{t.handle, t.sourceARN, t.destARN, t.status, t.failure} {
		e.str(v)
	}
	for _, v := range []int64{int64(t.rate), t.moved, t.toMove, t.started} {
		e.iv(v)
	}
	e.boolean(t.rateSet)
	return e
}

// task reads what taskRecord wrote.
func (d *dec) task() *moveTask {
	t := &moveTask{handle: d.str(), sourceARN: d.str(), destARN: d.str(), status: d.str(), failure: d.str()}
	t.rate, t.moved, t.toMove, t.started = int32(d.iv()), d.iv(), d.iv(), d.iv()
	t.rateSet = d.boolean()
	return t
}

// isDeadLetterQueue reports whether some queue's RedrivePolicy targets q.
func (s *Service) isDeadLetterQueue(q *queue) bool {
	for _, o := range s.queues() {
		o.mu.Lock()
		ok := o.set.redrive != nil && o.set.redrive.DeadLetterTargetArn == q.arn
		o.mu.Unlock()
		if ok {
			return true
		}
	}
	return false
}

// startMessageMoveTask is the StartMessageMoveTask operation: it starts
// moving the messages of a dead-letter queue.
func (s *Service) startMessageMoveTask(ctx context.Context, in *startMessageMoveTaskInput) (*startMessageMoveTaskOutput, error) {
	sourceARN, destARN, rate := in.SourceArn, in.DestinationArn, in.Rate
	if sourceARN == "" {
		return nil, errMissingParameter("SourceArn")
	}
	src := s.lookupARN(sourceARN)
	if src == nil {
		return nil, errResourceNotFound("The resource that you requested couldn't be found.")
	}
	if !s.isDeadLetterQueue(src) {
		return nil, errInvalidParameter("Source queue must be configured as a Dead Letter Queue.")
	}
	if destARN != "" {
		dst := s.lookupARN(destARN)
		if dst == nil {
			return nil, errResourceNotFound("The resource that you requested couldn't be found.")
		}
		if dst == src {
			return nil, errInvalidParameter("Source queue and destination queue must be different.")
		}
	}
	t := &moveTask{source: src, sourceARN: sourceARN, destARN: destARN, rate: defaultMoveRate,
		status: taskRunning, started: s.nowMs()}
	if rate != nil {
		if *rate < 1 || *rate > 500 {
			return nil, errInvalidParameter("Value %d for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500.", *rate)
		}
		t.rate, t.rateSet = *rate, true
	}
	src.mu.Lock()
	t.toMove = int64(src.nReady + src.nInflight + src.nDelayed)
	src.mu.Unlock()
	var id [16]byte
	_, _ = rand.Read(id[:])
	h, _ := json.Marshal(map[string]string{"taskId": hex.EncodeToString(id[:]), "sourceArn": sourceARN})
	t.handle = base64.StdEncoding.EncodeToString(h)

	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	s.tasks.mu.Lock()
	defer s.tasks.mu.Unlock()
	for _, o := range s.tasks.bySource[sourceARN] {
		if o.status == taskRunning {
			return nil, errUnsupported("There is already a task running. Only one active task is allowed for each source queue arn at a given time.")
		}
	}
	if err := s.appendRecs(context.WithoutCancel(ctx), true, taskRecord(t)); err != nil {
		return nil, err
	}
	s.tasks.add(t)
	return &startMessageMoveTaskOutput{t.handle}, nil
}

// cancelMessageMoveTask is the CancelMessageMoveTask operation: it stops a
// running task; messages moved stay moved.
func (s *Service) cancelMessageMoveTask(ctx context.Context, in *cancelMessageMoveTaskInput) (*cancelMessageMoveTaskOutput, error) {
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	s.tasks.mu.Lock()
	defer s.tasks.mu.Unlock()
	t := s.tasks.byHandle[in.TaskHandle]
	if t == nil {
		return nil, errResourceNotFound("Task does not exist.")
	}
	if t.status != taskRunning {
		return nil, errUnsupported("Only active tasks can be cancelled.")
	}
	t.status = taskCancelled
	return &cancelMessageMoveTaskOutput{t.moved}, s.appendRecs(context.WithoutCancel(ctx), true, taskRecord(t))
}

// listMessageMoveTasks is the ListMessageMoveTasks operation: a source's
// tasks, most recent first.
func (s *Service) listMessageMoveTasks(ctx context.Context, in *listMessageMoveTasksInput) (*listMessageMoveTasksOutput, error) {
	sourceARN, maxResults := in.SourceArn, in.MaxResults
	if sourceARN == "" {
		return nil, errMissingParameter("SourceArn")
	}
	if s.lookupARN(sourceARN) == nil {
		return nil, errResourceNotFound("The resource that you requested couldn't be found.")
	}
	limit := 1
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 10 {
			return nil, errInvalidParameter("Value %d for parameter MaxResults is invalid. Reason: Must be between 1 and 10.", *maxResults)
		}
		limit = int(*maxResults)
	}
	s.tasks.mu.Lock()
	defer s.tasks.mu.Unlock()
	ts := s.tasks.bySource[sourceARN]
	out := []taskView{}
	for i := len(ts) - 1; i >= 0 && len(out) < limit; i-- {
		t := ts[i]
		v := taskView{Status: t.status, SourceArn: t.sourceARN, DestinationArn: t.destARN,
			ApproximateNumberOfMessagesMoved: t.moved, FailureReason: t.failure, StartedTimestamp: t.started}
		if t.rateSet {
			r := t.rate
			v.MaxNumberOfMessagesPerSecond = &r
		}
		if t.status == taskRunning {
			v.TaskHandle = t.handle
			n := t.toMove
			v.ApproximateNumberOfMessagesToMove = &n
		}
		out = append(out, v)
	}
	return &listMessageMoveTasksOutput{out}, nil
}

// runTasks advances every running task by one tick's worth of messages.
func (s *Service) runTasks() {
	s.tasks.mu.Lock()
	var running []*moveTask
	for _, t := range s.tasks.byHandle {
		if t.status == taskRunning {
			running = append(running, t)
		}
	}
	s.tasks.mu.Unlock()
	for _, t := range running {
		s.stepTask(t)
	}
}

func (s *Service) stepTask(t *moveTask) {
	s.tasks.mu.Lock()
	if t.status != taskRunning {
		s.tasks.mu.Unlock()
		return
	}
	t.budget = min(t.budget+float64(t.rate)*s.cfg.TickInterval.Seconds(), float64(t.rate))
	k := int(t.budget)
	s.tasks.mu.Unlock()
	if k == 0 {
		return
	}
	moved, done, failure := s.moveBatch(t, k)
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	s.tasks.mu.Lock()
	t.budget -= float64(moved)
	t.moved += int64(moved)
	if t.status == taskRunning {
		switch {
		case failure != "":
			t.status, t.failure = taskFailed, failure
		case done || t.moved >= t.toMove:
			t.status = taskCompleted
		}
	}
	var rec []byte
	if moved > 0 || t.status != taskRunning {
		rec = taskRecord(t)
	}
	s.tasks.mu.Unlock()
	if rec != nil {
		s.logNonDurable(context.Background(), rec)
	}
}

// moveBatch moves up to k receivable messages of the task's source.
func (s *Service) moveBatch(t *moveTask, k int) (moved int, done bool, failure string) {
	src := t.source
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	src.mu.Lock()
	if src.deleted {
		src.mu.Unlock()
		return 0, true, "AWS.SimpleQueueService.NonExistentQueue"
	}
	picked := src.takeReady(k, s.nowMs())
	type mv struct {
		m   *message
		dst *queue
	}
	var moves []mv
	for i, m := range picked {
		arn := t.destARN
		if arn == "" {
			arn = m.dlqSourceARN
		}
		dst := s.lookupARN(arn)
		if dst == nil || dst == src {
			src.putBack(picked[i:])
			failure = "AWS.SimpleQueueService.NonExistentQueue"
			break
		}
		src.remove(m)
		moves = append(moves, mv{m, dst})
	}
	empty := src.nReady == 0
	src.mu.Unlock()
	for _, x := range moves {
		if err := s.moveMessage(context.Background(), src, x.m.seq, x.dst, x.m, ""); err != nil {
			s.cfg.Logger.Warn("sqs: message move task", "source", src.name, "err", err)
			continue
		}
		moved++
	}
	return moved, empty || len(picked) == 0, failure
}
