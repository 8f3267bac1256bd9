package localaws

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
	"github.com/licenseflow/licenseflow/localaws/awsquery"
	"github.com/licenseflow/licenseflow/localaws/clock"
	"github.com/licenseflow/licenseflow/localaws/eventbridge"
	"github.com/licenseflow/licenseflow/localaws/sqs"
	"github.com/licenseflow/licenseflow/localaws/storage"
)

// Config configures a Server.
type Config struct {
	// Addr is the address to listen on; "127.0.0.1:0" picks a free port.
	// Default "127.0.0.1:4566".
	Addr string
	// DataDir holds the durable state. Empty means in memory.
	DataDir string
	// Region used in ARNs. Default "us-east-1".
	Region string
	// AccountID used in ARNs and queue URLs. Default "000000000000".
	AccountID string
	// NoSync skips fsync: acknowledged writes survive a crash of the
	// process but not a power loss. Faster; for tests and demos.
	NoSync bool
	// SQSEndpoint, when set, makes EventBridge targets deliver to the SQS
	// of that endpoint (for example ElasticMQ) instead of localaws's own;
	// queues are matched by the name at the end of the target ARN.
	SQSEndpoint string
	// ReleaseInFlight makes messages that were in flight when the previous
	// process died receivable at once instead of after their visibility
	// timeout. Only for a process that also runs every consumer of its
	// queues (licenseflow run): no older receipt handle can be in use.
	ReleaseInFlight bool
	// Clock is EventBridge's time: event times, schedules, retries,
	// archive retention, replay windows (SQS keeps the real time).
	// Default clock.Real(); tests move a clock.Manual, demos run a
	// clock.Scaled one.
	Clock clock.Clock
	// MaxRequestBytes bounds a request body. Default 2 MiB (one 1 MiB
	// message plus attributes and JSON escaping). A form-encoded body (the
	// SQS query protocol) may be three times as long: percent-encoding
	// triples a byte.
	MaxRequestBytes int64
	// Logger receives operational logs. Default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	c.Addr = cmp.Or(c.Addr, "127.0.0.1:4566")
	c.Region = cmp.Or(c.Region, "us-east-1")
	c.AccountID = cmp.Or(c.AccountID, "000000000000")
	c.MaxRequestBytes = cmp.Or(c.MaxRequestBytes, 2<<20)
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs []error
	if len(c.AccountID) != 12 || strings.Trim(c.AccountID, "0123456789") != "" {
		errs = append(errs, fmt.Errorf("account id %q: must be 12 digits", c.AccountID))
	}
	if c.MaxRequestBytes < 1<<20 {
		errs = append(errs, errors.New("max request bytes must be at least 1 MiB"))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: %w", c.Addr, err))
	}
	return errors.Join(errs...)
}

// Server is a running localaws endpoint.
type Server struct {
	cfg      Config
	ln       net.Listener
	url      string
	sqsLog   *storage.Log
	eventLog *storage.Log
	sqs      *sqs.Service
	events   *eventbridge.Service
	ext      *awsapi.API // localaws's own operations (ExtensionsTarget)
	http     *http.Server
	done     chan struct{}
	serveErr error

	closeOnce sync.Once
	closeErr  error
}

// Start listens on cfg.Addr, recovers the state in cfg.DataDir and serves
// until ctx ends or Close is called.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("localaws config: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listening: %w", err)
	}
	s, err := newServer(cfg, ln)
	if err != nil {
		ln.Close()
		return nil, err
	}
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

func newServer(cfg Config, ln net.Listener) (*Server, error) {
	s := &Server{cfg: cfg, ln: ln, url: "http://" + ln.Addr().String(), done: make(chan struct{})}
	var err error
	if s.sqsLog, err = openLog(cfg, "sqs"); err != nil {
		return nil, err
	}
	if s.eventLog, err = openLog(cfg, "events"); err != nil {
		s.sqsLog.Close()
		return nil, err
	}
	s.sqs, err = sqs.New(sqs.Config{Log: s.sqsLog, Region: cfg.Region, AccountID: cfg.AccountID,
		BaseURL: s.url, Logger: cfg.Logger.With("service", "sqs")})
	if err != nil {
		s.closeLogs()
		return nil, fmt.Errorf("starting sqs: %w", err)
	}
	if cfg.ReleaseInFlight {
		if n := s.sqs.ReleaseInFlight(); n > 0 {
			cfg.Logger.Info("released messages in flight at the last stop", "count", n)
		}
	}
	var queues eventbridge.QueueSender = queueSender{s.sqs}
	if cfg.SQSEndpoint != "" {
		queues = newExternalQueues(cfg.SQSEndpoint, cfg.Region)
	}
	s.events, err = eventbridge.New(eventbridge.Config{Log: s.eventLog, Region: cfg.Region,
		AccountID: cfg.AccountID, Queues: queues, Clock: cfg.Clock, Logger: cfg.Logger.With("service", "events")})
	if err != nil {
		s.sqs.Close()
		s.closeLogs()
		return nil, fmt.Errorf("starting eventbridge: %w", err)
	}
	s.ext = s.extensions()
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)}
	go func() {
		defer close(s.done)
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.serveErr = err
		}
	}()
	return s, nil
}

