package events

import "time"

// Sources of the events this system publishes.
const (
	SourceWebhook  = "licenseflow.webhook"  // payment-provider webhook edge
	SourcePayment  = "licenseflow.payment"  // payment stage
	SourceSignup   = "licenseflow.signup"   // signup edge
	SourceAccounts = "licenseflow.accounts" // user-signup stage
	// SourceLicensePush is the license-push stage.
	SourceLicensePush = "licenseflow.licensepush"
	// SourceStripePartnerPrefix starts the source of events Stripe delivers
	// natively to EventBridge (aws.partner/stripe.com/ACCOUNT/...).
	SourceStripePartnerPrefix = "aws.partner/stripe.com"
)

// Detail-types. Each has a Go type below and a JSON Schema in schemas/.
const (
	TypeCheckoutCompleted    = "Checkout Completed"
	TypeSubscriptionChanged  = "Subscription Changed"
	TypeInvoicePaid          = "Invoice Paid"
	TypeInvoicePaymentFailed = "Invoice Payment Failed"
	TypeLicenseIssued        = "License Issued"
	TypeCompanySignup        = "Company Signup Requested"
	TypeUserAddRequested     = "User Add Requested"
	TypeSessionRequested     = "Session Requested"
	TypeCompanyCreated       = "Company Created"
	TypeUserAdded            = "User Added"
	TypeSessionStarted       = "Session Started"
	TypeLicenseDelivered     = "License Delivered"
	TypeUserDisableRequested = "User Disable Requested"
	TypeUserDisabled         = "User Disabled"
)

// Detail is implemented by every typed event detail.
type Detail interface {
	// DetailType is the envelope's detail-type.
	DetailType() string
	// Source is the envelope's source.
	Source() string
}

// Provider identifies one payment-provider event; it makes payment events
// idempotent (ID) and orderable (Created, the provider's event time).
type Provider struct {
	EventID string    `json:"event_id"`
	Created time.Time `json:"created"`
	// Livemode mirrors the provider's flag; test-mode events are processed
	// too but say so.
	Livemode bool `json:"livemode"`
}

// CheckoutCompleted: a customer finished checkout for a company.
type CheckoutCompleted struct {
	Provider       Provider `json:"provider"`
	CompanyID      string   `json:"company_id"`
	CustomerID     string   `json:"customer_id"`
	SubscriptionID string   `json:"subscription_id"`
	// PriceLookupKey names the plan in the plan catalogue; it may be empty
	// when the session does not carry line items, in which case a
	// Subscription Changed event supplies it.
	PriceLookupKey string `json:"price_lookup_key,omitempty"`
}

func (CheckoutCompleted) DetailType() string { return TypeCheckoutCompleted }
func (CheckoutCompleted) Source() string     { return SourceWebhook }

// SubscriptionChanged: a subscription was created, updated or deleted.
type SubscriptionChanged struct {
	Provider       Provider `json:"provider"`
	CompanyID      string   `json:"company_id,omitempty"`
	CustomerID     string   `json:"customer_id"`
	SubscriptionID string   `json:"subscription_id"`
	// Status is the provider's status: trialing, active, past_due,
	// canceled, unpaid, incomplete, incomplete_expired, paused.
	Status           string    `json:"status"`
	PriceLookupKey   string    `json:"price_lookup_key,omitempty"`
	Quantity         int64     `json:"quantity,omitempty"`
	CurrentPeriodEnd time.Time `json:"current_period_end,omitzero"`
	Deleted          bool      `json:"deleted,omitempty"`
}

func (SubscriptionChanged) DetailType() string { return TypeSubscriptionChanged }
func (SubscriptionChanged) Source() string     { return SourceWebhook }

// InvoicePaid: an invoice of a subscription was paid.
type InvoicePaid struct {
	Provider       Provider  `json:"provider"`
	CompanyID      string    `json:"company_id,omitempty"`
	CustomerID     string    `json:"customer_id"`
	SubscriptionID string    `json:"subscription_id"`
	InvoiceID      string    `json:"invoice_id"`
	PeriodEnd      time.Time `json:"period_end,omitzero"`
}

func (InvoicePaid) DetailType() string { return TypeInvoicePaid }
func (InvoicePaid) Source() string     { return SourceWebhook }

// InvoicePaymentFailed: collecting an invoice failed.
type InvoicePaymentFailed struct {
	Provider       Provider `json:"provider"`
	CompanyID      string   `json:"company_id,omitempty"`
	CustomerID     string   `json:"customer_id"`
	SubscriptionID string   `json:"subscription_id"`
	InvoiceID      string   `json:"invoice_id"`
	AttemptCount   int64    `json:"attempt_count,omitempty"`
}

