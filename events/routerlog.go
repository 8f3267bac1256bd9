package events

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill"
)

// loggedError is a handler's error that LogMiddleware has logged, with the
// message it belongs to.
type loggedError struct{ error }

func (e loggedError) Unwrap() error { return e.error }

// routerLogger is the watermill logger of our Routers: slog, with errors
// under "err" as everywhere in licenseflow. The Router logs every error a
// handler returns; one LogMiddleware has logged already is not logged
// again.
type routerLogger struct{ l *slog.Logger }

func (r routerLogger) Error(msg string, err error, fields watermill.LogFields) {
	if errors.As(err, new(loggedError)) {
		return
	}
	r.l.Error(msg, append(args(fields), "err", err)...)
}

func (r routerLogger) Info(msg string, fields watermill.LogFields) { r.l.Info(msg, args(fields)...) }

func (r routerLogger) Debug(msg string, fields watermill.LogFields) { r.l.Debug(msg, args(fields)...) }

func (r routerLogger) Trace(msg string, fields watermill.LogFields) {
	r.l.Log(context.Background(), watermill.LevelTrace, msg, args(fields)...)
}

func (r routerLogger) With(fields watermill.LogFields) watermill.LoggerAdapter {
	return routerLogger{r.l.With(args(fields)...)}
}

func args(fields watermill.LogFields) []any {
	out := make([]any, 0, 2*len(fields))
	for k, v := range fields {
		out = append(out, k, v)
	}
	return out
}
