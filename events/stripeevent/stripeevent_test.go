package stripeevent_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/eventstest"
	"github.com/licenseflow/licenseflow/events/stripeevent"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func at(s int64) time.Time { return time.Unix(s, 0).UTC() }

func TestMapFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want []events.Detail
	}{
		{"checkout_session_completed.json", []events.Detail{events.CheckoutCompleted{
			Provider:  events.Provider{EventID: "evt_1QxCheckout0001", Created: at(1772366400)},
			CompanyID: "cmp_0001", CustomerID: "cus_Rabc123", SubscriptionID: "sub_1QxSub0001",
			PriceLookupKey: "team_monthly",
		}}},
		{"checkout_session_completed_metadata.json", []events.Detail{events.CheckoutCompleted{
			Provider:  events.Provider{EventID: "evt_1QxCheckout0002", Created: at(1772366401), Livemode: true},
			CompanyID: "cmp_0002", CustomerID: "cus_Rdef456", SubscriptionID: "sub_1QxSub0002",
			PriceLookupKey: "starter_monthly",
		}}},
		{"customer_subscription_created.json", []events.Detail{events.SubscriptionChanged{
			Provider:  events.Provider{EventID: "evt_1QxSubCreated01", Created: at(1772366399)},
			CompanyID: "cmp_0001", CustomerID: "cus_Rabc123", SubscriptionID: "sub_1QxSub0001",
			Status: "trialing", PriceLookupKey: "team_monthly", Quantity: 10, CurrentPeriodEnd: at(1775044800),
		}}},
		{"customer_subscription_updated.json", []events.Detail{events.SubscriptionChanged{
			Provider:  events.Provider{EventID: "evt_1QxSubUpdated01", Created: at(1772370000)},
			CompanyID: "cmp_0001", CustomerID: "cus_Rabc123", SubscriptionID: "sub_1QxSub0001",
			Status: "active", PriceLookupKey: "enterprise_monthly", Quantity: 50, CurrentPeriodEnd: at(1775048400),
		}}},
		{"customer_subscription_deleted.json", []events.Detail{events.SubscriptionChanged{
			Provider:  events.Provider{EventID: "evt_1QxSubDeleted01", Created: at(1772380000)},
			CompanyID: "cmp_0001", CustomerID: "cus_Rabc123", SubscriptionID: "sub_1QxSub0001",
			Status: "canceled", PriceLookupKey: "enterprise_monthly", Quantity: 50, CurrentPeriodEnd: at(1775048400),
			Deleted: true,
		}}},
		{"invoice_paid.json", []events.Detail{events.InvoicePaid{
			Provider:  events.Provider{EventID: "evt_1QxInvPaid0001", Created: at(1772366402)},
			CompanyID: "cmp_0001", CustomerID: "cus_Rabc123", SubscriptionID: "sub_1QxSub0001",
			InvoiceID: "in_1QxInv0001", PeriodEnd: at(1775044800),
		}}},
		{"invoice_payment_failed.json", []events.Detail{events.InvoicePaymentFailed{
			Provider:  events.Provider{EventID: "evt_1QxInvFail0001", Created: at(1775044900)},
			CompanyID: "cmp_0001", CustomerID: "cus_Rabc123", SubscriptionID: "sub_1QxSub0001",
			InvoiceID: "in_1QxInv0002", AttemptCount: 2,
		}}},
		{"customer_created.json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			ev, err := stripeevent.Map(fixture(t, tt.file))
			if err != nil {
				t.Fatalf("Map: %v", err)
			}
			if !reflect.DeepEqual(ev.Details, tt.want) {
				t.Fatalf("details:\n got %#v\nwant %#v", ev.Details, tt.want)
			}
			if ev.ID == "" || ev.Type == "" || ev.Created.IsZero() {
				t.Errorf("event header incomplete: %+v", ev)
			}
			// Every detail survives the JSON round trip the bus applies.
			for _, d := range ev.Details {
				eventstest.Valid(t, d)
				b, err := json.Marshal(d)
				if err != nil {
					t.Fatal(err)
				}
				back := reflect.New(reflect.TypeOf(d))
				if err := json.Unmarshal(b, back.Interface()); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(back.Elem().Interface(), d) {
					t.Errorf("round trip changed %T:\n got %#v\nwant %#v", d, back.Elem().Interface(), d)
				}
			}
		})
	}
}

func TestMapEnvelope(t *testing.T) {
	t.Parallel()
	var e events.Envelope
	if err := json.Unmarshal(fixture(t, "partner_event.json"), &e); err != nil {
		t.Fatal(err)
	}
	ev, err := stripeevent.MapEnvelope(e)
	if err != nil {
		t.Fatalf("MapEnvelope: %v", err)
	}
	want := []events.Detail{events.SubscriptionChanged{
		Provider:  events.Provider{EventID: "evt_1QxPartner0001", Created: at(1772370000)},
		CompanyID: "cmp_0003", CustomerID: "cus_Rghi789", SubscriptionID: "sub_1QxSub0003",
		Status: "active", PriceLookupKey: "team_monthly", Quantity: 5, CurrentPeriodEnd: at(1775048400),
	}}
	if !reflect.DeepEqual(ev.Details, want) {
		t.Fatalf("details:\n got %#v\nwant %#v", ev.Details, want)
	}

	wrongType := e
	wrongType.DetailType = "invoice.paid"
	if _, err := stripeevent.MapEnvelope(wrongType); !errors.Is(err, stripeevent.ErrMalformed) {
		t.Errorf("mismatched detail-type: err = %v", err)
	}
	wrongSource := e
	wrongSource.Source = "licenseflow.webhook"
	if _, err := stripeevent.MapEnvelope(wrongSource); !errors.Is(err, stripeevent.ErrMalformed) {
		t.Errorf("non-partner source: err = %v", err)
	}
}

