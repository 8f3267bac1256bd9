package main

import (
	"strings"
	"testing"
)

// TestConsoleRefusesBadSettings: on any address other than loopback the
// console needs LICENSEFLOW_CONSOLE_TOKEN, long enough, and says so instead
// of starting; a --metrics value that is no http(s) URL is refused at
// start, not left to fail on every scrape.
func TestConsoleRefusesBadSettings(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	for _, tc := range []struct {
		args        []string
		token, want string
	}{
		{[]string{"--addr", "0.0.0.0:0"}, "", consoleTokenVar},
		{[]string{"--addr", ":0"}, "", consoleTokenVar},
		{[]string{"--addr", "192.0.2.1:8081"}, "", consoleTokenVar},
		{[]string{"--addr", "0.0.0.0:0"}, "short", "at least 16 characters"},
		{[]string{"--addr", "127.0.0.1:0", "--metrics", "ftp://127.0.0.1/metrics"}, "", "want an http:// or https:// URL"},
		{[]string{"--addr", "127.0.0.1:0", "--metrics", "127.0.0.1:8080/metrics"}, "", "want an http:// or https:// URL"},
	} {
		t.Setenv(consoleTokenVar, tc.token)
		out, err := execute(newRootCmd(), append([]string{"console"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(out, "console on") {
			t.Errorf("console %v with token %q: %v\n%s", tc.args, tc.token, err, out)
		}
	}
}
