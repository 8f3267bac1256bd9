package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// ErrUnknownType is wrapped by errors about a detail-type that has no Go
// type and no schema. Decode marks it Permanent: retrying cannot help.
var ErrUnknownType = errors.New("unknown detail-type")

// DetailTypes lists every registered detail-type (the registry: each has a
// Go type in this package and a schema in package schemas), in a fixed order.
func DetailTypes() []string {
	return []string{
		TypeCheckoutCompleted, TypeSubscriptionChanged, TypeInvoicePaid, TypeInvoicePaymentFailed,
		TypeLicenseIssued, TypeCompanySignup, TypeUserAddRequested, TypeSessionRequested,
		TypeCompanyCreated, TypeUserAdded, TypeSessionStarted, TypeLicenseDelivered,
		TypeUserDisableRequested, TypeUserDisabled,
	}
}

// NewDetail returns a pointer to a zero value of detailType's Go type
// (for example *CheckoutCompleted), or an error wrapping ErrUnknownType.
func NewDetail(detailType string) (Detail, error) {
	switch detailType {
	case TypeCheckoutCompleted:
		return new(CheckoutCompleted), nil
	case TypeSubscriptionChanged:
		return new(SubscriptionChanged), nil
	case TypeInvoicePaid:
		return new(InvoicePaid), nil
	case TypeInvoicePaymentFailed:
		return new(InvoicePaymentFailed), nil
	case TypeLicenseIssued:
		return new(LicenseIssued), nil
	case TypeCompanySignup:
		return new(CompanySignupRequested), nil
	case TypeUserAddRequested:
		return new(UserAddRequested), nil
	case TypeSessionRequested:
		return new(SessionRequested), nil
	case TypeCompanyCreated:
		return new(CompanyCreated), nil
	case TypeUserAdded:
		return new(UserAdded), nil
	case TypeSessionStarted:
		return new(SessionStarted), nil
	case TypeLicenseDelivered:
		return new(LicenseDelivered), nil
	case TypeUserDisableRequested:
		return new(UserDisableRequested), nil
	case TypeUserDisabled:
		return new(UserDisabled), nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownType, detailType)
}

// Known reports whether detailType is registered.
func Known(detailType string) bool {
	_, err := NewDetail(detailType)
	return err == nil
}

// UnmarshalDetail decodes raw into detailType's Go type, without checking
// its schema, and returns the value (not a pointer), so that callers
// type-switch on CheckoutCompleted etc. An unknown detailType wraps
// ErrUnknownType.
func UnmarshalDetail(detailType string, raw []byte) (Detail, error) {
	p, err := NewDetail(detailType)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, p); err != nil {
		return nil, fmt.Errorf("decoding %q detail: %w", detailType, err)
	}
	return reflect.ValueOf(p).Elem().Interface().(Detail), nil
}
