package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// recordLicense keeps the company's newest license, once its signature
// verifies; an older one changes nothing. It announces nothing.
func (s *Stage) recordLicense(d events.LicenseIssued) effect {
	return func(ctx context.Context, tx *sqlstore.Tx, _ seen) (outcome, error) {
		lic, err := license.VerifyAt(s.cfg.PublicKey, []byte(d.License), s.cfg.Now())
		// An expired license is authentic and still supersedes older ones.
		if err != nil && !errors.Is(err, license.ErrExpired) {
			return outcome{}, events.Permanent(fmt.Errorf("license of %q: %w", d.CompanyID, err))
		}
		if lic.CompanyID != d.CompanyID || lic.Serial != d.Serial {
			return outcome{}, events.Permanent(fmt.Errorf("license file is for %q serial %d, event says %q serial %d",
				lic.CompanyID, lic.Serial, d.CompanyID, d.Serial))
		}
		return outcome{}, keepLicense(ctx, tx, lic)
	}
}

// recordDelivery keeps the highest serial each server is known to hold.
func (s *Stage) recordDelivery(d events.LicenseDelivered) effect {
	return func(ctx context.Context, tx *sqlstore.Tx, _ seen) (outcome, error) {
		if err := errors.Join(need("company_id", d.CompanyID), need("app_server", d.AppServer)); err != nil || d.Serial < 1 {
			return outcome{}, events.Permanent(errors.Join(err, fmt.Errorf("serial %d", d.Serial)))
		}
		return outcome{}, keepDelivery(ctx, tx, Delivery{CompanyID: d.CompanyID, AppServer: d.AppServer,
			Serial: d.Serial, DeliveredAt: d.DeliveredAt.UTC().Truncate(time.Millisecond)})
	}
}

// disableUser marks the user disabled (the edge already ended its
// sessions and tokens) and announces User Disabled; a user disabled
// before is announced again with its first time.
func (s *Stage) disableUser(d events.UserDisableRequested) effect {
	return func(ctx context.Context, tx *sqlstore.Tx, sn seen) (outcome, error) {
		if err := errors.Join(need("company_id", d.CompanyID), need("user_id", d.UserID), need("requested_by", d.RequestedBy)); err != nil {
			return outcome{}, events.Permanent(err)
		}
		u, err := getUser(ctx, tx, d.UserID)
		if err != nil {
			return outcome{}, s.dependency(ctx, tx, err, d.UserID, "user")
		}
		by, err := getUser(ctx, tx, d.RequestedBy)
		if err != nil {
			return outcome{}, s.dependency(ctx, tx, err, d.RequestedBy, "requesting admin")
		}
		if u.CompanyID != d.CompanyID || by.CompanyID != d.CompanyID || by.Role != events.RoleAdmin {
			return outcome{refused: fmt.Errorf("%s may not disable %s of company %s", d.RequestedBy, d.UserID, d.CompanyID)}, nil
		}
		switch {
		case u.Status != UserDisabled:
			u.Status, u.DisabledAt = UserDisabled, s.now()
			if err := disableUser(ctx, tx, u.ID, u.DisabledAt); err != nil {
				return outcome{}, err
			}
		case sn.replay:
			return outcome{}, nil // disabled already, and announced
		}
		return outcome{publish: []events.Detail{events.UserDisabled{CompanyID: u.CompanyID, UserID: u.ID, DisabledAt: u.DisabledAt}}}, nil
	}
}
