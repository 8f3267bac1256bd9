package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestConsoleRefusesAnOpenAddressWithoutAToken: on any address other than
// loopback the console needs LICENSEFLOW_CONSOLE_TOKEN, long enough, and
// says so instead of starting.
func TestConsoleRefusesAnOpenAddressWithoutAToken(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	for _, tc := range []struct{ addr, token, want string }{
		{"0.0.0.0:0", "", consoleTokenVar},
		{":0", "", consoleTokenVar},
		{"192.0.2.1:8081", "", consoleTokenVar},
		{"0.0.0.0:0", "short", "at least 16 characters"},
	} {
		t.Setenv(consoleTokenVar, tc.token)
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs([]string{"console", "--addr", tc.addr})
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(out.String(), "console on") {
			t.Errorf("console --addr %s with token %q: %v\n%s", tc.addr, tc.token, err, out.String())
		}
	}
}
