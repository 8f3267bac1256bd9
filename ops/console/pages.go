package console

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/licenseflow/licenseflow/internal/webui"
	"github.com/licenseflow/licenseflow/ops/dlq"
)

// Routes, under Config.Path (P):
//
//	GET  P, P/                  the pipeline view; P/live/pipeline its live updates
//	GET  P/queues               every queue with its counts
//	GET  P/queues/{name}        a queue: counts, messages (peeked), DLQ actions
//	POST P/queues/{name}/dry-run   start a dry run of a DLQ's replay
//	POST P/queues/{name}/replay    confirm, then start a replay
//	POST P/queues/{name}/purge     purge a DLQ (the operator types its name)
//	GET  P/jobs/{id}            a dry run's or replay's progress; P/jobs/{id}/live its updates
//	GET  P/events               the live tail; P/events/live its new events
//	GET  P/path                 an event's path, by event id or company id
//	GET  P/login, POST P/login, POST P/logout   with a token
func (c *Console) routes() http.Handler {
	p := c.cfg.Path
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+p, c.pipelinePage)
	mux.HandleFunc("GET "+p+"/{$}", c.pipelinePage)
	mux.HandleFunc("GET "+p+"/live/pipeline", c.pipelineLive)
	mux.HandleFunc("GET "+p+"/queues", c.queuesPage)
	mux.HandleFunc("GET "+p+"/queues/{name}", c.queuePage)
	mux.HandleFunc("POST "+p+"/queues/{name}/dry-run", c.dryRun)
	mux.HandleFunc("POST "+p+"/queues/{name}/replay", c.replay)
	mux.HandleFunc("POST "+p+"/queues/{name}/purge", c.purge)
	mux.HandleFunc("GET "+p+"/jobs/{id}", c.jobPage)
	mux.HandleFunc("GET "+p+"/jobs/{id}/live", c.jobLive)
	mux.HandleFunc("GET "+p+"/events", c.eventsPage)
	mux.HandleFunc("GET "+p+"/events/live", c.eventsLive)
	mux.HandleFunc("GET "+p+"/path", c.pathPage)
	mux.HandleFunc("GET "+p+"/login", c.loginPage)
	mux.HandleFunc("POST "+p+"/login", c.loginPost)
	mux.HandleFunc("POST "+p+"/logout", c.logoutPost)
	mux.HandleFunc(p+"/", func(w http.ResponseWriter, r *http.Request) {
		c.site.Error(w, r, http.StatusNotFound, "There is no such page in the console.")
	})
	return mux
}

// liveEvery paces the pipeline view's live updates, jobPace a job's.
const (
	liveEvery = 2 * time.Second
	jobPace   = 250 * time.Millisecond
)

// stageView is one column of the pipeline picture.
type stageView struct {
	Stage
	Queue, DLQ queueInfo
	Rates      stageRates
}

// edgeView is one edge of the picture, with its request rate.
type edgeView struct {
	Name, From string
	Rates      stageRates
}

type pipelineData struct {
	Endpoint, Mode, Bus string
	// SignOut shows the sign-out button (the console has a token).
	SignOut      bool
	Stages       []stageView
	DeliveryDLQs []queueInfo
	Edges        []edgeView
	HasMetrics   bool
	MetricsErr   string
	Rules        int
	RulesErr     string
	At           time.Time
}

