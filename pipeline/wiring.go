package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// Bus is where a part publishes: an EventBridge client and the bus.
type Bus struct {
	// Client sends PutEvents. Required.
	Client events.EventBridgeAPI
	// Name is the bus name or ARN. Default the default topology's bus.
	Name string
}

func (b *Bus) setDefaults() {
	b.Name = cmp.Or(b.Name, infra.BusName)
}

func (b Bus) validate() error {
	if b.Client == nil {
		return errors.New("bus: an EventBridge client is required")
	}
	return nil
}

// Publisher is a part's typed publisher on b; closing it closes the
// EventBridge publisher underneath.
func (b Bus) Publisher(log *slog.Logger) (*events.BusPublisher, func() error, error) {
	b.setDefaults()
	eb, err := events.NewEventBridgePublisher(events.EventBridgePublisherConfig{Client: b.Client, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	pub, err := events.NewBusPublisher(events.BusPublisherConfig{Publisher: eb, Bus: b.Name})
	if err != nil {
		return nil, nil, errors.Join(err, eb.Close())
	}
	return pub, eb.Close, nil
}

// Queue is what a stage consumes: an SQS client and the queue.
type Queue struct {
	// Client receives and deletes. Required by Run; a Lambda entry, fed by
	// its event source mapping, needs none.
	Client events.SQSAPI
	// Name is the queue name or URL. Default the stage's queue of the
	// default topology.
	Name string
}

// openStore opens the store at url, creating a SQLite file's directory.
func openStore(ctx context.Context, url string) (*sqlstore.DB, error) {
	if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("creating store directory: %w", err)
		}
	}
	db, err := sqlstore.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("opening the store: %w", err)
	}
	return db, nil
}
