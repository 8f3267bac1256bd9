package awsquery_test

import (
	"encoding/xml"
	"testing"

	"github.com/licenseflow/licenseflow/localaws/awsquery"
)

// TestAppendText checks that what AppendText writes reads back as the text,
// where XML can carry it.
func TestAppendText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want, reads string }{
		{"plain ✓", "plain ✓", "plain ✓"},
		{`a<b>&"c'`, `a&lt;b&gt;&amp;"c'`, `a<b>&"c'`},
		{"tab\tlf\ncr\r", "tab\tlf\ncr&#xD;", "tab\tlf\ncr\r"}, // a raw CR would read back as LF
		{"nul\x00 bell\x07", "nul\uFFFD bell\uFFFD", "nul\uFFFD bell\uFFFD"},
		{"bad \xff utf8 \uFFFE", "bad \uFFFD utf8 \uFFFD", "bad \uFFFD utf8 \uFFFD"},
	}
	for _, tt := range tests {
		got := string(awsquery.AppendText(nil, tt.in))
		if got != tt.want {
			t.Errorf("AppendText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		var v struct {
			Text string `xml:",chardata"`
		}
		if err := xml.Unmarshal([]byte("<a>"+got+"</a>"), &v); err != nil || v.Text != tt.reads {
			t.Errorf("%q reads back as %q (%v), want %q", got, v.Text, err, tt.reads)
		}
	}
}
