package signup

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	oldSecret := []byte(strings.Repeat("o", 32))
	newSecret := []byte(strings.Repeat("n", 32))
	old, _ := NewTokens(oldSecret)
	cur, err := NewTokens(newSecret, oldSecret)
	if err != nil {
		t.Fatal(err)
	}
	claims := Claims{CompanyID: newID(prefixCompany), UserID: newID(prefixUser), Role: events.RoleMember, SessionID: newID(prefixAuth), Expires: now.Add(time.Hour)}
	oldTok, _ := old.Issue(claims)
	curTok, _ := cur.Issue(claims)
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"c":"` + claims.CompanyID + `","u":"` + claims.UserID + `","r":"admin","s":"` + claims.SessionID + `","exp":1900000000}`))

	for _, tc := range []struct {
		name  string
		tok   string
		at    time.Time
		want  error
		claim bool
	}{
		{"current secret", curTok, now, nil, true},
		{"previous secret during rotation", oldTok, now, nil, true},
		{"at expiry", curTok, now.Add(time.Hour), ErrTokenExpired, false},
		{"just before expiry", curTok, now.Add(time.Hour - time.Second), nil, true},
		{"unsigned payload", "v1." + payload + ".", now, ErrTokenInvalid, false},
		{"payload swapped", "v1." + payload + "." + strings.Split(curTok, ".")[2], now, ErrTokenInvalid, false},
		{"other version", "v2" + curTok[2:], now, ErrTokenInvalid, false},
		{"no dots", "abc", now, ErrTokenInvalid, false},
		{"too long", "v1." + strings.Repeat("a", 2000) + ".b", now, ErrTokenInvalid, false},
		{"empty", "", now, ErrTokenInvalid, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cur.Verify(tc.tok, tc.at)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if tc.claim && got != claims {
				t.Fatalf("claims %+v, want %+v", got, claims)
			}
		})
	}
	// A token of the new secret does not verify where only the old is known.
	if _, err := old.Verify(curTok, now); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("old-only verifier accepted a new token: %v", err)
	}
	if _, err := NewTokens([]byte("short")); err == nil {
		t.Fatal("short secret accepted")
	}
}

func FuzzVerifyToken(f *testing.F) {
	tk, _ := NewTokens([]byte(strings.Repeat("s", 32)))
	good, _ := tk.Issue(Claims{CompanyID: newID(prefixCompany), UserID: newID(prefixUser), Role: events.RoleAdmin, SessionID: newID(prefixAuth), Expires: time.Unix(2e9, 0)})
	f.Add(good)
	f.Add("v1..")
	f.Add("v1.e30.AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := tk.Verify(s, time.Unix(1e9, 0))
		if err == nil && s != good {
			// Only a token signed with the secret may verify; re-issuing its
			// claims must give the same token.
			again, _ := tk.Issue(c)
			if again != s {
				t.Fatalf("verified a token that was not issued: %q", s)
			}
		}
	})
}
