package console

import (
	"cmp"
	"context"
	"sort"
	"strings"
	"time"

	"github.com/licenseflow/licenseflow/events"
)

// Step kinds of a path.
const (
	stepAccepted  = "accepted"  // an edge published the event
	stepHandled   = "handled"   // a stage handled it
	stepFailed    = "failed"    // a stage failed on it (it will be retried, or dead-lettered)
	stepIssued    = "issued"    // the payment stage issued a license
	stepPublished = "published" // a stage published a follow-up event
	stepDelivered = "delivered" // the license-push stage delivered
	stepStopped   = "stopped"   // dead-lettered
	stepWaiting   = "waiting"   // in a queue, not handled yet
)

// flow is the path of one correlation id: the hops of the events it
// caused, in time order, and where it stopped if it did.
type flow struct {
	CorrelationID string
	CompanyID     string
	Steps         []step
	// Stopped is set when an event of the flow sits in a dead-letter queue.
	Stopped *step
	// Delivered is set once the license-push stage delivered for it;
	// Waiting while an event of it is in a stage's queue; Failing when a
	// stage's last try of one of its events failed; Handled when a stage
	// handled one.
	Delivered, Waiting, Failing, Handled bool
}

// step is one hop of a flow.
type step struct {
	At      time.Time
	Kind    string
	Text    string
	Detail  string
	EventID string
}

// Status says in a word where the flow is.
func (f flow) Status() string {
	switch {
	case f.Stopped != nil:
		return "stopped"
	case f.Waiting:
		return "waiting"
	case f.Failing:
		return "retrying"
	case f.Delivered:
		return "delivered"
	case f.Handled:
		return "handled"
	}
	return "published"
}

// pathQuery is what the path page looks up.
type pathQuery struct {
	Event, Company string
}

// maxFlows bounds the flows a company's path shows.
const maxFlows = 10

// paths builds the flows of an event id (its correlation id's) or a
// company (its latest flows).
func (c *Console) paths(ctx context.Context, q pathQuery) (flows []flow, found bool) {
	var ids []string
	switch {
	case q.Event != "":
		corr, company, ok := c.journal.find(q.Event)
		if !ok {
			return nil, false
		}
		if corr == "" {
			return []flow{c.flowOf(ctx, "", company, q.Event)}, true
		}
		ids = []string{corr}
	case q.Company != "":
		ids = c.journal.correlations(q.Company)
	}
	if len(ids) > maxFlows {
		ids = ids[:maxFlows]
	}
	for _, id := range ids {
		flows = append(flows, c.flowOf(ctx, id, q.Company, ""))
	}
	return flows, len(flows) > 0
}

// flowOf assembles one flow from the journal (bus events and stage hops)
// and from the queues: an event of the flow still in a queue is waiting,
// one in a dead-letter queue stopped it.
func (c *Console) flowOf(ctx context.Context, correlation, company, eventID string) flow {
	f := flow{CorrelationID: correlation, CompanyID: company}
	evs, hops := c.journal.flow(correlation)
	ids := map[string]bool{}
	if eventID != "" {
		ids[eventID] = true
	}
	for _, e := range evs {
		ids[e.ID] = true
		if f.CompanyID == "" {
			f.CompanyID = e.CompanyID
		}
		f.Steps = append(f.Steps, eventStep(e))
	}
	lastTry := map[string]string{} // event id -> kind of its latest hop
	for _, h := range hops {
		if f.CompanyID == "" {
			f.CompanyID = h.CompanyID
		}
		s := c.hopStep(h)
		lastTry[h.EventID] = s.Kind
		f.Delivered = f.Delivered || s.Kind == stepDelivered
		f.Handled = true
		f.Steps = append(f.Steps, s)
	}
	for _, k := range lastTry {
		f.Failing = f.Failing || k == stepFailed
	}
	sort.SliceStable(f.Steps, func(a, b int) bool { return f.Steps[a].At.Before(f.Steps[b].At) })
	// Where its events are now comes last, whenever they were sent.
	for _, s := range c.whereNow(ctx, ids) {
		if s.Kind == stepStopped && f.Stopped == nil {
			f.Stopped = &s
		}
		f.Waiting = f.Waiting || s.Kind == stepWaiting
		f.Steps = append(f.Steps, s)
	}
	return f
}