func (c *Console) pipelineData(ctx context.Context, oldest bool) pipelineData {
	d := pipelineData{Endpoint: c.endpoint(), Mode: c.mode(), Bus: c.cfg.Bus, At: time.Now(), HasMetrics: len(c.cfg.Metrics) > 0,
		SignOut: c.cfg.Token != ""}
	var names []string
	for _, s := range c.cfg.Stages {
		names = append(names, s.Queue)
	}
	rules, err := c.topo.rules(ctx)
	if err != nil {
		d.RulesErr = err.Error()
	}
	d.Rules = len(rules)
	var targetDLQs []string
	for _, r := range rules {
		for _, t := range r.Targets {
			if t.DLQ != "" && !slices.Contains(targetDLQs, queueName(t.DLQ)) {
				targetDLQs = append(targetDLQs, queueName(t.DLQ))
			}
		}
	}
	qs := c.queuesNamed(ctx, names, false)
	var dlqs []string
	for _, s := range c.cfg.Stages {
		if q := qs[s.Queue]; q.DLQ != "" {
			dlqs = append(dlqs, q.DLQ)
		}
	}
	more := c.queuesNamed(ctx, append(dlqs, targetDLQs...), oldest)
	rates, rerr := c.rates.get(time.Now())
	if rerr != nil {
		d.MetricsErr = rerr.Error()
	}
	for _, s := range c.cfg.Stages {
		q := qs[s.Queue]
		v := stageView{Stage: s, Queue: q, Rates: rates[s.Name]}
		if q.DLQ != "" {
			v.DLQ = more[q.DLQ]
			v.DLQ.IsDLQ = true
		}
		d.Stages = append(d.Stages, v)
	}
	for _, n := range targetDLQs {
		q := more[n]
		q.IsDLQ = true
		d.DeliveryDLQs = append(d.DeliveryDLQs, q)
	}
	d.Edges = []edgeView{{Name: "webhook edge", From: "payment provider", Rates: rates["route:webhook"]},
		{Name: "signup edge", From: "signup/admin UI", Rates: sumRates(rates, "route:signup", "route:users", "route:sessions")}}
	return d
}

func sumRates(m map[string]stageRates, keys ...string) stageRates {
	var out stageRates
	for _, k := range keys {
		r := m[k]
		out.Known = out.Known || r.Known
		out.RequestsBySecond += r.RequestsBySecond
		out.HandledTotal += r.HandledTotal
	}
	return out
}

// endpoint names what the console looks at, without any credential.
func (c *Console) endpoint() string {
	e := cmp.Or(c.cfg.SQSEndpoint, c.cfg.EventsEndpoint)
	if e == "" {
		return "AWS (the SDK's configured region and credentials)"
	}
	if u, err := url.Parse(e); err == nil {
		u.User = nil
		e = u.String()
	}
	if c.cfg.EventsEndpoint != "" && c.cfg.EventsEndpoint != c.cfg.SQSEndpoint {
		ev := c.cfg.EventsEndpoint
		if u, err := url.Parse(ev); err == nil {
			u.User = nil
			ev = u.String()
		}
		return "SQS " + e + ", EventBridge " + ev
	}
	return e
}

func (c *Console) mode() string {
	if c.hasLocalPeek() {
		return "localaws: peeks change nothing and see in-flight and delayed messages"
	}
	return "peeks receive and release (raising receive counts); oldest ages are sampled for DLQs only"
}

func (c *Console) pipelinePage(w http.ResponseWriter, r *http.Request) {
	c.site.Render(w, r, http.StatusOK, "pipeline", webui.View{Title: "Pipeline", Data: c.pipelineData(r.Context(), true), Refresh: 5})
}

// pipelineLive sends the pipeline board every liveEvery until the browser
// goes away.
func (c *Console) pipelineLive(w http.ResponseWriter, r *http.Request) {
	c.stream(w, r, func(ctx context.Context, es *webui.EventStream) error {
		t := time.NewTicker(liveEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			if err := c.sendFragment(es, r, "pipeline", "board", c.pipelineData(ctx, false), "replace"); err != nil {
				return err
			}
		}
	})
}

