package sqs

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
	"github.com/licenseflow/licenseflow/localaws/storage"
)

// ErrQueueNotFound is wrapped by SendInternal when the queue does not exist.
var ErrQueueNotFound = errors.New("sqs: queue not found")

// Config configures a Service.
type Config struct {
	// Log is the durable log (a Log opened with Dir "" keeps state in
	// memory only). Required.
	Log *storage.Log
	// Region used in ARNs. Default "us-east-1".
	Region string
	// AccountID used in ARNs and queue URLs. Default "000000000000".
	AccountID string
	// BaseURL prefixes queue URLs: BaseURL/ACCOUNT/NAME. Default
	// "http://127.0.0.1:4566".
	BaseURL string
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives operational logs. Default slog.Default().
	Logger *slog.Logger
	// CheckpointBytes is the log size after which the state is
	// snapshotted. Default 64 MiB.
	CheckpointBytes int64
	// TickInterval paces background work (expiry, checkpoints, move
	// tasks). Default 100ms.
	TickInterval time.Duration
}

func (c *Config) setDefaults() {
	c.Region = cmp.Or(c.Region, "us-east-1")
	c.AccountID = cmp.Or(c.AccountID, "000000000000")
	c.BaseURL = strings.TrimRight(cmp.Or(c.BaseURL, "http://127.0.0.1:4566"), "/")
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Logger = cmp.Or(c.Logger, slog.Default())
	c.CheckpointBytes = cmp.Or(c.CheckpointBytes, 64<<20)
	c.TickInterval = cmp.Or(c.TickInterval, 100*time.Millisecond)
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.Log == nil {
		errs = append(errs, errors.New("log is required"))
	}
	if len(c.AccountID) != 12 || strings.Trim(c.AccountID, "0123456789") != "" {
		errs = append(errs, fmt.Errorf("account id %q: must be 12 digits", c.AccountID))
	}
	if c.CheckpointBytes < 0 {
		errs = append(errs, errors.New("checkpoint bytes must not be negative"))
	}
	return errors.Join(errs...)
}

// Service is the SQS engine. It is safe for concurrent use.
type Service struct {
	cfg Config
	log *storage.Log
	api *awsapi.API

	// ckpt is held shared by every change from its first in-memory step
	// until its record is appended, and exclusively by Checkpoint, so a
	// snapshot always matches its log position.
	ckpt sync.RWMutex

	mu      sync.RWMutex // guards the maps below and nextQID
	byName  map[string]*queue
	byID    map[uint64]*queue
	deleted map[string]int64 // names deleted within queueNameHold: when (unix ms)
	nextQID uint64

	tasks taskTable

	idPrefix  string
	idCounter atomic.Uint64

	closeOnce sync.Once
	closed    chan struct{}
	wg        sync.WaitGroup
}

// New replays cfg.Log and starts background work (expiry, checkpoints,
// message move tasks). Close stops it.
func New(cfg Config) (*Service, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sqs config: %w", err)
	}
	var p [8]byte
	if _, err := rand.Read(p[:]); err != nil {
		return nil, fmt.Errorf("seeding message ids: %w", err)
	}
	s := &Service{cfg: cfg, log: cfg.Log, byName: map[string]*queue{}, byID: map[uint64]*queue{},
		deleted: map[string]int64{}, nextQID: 1, idPrefix: hex.EncodeToString(p[:]), closed: make(chan struct{})}
	s.tasks.init()
	s.api = s.newAPI()
	if err := s.replay(); err != nil {
		return nil, err
	}
	s.wg.Add(1)
	go s.background()
	return s, nil
}

// Close stops background work and ends long polls at once. It does not
// close the log, which the caller owns.
func (s *Service) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	s.wg.Wait()
	return nil
}

func (s *Service) nowMs() int64 { return s.cfg.Now().UnixMilli() }

func (s *Service) queueURL(name string) string {
	return s.cfg.BaseURL + "/" + s.cfg.AccountID + "/" + name
}

func (s *Service) queueARN(name string) string {
	return "arn:aws:sqs:" + s.cfg.Region + ":" + s.cfg.AccountID + ":" + name
}

