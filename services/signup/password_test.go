package signup

import (
	"strings"
	"testing"
)

func TestPasswordHashes(t *testing.T) {
	t.Parallel()
	h := newHasher(testPasswords, 2)
	enc := h.hash("a long enough passphrase")
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q", enc)
	}
	if enc == h.hash("a long enough passphrase") {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	// A hash made with other parameters verifies: they travel in it.
	other := newHasher(PasswordParams{MemoryKiB: 128, Iterations: 2, Parallelism: 2}, 1)
	for name, tc := range map[string]struct {
		pw, enc string
		want    bool
	}{
		"right":                    {"a long enough passphrase", enc, true},
		"wrong":                    {"a long enough passphrasE", enc, false},
		"other parameters":         {"x y z w v u t", other.hash("x y z w v u t"), true},
		"empty hash (no password)": {"", "", false},
		"malformed":                {"a long enough passphrase", "$argon2id$v=19$m=64,t=1,p=1$$", false},
		"other algorithm":          {"a long enough passphrase", strings.Replace(enc, "argon2id", "argon2i", 1), false},
		"absurd memory":            {"a long enough passphrase", strings.Replace(enc, "m=64", "m=99999999", 1), false},
	} {
		if got := h.verify(tc.pw, tc.enc); got != tc.want {
			t.Errorf("%s: verify %v, want %v", name, got, tc.want)
		}
	}
	// Production defaults are OWASP's.
	var def PasswordParams
	def.setDefaults()
	if def != (PasswordParams{MemoryKiB: 19456, Iterations: 2, Parallelism: 1}) {
		t.Fatalf("defaults %+v", def)
	}
}

func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	for pw, want := range map[string]string{
		"correct horse battery staple": "",
		"short":                        "at least 12 characters",
		"aaaaaaaaaaaaaaaa":             "repeat one character",
		strings.Repeat("é", 14):        "repeat one character",
		"éa" + strings.Repeat("é", 12): "",
		"1qaz2wsx3edc":                 "most common",
		"Q1W2E3R4T5Y6":                 "most common",
		"ada@acme.example":             "email address or name",
		"Ada Lovelace!!":               "email address or name",
		strings.Repeat("xy", 200):      "at most 256 bytes",
	} {
		got := checkPassword(pw, 12, "ada@acme.example", "Ada Lovelace")
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("%q: %q, want %q", pw, got, want)
		}
	}
}

func FuzzParsePHC(f *testing.F) {
	f.Add(newHasher(testPasswords, 1).hash("x"))
	f.Add("$argon2id$v=19$m=0,t=0,p=0$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := parsePHC(s)
		if err == nil && (p.MemoryKiB < 8 || p.Iterations < 1 || p.Parallelism < 1 || len(salt) < 8 || len(key) < 16) {
			t.Fatalf("accepted %q: %+v", s, p)
		}
	})
}

// TestCommonPasswordList holds the embedded list to what go generate
// writes: the whole list, lowercased, the most common first ones in it.
func TestCommonPasswordList(t *testing.T) {
	t.Parallel()
	set := commonPasswords()
	if len(set) != 30000 {
		t.Fatalf("common passwords: %d, want 30000", len(set))
	}
	for _, p := range []string{"123456", "password", "qwertyuiop", "1qaz2wsx3edc"} {
		if _, ok := set[p]; !ok {
			t.Errorf("%q is not in the common-password list", p)
		}
	}
	for p := range set {
		if p == "" || p != strings.ToLower(p) || strings.ContainsAny(p, "\r\n") {
			t.Fatalf("list entry %q is not one lowercased password", p)
		}
	}
}
