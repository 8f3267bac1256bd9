package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// effect is one event's change to the store, run inside apply's
// transaction, told how the event was seen before.
type effect = func(ctx context.Context, tx *sqlstore.Tx, sn seen) (outcome, error)

// seen is how an event was seen before: first says its id is new; replay
// says an archive replay sent it again (its id may well be known).
type seen struct{ first, replay bool }

// existing decides an event about the entity kind id that may have been
// handled before. Stored with the same content (same), the event's outcome
// is published again (announce) — but not for a replay: the entity is
// right, and nothing happens twice. Stored with other content it is
// refused. Refused earlier it is refused again, except for a replay,
// which judges it again (a fix may have made it acceptable): the refusal
// is forgotten and the event applied as new. Seen before but neither
// stored nor refused is impossible, and refused too. done is false only
// for an event to apply.
func existing[T any](ctx context.Context, tx *sqlstore.Tx, sn seen, kind, id string,
	get func(context.Context, *sqlstore.Tx, string) (T, error), same func(T) bool,
	announce func(T) ([]events.Detail, error)) (out outcome, done bool, err error) {
	v, err := get(ctx, tx, id)
	switch {
	case err == nil && !same(v):
		return outcome{refused: fmt.Errorf("%s %s already stored with other content", kind, id)}, true, nil
	case err == nil && sn.replay:
		return outcome{}, true, nil
	case err == nil:
		publish, err := announce(v)
		if err != nil {
			return outcome{}, true, err
		}
		return outcome{publish: publish}, true, nil
	case !errors.Is(err, ErrNotFound):
		return outcome{}, true, err
	}
	reason, ok, err := rejection(ctx, tx, id)
	switch {
	case err != nil:
		return outcome{}, true, err
	case ok && sn.replay:
		return outcome{}, false, deleteRejection(ctx, tx, id)
	case ok:
		return outcome{refused: errors.New(reason)}, true, nil
	case !sn.first && !sn.replay:
		return outcome{refused: fmt.Errorf("event seen before but %s is neither stored nor refused", id)}, true, nil
	}
	return outcome{}, false, nil
}

func (s *Stage) companySignup(d events.CompanySignupRequested) effect {
	return func(ctx context.Context, tx *sqlstore.Tx, sn seen) (outcome, error) {
		if err := validCompanySignup(d); err != nil {
			return outcome{}, events.Permanent(err)
		}
		if out, done, err := existing(ctx, tx, sn, "company", d.CompanyID, getCompany,
			func(c Company) bool { return c.Name == d.CompanyName && c.AdminUserID == d.AdminUserID },
			func(c Company) ([]events.Detail, error) {
				admin, err := getUser(ctx, tx, c.AdminUserID)
				return companyOutcome(c, admin), err
			}); done {
			return out, err
		}
		if _, err := getUser(ctx, tx, d.AdminUserID); err == nil {
			return outcome{refused: fmt.Errorf("admin user %s already exists", d.AdminUserID)}, nil
		}
		now := s.now()
		c := Company{ID: d.CompanyID, Name: d.CompanyName, AdminUserID: d.AdminUserID, CreatedAt: now}
		admin := User{ID: d.AdminUserID, CompanyID: d.CompanyID, Email: d.AdminEmail, Name: d.AdminName, Role: events.RoleAdmin, CreatedAt: now}
		if err := insertCompany(ctx, tx, c); err != nil {
			return outcome{}, err
		}
		if err := insertUser(ctx, tx, admin); err != nil {
			return outcome{}, err
		}
		return outcome{publish: companyOutcome(c, admin)}, nil
	}
}

func companyOutcome(c Company, admin User) []events.Detail {
	return []events.Detail{
		events.CompanyCreated{CompanyID: c.ID, Name: c.Name, AdminUserID: c.AdminUserID, CreatedAt: c.CreatedAt},
		userOutcome(admin),
	}
}

func userOutcome(u User) events.Detail {
	return events.UserAdded{CompanyID: u.CompanyID, UserID: u.ID, Email: u.Email, Role: u.Role, CreatedAt: u.CreatedAt}
}

