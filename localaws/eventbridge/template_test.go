package eventbridge

import (
	"encoding/json"
	"testing"
	"time"
)

const sampleEvent = `{"version":"0","id":"e-1","detail-type":"Order Placed","source":"shop","account":"000000000000",` +
	`"time":"2026-01-02T03:04:05Z","region":"us-east-1","resources":["r1","r2"],` +
	`"detail":{"order":{"id":"o-1","total":12.50,"items":[{"sku":"a"},{"sku":"b"}]},"note":"say \"hi\"","paid":true,"none":null}}`

func TestInputTemplate(t *testing.T) {
	t.Parallel()
	paths := map[string]string{
		"id": "$.detail.order.id", "total": "$.detail.order.total", "order": "$.detail.order",
		"sku": "$.detail.order.items[1].sku", "note": "$.detail.note", "paid": "$.detail.paid",
		"missing": "$.detail.nope", "res": "$.resources", "src": "$.source",
	}
	tests := []struct {
		name, template, want string
	}{
		{"quoted string", `{"id":"<id>"}`, `{"id":"o-1"}`},
		{"unquoted string", `{"id":<id>}`, `{"id":"o-1"}`},
		{"unquoted number keeps its text", `{"total":<total>}`, `{"total":12.50}`},
		{"quoted number", `{"total":"<total>"}`, `{"total":"12.50"}`},
		{"object keeps member order", `{"order":<order>}`, `{"order":{"id":"o-1","total":12.50,"items":[{"sku":"a"},{"sku":"b"}]}}`},
		{"array index", `{"sku":"<sku>"}`, `{"sku":"b"}`},
		{"quotes escaped inside a string", `{"msg":"note: <note>"}`, `{"msg":"note: say \"hi\""}`},
		{"unquoted string with quotes", `{"note":<note>}`, `{"note":"say \"hi\""}`},
		{"boolean", `{"paid":<paid>}`, `{"paid":true}`},
		{"missing unquoted is null", `{"m":<missing>}`, `{"m":null}`},
		{"missing quoted is empty", `{"m":"<missing>"}`, `{"m":""}`},
		{"array value", `{"r":<res>}`, `{"r":["r1","r2"]}`},
		{"JSON string template", `"<src> order <id> is paid: <paid>"`, `"shop order o-1 is paid: true"`},
		{"text template", `Order <id> from <src>, note <note>`, `Order o-1 from shop, note say "hi"`},
		{"unknown placeholder stays", `{"a":"<nope>","id":"<id>"}`, `{"a":"<nope>","id":"o-1"}`},
		{"rule name and arn", `{"r":"<aws.events.rule-name>","a":<aws.events.rule-arn>}`,
			`{"r":"orders","a":"arn:aws:events:us-east-1:000000000000:rule/orders"}`},
		{"ingestion time", `{"t":"<aws.events.event.ingestion-time>"}`, `{"t":"2026-01-02T03:04:06Z"}`},
		{"whole event", `{"e":<aws.events.event>}`, `{"e":` + sampleEvent + `}`},
		{"whole event json", `{"e":<aws.events.event.json>,"id":"<id>"}`, `{"e":` + sampleEvent + `,"id":"o-1"}`},
		{"escaped quote before placeholder", `{"a":"x\"<id>\"y"}`, `{"a":"x\"o-1\"y"}`},
	}
	vars := templateVars{event: []byte(sampleEvent),
		ruleARN: "arn:aws:events:us-east-1:000000000000:rule/orders", ruleName: "orders",
		ingested: time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := inputTransformer{InputPathsMap: paths, InputTemplate: tt.template}
			pt, err := prepareTarget(Target{Id: "t", Arn: queueARN("q"), InputTransformer: &tr})
			if err != nil {
				t.Fatalf("prepareTarget: %v", err)
			}
			if got := pt.template.render(vars); got != tt.want {
				t.Fatalf("render\n got %s\nwant %s", got, tt.want)
			}
			if pt.template.json && !json.Valid([]byte(tt.want)) {
				t.Fatalf("a JSON template rendered invalid JSON: %s", tt.want)
			}
		})
	}
}

// FuzzInputTransformer feeds PutTargets' transformer parsing arbitrary
// templates and paths: accepted JSON templates must render valid JSON for
// any event, and nothing may panic.
func FuzzInputTransformer(f *testing.F) {
	f.Add(`{"id": <id>, "s": "x <id> y"}`, "$.detail.order.id")
	f.Add(`"<id> is \"<id>\""`, "$.detail.order")
	f.Add(`[<id>, "<aws.events.event>", <aws.events.event.json>]`, "$['detail']['note']")
	f.Add(`plain <id> text`, "$.resources[1]")
	f.Add(`{"a":"\\"<id>"}`, "$")
	f.Fuzz(func(t *testing.T, tpl, path string) {
		pt, err := prepareTarget(Target{Id: "t", Arn: queueARN("q"), InputTransformer: &inputTransformer{
			InputPathsMap: map[string]string{"id": path}, InputTemplate: tpl}})
		if err != nil {
			return
		}
		out := pt.template.render(templateVars{event: []byte(sampleEvent), ruleARN: "arn:r", ruleName: "r",
			ingested: time.Unix(0, 0)})
		if pt.template.json && !json.Valid([]byte(out)) {
			t.Fatalf("template %q with path %q rendered invalid JSON: %s", tpl, path, out)
		}
	})
}

func TestJSONPath(t *testing.T) {
	t.Parallel()
	ev := []byte(sampleEvent)
	tests := []struct {
		path, want string
		found      bool
	}{
		{"$", sampleEvent, true},
		{"$.detail.order.id", `"o-1"`, true},
		{"$.detail-type", `"Order Placed"`, true},
		{"$['detail-type']", `"Order Placed"`, true},
		{"$.detail.order.items[0]", `{"sku":"a"}`, true},
		{"$.detail.order.items[5]", ``, false},
		{"$.detail.none", `null`, true},
		{"$.detail.order.id.x", ``, false},
	}
	for _, tt := range tests {
		p, err := parseJSONPath(tt.path)
		if err != nil {
			t.Fatalf("parseJSONPath(%s): %v", tt.path, err)
		}
		v, found := p.eval(ev)
		if found != tt.found || (found && string(v) != tt.want) {
			t.Errorf("%s = %s, %v; want %s, %v", tt.path, v, found, tt.want, tt.found)
		}
	}
	for _, bad := range []string{"", "detail", "$.", "$..a", "$[x]", "$[1", "$a"} {
		if _, err := parseJSONPath(bad); err == nil {
			t.Errorf("parseJSONPath(%q) succeeded", bad)
		}
	}
}
