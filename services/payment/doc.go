// Package payment is the payment stage: it keeps each subscription's level
// and status from payment events (the webhook edge's details, or Stripe
// partner events straight from EventBridge) and issues a new signed license
// file whenever what a company is entitled to changes.
//
// # Delivery guarantees
//
// Events arrive at least once and in any order. Handle processes each
// provider event in one database transaction that (1) records the provider
// event id (a second delivery changes nothing), (2) applies the event to
// the subscription, where an older event never overwrites the status of a
// newer one (see Apply), and (3) when the entitlement changed, signs the
// next license (serial = previous + 1) and stores it with published = 0:
// the license table is the outbox. After commit, Handle publishes the
// licenses its event caused (on a redelivery, those of its first handling
// still unpublished) and marks them published; Run publishes whatever else
// is left in the outbox periodically. Handlers running side by side thus
// publish their own licenses side by side, never each other's.
//
// A crash at any point neither loses nor double-issues a license:
//   - before commit: nothing is stored; the redelivered event runs again;
//   - after commit, before publishing: the license is stored once; the
//     redelivery (a duplicate now, so no new serial) or Run publishes it;
//   - after publishing, before marking: the same License Issued (same
//     serial, same bytes) is published again; consumers keep the highest
//     serial, so this is harmless.
//
// # Replayed events
//
// An event an archive replay sent again carries "replay-name" and its
// original ids, so the provider event id is known and the duplicate path
// would drop it. Instead Handle re-derives it: the event is applied again
// with Reapply (the newest event of its kind decides again what it
// decided, so a corrected meaning takes effect; older events change
// nothing), and the company's entitlement is computed again from the
// plans in force. A license is issued only if that entitlement differs
// from the last license's, so an unchanged event issues nothing and a
// replay after a fix (of the catalogue, of the mapping) issues exactly
// the license the fix calls for, once: a second delivery of the same
// replayed event finds the entitlement equal. An event the stage never
// applied (it was refused, say, for a plan the catalogue lacked) is
// applied as new.
//
// # Plans
//
// Licenses are issued from the owner's plan catalogue (Config.Plans, see
// package plans). The store keeps one generation per catalogue a stage
// started with; every license comes from the newest, read in its issuing
// transaction. A stage whose catalogue differs from the newest adds a
// generation when it starts, and the companies with a subscription to a
// changed lookup key are then reconsidered one by one (Reconcile, driven
// by Run, or by Handle where Run does not run): each gets a license with
// the next serial, through the outbox, only if its entitlement changed and
// its license still grants use. See plans.go for why stages starting at
// once, or killed halfway, issue nothing twice.
//
// Handle returns an error wrapped by events.Permanent when retrying cannot
// help (undecodable event, unknown plan, a subscription claimed by two
// companies): the event goes to the dead-letter queue. An event for a
// subscription whose company is not known yet (an invoice before the
// checkout) is stored and licensed once a later event names the company.
package payment