func (InvoicePaymentFailed) DetailType() string { return TypeInvoicePaymentFailed }
func (InvoicePaymentFailed) Source() string     { return SourceWebhook }

// LicenseIssued: the payment stage signed a new license file for a company.
type LicenseIssued struct {
	CompanyID string    `json:"company_id"`
	Serial    int64     `json:"serial"`
	Plan      string    `json:"plan"`
	Status    string    `json:"status"`
	ExpiresAt time.Time `json:"expires_at"`
	// License is the armoured, signed license file.
	License string `json:"license"`
}

func (LicenseIssued) DetailType() string { return TypeLicenseIssued }
func (LicenseIssued) Source() string     { return SourcePayment }

// CompanySignupRequested: the signup edge accepted a new company with its
// admin user. IDs are assigned by the edge.
type CompanySignupRequested struct {
	CompanyID   string    `json:"company_id"`
	CompanyName string    `json:"company_name"`
	AdminUserID string    `json:"admin_user_id"`
	AdminEmail  string    `json:"admin_email"`
	AdminName   string    `json:"admin_name"`
	RequestedAt time.Time `json:"requested_at"`
}

func (CompanySignupRequested) DetailType() string { return TypeCompanySignup }
func (CompanySignupRequested) Source() string     { return SourceSignup }

// UserAddRequested: an admin of CompanyID asked to add a user.
type UserAddRequested struct {
	CompanyID   string    `json:"company_id"`
	UserID      string    `json:"user_id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        string    `json:"role"` // "member" or "admin"
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
}

func (UserAddRequested) DetailType() string { return TypeUserAddRequested }
func (UserAddRequested) Source() string     { return SourceSignup }

// SessionRequested: a user logged in; the edge assigned an app server.
type SessionRequested struct {
	SessionID   string    `json:"session_id"`
	CompanyID   string    `json:"company_id"`
	UserID      string    `json:"user_id"`
	AppServer   string    `json:"app_server"` // host:port, internal address
	RequestedAt time.Time `json:"requested_at"`
}

func (SessionRequested) DetailType() string { return TypeSessionRequested }
func (SessionRequested) Source() string     { return SourceSignup }

// CompanyCreated: the user-signup stage stored a new company and its admin.
type CompanyCreated struct {
	CompanyID   string    `json:"company_id"`
	Name        string    `json:"name"`
	AdminUserID string    `json:"admin_user_id"`
	CreatedAt   time.Time `json:"created_at"`
}

func (CompanyCreated) DetailType() string { return TypeCompanyCreated }
func (CompanyCreated) Source() string     { return SourceAccounts }

// UserAdded: the user-signup stage stored a user of a company.
type UserAdded struct {
	CompanyID string    `json:"company_id"`
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

func (UserAdded) DetailType() string { return TypeUserAdded }
func (UserAdded) Source() string     { return SourceAccounts }

// SessionStarted: the user-signup stage recorded a session on an app server;
// the license-push stage makes sure that server holds the company's license.
type SessionStarted struct {
	SessionID string    `json:"session_id"`
	CompanyID string    `json:"company_id"`
	UserID    string    `json:"user_id"`
	AppServer string    `json:"app_server"`
	StartedAt time.Time `json:"started_at"`
}

func (SessionStarted) DetailType() string { return TypeSessionStarted }
func (SessionStarted) Source() string     { return SourceAccounts }

// LicenseDelivered: the license-push stage made an application server hold
// license Serial of a company; the server verified its signature and
// accepted it. It is announced again whenever the stage finds the server
// already holds it, so a consumer keeps the highest serial per server.
type LicenseDelivered struct {
	CompanyID   string    `json:"company_id"`
	AppServer   string    `json:"app_server"`
	Serial      int64     `json:"serial"`
	DeliveredAt time.Time `json:"delivered_at"`
}

func (LicenseDelivered) DetailType() string { return TypeLicenseDelivered }
func (LicenseDelivered) Source() string     { return SourceLicensePush }

// UserDisableRequested: an admin of CompanyID disabled a user at the
// signup edge, which ended the user's sessions and tokens at once.
type UserDisableRequested struct {
	CompanyID   string    `json:"company_id"`
	UserID      string    `json:"user_id"`
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
}

func (UserDisableRequested) DetailType() string { return TypeUserDisableRequested }
func (UserDisableRequested) Source() string     { return SourceSignup }

// UserDisabled: the user-signup stage recorded that a user is disabled.
type UserDisabled struct {
	CompanyID  string    `json:"company_id"`
	UserID     string    `json:"user_id"`
	DisabledAt time.Time `json:"disabled_at"`
}

func (UserDisabled) DetailType() string { return TypeUserDisabled }
func (UserDisabled) Source() string     { return SourceAccounts }