// newMessageID returns a UUID-shaped id unique across restarts: a random
// per-process prefix and a counter.
func (s *Service) newMessageID() string {
	n := s.idCounter.Add(1)
	var b [36]byte
	const hx = "0123456789abcdef"
	p := s.idPrefix
	copy(b[0:8], p[0:8])
	b[8] = '-'
	copy(b[9:13], p[8:12])
	b[13] = '-'
	b[14] = '4'
	copy(b[15:18], p[12:15])
	b[18] = '-'
	b[19] = "89ab"[p[15]%4]
	for i := 0; i < 3; i++ {
		b[20+i] = hx[(n>>(4*(14-i)))&0xf]
	}
	b[23] = '-'
	for i := 0; i < 12; i++ {
		b[24+i] = hx[(n>>(4*(11-i)))&0xf]
	}
	return string(b[:])
}

// lookupName returns the queue with the given name, or nil.
func (s *Service) lookupName(name string) *queue {
	s.mu.RLock()
	q := s.byName[name]
	s.mu.RUnlock()
	return q
}

// lookupURL resolves a queue URL by its last two path segments
// (ACCOUNT/NAME), whatever the host; a bare name is accepted too.
func (s *Service) lookupURL(url string) (*queue, error) {
	if url == "" {
		return nil, errMissingParameter("QueueUrl")
	}
	name := url
	if i := strings.LastIndexByte(url, '/'); i >= 0 {
		name = url[i+1:]
		rest := url[:i]
		account := rest
		if j := strings.LastIndexByte(rest, '/'); j >= 0 {
			account = rest[j+1:]
		}
		if account != s.cfg.AccountID && strings.Count(url, "/") > 1 {
			return nil, errQueueDoesNotExist()
		}
	}
	q := s.lookupName(name)
	if q == nil {
		return nil, errQueueDoesNotExist()
	}
	return q, nil
}

// lookupARN returns the queue an ARN names, or nil.
func (s *Service) lookupARN(arn string) *queue {
	prefix := "arn:aws:sqs:" + s.cfg.Region + ":" + s.cfg.AccountID + ":"
	if !strings.HasPrefix(arn, prefix) {
		return nil
	}
	return s.lookupName(arn[len(prefix):])
}

// background runs expiry, checkpoints and message move tasks until Close.
func (s *Service) background() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.TickInterval)
	defer t.Stop()
	sweeps := 0
	for {
		select {
		case <-s.closed:
			return
		case <-t.C:
		}
		s.runTasks()
		sweeps++
		if sweeps%10 == 0 {
			s.sweep()
			if s.log.Size() > s.cfg.CheckpointBytes {
				if err := s.Checkpoint(); err != nil {
					s.cfg.Logger.Warn("sqs checkpoint failed", "err", err)
				}
			}
		}
	}
}

// sweep drops expired messages and wakes long polls whose messages became
// visible, and forgets deleted names whose hold is over.
func (s *Service) sweep() {
	now := s.nowMs()
	s.mu.Lock()
	for name, at := range s.deleted {
		if now-at >= queueNameHold {
			delete(s.deleted, name)
		}
	}
	s.mu.Unlock()
	for _, q := range s.queues() {
		q.mu.Lock()
		q.expire(now)
		if q.promote(now) {
			q.wake()
		}
		q.mu.Unlock()
	}
}

func (s *Service) queues() []*queue {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*queue, 0, len(s.byID))
	for _, q := range s.byID {
		out = append(out, q)
	}
	return out
}

// appendRecs writes records to the log: durable ones return once on stable
// storage.
func (s *Service) appendRecs(ctx context.Context, durable bool, recs ...[]byte) error {
	if err := s.log.Append(ctx, durable, recs...); err != nil {
		return fmt.Errorf("appending to sqs log: %w", err)
	}
	return nil
}

// logNonDurable appends records of changes already made in memory
// (receives, deletes, visibility). A failure costs at most a redelivery
// after a restart, so it is logged rather than failing the call.
func (s *Service) logNonDurable(ctx context.Context, recs ...[]byte) {
	if err := s.log.Append(ctx, false, recs...); err != nil {
		s.cfg.Logger.Error("sqs: appending to log", "err", err)
	}
}
