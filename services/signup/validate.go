package signup

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/licenseflow/licenseflow/events"
)

// Field limits, matching the event schemas.
const (
	maxNameRunes = 200
	maxEmailLen  = 254
)

// validName checks a person's or company's name: 1 to 200 characters after
// trimming, valid UTF-8, no control characters.
func validName(field, s string) error {
	switch {
	case !utf8.ValidString(s):
		return fmt.Errorf("%s is not valid UTF-8", field)
	case strings.TrimSpace(s) == "":
		return fmt.Errorf("%s is required", field)
	case utf8.RuneCountInString(s) > maxNameRunes:
		return fmt.Errorf("%s is longer than %d characters", field, maxNameRunes)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return fmt.Errorf("%s contains control characters", field)
	}
	return nil
}

// validEmail accepts a bare ASCII addr-spec of at most 254 bytes: a
// dot-atom local part (no quoting, no comments) and a domain name of
// letters, digits and hyphens with at least one dot. That is a subset of
// what the event schemas' "email" format accepts, so an accepted address
// never fails validation at publish time.
func validEmail(field, s string) error {
	if s == "" {
		return fmt.Errorf("%s is required", field)
	}
	if len(s) > maxEmailLen {
		return fmt.Errorf("%s is longer than %d bytes", field, maxEmailLen)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return fmt.Errorf("%s is not a valid email address", field)
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if local == "" || len(local) > 64 || !strings.Contains(domain, ".") {
		return fmt.Errorf("%s is not a valid email address", field)
	}
	for _, r := range local {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", r)) {
			return fmt.Errorf("%s is not a valid email address", field)
		}
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return fmt.Errorf("%s is not a valid email address", field)
		}
		for _, r := range label {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return fmt.Errorf("%s is not a valid email address", field)
			}
		}
	}
	return nil
}

// normalizeEmail lowercases the domain, which is case-insensitive; the
// local part is kept as given.
func normalizeEmail(s string) string {
	at := strings.LastIndexByte(s, '@')
	return s[:at+1] + strings.ToLower(s[at+1:])
}

// validRole accepts the two roles.
func validRole(s string) error {
	if !events.ValidRole(s) {
		return errors.New(`role must be "member" or "admin"`)
	}
	return nil
}