// stream runs an event stream until f returns or the console closes.
func (c *Console) stream(w http.ResponseWriter, r *http.Request, f func(ctx context.Context, es *webui.EventStream) error) {
	es, err := webui.NewEventStream(w, r)
	if err != nil {
		c.site.Error(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(c.ctx, cancel)
	defer stop()
	_ = f(ctx, es) // a failed write means the browser went away
}

func (c *Console) sendFragment(es *webui.EventStream, r *http.Request, page, block string, data any, event string) error {
	var b strings.Builder
	if err := c.site.Fragment(&b, r, page, block, webui.View{Data: data}); err != nil {
		return err
	}
	return es.Send(event, b.String())
}

func (c *Console) queuesPage(w http.ResponseWriter, r *http.Request) {
	qs, err := c.allQueues(r.Context())
	if err != nil {
		c.site.Error(w, r, http.StatusBadGateway, err.Error())
		return
	}
	c.site.Render(w, r, http.StatusOK, "queues", webui.View{Title: "Queues", Data: struct {
		Queues   []queueInfo
		Endpoint string
	}{qs, c.endpoint()}})
}

// queueData is a queue page.
type queueData struct {
	Queue queueInfo
	// Messages are the peeked messages; How says how they were peeked.
	Messages []message
	How      string
	PeekErr  string
	// Peeked is false on a live queue elsewhere than localaws until the
	// operator asks (the peek raises receive counts there).
	Peeked bool
	Max    int
	Jobs   []jobView
	// Form is what the replay and purge forms show (after a refusal, what
	// the operator typed).
	Form replayForm
	// PurgeError says why a purge was refused.
	PurgeError string
}

// queue finds the named queue, or answers 404.
func (c *Console) queue(w http.ResponseWriter, r *http.Request) (queueInfo, bool) {
	name := r.PathValue("name")
	qs := c.queuesNamed(r.Context(), []string{name}, false)
	q, ok := qs[name]
	if !ok || q.Missing {
		c.site.Error(w, r, http.StatusNotFound, "There is no queue named "+name+".")
		return q, false
	}
	if q.Err != "" {
		c.site.Error(w, r, http.StatusBadGateway, q.Err)
		return q, false
	}
	if !q.IsDLQ { // describe knew only the rules' DLQs: ask SQS for its sources
		c.redriveSources(r.Context(), &q)
	}
	return q, true
}

func (c *Console) queuePage(w http.ResponseWriter, r *http.Request) {
	q, ok := c.queue(w, r)
	if !ok {
		return
	}
	c.renderQueue(w, r, http.StatusOK, q, replayForm{}, "")
}

func (c *Console) renderQueue(w http.ResponseWriter, r *http.Request, status int, q queueInfo, form replayForm, purgeErr string) {
	d := queueData{Queue: q, Max: 50, Jobs: c.jobs.ofQueue(q.Name), Form: form, PurgeError: purgeErr}
	if n, err := strconv.Atoi(r.URL.Query().Get("max")); err == nil && n > 0 {
		d.Max = min(n, 1000)
	}
	d.Peeked = c.hasLocalPeek() || q.IsDLQ || r.URL.Query().Get("peek") == "1"
	if !c.hasLocalPeek() {
		d.Max = min(d.Max, 100)
	}
	if d.Peeked && q.Total() > 0 {
		msgs, how, err := c.peek(r.Context(), q, d.Max)
		d.Messages, d.How = msgs, how
		if err != nil {
			d.PeekErr = err.Error()
		}
	}
	c.site.Render(w, r, status, "queue", webui.View{Title: q.Name, Data: d})
}

// replayForm is the dry-run and replay form: the `dlq replay` options.
type replayForm struct {
	DetailType, Source, Attribute, To string
	Max                               string
	Rate                              string
	Error                             string
}

// options reads the form into replay options for queue.
func (f replayForm) options(queue string) (dlq.ReplayOptions, error) {
	o := dlq.ReplayOptions{Queue: queue, To: strings.TrimSpace(f.To)}
	if v := strings.TrimSpace(f.DetailType); v != "" {
		o.Filters = append(o.Filters, dlq.Filter{Key: "detail-type", Value: v})
	}
	if v := strings.TrimSpace(f.Source); v != "" {
		o.Filters = append(o.Filters, dlq.Filter{Key: "source", Value: v})
	}
	if v := strings.TrimSpace(f.Attribute); v != "" {
		flt, err := dlq.ParseFilter(v)
		if err != nil {
			return o, err
		}
		o.Filters = append(o.Filters, flt)
	}
	var errs []error
	if v := strings.TrimSpace(f.Max); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, errors.New("max must be a whole number, 0 or more"))
		}
		o.Max = n
	}
	if v := strings.TrimSpace(f.Rate); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 {
			errs = append(errs, errors.New("rate must be a number of messages a second, 0 or more"))
		}
		o.Rate = n
	}
	return o, errors.Join(append(errs, o.Validate())...)
}

