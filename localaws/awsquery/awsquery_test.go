package awsquery_test

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
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

// TestParseBounds: a request with too many parameters, or a parameter name
// of too many parts, is MalformedQueryString before its parameters are
// read into a tree; the largest batch SQS takes is well within.
func TestParseBounds(t *testing.T) {
	t.Parallel()
	var batch strings.Builder
	batch.WriteString("Action=SendMessageBatch&QueueUrl=q")
	for e := 1; e <= 10; e++ {
		fmt.Fprintf(&batch, "&SendMessageBatchRequestEntry.%d.Id=m%d&SendMessageBatchRequestEntry.%d.MessageBody=b", e, e, e)
		for a := 1; a <= 10; a++ {
			for _, m := range []string{"Name=n", "Value.DataType=String", "Value.StringValue=v", "Value.StringListValue.1=v"} {
				fmt.Fprintf(&batch, "&SendMessageBatchRequestEntry.%d.MessageAttribute.%d.%s", e, a, m)
			}
		}
	}
	p := &awsquery.Protocol{}
	for _, tt := range []struct {
		name, query, body string
		wantCode          string
	}{
		{"a full batch", "", batch.String(), ""},
		{"many parameters", "", "Action=ListQueues" + strings.Repeat("&a=1", 2000), "MalformedQueryString"},
		{"many parameters in the URL", "Action=ListQueues" + strings.Repeat("&a=1", 1000), strings.Repeat("a=1&", 1000) + "b=1", "MalformedQueryString"},
		{"a name of many parts", "", "Action=ListQueues&" + strings.Repeat("x.", 1<<20) + "x=1", "MalformedQueryString"},
		{"a name of eleven parts", "", "Action=ListQueues&a.b.c.d.e.f.g.h.i.j.k=1", "MalformedQueryString"},
		{"a name of ten parts", "", "Action=ListQueues&a.b.c.d.e.f.g.h.i.j=1", ""},
	} {
		r := httptest.NewRequest(http.MethodPost, "/?"+tt.query, nil)
		q, err := p.Parse(r, []byte(tt.body))
		switch {
		case tt.wantCode == "" && (err != nil || q.Action == ""):
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantCode != "" && (err == nil || err.Code != tt.wantCode):
			t.Errorf("%s: %v, want %s", tt.name, err, tt.wantCode)
		}
	}
}
