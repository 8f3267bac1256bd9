package webhook_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/services/webhook"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestVerify(t *testing.T) {
	t.Parallel()
	payload := []byte(`{"id":"evt_1"}`)
	valid := webhook.Sign("whsec_new", payload, now)
	oldSig := webhook.Sign("whsec_old", payload, now)
	v1 := func(h string) string { return h[strings.Index(h, "v1="):] }
	ts := fmt.Sprintf("t=%d", now.Unix())

	tests := []struct {
		name    string
		header  string
		payload []byte
		secrets []string
		now     time.Time
		want    error
	}{
		{"valid", valid, payload, []string{"whsec_new"}, now, nil},
		{"rotated: old secret still listed", oldSig, payload, []string{"whsec_new", "whsec_old"}, now, nil},
		{"rotated: old secret retired", oldSig, payload, []string{"whsec_new"}, now, webhook.ErrBadSignature},
		{"several v1, second matches", ts + ",v1=" + strings.Repeat("ab", 32) + "," + v1(valid), payload, []string{"whsec_new"}, now, nil},
		{"v1 signed by either secret", ts + "," + v1(oldSig) + "," + v1(valid), payload, []string{"whsec_new"}, now, nil},
		{"v0 and unknown keys ignored", ts + ",v0=deadbeef,foo=bar," + v1(valid), payload, []string{"whsec_new"}, now, nil},
		{"spaces around items", ts + " , " + v1(valid), payload, []string{"whsec_new"}, now, nil},
		{"only v0", ts + ",v0=" + strings.Repeat("ab", 32), payload, []string{"whsec_new"}, now, webhook.ErrBadHeader},
		{"v1 not hex", ts + ",v1=zz", payload, []string{"whsec_new"}, now, webhook.ErrBadHeader},
		{"wrong secret", valid, payload, []string{"whsec_other"}, now, webhook.ErrBadSignature},
		{"payload changed", valid, []byte(`{"id":"evt_2"}`), []string{"whsec_new"}, now, webhook.ErrBadSignature},
		{"timestamp changed", fmt.Sprintf("t=%d,", now.Unix()+1) + v1(valid), payload, []string{"whsec_new"}, now.Add(time.Second), webhook.ErrBadSignature},
		{"at tolerance edge", valid, payload, []string{"whsec_new"}, now.Add(300 * time.Second), nil},
		{"stale", valid, payload, []string{"whsec_new"}, now.Add(301 * time.Second), webhook.ErrStale},
		{"future within tolerance", valid, payload, []string{"whsec_new"}, now.Add(-299 * time.Second), nil},
		{"future beyond tolerance", valid, payload, []string{"whsec_new"}, now.Add(-301 * time.Second), webhook.ErrStale},
		{"empty header", "", payload, []string{"whsec_new"}, now, webhook.ErrNoSignature},
		{"no timestamp", v1(valid), payload, []string{"whsec_new"}, now, webhook.ErrBadHeader},
		{"two timestamps", ts + "," + ts + "," + v1(valid), payload, []string{"whsec_new"}, now, webhook.ErrBadHeader},
		{"timestamp not a number", "t=abc," + v1(valid), payload, []string{"whsec_new"}, now, webhook.ErrBadHeader},
		{"negative timestamp", "t=-5," + v1(valid), payload, []string{"whsec_new"}, now, webhook.ErrBadHeader},
		{"too many signatures", ts + strings.Repeat(","+v1(valid), 17), payload, []string{"whsec_new"}, now, webhook.ErrBadHeader},
		{"huge header", ts + "," + strings.Repeat("x", 9000), payload, []string{"whsec_new"}, now, webhook.ErrBadHeader},
		{"no secrets", valid, payload, nil, now, webhook.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := webhook.Verify(tt.header, tt.payload, tt.secrets, 300*time.Second, tt.now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSignFormat(t *testing.T) {
	t.Parallel()
	h := webhook.Sign("whsec_x", []byte("{}"), now)
	sig, err := webhook.ParseSignature(h)
	if err != nil {
		t.Fatal(err)
	}
	if !sig.Timestamp.Equal(now) || len(sig.V1) != 1 || len(sig.V1[0]) != 32 {
		t.Fatalf("Sign produced %q, parsed %+v", h, sig)
	}
	// A known vector, computed independently (Python's hmac module):
	// HMAC-SHA256("whsec_test", "1772366400.{}").
	const want = "t=1772366400,v1=474c6a8bd0b217b707fb6f0a0ce04beb43fe1e1835a329b06c8f3113a6875edc"
	if got := webhook.Sign("whsec_test", []byte("{}"), time.Unix(1772366400, 0)); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

// FuzzParseSignature: the header parser never panics, errors are typed,
// and a parsed header has a timestamp and 1..16 digests of 32 bytes.
func FuzzParseSignature(f *testing.F) {
	f.Add(webhook.Sign("whsec_x", []byte("{}"), now))
	f.Add("t=1,v1=00,v0=11,x")
	f.Add("t=1772366400,v1=" + strings.Repeat("0", 64) + ",v1=" + strings.Repeat("f", 64))
	f.Add(",,=,t=,v1=")
	f.Fuzz(func(t *testing.T, header string) {
		sig, err := webhook.ParseSignature(header)
		if err != nil {
			if !errors.Is(err, webhook.ErrBadHeader) && !errors.Is(err, webhook.ErrNoSignature) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if sig.Timestamp.IsZero() || len(sig.V1) == 0 || len(sig.V1) > 16 {
			t.Fatalf("accepted %q as %+v", header, sig)
		}
		for _, d := range sig.V1 {
			if len(d) != 32 {
				t.Fatalf("digest of %d bytes accepted", len(d))
			}
		}
	})
}