func (s *Stage) addUser(d events.UserAddRequested) effect {
	return func(ctx context.Context, tx *sqlstore.Tx, sn seen) (outcome, error) {
		if err := validUserAdd(d); err != nil {
			return outcome{}, events.Permanent(err)
		}
		if out, done, err := existing(ctx, tx, sn, "user", d.UserID, getUser,
			func(u User) bool {
				return u.CompanyID == d.CompanyID && u.Email == d.Email && u.Name == d.Name && u.Role == d.Role
			},
			func(u User) ([]events.Detail, error) { return []events.Detail{userOutcome(u)}, nil }); done {
			return out, err
		}
		if _, err := getCompany(ctx, tx, d.CompanyID); err != nil {
			return outcome{}, s.dependency(ctx, tx, err, d.CompanyID, "company")
		}
		// The edge checked the admin's token; check the admin too.
		by, err := getUser(ctx, tx, d.RequestedBy)
		if err != nil {
			return outcome{}, s.dependency(ctx, tx, err, d.RequestedBy, "requesting admin")
		}
		if by.CompanyID != d.CompanyID || by.Role != events.RoleAdmin {
			return s.refuse(ctx, tx, d.UserID, fmt.Sprintf("%s is not an admin of company %s", d.RequestedBy, d.CompanyID))
		}
		taken, err := emailTaken(ctx, tx, d.CompanyID, d.Email)
		if err != nil {
			return outcome{}, err
		}
		if taken {
			return s.refuse(ctx, tx, d.UserID, fmt.Sprintf("company %s already has a user with email %s", d.CompanyID, d.Email))
		}
		u := User{ID: d.UserID, CompanyID: d.CompanyID, Email: d.Email, Name: d.Name, Role: d.Role, CreatedBy: d.RequestedBy, CreatedAt: s.now()}
		if err := insertUser(ctx, tx, u); err != nil {
			return outcome{}, err
		}
		return outcome{publish: []events.Detail{userOutcome(u)}}, nil
	}
}

func (s *Stage) startSession(d events.SessionRequested) effect {
	return func(ctx context.Context, tx *sqlstore.Tx, sn seen) (outcome, error) {
		if err := validSession(d); err != nil {
			return outcome{}, events.Permanent(err)
		}
		if out, done, err := existing(ctx, tx, sn, "session", d.SessionID, getSession,
			func(se Session) bool {
				return se.CompanyID == d.CompanyID && se.UserID == d.UserID && se.AppServer == d.AppServer
			},
			func(se Session) ([]events.Detail, error) { return []events.Detail{sessionOutcome(se)}, nil }); done {
			return out, err
		}
		u, err := getUser(ctx, tx, d.UserID)
		if err != nil {
			return outcome{}, s.dependency(ctx, tx, err, d.UserID, "user")
		}
		if u.CompanyID != d.CompanyID {
			return s.refuse(ctx, tx, d.SessionID, fmt.Sprintf("user %s is not a user of company %s", d.UserID, d.CompanyID))
		}
		se := Session{ID: d.SessionID, CompanyID: d.CompanyID, UserID: d.UserID, AppServer: d.AppServer, StartedAt: s.now()}
		if err := insertSession(ctx, tx, se); err != nil {
			return outcome{}, err
		}
		return outcome{publish: []events.Detail{sessionOutcome(se)}}, nil
	}
}

func sessionOutcome(se Session) events.Detail {
	return events.SessionStarted{SessionID: se.ID, CompanyID: se.CompanyID, UserID: se.UserID, AppServer: se.AppServer, StartedAt: se.StartedAt}
}

// dependency turns a missing company or user into a retryable error, or a
// permanent one when that entity was refused for good.
func (s *Stage) dependency(ctx context.Context, tx *sqlstore.Tx, err error, id, what string) error {
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	reason, refused, rerr := rejection(ctx, tx, id)
	if rerr != nil {
		return rerr
	}
	if refused {
		return events.Permanent(fmt.Errorf("%s %s was refused: %s", what, id, reason))
	}
	return fmt.Errorf("%s %s: %w", what, id, ErrNotYetStored)
}

// refuse records that id was refused for good, so requests depending on
// it fail at once, and returns the refusal.
func (s *Stage) refuse(ctx context.Context, tx *sqlstore.Tx, id, reason string) (outcome, error) {
	if err := insertRejection(ctx, tx, id, reason, s.now()); err != nil {
		return outcome{}, err
	}
	return outcome{refused: errors.New(reason)}, nil
}

func validCompanySignup(d events.CompanySignupRequested) error {
	return errors.Join(need("company_id", d.CompanyID), need("company_name", d.CompanyName),
		need("admin_user_id", d.AdminUserID), need("admin_name", d.AdminName), validEmail(d.AdminEmail))
}

func validUserAdd(d events.UserAddRequested) error {
	var role error
	if !events.ValidRole(d.Role) {
		role = fmt.Errorf("unknown role %q", d.Role)
	}
	return errors.Join(need("company_id", d.CompanyID), need("user_id", d.UserID), need("name", d.Name),
		need("requested_by", d.RequestedBy), validEmail(d.Email), role)
}

func validSession(d events.SessionRequested) error {
	return errors.Join(need("session_id", d.SessionID), need("company_id", d.CompanyID),
		need("user_id", d.UserID), need("app_server", d.AppServer))
}

func need(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s is empty", field)
	}
	return nil
}

func validEmail(s string) error {
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
		return fmt.Errorf("email %q is not valid", s)
	}
	return nil
}