func TestMapMalformed(t *testing.T) {
	t.Parallel()
	checkout := string(fixture(t, "checkout_session_completed.json"))
	tests := []struct {
		name, body, want string
	}{
		{"not json", "hello", "invalid character"},
		{"array", "[]", "cannot unmarshal"},
		{"empty object", "{}", "id is empty"},
		{"no type", `{"id":"evt_1","object":"event","created":1,"data":{"object":{}}}`, "type is empty"},
		{"no created", `{"id":"evt_1","type":"customer.created","data":{"object":{}}}`, "created is missing"},
		{"no data", `{"id":"evt_1","type":"invoice.paid","created":1}`, "data.object is missing"},
		{"not an event", `{"id":"cus_1","object":"customer","type":"x","created":1,"data":{"object":{}}}`, "object is"},
		{"checkout without company", strings.Replace(checkout, `"client_reference_id": "cmp_0001"`, `"client_reference_id": null`, 1), "names no company"},
		{"subscription without id", `{"id":"evt_1","type":"customer.subscription.updated","created":1,"data":{"object":{"status":"active"}}}`, "no id"},
		{"subscription without status", `{"id":"evt_1","type":"customer.subscription.updated","created":1,"data":{"object":{"id":"sub_1"}}}`, "no status"},
		{"bad expandable", `{"id":"evt_1","type":"invoice.paid","created":1,"data":{"object":{"id":"in_1","subscription":42}}}`, "expandable"},
		{"company id with spaces", strings.Replace(checkout, `"cmp_0001"`, `"cmp 0001"`, 1), "outside"},
		{"no customer", strings.Replace(checkout, `"customer": "cus_Rabc123",`, ``, 1), "customer is missing"},
		{"unknown status", `{"id":"evt_1","type":"customer.subscription.updated","created":1,"data":{"object":{"id":"sub_1","customer":"cus_1","status":"gold"}}}`, "unknown subscription status"},
		{"huge quantity", `{"id":"evt_1","type":"customer.subscription.updated","created":1,"data":{"object":{"id":"sub_1","customer":"cus_1","status":"active","quantity":5000000}}}`, "quantity"},
		{"wrong field type", `{"id":"evt_1","type":"invoice.paid","created":1,"data":{"object":{"id":"in_1","attempt_count":"x"}}}`, "cannot unmarshal"},
		{"object not an object", `{"id":"evt_1","type":"invoice.paid","created":1,"data":{"object":"in_1"}}`, "cannot unmarshal"},
		{"event and object both wrong", `{"id":"","type":"invoice.paid","created":1,"data":{"object":"in_1"}}`, "id is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := stripeevent.Map([]byte(tt.body))
			if !errors.Is(err, stripeevent.ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrMalformed mentioning %q", err, tt.want)
			}
		})
	}
}

func TestMapIgnores(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"unknown type":                `{"id":"evt_1","object":"event","type":"charge.refunded","created":1,"data":{"object":{"id":"ch_1"}}}`,
		"unknown type, other fields":  `{"id":"evt_1","type":"charge.refunded","created":1,"data":{"object":{"id":"ch_1","items":[1],"status":3,"customer":17}}}`,
		"unknown type, not an object": `{"id":"evt_1","type":"charge.refunded","created":1,"data":{"object":"ch_1"}}`,
		"one-off checkout":            `{"id":"evt_1","type":"checkout.session.completed","created":1,"data":{"object":{"id":"cs_1","mode":"payment","client_reference_id":"cmp_1","subscription":null}}}`,
		"invoice without sub":         `{"id":"evt_1","type":"invoice.paid","created":1,"data":{"object":{"id":"in_1","customer":"cus_1"}}}`,
		"failed one-off invoice":      `{"id":"evt_1","type":"invoice.payment_failed","created":1,"data":{"object":{"id":"in_1","parent":{"type":"quote_details","subscription_details":null}}}}`,
	}
	for name, body := range tests {
		ev, err := stripeevent.Map([]byte(body))
		if err != nil || len(ev.Details) != 0 {
			t.Errorf("%s: details %v, err %v; want none, nil", name, ev.Details, err)
		}
	}
}

// FuzzMap: Map never panics, errors are typed, and every detail it returns
// passes its bus schema and carries the provider event id and a subscription.
func FuzzMap(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") && e.Name() != "partner_event.json" {
			f.Add(fixture(f, e.Name()))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := stripeevent.Map(body)
		if err != nil {
			if !errors.Is(err, stripeevent.ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, d := range ev.Details {
			eventstest.Valid(t, d)
			var sub, evt string
			switch d := d.(type) {
			case events.CheckoutCompleted:
				sub, evt = d.SubscriptionID, d.Provider.EventID
				if d.CompanyID == "" {
					t.Fatal("checkout without company")
				}
			case events.SubscriptionChanged:
				sub, evt = d.SubscriptionID, d.Provider.EventID
			case events.InvoicePaid:
				sub, evt = d.SubscriptionID, d.Provider.EventID
			case events.InvoicePaymentFailed:
				sub, evt = d.SubscriptionID, d.Provider.EventID
			default:
				t.Fatalf("unexpected detail %T", d)
			}
			if sub == "" || evt != ev.ID {
				t.Fatalf("detail %#v lacks subscription or event id", d)
			}
		}
	})
}
