package infra

import "testing"

// With Stripe's partner bus named, the template routes partner events to
// the payment queue, keeps its posture, and the local topology ignores the
// partner-bus rule.
func TestStripePartnerBusRule(t *testing.T) {
	tpl := embedded(t, Options{Parameters: map[string]string{
		"StripePartnerEventBusName": "aws.partner/stripe.com/acct_123/default"}})
	if len(tpl.OfType("AWS::Events::Rule")) != 4 {
		t.Fatalf("rules with the partner bus: %d, want 4", len(tpl.OfType("AWS::Events::Rule")))
	}
	passesEveryCheck(t, tpl)
	top, err := TopologyFromTemplate(tpl, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(top.Rules) != len(Default().Rules) {
		t.Fatalf("local rules %d, want %d", len(top.Rules), len(Default().Rules))
	}
	if plain := embedded(t, Options{}); len(plain.OfType("AWS::Events::Rule")) != 3 {
		t.Fatalf("rules without the partner bus: %d, want 3", len(plain.OfType("AWS::Events::Rule")))
	}
}
