package pattern

import (
	"testing"
)

// matchCase is one pattern/event pair and whether they match.
type matchCase struct {
	name    string
	pattern string
	event   string
	want    bool
}

// runMatchCases checks every case through Match and through
// ParseEvent+MatchEvent.
func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compile([]byte(tc.pattern))
			if err != nil {
				t.Fatalf("Compile(%s): %v", tc.pattern, err)
			}
			got, err := p.Match([]byte(tc.event))
			if err != nil {
				t.Fatalf("Match(%s): %v", tc.event, err)
			}
			if got != tc.want {
				t.Errorf("pattern %s\nevent   %s\nmatch = %v, want %v", tc.pattern, tc.event, got, tc.want)
			}
			ev, err := ParseEvent([]byte(tc.event))
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			if got := p.MatchEvent(ev); got != tc.want {
				t.Errorf("MatchEvent = %v, want %v", got, tc.want)
			}
		})
	}
}

// ec2Event is the sample event of AWS's event-ruler documentation.
const ec2Event = `{
  "version": "0",
  "id": "ddddd4-aaaa-7777-4444-345dd43cc333",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "012345679012",
  "time": "2017-10-02T16:24:49Z",
  "region": "us-east-1",
  "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
  "detail": {
    "c-count": 5,
    "d-count": 3,
    "x-limit": 301.8,
    "source-ip": "10.0.0.33",
    "instance-id": "i-000000aaaaaa00000",
    "state": "running"
  }
}`
