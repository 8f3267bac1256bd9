package events

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// deleteBatcher turns acks into DeleteMessageBatch calls of up to 10
// receipt handles, sent when 10 are pending or delay after the first.
type deleteBatcher struct {
	client  SQSAPI
	url     string
	timeout time.Duration
	log     *slog.Logger
	in      chan string
	done    chan struct{}
	inFly   sync.WaitGroup
}

func newDeleteBatcher(c SQSAPI, url string, delay, timeout time.Duration, log *slog.Logger) *deleteBatcher {
	d := &deleteBatcher{client: c, url: url, timeout: timeout, log: log, in: make(chan string, 64), done: make(chan struct{})}
	go d.run(delay)
	return d
}

func (d *deleteBatcher) add(receipt string) { d.in <- receipt }

// stop flushes what is pending and waits for every delete call. No add may
// follow.
func (d *deleteBatcher) stop() {
	close(d.in)
	<-d.done
	d.inFly.Wait()
}

func (d *deleteBatcher) run(delay time.Duration) {
	defer close(d.done)
	var batch []string
	timer := time.NewTimer(delay)
	timer.Stop()
	flush := func() {
		if len(batch) == 0 {
			return
		}
		b := batch
		batch = nil
		d.inFly.Add(1)
		go func() {
			defer d.inFly.Done()
			d.send(b)
		}()
	}
	for {
		select {
		case r, ok := <-d.in:
			if !ok {
				flush()
				return
			}
			batch = append(batch, r)
			if len(batch) == 1 {
				timer.Reset(delay)
			}
			if len(batch) == 10 {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

func (d *deleteBatcher) send(receipts []string) {
	ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
	defer cancel()
	in := &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(d.url)}
	for i, r := range receipts {
		in.Entries = append(in.Entries, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(r)})
	}
	out, err := d.client.DeleteMessageBatch(ctx, in)
	if err != nil {
		d.log.Warn("deleting acked messages failed; they will be delivered again", "count", len(receipts), "err", err)
		return
	}
	for _, f := range out.Failed {
		d.log.Warn("deleting an acked message failed; it will be delivered again",
			"code", aws.ToString(f.Code), "err", aws.ToString(f.Message))
	}
}

// heartbeat extends the visibility of every message in flight before it
// runs out, so a slow handler keeps its message.
type heartbeat struct {
	client     SQSAPI
	url        string
	visibility time.Duration
	timeout    time.Duration
	log        *slog.Logger

	mu       sync.Mutex
	deadline map[string]time.Time // receipt handle -> visible again at
	quit     chan struct{}
	done     chan struct{}
}

func newHeartbeat(c SQSAPI, url string, visibility, timeout time.Duration, log *slog.Logger) *heartbeat {
	h := &heartbeat{client: c, url: url, visibility: visibility, timeout: timeout, log: log,
		deadline: map[string]time.Time{}, quit: make(chan struct{}), done: make(chan struct{})}
	if visibility < time.Second {
		close(h.done) // nothing to extend: visibility 0 makes messages visible at once
		return h
	}
	go h.run(max(visibility/3, 300*time.Millisecond))
	return h
}

func (h *heartbeat) track(receipt string) {
	h.mu.Lock()
	h.deadline[receipt] = time.Now().Add(h.visibility)
	h.mu.Unlock()
}

func (h *heartbeat) untrack(receipt string) {
	h.mu.Lock()
	delete(h.deadline, receipt)
	h.mu.Unlock()
}

func (h *heartbeat) stop() {
	select {
	case <-h.done:
		return
	default:
	}
	close(h.quit)
	<-h.done
}

func (h *heartbeat) run(every time.Duration) {
	defer close(h.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-h.quit:
			return
		case <-t.C:
			h.beat()
		}
	}
}

// beat extends the messages with at most two thirds of their visibility left.
func (h *heartbeat) beat() {
	now := time.Now()
	var due []string
	h.mu.Lock()
	for r, d := range h.deadline {
		if d.Sub(now) <= h.visibility*2/3 {
			due = append(due, r)
			h.deadline[r] = now.Add(h.visibility)
		}
	}
	h.mu.Unlock()
	secs := int32((h.visibility + time.Second - 1) / time.Second)
	for len(due) > 0 {
		n := min(len(due), 10)
		in := &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(h.url)}
		for i, r := range due[:n] {
			in.Entries = append(in.Entries, sqstypes.ChangeMessageVisibilityBatchRequestEntry{
				Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(r), VisibilityTimeout: secs})
		}
		due = due[n:]
		ctx, cancel := context.WithTimeout(context.Background(), h.timeout)
		out, err := h.client.ChangeMessageVisibilityBatch(ctx, in)
		cancel()
		if err != nil {
			h.log.Warn("extending visibility failed", "count", n, "err", err)
			continue
		}
		for _, f := range out.Failed {
			// Usually a message acked meanwhile; else it may be delivered twice.
			h.log.Debug("extending visibility of a message failed", "code", aws.ToString(f.Code), "err", aws.ToString(f.Message))
		}
	}
}