func readReplayForm(r *http.Request) replayForm {
	return replayForm{DetailType: r.PostFormValue("detail_type"), Source: r.PostFormValue("source"),
		Attribute: r.PostFormValue("attribute"), To: r.PostFormValue("to"), Max: r.PostFormValue("max"), Rate: r.PostFormValue("rate")}
}

// dlqFor finds the named queue and checks it is a dead-letter queue: the
// console replays and purges only those.
func (c *Console) dlqFor(w http.ResponseWriter, r *http.Request) (queueInfo, bool) {
	q, ok := c.queue(w, r)
	if ok && !q.IsDLQ {
		c.site.Error(w, r, http.StatusBadRequest, q.Name+" is not a dead-letter queue: the console replays and purges only those.")
		return q, false
	}
	return q, ok
}

// replayRequest reads a dry-run or replay form posted for a DLQ; when the
// queue is none or the form is wrong it answers, and ok is false.
func (c *Console) replayRequest(w http.ResponseWriter, r *http.Request) (q queueInfo, form replayForm, opts dlq.ReplayOptions, ok bool) {
	if q, ok = c.dlqFor(w, r); !ok {
		return q, form, opts, false
	}
	form = readReplayForm(r)
	opts, err := form.options(q.URL)
	if err != nil {
		form.Error = err.Error()
		c.renderQueue(w, r, http.StatusBadRequest, q, form, "")
		return q, form, opts, false
	}
	return q, form, opts, true
}

func (c *Console) dryRun(w http.ResponseWriter, r *http.Request) {
	q, _, opts, ok := c.replayRequest(w, r)
	if !ok {
		return
	}
	preview, _, _ := c.peek(r.Context(), q, 100)
	var views []dlq.Message
	for _, m := range preview {
		views = append(views, m.Message)
	}
	c.startJob(w, r, q, jobDryRun, opts, views)
}

