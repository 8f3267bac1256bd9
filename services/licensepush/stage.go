// Package licensepush is the license-push stage: the in-VPC consumer that
// makes every application server hold the current license of each company
// whose sessions it serves. It opens no listening socket: a poller (the
// events package's SQS subscription, or a Lambda) calls Handle with each
// event.
//
// On License Issued it verifies the file's signature before anything else,
// keeps it as the company's latest if its serial is higher, and delivers
// the latest to every app server with sessions of that company. On Session
// Started it records the server for the company and delivers the latest
// license, if any. Deliveries are HTTP PUTs to
// http://APPSERVER/v1/licenses/{company_id}, only to addresses inside the
// allowed CIDRs, and never of an older serial than the one the server was
// given. Whenever a server holds a company's latest license (delivered now,
// or found delivered on a redelivery) the stage announces it with License
// Delivered, so the user application can show which license each server
// holds without reaching into the VPC. An event an archive replay sent
// again (replay-name set) delivers what is missing like any other, but
// announces nothing for a server that holds its license already: that was
// announced when it was delivered.
package licensepush

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Component is the stage's name in the store's migrations.
const Component = "licensepush"

// Stage is the license-push stage. Handle is safe for concurrent use.
type Stage struct {
	cfg     Config
	deliver *deliverer
	locks   keyedMutex
}

// New migrates the stage's tables and returns the stage.
func New(ctx context.Context, cfg Config) (*Stage, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("licensepush config: %w", err)
	}
	if err := cfg.DB.MigrateDir(ctx, Component, migrations, "migrations"); err != nil {
		return nil, err
	}
	g := guard{allowed: append([]netip.Prefix(nil), cfg.AllowedCIDRs...), resolver: cfg.Resolver}
	return &Stage{cfg: cfg, deliver: newDeliverer(g, cfg.HTTPClient)}, nil
}

// Handle processes a License Issued or Session Started event; it is an
// events.Handler. It returns a Permanent error for an event that can never
// succeed (bad signature, malformed detail, a target outside the allowed
// CIDRs, an app server refusing the file) and a plain error when a retry
// may (an app server down, the store unavailable). Redelivery is safe:
// nothing is delivered twice to a server that acknowledged it.
func (s *Stage) Handle(ctx context.Context, e events.Envelope) error {
	switch e.DetailType {
	case events.TypeLicenseIssued:
		d, err := events.DetailAs[events.LicenseIssued](e)
		if err != nil {
			return err
		}
		return s.licenseIssued(ctx, d, e.Replayed())
	case events.TypeSessionStarted:
		d, err := events.DetailAs[events.SessionStarted](e)
		if err != nil {
			return err
		}
		return s.sessionStarted(ctx, d, e.Replayed())
	}
	return events.Permanent(fmt.Errorf("licensepush does not handle %q events", e.DetailType))
}

func (s *Stage) licenseIssued(ctx context.Context, d events.LicenseIssued, replayed bool) error {
	if err := checkCompanyID(d.CompanyID); err != nil {
		return events.Permanent(err)
	}
	lic, err := license.VerifyAt(s.cfg.PublicKey, []byte(d.License), s.cfg.Now())
	// An expired license is authentic: it must still supersede older ones
	// (a canceled subscription's last license ends the company's use).
	if err != nil && !errors.Is(err, license.ErrExpired) {
		return events.Permanent(fmt.Errorf("license for %q: %w", d.CompanyID, err))
	}
	if lic.CompanyID != d.CompanyID || lic.Serial != d.Serial {
		return events.Permanent(fmt.Errorf("license file is for %q serial %d, event says %q serial %d",
			lic.CompanyID, lic.Serial, d.CompanyID, d.Serial))
	}
	stored, servers, err := s.storeLicense(ctx, lic.CompanyID, lic.Serial, d.License)
	if err != nil {
		return err
	}
	if !stored {
		s.cfg.Logger.Info("licensepush: license not newer than the one stored; making sure servers hold the latest",
			"company_id", lic.CompanyID, "serial", lic.Serial, "correlation_id", events.CorrelationID(ctx))
	}
	var errs []error
	for _, srv := range servers {
		if err := s.deliverLatest(ctx, srv, lic.CompanyID, replayed); err != nil {
			errs = append(errs, err)
		}
	}
	return combine(errs)
}

func (s *Stage) sessionStarted(ctx context.Context, d events.SessionStarted, replayed bool) error {
	if err := checkCompanyID(d.CompanyID); err != nil {
		return events.Permanent(err)
	}
	// Refuse a target outside the allowed networks before remembering it.
	if _, err := s.deliver.guard.check(ctx, d.AppServer); err != nil {
		if errors.Is(err, ErrTargetNotAllowed) {
			return events.Permanent(err)
		}
		return err
	}
	if err := s.addServer(ctx, d.CompanyID, d.AppServer); err != nil {
		return err
	}
	return s.deliverLatest(ctx, d.AppServer, d.CompanyID, replayed)
}

// deliverLatest gives server the company's latest license unless it was
// already given that serial or a newer one (then it announces that again,
// unless the event is replayed). Permanent failures are marked.
func (s *Stage) deliverLatest(ctx context.Context, server, company string, replayed bool) error {
	unlock := s.locks.lock(server + "\x00" + company)
	defer unlock()
	latest, ok, given, err := s.toDeliver(ctx, server, company)
	if err != nil || !ok {
		return err
	}
	log := s.cfg.Logger.With("company_id", company, "app_server", server, "serial", latest.serial,
		"correlation_id", events.CorrelationID(ctx))
	if given >= latest.serial {
		log.Debug("licensepush: server already holds this license", "given", given)
		if replayed {
			return nil // announced when it was delivered; a replay repeats nothing
		}
		return s.announce(ctx, server, company, given)
	}
	if err := s.deliver.deliver(ctx, server, company, []byte(latest.file)); err != nil {
		// Returned, not logged: the handler's caller logs it once with the
		// message it belongs to.
		err = fmt.Errorf("license %d of %s: %w", latest.serial, company, err)
		if errors.Is(err, ErrTargetNotAllowed) || errors.Is(err, ErrRefused) {
			return events.Permanent(err)
		}
		return err
	}
	if err := s.markDelivered(ctx, server, company, latest.serial); err != nil {
		return err
	}
	log.Info("licensepush: license delivered")
	return s.announce(ctx, server, company, latest.serial)
}

// announce publishes that server holds serial of company. A failure is
// retryable: the redelivered event finds the license delivered and
// announces it again.
func (s *Stage) announce(ctx context.Context, server, company string, serial int64) error {
	d := events.LicenseDelivered{CompanyID: company, AppServer: server, Serial: serial, DeliveredAt: s.cfg.Now().UTC()}
	if err := s.cfg.Publisher.Publish(ctx, d); err != nil {
		return fmt.Errorf("announcing license %d of %s on %s: %w", serial, company, server, err)
	}
	return nil
}

// combine joins delivery errors: retryable if any is (so the event comes
// back for the servers that may still succeed), else Permanent.
func combine(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	permanent := true
	for i, err := range errs {
		msgs[i] = err.Error()
		permanent = permanent && events.IsPermanent(err)
	}
	err := fmt.Errorf("delivering to %d servers: %s", len(errs), strings.Join(msgs, "; "))
	if permanent {
		return events.Permanent(err)
	}
	return err
}