func openLog(cfg Config, name string) (*storage.Log, error) {
	dir := ""
	if cfg.DataDir != "" {
		dir = filepath.Join(cfg.DataDir, name)
	}
	l, err := storage.Open(storage.Options{Dir: dir, NoSync: cfg.NoSync})
	if err != nil {
		return nil, fmt.Errorf("opening %s log: %w", name, err)
	}
	return l, nil
}

// URL is the endpoint's base URL, for AWS_ENDPOINT_URL.
func (s *Server) URL() string { return s.url }

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Done is closed when the server stopped serving.
func (s *Server) Done() <-chan struct{} { return s.done }

// Close stops serving, waits for in-flight requests (long polls end at
// once) and closes the logs. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Engines first: that ends long polls, so Shutdown does not wait them out.
		errs := []error{s.events.Close(), s.sqs.Close()}
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, s.http.Close())
		}
		<-s.done
		errs = append(errs, s.serveErr, s.closeLogs())
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

func (s *Server) closeLogs() error {
	return errors.Join(s.eventLog.Close(), s.sqsLog.Close())
}

// ServeHTTP routes on X-Amz-Target: "AmazonSQS.*" to the SQS engine,
// "AWSEvents.*" to the EventBridge engine, each of which serves its
// operations (package awsapi), and "LocalAWSExtensions.*" to localaws's own
// operations (ExtensionsTarget). A request without a target that is of the
// query protocol (a form-encoded POST, or a GET naming an Action) goes to
// the SQS engine too, the only service here that speaks it, as on AWS.
// GET /health answers {"status":"ok"}.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	service, _, _ := strings.Cut(target, ".")
	var engine http.Handler
	codec := sqs.JSON
	switch service {
	case "AmazonSQS":
		engine = s.sqs
	case "AWSEvents":
		engine, codec = s.events, eventbridge.JSON
	case ExtensionsTarget:
		engine, codec = http.HandlerFunc(s.serveExtension), extensionsJSON
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/health":
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	case target == "" && awsquery.Is(r):
		// Percent-encoding may triple a body's bytes.
		r.Body = http.MaxBytesReader(w, r.Body, 3*s.cfg.MaxRequestBytes)
		s.sqs.ServeHTTP(w, r)
	case r.Method != http.MethodPost:
		codec.WriteError(w, &awsapi.Error{Status: http.StatusMethodNotAllowed,
			Code: "InvalidAction", Sender: true, Message: "only POST with X-Amz-Target, or an SQS query request, is supported"})
	case engine == nil:
		codec.WriteError(w, &awsapi.Error{Status: http.StatusBadRequest, Code: "UnknownOperationException",
			Sender: true, Message: fmt.Sprintf("unknown X-Amz-Target %q", target)})
	default:
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxRequestBytes)
		engine.ServeHTTP(w, r)
	}
}

// queueSender lets EventBridge targets deliver into the SQS engine.
type queueSender struct{ sqs *sqs.Service }

func (q queueSender) SendToQueue(ctx context.Context, queueARN string, m eventbridge.QueueMessage) error {
	return q.SendBatchToQueue(ctx, queueARN, []eventbridge.QueueMessage{m})[0]
}

// SendBatchToQueue makes one request's deliveries to a queue share one
// durable write.
func (q queueSender) SendBatchToQueue(ctx context.Context, queueARN string, ms []eventbridge.QueueMessage) []error {
	in := make([]sqs.InternalMessage, len(ms))
	for i, m := range ms {
		in[i] = sqs.InternalMessage{Body: m.Body, Attributes: m.Attributes,
			GroupID: m.MessageGroupID, DeduplicationID: m.MessageDeduplicationID}
	}
	_, errs := q.sqs.SendInternalBatch(ctx, queueARN, in)
	for i, err := range errs {
		if errors.Is(err, sqs.ErrQueueNotFound) {
			errs[i] = fmt.Errorf("%w: %w", eventbridge.ErrQueueNotFound, err)
		}
	}
	return errs
}
