package licensepush

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// dnsServer is a tiny authoritative DNS server on 127.0.0.1 (UDP) that
// answers A and AAAA queries from a table, so the guard is exercised with
// Go's real resolver. Names not in the table get NXDOMAIN.
type dnsServer struct {
	conn net.PacketConn
	mu   sync.Mutex
	// answers maps a lowercase name without the trailing dot to addresses;
	// each query pops the first set when more than one is queued (to
	// simulate rebinding between lookups).
	answers map[string][][]netip.Addr
	queries int
}

func newDNSServer(t *testing.T) *dnsServer {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &dnsServer{conn: conn, answers: map[string][][]netip.Addr{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := s.answer(buf[:n]); resp != nil {
				conn.WriteTo(resp, from)
			}
		}
	}()
	t.Cleanup(func() { conn.Close(); <-done })
	return s
}

// set queues answer sets for name.
func (s *dnsServer) set(name string, sets ...[]netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[name] = sets
}

// resolver returns a Go resolver that asks only this server.
func (s *dnsServer) resolver() *net.Resolver {
	addr := s.conn.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", addr)
	}}
}

func (s *dnsServer) answer(q []byte) []byte {
	if len(q) < 12 {
		return nil
	}
	// Question: labels, then type and class.
	i, labels := 12, []string{}
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	if i+5 > len(q) {
		return nil
	}
	qEnd := i + 5
	qtype := binary.BigEndian.Uint16(q[i+1:])
	name := strings.ToLower(strings.Join(labels, "."))

	s.mu.Lock()
	s.queries++
	sets, ok := s.answers[name]
	var addrs []netip.Addr
	if ok && len(sets) > 0 {
		addrs = sets[0]
		if len(sets) > 1 && qtype == 1 { // advance once per A+AAAA pair
			s.answers[name] = sets[1:]
		}
	}
	s.mu.Unlock()

	resp := make([]byte, 12, 512)
	copy(resp, q[:2])
	flags := uint16(0x8400) // response, authoritative
	if !ok {
		flags |= 3 // NXDOMAIN
	}
	binary.BigEndian.PutUint16(resp[2:], flags)
	binary.BigEndian.PutUint16(resp[4:], 1)
	resp = append(resp, q[12:qEnd]...)
	var n uint16
	for _, a := range addrs {
		var rdata []byte
		switch {
		case qtype == 1 && a.Is4():
			b := a.As4()
			rdata = b[:]
		case qtype == 28 && a.Is6():
			b := a.As16()
			rdata = b[:]
		default:
			continue
		}
		resp = append(resp, 0xc0, 12) // name: pointer to the question
		resp = binary.BigEndian.AppendUint16(resp, qtype)
		resp = binary.BigEndian.AppendUint16(resp, 1) // class IN
		resp = binary.BigEndian.AppendUint32(resp, 0) // TTL
		resp = binary.BigEndian.AppendUint16(resp, uint16(len(rdata)))
		resp = append(resp, rdata...)
		n++
	}
	binary.BigEndian.PutUint16(resp[6:], n)
	return resp
}

func TestDNSServerAnswers(t *testing.T) {
	t.Parallel()
	dns := newDNSServer(t)
	dns.set("app.internal", []netip.Addr{netip.MustParseAddr("127.0.0.1")})
	ips, err := dns.resolver().LookupNetIP(context.Background(), "ip", "app.internal")
	if err != nil || len(ips) != 1 || ips[0] != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("lookup: %v %v", ips, err)
	}
	if _, err := dns.resolver().LookupNetIP(context.Background(), "ip", "nothing.internal"); err == nil {
		t.Fatal("unknown name resolved")
	}
}
