package eventbridge

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

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

// FuzzPutEventsEntry checks that any entry either fails alone with a code
// or becomes a valid JSON envelope.
func FuzzPutEventsEntry(f *testing.F) {
	f.Add("app", "Thing Happened", `{"a":[1,2,{"b":null}]}`, "arn:x")
	f.Add("a\"b", "t\n", `{"s":"\u2028<>&"}`, "")
	f.Add("app", "t", `[1]`, "r")
	f.Add("", "t", `{}`, "r")
	f.Fuzz(func(t *testing.T, source, detailType, detail, resource string) {
		s := &Service{cfg: Config{Region: "us-east-1", AccountID: "000000000000"}}
		e := &putEventsEntry{Source: &source, DetailType: &detailType, Detail: &detail, Resources: []string{resource}}
		env, _, eerr := s.envelope(e, "id", time.Unix(0, 0))
		if eerr != nil {
			if eerr.code == "" || eerr.message == "" {
				t.Fatalf("entry error without code or message: %+v", eerr)
			}
			return
		}
		var v events.EventBridgeEvent // as a Lambda function reads it
		if err := json.Unmarshal(env, &v); err != nil {
			t.Fatalf("envelope does not decode as an EventBridge event: %v: %s", err, env)
		}
		if utf8.ValidString(source) && v.Source != source {
			t.Fatalf("source %q came back as %q", source, v.Source)
		}
	})
}
