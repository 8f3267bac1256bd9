package events

import "slices"

// Roles of a user in its company: UserAddRequested.Role and UserAdded.Role.
// The signup edge grants them in tokens and the user-signup stage stores
// them.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// ValidRole reports whether s is one of the roles.
func ValidRole(s string) bool { return s == RoleAdmin || s == RoleMember }

// Subscription statuses of the payment provider, as SubscriptionChanged.Status
// carries them. The payment stage maps them to the status a license grants
// (package license).
const (
	SubscriptionTrialing          = "trialing"
	SubscriptionActive            = "active"
	SubscriptionPastDue           = "past_due"
	SubscriptionCanceled          = "canceled"
	SubscriptionUnpaid            = "unpaid"
	SubscriptionIncomplete        = "incomplete"
	SubscriptionIncompleteExpired = "incomplete_expired"
	SubscriptionPaused            = "paused"
)

// subscriptionStatuses lists every provider status, in the schema's order.
var subscriptionStatuses = []string{SubscriptionTrialing, SubscriptionActive, SubscriptionPastDue,
	SubscriptionCanceled, SubscriptionUnpaid, SubscriptionIncomplete, SubscriptionIncompleteExpired, SubscriptionPaused}

// ValidSubscriptionStatus reports whether s is a provider subscription
// status.
func ValidSubscriptionStatus(s string) bool { return slices.Contains(subscriptionStatuses, s) }
