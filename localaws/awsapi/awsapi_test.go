package awsapi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
	"github.com/licenseflow/licenseflow/localaws/awsjson"
)

type echoInput struct {
	Text string `json:"Text"`
}

type echoOutput struct {
	Text      string `json:"Text"`
	AccessKey string `json:"AccessKey,omitempty"`
}

// newAPI is an API of four operations that logs to logs.
func newAPI(logs io.Writer) *awsapi.API {
	return &awsapi.API{
		Name: "test",
		Ops: map[string]awsapi.Operation{
			"Echo": awsapi.Op(func(ctx context.Context, in *echoInput) (*echoOutput, error) {
				return &echoOutput{Text: in.Text, AccessKey: awsapi.AccessKeyID(ctx)}, nil
			}),
			"Nothing": awsapi.Op(func(ctx context.Context, in *echoInput) (*awsapi.Empty, error) {
				return nil, nil
			}),
			"Refuse": awsapi.Op(func(ctx context.Context, in *echoInput) (*echoOutput, error) {
				return nil, &awsapi.Error{Status: http.StatusBadRequest, Code: "NoSuchThing", QueryCode: "AWS.NoSuchThing",
					Sender: true, Message: "no " + in.Text}
			}),
			"Break": awsapi.Op(func(ctx context.Context, in *echoInput) (*echoOutput, error) {
				return nil, errors.New("disk on fire")
			}),
		},
		Unknown:      func(op string) *awsapi.Error { return awsapi.Errorf("UnknownOperationException", "no %s", op) },
		InternalCode: "InternalFailure",
		Logger:       slog.New(slog.NewTextHandler(logs, nil)),
	}
}

var codec = &awsjson.Codec{ContentType: "application/x-amz-json-1.0", Namespace: "com.example#"}

func TestServe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, op, body, auth string
		status               int
		want                 string // the response body
		queryError           string // the x-amzn-query-error header
		logged               string // what is logged, "" for nothing
	}{
		{name: "output", op: "Echo", body: `{"Text":"hi"}`, status: 200, want: `{"Text":"hi"}`},
		{name: "empty body is {}", op: "Echo", body: ``, status: 200, want: `{"Text":""}`},
		{name: "signed", op: "Echo", body: `{"Text":"hi"}`, status: 200, want: `{"Text":"hi","AccessKey":"AKID1"}`,
			auth: "AWS4-HMAC-SHA256 Credential=AKID1/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00"},
		{name: "nil output", op: "Nothing", body: `{}`, status: 200, want: `{}`},
		{name: "typed error", op: "Refuse", body: `{"Text":"way"}`, status: 400,
			want: `{"__type":"com.example#NoSuchThing","message":"no way"}`, queryError: "AWS.NoSuchThing;Sender"},
		{name: "internal error", op: "Break", body: `{}`, status: 500,
			want:   `{"__type":"com.example#InternalFailure","message":"disk on fire"}`,
			logged: `level=ERROR msg="test request failed" op=Break err="disk on fire"`},
		{name: "unknown operation", op: "Fly", body: `{}`, status: 400,
			want: `{"__type":"com.example#UnknownOperationException","message":"no Fly"}`},
		{name: "malformed body", op: "Echo", body: `{"Text":`, status: 400,
			want: `{"__type":"com.example#SerializationException","message":"could not decode request: unexpected end of JSON input"}`},
		{name: "body too large", op: "Echo", body: `{"Text":"` + strings.Repeat("x", 64) + `"}`, status: 413,
			want: `{"__type":"com.example#RequestEntityTooLarge","message":"request body too large"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			req.Header.Set("X-Amz-Target", tt.op)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			req.Body = http.MaxBytesReader(rec, req.Body, 64) // as localaws's server limits bodies
			newAPI(&logs).Serve(rec, req, codec, tt.op)
			if rec.Code != tt.status || rec.Body.String() != tt.want {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.want)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/x-amz-json-1.0" {
				t.Errorf("Content-Type %q", ct)
			}
			if got := rec.Header().Get("x-amzn-query-error"); got != tt.queryError {
				t.Errorf("x-amzn-query-error %q, want %q", got, tt.queryError)
			}
			// Only a failure that is not an *Error is logged.
			if got := logs.String(); (tt.logged == "") != (got == "") || !strings.Contains(got, tt.logged) {
				t.Errorf("logged %q, want %q", got, tt.logged)
			}
		})
	}
}
