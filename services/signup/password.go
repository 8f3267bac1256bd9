package signup

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are argon2id's cost parameters. The zero value is OWASP's
// recommendation (Password Storage Cheat Sheet): 19 MiB of memory, two
// passes, one lane. Tests lower them; a stored hash carries its own, so
// hashes made with other parameters still verify.
type PasswordParams struct {
	// MemoryKiB is the memory per hash in KiB. Default 19456.
	MemoryKiB uint32
	// Iterations is the number of passes. Default 2.
	Iterations uint32
	// Parallelism is the number of lanes. Default 1.
	Parallelism uint8
}

func (p *PasswordParams) setDefaults() {
	if p.MemoryKiB == 0 {
		p.MemoryKiB = 19 * 1024
	}
	if p.Iterations == 0 {
		p.Iterations = 2
	}
	if p.Parallelism == 0 {
		p.Parallelism = 1
	}
}

const (
	saltLen = 16
	keyLen  = 32
	// maxPasswordBytes bounds what is hashed.
	maxPasswordBytes = 256
)

// hasher hashes and verifies passwords with argon2id, at most slots at a
// time (each takes MemoryKiB), so a burst of sign-ins cannot exhaust memory.
type hasher struct {
	params PasswordParams
	slots  chan struct{}
	// dummy is a hash of nothing, verified against when an account does
	// not exist, so a sign-in takes as long either way.
	dummyOnce sync.Once
	dummy     string
}

func newHasher(p PasswordParams, concurrent int) *hasher {
	p.setDefaults()
	return &hasher{params: p, slots: make(chan struct{}, max(concurrent, 1))}
}

// hash returns the PHC string of password:
// $argon2id$v=19$m=MEMORY,t=ITERATIONS,p=LANES$SALT$KEY (unpadded base64).
func (h *hasher) hash(password string) string {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	h.slots <- struct{}{}
	key := argon2.IDKey([]byte(password), salt, h.params.Iterations, h.params.MemoryKiB, h.params.Parallelism, keyLen)
	<-h.slots
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.params.MemoryKiB, h.params.Iterations,
		h.params.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// verify reports whether password matches the PHC string encoded, in
// constant time. An empty or malformed encoded never matches (and still
// costs a hash).
func (h *hasher) verify(password, encoded string) bool {
	p, salt, want, err := parsePHC(encoded)
	if err != nil {
		h.dummyOnce.Do(func() { h.dummy = h.hash("") })
		p, salt, want, _ = parsePHC(h.dummy)
		password += "\x00" // never matches the dummy
	}
	h.slots <- struct{}{}
	got := argon2.IDKey([]byte(password), salt, p.Iterations, p.MemoryKiB, p.Parallelism, uint32(len(want)))
	<-h.slots
	return subtle.ConstantTimeCompare(got, want) == 1 && err == nil
}

// firstRune is pw's first character, whole.
func firstRune(pw string) string {
	_, size := utf8.DecodeRuneInString(pw)
	return pw[:size]
}

var errPHC = errors.New("not an argon2id hash")

func parsePHC(s string) (PasswordParams, []byte, []byte, error) {
	var p PasswordParams
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, errPHC
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Iterations, &p.Parallelism); err != nil ||
		p.MemoryKiB < 8 || p.MemoryKiB > 1<<21 || p.Iterations < 1 || p.Iterations > 100 || p.Parallelism < 1 {
		return p, nil, nil, errPHC
	}
	salt, err1 := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return p, nil, nil, errPHC
	}
	return p, salt, key, nil
}

// commonPasswordsGz is the list of common passwords, one a line,
// lowercased: the 30,000 of zxcvbn's frequency list (compiled from leaked
// password sets), written by internal/commonpwgen. It is embedded as bytes
// so that a program linking this package pays for the list only once a
// password is checked.
//
//go:generate go run ./internal/commonpwgen common-passwords.txt.gz
//go:embed common-passwords.txt.gz
var commonPasswordsGz []byte

// commonPasswords is the set of commonPasswordsGz, built on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
	if err != nil {
		panic("signup: the embedded common-password list is damaged: " + err.Error())
	}
	list, err := io.ReadAll(zr)
	if err != nil {
		panic("signup: the embedded common-password list is damaged: " + err.Error())
	}
	m := make(map[string]struct{}, 30000)
	for p := range strings.Lines(string(list)) {
		m[strings.TrimSuffix(p, "\n")] = struct{}{}
	}
	return m
})

// checkPassword says what is wrong with a new password, or "": at least
// minLen characters, at most 256 bytes, not one of the most common
// passwords, not the person's email or name, not one character repeated.
func checkPassword(pw string, minLen int, personal ...string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return "Password is not valid text."
	case n < minLen:
		return fmt.Sprintf("Password must be at least %d characters long.", minLen)
	case len(pw) > maxPasswordBytes:
		return fmt.Sprintf("Password must be at most %d bytes long.", maxPasswordBytes)
	case strings.Count(pw, firstRune(pw)) == n:
		return "Password must not repeat one character."
	}
	lower := strings.ToLower(pw)
	if _, common := commonPasswords()[lower]; common {
		return "This password is one of the most common ones; choose another."
	}
	for _, p := range personal {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" && (lower == p || strings.Contains(lower, p) && len(p) >= n/2) {
			return "Password must not be your email address or name."
		}
	}
	return ""
}
