package licensepush

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestGuardCheck(t *testing.T) {
	t.Parallel()
	dns := newDNSServer(t)
	a := netip.MustParseAddr
	dns.set("app.internal", []netip.Addr{a("10.1.2.3")})
	dns.set("loop.internal", []netip.Addr{a("127.0.0.1")})
	dns.set("mixed.internal", []netip.Addr{a("10.1.2.3"), a("192.0.2.7")})
	dns.set("meta.internal", []netip.Addr{a("169.254.169.254")})
	dns.set("v6.internal", []netip.Addr{a("fd00:ec2::254")})
	g := guard{allowed: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8"),
		netip.MustParsePrefix("169.254.0.0/16")}, resolver: dns.resolver()}
	for _, tc := range []struct {
		addr    string
		ok      bool
		refused bool // ErrTargetNotAllowed (permanent) rather than a lookup failure
	}{
		{"10.9.8.7:8090", true, false},
		{"app.internal:8090", true, false},
		{"127.0.0.1:8090", false, true},       // loopback not configured
		{"loop.internal:8090", false, true},   // ... nor through a name
		{"mixed.internal:8090", false, true},  // one address outside is enough
		{"169.254.169.254:80", false, true},   // metadata, even with 169.254/16 allowed
		{"meta.internal:80", false, true},     // ... also through a name
		{"v6.internal:80", false, true},       // IPv6 metadata inside fd00::/8
		{"[fe80::1%eth0]:80", false, true},    // zoned link-local
		{"[::ffff:10.1.1.1]:80", true, false}, // mapped v4 is unmapped
		{"0.0.0.0:80", false, true},
		{"10.1.1.1", false, true}, // no port
		{"10.1.1.1:0", false, true},
		{"10.1.1.1:99999", false, true},
		{"nothing.internal:80", false, false}, // NXDOMAIN: retryable
	} {
		t.Run(tc.addr, func(t *testing.T) {
			tg, err := g.check(context.Background(), tc.addr)
			if tc.ok {
				if err != nil || len(tg.ips) == 0 {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("allowed %v", tg.ips)
			}
			if got := errors.Is(err, ErrTargetNotAllowed); got != tc.refused {
				t.Fatalf("ErrTargetNotAllowed=%v, want %v: %v", got, tc.refused, err)
			}
		})
	}
}

func TestGuardLoopbackOnlyWhenConfigured(t *testing.T) {
	t.Parallel()
	g := guard{allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	if !g.allowedIP(netip.MustParseAddr("127.0.0.1")) || g.allowedIP(netip.MustParseAddr("::1")) || g.allowedIP(netip.MustParseAddr("10.0.0.1")) {
		t.Fatal("127.0.0.0/8 should allow exactly IPv4 loopback")
	}
	if err := g.control("tcp", "10.0.0.1:80", nil); !errors.Is(err, ErrTargetNotAllowed) {
		t.Fatalf("dial control let 10.0.0.1 through: %v", err)
	}
	if err := g.control("tcp", "127.0.0.1:80", nil); err != nil {
		t.Fatalf("dial control refused loopback: %v", err)
	}
}

// TestNoListeningSocket holds the stage's posture: it only polls and makes
// outgoing requests; no code of the package (tests aside) listens.
func TestNoListeningSocket(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	listen := regexp.MustCompile(`\b(net\.Listen\w*|ListenAndServe\w*|ListenPacket|ListenTCP|ListenUDP|http\.Serve|\.Serve(TLS)?)\(`)
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		if m := listen.Find(src); m != nil {
			t.Errorf("%s calls %s: the license-push stage must not listen", f, m)
		}
	}
	if checked == 0 {
		t.Fatal("no source files checked")
	}
}