// eventStep is the step a bus event stands for: an edge accepted it, or a
// stage published it (a license issued, most notably).
func eventStep(e BusEvent) step {
	s := step{At: e.Seen, Kind: stepPublished, EventID: e.ID, Text: sourceName(e.Source) + " published " + e.DetailType}
	switch {
	case e.Source == events.SourceWebhook || strings.HasPrefix(e.Source, events.SourceStripePartnerPrefix):
		s.Kind, s.Text = stepAccepted, "webhook accepted: "+e.DetailType
	case e.Source == events.SourceSignup:
		s.Kind, s.Text = stepAccepted, "signup edge accepted: "+e.DetailType
	case e.DetailType == events.TypeLicenseIssued:
		s.Kind, s.Text = stepIssued, "license issued"
		var d struct {
			Serial int64  `json:"serial"`
			Plan   string `json:"plan"`
		}
		if jsonInto(e.Detail, &d) && d.Serial > 0 {
			s.Text = "license #" + itoa(d.Serial) + " issued (" + d.Plan + ")"
		}
	}
	var to []string
	for _, r := range e.Rules {
		for _, t := range r.Targets {
			to = append(to, t.Queue+outcomeSuffix(t.Outcome))
		}
	}
	if len(to) > 0 {
		s.Detail = "routed to " + strings.Join(to, ", ")
	} else if e.MatchError == "" {
		s.Detail = "matched no rule"
	}
	return s
}

func outcomeSuffix(o string) string {
	if o == "" || o == "DELIVERED" {
		return ""
	}
	return " (" + strings.ToLower(strings.ReplaceAll(o, "_", " ")) + ")"
}

// hopStep is a stage's handling of an event.
func (c *Console) hopStep(h Hop) step {
	title := h.Stage + " stage"
	for _, st := range c.cfg.Stages {
		if st.Name == h.Stage {
			title = st.Title
		}
	}
	s := step{At: h.At, Kind: stepHandled, EventID: h.EventID, Text: title + " handled " + h.DetailType}
	switch {
	case h.Err != "":
		s.Kind, s.Text, s.Detail = stepFailed, title+" failed on "+h.DetailType, h.Err
	case h.Stage == "licensepush":
		s.Kind, s.Text = stepDelivered, title+" handled "+h.DetailType+": the license is on the company's app servers"
	}
	return s
}

// sourceName is who publishes with an event source.
func sourceName(source string) string {
	switch source {
	case events.SourcePayment:
		return "payment stage"
	case events.SourceAccounts:
		return "user-signup stage"
	}
	return source
}

// whereNow finds the events ids names in the pipeline's queues: in a
// dead-letter queue (the flow stopped there, with the reason) or, where the
// endpoint shows in-flight messages (localaws), waiting in a stage's queue.
func (c *Console) whereNow(ctx context.Context, ids map[string]bool) []step {
	if len(ids) == 0 {
		return nil
	}
	var names []string
	for _, s := range c.cfg.Stages {
		names = append(names, s.Queue)
	}
	qs := c.queuesNamed(ctx, names, false)
	for _, q := range qs {
		if q.DLQ != "" {
			names = append(names, q.DLQ)
		}
	}
	rules, _ := c.topo.rules(ctx)
	for _, r := range rules {
		for _, t := range r.Targets {
			if t.DLQ != "" {
				names = append(names, queueName(t.DLQ))
			}
		}
	}
	var out []step
	seen := map[string]bool{}
	all := c.queuesNamed(ctx, names, false)
	for _, name := range names { // in order: the stages' queues, their DLQs, the rules'
		q, ok := all[name]
		if !ok || seen[q.Name] || q.Missing || q.Err != "" || q.Total() == 0 {
			continue
		}
		seen[q.Name] = true
		isDLQ := q.IsDLQ || q.DLQ == ""
		if !isDLQ && !c.hasLocalPeek() {
			continue // only localaws shows a live queue's messages without receiving them
		}
		msgs, _, err := c.peek(ctx, q, 100)
		if err != nil {
			continue
		}
		for _, m := range msgs {
			if m.Event == nil || !ids[m.Event.ID] {
				continue
			}
			s := step{At: m.SentAt, EventID: m.Event.ID}
			if isDLQ {
				s.Kind, s.Text = stepStopped, "dead-lettered in "+q.Name+": "+m.Event.DetailType
				s.Detail = reasonText(m.Reason)
			} else {
				s.Kind, s.Text = stepWaiting, "waiting in "+q.Name+" ("+cmp.Or(m.State, "visible")+", received "+itoa(int64(m.ReceiveCount))+" times)"
			}
			out = append(out, s)
		}
	}
	return out
}

// reasonText joins a dead letter's reason attributes.
func reasonText(r map[string]string) string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " = " + r[k]
	}
	return strings.Join(parts, "; ")
}
