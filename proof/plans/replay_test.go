package plans

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/localaws"
	lfeb "github.com/licenseflow/licenseflow/localaws/eventbridge"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
)

// missingProPlus is the owner's catalogue without the plan a customer
// upgrades to; withProPlus is the fixed one.
const (
	missingProPlus = `trial_users: 3
plans:
  pro:
    name: pro
    seats: 5
    features: [core]
`
	withProPlus = missingProPlus + `  pro_plus:
    name: pro-plus
    seats: 20
    features: [core, sso]
`
)

// TestReplayAfterFixingTheCatalogue: the catalogue lacks the plan a
// customer upgrades to, so the upgrade is refused and the app server keeps
// the old license; the owner fixes the catalogue, restarts, and replays the
// archive's window with licenseflow events replay. The app server ends
// with the upgraded license, and nothing else happened twice: one company,
// two users, one session, licenses 1 and 2, and the only new events on the
// bus are that license and its delivery.
func TestReplayAfterFixingTheCatalogue(t *testing.T) {
	t.Parallel()
	n, p, plansFile := startWithPlans(t, missingProPlus)
	pub := n.publicKey()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	from := time.Now().Add(-time.Minute)
	c := prooftest.NewClient("http://"+n.edge, "http://"+n.app, webhookSecret)
	co, err := c.Signup(ctx, "Globex", "hank@globex.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddUser(ctx, co, "homer@globex.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Login(ctx, co.Token); err != nil {
		t.Fatal(err)
	}
	sub := prooftest.NewSubscription("replay", 1, co.CompanyID)
	now := time.Now().Unix()
	for i, payload := range [][]byte{sub.Checkout("evt_replay_1", now), sub.Update("evt_replay_2", now+1, true, "pro", 1),
		sub.Update("evt_replay_3", now+2, false, "pro_plus", 1)} {
		if code, err := c.Webhook(ctx, payload, ""); err != nil || code != 200 {
			t.Fatalf("webhook %d: %d %v", i+1, code, err)
		}
	}
	// The upgrade is refused (its plan is unknown) and dead-lettered; the
	// app server keeps the pro license: the wrong one.
	awaitDeadLetters(ctx, t, localAWSURL(t, p), 1)
	if lic, err := c.AwaitLicense(ctx, pub, co.CompanyID, 1); err != nil || lic.Plan != "pro" || lic.Serial != 1 {
		t.Fatalf("before the fix the app server holds %+v, %v; want license 1 on pro", lic, err)
	}

	// Fixed and restarted: the stored subscription is still on pro, so the
	// plans change alone reissues nothing; the replay brings the upgrade.
	p.Stop(20 * time.Second)
	writeFile(t, plansFile, withProPlus)
	p = n.start()
	url := localAWSURL(t, p)
	archive := infra.Default().Archives[0].Name
	before := archivedEvents(t, n, url, archive)
	tail := &localaws.ExtensionsClient{Endpoint: url}
	mark, err := tail.TailEvents(ctx, &lfeb.TailInput{}) // starts the journal: every event from now on
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, code := licenseflow(t, n.env(), "events", "replay", "--endpoint-url", url, "--archive", archive,
		"--from", from.UTC().Format(time.RFC3339), "--name", "catalogue-fix", "--poll", "100ms")
	if code != 0 || !strings.HasPrefix(out, "replay catalogue-fix COMPLETED") || !strings.Contains(stderr, "replay catalogue-fix: ") {
		t.Fatalf("events replay exited %d:\n%s%s", code, out, stderr)
	}
	lic, err := c.AwaitLicenseThat(ctx, pub, co.CompanyID, "pro-plus", func(l license.License) bool { return l.Plan == "pro-plus" })
	if err != nil || lic.Serial != 2 || lic.Seats != 20 || !lic.HasFeature("sso") {
		t.Fatalf("after the replay the app server holds %+v, %v; want license 2 on pro-plus, 20 seats, sso", lic, err)
	}

	// Nothing else happened twice: the only new events on the bus are the
	// new license and its delivery.
	awaitArchived(t, n, url, archive, before+2)
	time.Sleep(time.Second) // anything late would show now
	if got, evs := archivedEvents(t, n, url, archive), newEvents(ctx, t, tail, mark.Sequence); got != before+2 ||
		!slices.Equal(evs, []string{"License Issued 2", "License Delivered 2"}) {
		t.Fatalf("the replay led to %d new events on the bus: %v; want License Issued 2 and License Delivered 2", got-before, evs)
	}
	serials, _ := stored(t, n.data, co.CompanyID)
	counts := map[string]int{}
	for _, table := range []string{"acc_companies", "acc_users", "acc_sessions"} {
		counts[table] = count(t, n.data, "SELECT COUNT(*) FROM "+table+" WHERE company_id = ?", co.CompanyID)
	}
	if !slices.Equal(serials, []int64{1, 2}) || counts["acc_companies"] != 1 || counts["acc_users"] != 2 || counts["acc_sessions"] != 1 {
		t.Fatalf("after the replay: license serials %v, %v; want [1 2], one company, two users, one session", serials, counts)
	}
	// The dead letter is a duplicate now: redriving it changes nothing.
	if _, stderr, code := licenseflow(t, n.env(), "dlq", "replay", "--endpoint-url", url, "--queue", infra.QueuePayment+"-dlq"); code != 0 {
		t.Fatalf("dlq replay exited %d: %s", code, stderr)
	}
	awaitDeadLetters(ctx, t, url, 0)
	time.Sleep(time.Second)
	if serials, _ := stored(t, n.data, co.CompanyID); !slices.Equal(serials, []int64{1, 2}) {
		t.Fatalf("after redriving the dead letter: serials %v, want [1 2]", serials)
	}
}

// newEvents names the events localaws accepted after sequence: each
// detail-type with the serial its detail carries.
func newEvents(ctx context.Context, t *testing.T, tail *localaws.ExtensionsClient, after int64) []string {
	t.Helper()
	out, err := tail.TailEvents(ctx, &lfeb.TailInput{After: &after, MaxResults: aws.Int32(1000)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range out.Events {
		var ev struct {
			DetailType string `json:"detail-type"`
			Detail     struct {
				Serial int64 `json:"serial"`
			} `json:"detail"`
		}
		if err := json.Unmarshal([]byte(e.Event), &ev); err != nil {
			t.Fatalf("event %s: %v", e.Event, err)
		}
		names = append(names, ev.DetailType+" "+strconv.FormatInt(ev.Detail.Serial, 10))
	}
	return names
}

// localAWSURL is the endpoint of the localaws run started, as it says.
func localAWSURL(t *testing.T, p *prooftest.Proc) string {
	t.Helper()
	for _, l := range p.Lines() {
		if rest, ok := strings.CutPrefix(l, "localaws listening on "); ok {
			return strings.Fields(rest)[0]
		}
	}
	t.Fatalf("run did not say where localaws listens:\n%s", strings.Join(p.Lines(), "\n"))
	return ""
}

// awaitDeadLetters waits until the payment dead-letter queue holds n
// messages.
func awaitDeadLetters(ctx context.Context, t *testing.T, url string, n int) {
	t.Helper()
	clients, err := pipeline.LocalClients(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	q, err := clients.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(infra.QueuePayment + "-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	for got := -1; got != n; time.Sleep(50 * time.Millisecond) {
		if err := ctx.Err(); err != nil {
			t.Fatalf("payment dead-letter queue: %v (want %d messages, saw %d)", err, n, got)
		}
		visible, inFlight, _ := localawstest.Counts(t, clients.SQS, aws.ToString(q.QueueUrl))
		got = visible + inFlight
	}
}

// archivedEvents is how many events the archive holds, as licenseflow
// events archives says.
func archivedEvents(t *testing.T, n *pipelineNode, url, archive string) int64 {
	t.Helper()
	out, stderr, code := licenseflow(t, n.env(), "events", "archives", "--endpoint-url", url, "-o", "json")
	var list struct {
		Archives []struct {
			Name   string `json:"name"`
			Events int64  `json:"events"`
		} `json:"archives"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil {
		t.Fatalf("events archives exited %d: %s%s", code, out, stderr)
	}
	for _, a := range list.Archives {
		if a.Name == archive {
			return a.Events
		}
	}
	t.Fatalf("no archive %s in %s", archive, out)
	return 0
}

func awaitArchived(t *testing.T, n *pipelineNode, url, archive string, want int64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for got := archivedEvents(t, n, url, archive); got < want; got = archivedEvents(t, n, url, archive) {
		if time.Now().After(deadline) {
			t.Fatalf("the archive holds %d events, want %d", got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// count runs a COUNT query on run's store.
func count(t *testing.T, data, query string, args ...any) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "licenseflow.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
