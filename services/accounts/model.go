package accounts

import (
	"errors"
	"time"
)

var (
	// ErrNotFound: the company, user or session is not stored.
	ErrNotFound = errors.New("not found")
	// ErrNotYetStored: an event depends on a company or user that is not
	// stored yet (its event has not arrived); Handle returns it wrapped, as
	// a retryable error.
	ErrNotYetStored = errors.New("depends on an event not processed yet")
)

// Company is a stored company.
type Company struct {
	ID          string
	Name        string
	AdminUserID string
	CreatedAt   time.Time
}

// User is a stored user of a company.
type User struct {
	ID        string
	CompanyID string
	Email     string
	Name      string
	Role      string
	// CreatedBy is the admin who added the user; empty for the company's
	// first admin.
	CreatedBy string
	CreatedAt time.Time
	// Status is UserActive or UserDisabled; DisabledAt is zero while
	// active.
	Status     string
	DisabledAt time.Time
}

// User statuses.
const (
	UserActive   = "active"
	UserDisabled = "disabled"
)

// Delivery says which license an application server holds for a company.
type Delivery struct {
	CompanyID   string
	AppServer   string
	Serial      int64
	DeliveredAt time.Time
}

// Session is a user session assigned to an application server.
type Session struct {
	ID        string
	CompanyID string
	UserID    string
	AppServer string
	StartedAt time.Time
}