func (c *Console) startJob(w http.ResponseWriter, r *http.Request, q queueInfo, kind string, opts dlq.ReplayOptions, preview []dlq.Message) {
	j, err := c.jobs.start(kind, opts, preview)
	if errors.Is(err, errBusy) {
		c.site.SetFlash(w, webui.FlashError, err.Error()+": wait for it to finish.")
		webui.Redirect(w, r, c.cfg.Path+"/jobs/"+j.ID)
		return
	}
	if err != nil {
		c.site.Error(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	webui.Redirect(w, r, c.cfg.Path+"/jobs/"+j.ID)
}

// confirmData is the replay confirmation page.
type confirmData struct {
	Queue   queueInfo
	Form    replayForm
	Opts    dlq.ReplayOptions
	Planned int64
}

// replay asks for confirmation first (a page with the options and a
// Confirm button), then starts the replay.
func (c *Console) replay(w http.ResponseWriter, r *http.Request) {
	q, form, opts, ok := c.replayRequest(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		planned := q.Visible
		if opts.Max > 0 {
			planned = min(planned, int64(opts.Max))
		}
		c.site.Render(w, r, http.StatusOK, "confirm", webui.View{Title: "Replay " + q.Name + "?",
			Data: confirmData{Queue: q, Form: form, Opts: opts, Planned: planned}})
		return
	}
	c.startJob(w, r, q, jobReplay, opts, nil)
}

// purge deletes every message of a DLQ once the operator typed its name.
func (c *Console) purge(w http.ResponseWriter, r *http.Request) {
	q, ok := c.dlqFor(w, r)
	if !ok {
		return
	}
	if typed := r.PostFormValue("confirm_name"); typed != q.Name {
		c.renderQueue(w, r, http.StatusBadRequest, q, replayForm{},
			"The name you typed does not match "+q.Name+": nothing was purged.")
		return
	}
	if c.jobs.running(q.Name) {
		c.renderQueue(w, r, http.StatusConflict, q, replayForm{}, "A dry run or replay of this queue is running: nothing was purged.")
		return
	}
	sum, err := c.tool.Purge(r.Context(), q.URL, nil)
	if err != nil {
		c.renderQueue(w, r, http.StatusBadGateway, q, replayForm{}, "The purge failed: "+err.Error())
		return
	}
	c.site.SetFlash(w, webui.FlashOK, "Purged "+q.Name+": "+itoa(sum.Purged)+" messages deleted.")
	webui.Redirect(w, r, c.cfg.Path+"/queues/"+url.PathEscape(q.Name))
}

func (c *Console) job(w http.ResponseWriter, r *http.Request) (*job, bool) {
	j, ok := c.jobs.get(r.PathValue("id"))
	if !ok {
		c.site.Error(w, r, http.StatusNotFound, "No such dry run or replay (the console keeps the latest 50 while it runs).")
	}
	return j, ok
}

// jobData is a job page: the job and, after a dry run, the replay form
// with the same options.
type jobData struct {
	Job  jobView
	Form replayForm
}

func (c *Console) jobPage(w http.ResponseWriter, r *http.Request) {
	j, ok := c.job(w, r)
	if !ok {
		return
	}
	v, _ := j.view()
	refresh := 2
	if v.Done {
		refresh = 0
	}
	c.site.Render(w, r, http.StatusOK, "job", webui.View{Title: v.Kind + " of " + queueName(v.Queue), Refresh: refresh,
		Data: jobData{Job: v, Form: formOf(v.Opts)}})
}

// formOf fills the replay form with a job's options.
func formOf(o dlq.ReplayOptions) replayForm {
	f := replayForm{To: o.To}
	for _, flt := range o.Filters {
		switch flt.Key {
		case "detail-type":
			f.DetailType = flt.Value
		case "source":
			f.Source = flt.Value
		default:
			f.Attribute = flt.String()
		}
	}
	if o.Max > 0 {
		f.Max = strconv.Itoa(o.Max)
	}
	if o.Rate > 0 {
		f.Rate = strconv.FormatFloat(o.Rate, 'f', -1, 64)
	}
	return f
}

// jobLive sends the job's progress at every change until it is done.
func (c *Console) jobLive(w http.ResponseWriter, r *http.Request) {
	j, ok := c.job(w, r)
	if !ok {
		return
	}
	c.stream(w, r, func(ctx context.Context, es *webui.EventStream) error {
		for {
			v, changed := j.view()
			if err := c.sendFragment(es, r, "job", "progress", jobData{Job: v, Form: formOf(v.Opts)}, "replace"); err != nil {
				return err
			}
			if v.Done {
				return es.Send("done", "")
			}
			// At most a few updates a second, however fast messages move.
			pace := time.NewTimer(jobPace)
			select {
			case <-ctx.Done():
				pace.Stop()
				return nil
			case <-pace.C:
			}
			select {
			case <-ctx.Done():
				return nil
			case <-changed: // closed by any change since the view, the end included
			}
		}
	})
}

// eventsData is the live tail page.
type eventsData struct {
	Bus         string
	Filter      eventFilter
	Events      []BusEvent
	After       int64
	DetailTypes []string
	How         string
	Notes       []string
	LiveURL     string
}

// maxTail is how many events the tail shows.
const maxTail = 200

func (c *Console) eventFilter(r *http.Request) eventFilter {
	q := r.URL.Query()
	return eventFilter{DetailType: strings.TrimSpace(q.Get("detail-type")), Company: strings.TrimSpace(q.Get("company"))}
}

func (c *Console) eventsPage(w http.ResponseWriter, r *http.Request) {
	f := c.eventFilter(r)
	evs, seq, _ := c.journal.latest(f, 0, maxTail)
	live := url.Values{"after": {itoa(seq)}}
	if f.DetailType != "" {
		live.Set("detail-type", f.DetailType)
	}
	if f.Company != "" {
		live.Set("company", f.Company)
	}
	c.site.Render(w, r, http.StatusOK, "events", webui.View{Title: "Live events", Refresh: 5, Data: eventsData{
		Bus: c.cfg.Bus, Filter: f, Events: evs, After: seq, DetailTypes: c.journal.detailTypes(), How: c.tail.how(),
		Notes: c.journal.notesCopy(), LiveURL: c.cfg.Path + "/events/live?" + live.Encode()}})
}

// eventsLive sends the events the filter selects as they arrive, newest
// first.
func (c *Console) eventsLive(w http.ResponseWriter, r *http.Request) {
	f := c.eventFilter(r)
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	c.stream(w, r, func(ctx context.Context, es *webui.EventStream) error {
		for {
			evs, seq, changed := c.journal.latest(f, after, maxTail)
			after = seq
			if len(evs) > 0 {
				if err := c.sendFragment(es, r, "events", "rows", evs, "prepend"); err != nil {
					return err
				}
			}
			select {
			case <-ctx.Done():
				return nil
			case <-changed:
			}
		}
	})
}

// pathData is the event path page.
type pathData struct {
	Query  pathQuery
	Flows  []flow
	Asked  bool
	Found  bool
	Source string
}

func (c *Console) pathPage(w http.ResponseWriter, r *http.Request) {
	q := pathQuery{Event: strings.TrimSpace(r.URL.Query().Get("event")), Company: strings.TrimSpace(r.URL.Query().Get("company"))}
	d := pathData{Query: q, Asked: q.Event != "" || q.Company != "", Source: c.tail.how()}
	if d.Asked {
		d.Flows, d.Found = c.paths(r.Context(), q)
	}
	status := http.StatusOK
	if d.Asked && !d.Found {
		status = http.StatusNotFound
	}
	c.site.Render(w, r, status, "path", webui.View{Title: "Event path", Data: d})
}

type loginData struct {
	Next, Error string
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	if c.cfg.Token == "" {
		webui.Redirect(w, r, c.cfg.Path)
		return
	}
	c.site.Render(w, r, http.StatusOK, "login", webui.View{Title: "Sign in", Data: loginData{Next: c.auth.safeNext(r.URL.Query().Get("next"))}})
}

func (c *Console) loginPost(w http.ResponseWriter, r *http.Request) {
	next := c.auth.safeNext(r.PostFormValue("next"))
	if c.cfg.Token == "" || c.auth.login(w, r.PostFormValue("token")) {
		webui.Redirect(w, r, next)
		return
	}
	c.site.Render(w, r, http.StatusUnauthorized, "login", webui.View{Title: "Sign in",
		Data: loginData{Next: next, Error: "That is not the console's token."}})
}

func (c *Console) logoutPost(w http.ResponseWriter, r *http.Request) {
	c.auth.logout(w)
	webui.Redirect(w, r, c.cfg.Path+"/login")
}

// ObserveHop records that a stage handled an event (or failed on it), for
// the event path. The process running the stages calls it; it never
// blocks for long.
func (c *Console) ObserveHop(h Hop) { c.journal.addHop(h) }
