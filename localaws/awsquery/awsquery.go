// Package awsquery is the AWS query protocol as an awsapi.Codec: the
// protocol SQS spoke before its JSON protocol, and that every SDK released
// before late 2023 still speaks to it (aws-sdk-go v1 before v1.47,
// botocore before 1.34.90, the AWS CLI before 2.15.41 and 1.32.90, ...).
//
// A request is a set of form-encoded parameters — a POST body, or a GET's
// URL — that name the operation in Action; lists and maps are flattened
// into numbered parameters (Attribute.1.Name, Attribute.1.Value,
// SendMessageBatchRequestEntry.2.MessageBody, MessageAttribute.1.Value.DataType).
// The answer is XML: <ActionResponse><ActionResult>...</ActionResult>
// <ResponseMetadata>...</ResponseMetadata></ActionResponse>, and errors are
// <ErrorResponse><Error><Type/><Code/><Message/></Error></ErrorResponse>
// with the error's query code.
//
// Inputs are decoded and outputs written by reflection over the same
// typed values the JSON codec reads and writes, so an operation serves
// both protocols unchanged. A member's name on the wire is its `query`
// tag, else its `json` tag's name, else its Go name. Lists are flattened
// (each element under the list's name and its index, from 1); a map's tag
// may name its key and value members after its own name,
// `query:"Tag,Key,Value"` (default Name and Value); a name that starts
// with "*" stands for the action's name followed by the rest, as AWS names
// batch entries after their operation (`query:"*RequestEntry"`). An output
// that implements Appender writes its own XML.
package awsquery

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// Protocol is the query protocol of one service.
type Protocol struct {
	// Namespace is the xmlns of the service's answers, for example
	// "http://queue.amazonaws.com/doc/2012-11-05/".
	Namespace string
}

// Is reports whether r is a query-protocol request: a POST of a
// form-encoded body, or a GET whose URL names an Action.
func Is(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost:
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return mt == "application/x-www-form-urlencoded"
	case http.MethodGet:
		return r.URL.Query().Has("Action")
	}
	return false
}

// Request is one query request: its action and parameters. It is the
// awsapi.Codec of that request, so it can name the answer after the action.
type Request struct {
	p      *Protocol
	Action string
	params *node
}

// Bounds of a request's parameters, far above what any operation takes (a
// batch of 10 entries with 10 message attributes each has some 400
// parameters, none of more than 7 parts): each part of each name is a
// node of the parameter tree, so without them a body of "x.x.x..." would
// cost a hundred times its size.
const (
	maxParams    = 2000
	maxNameParts = 10
)

// Parse reads the parameters of r, whose body was read into body: those
// of the URL and those of a form-encoded body (which win). A malformed
// URL query or body, or one past the bounds above, is
// MalformedQueryString; a request without Action is MissingAction.
func (p *Protocol) Parse(r *http.Request, body []byte) (*Request, *awsapi.Error) {
	if n := strings.Count(r.URL.RawQuery, "&") + bytes.Count(body, []byte("&")); n >= maxParams {
		return nil, awsapi.Errorf("MalformedQueryString", "The request has more than %d parameters.", maxParams)
	}
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, awsapi.Errorf("MalformedQueryString", "The query string is not form-encoded: %v.", err)
	}
	if r.Method == http.MethodPost && len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, awsapi.Errorf("MalformedQueryString", "The request body is not form-encoded: %v.", err)
		}
		for k, v := range form {
			params[k] = v
		}
	}
	for k := range params {
		if strings.Count(k, ".") >= maxNameParts {
			return nil, awsapi.Errorf("MalformedQueryString", "The parameter name %.64q has more than %d parts.", k, maxNameParts)
		}
	}
	action := params.Get("Action")
	if action == "" {
		return nil, awsapi.Errorf("MissingAction", "The request must contain the parameter Action.")
	}
	return &Request{p: p, Action: action, params: tree(params)}, nil
}

// Param is the value of the top-level parameter name, "" when absent.
func (q *Request) Param(name string) string {
	if n := q.params.children[name]; n != nil {
		return n.value
	}
	return ""
}

// SetParam sets the top-level parameter name, as if the request had it.
func (q *Request) SetParam(name, value string) {
	q.params.child(name).value = value
}

// Decode fills in, a pointer to an operation's input, from the request's
// parameters; body is not read again (Parse read it). A parameter whose
// value does not fit its member is InvalidParameterValue.
func (q *Request) Decode(_ []byte, in any) error {
	return decoder{q.Action}.decodeInput(q.params, in)
}

// Appender is an output that writes its own members: AppendXML appends the
// content of the <ActionResult> element to b.
type Appender interface {
	AppendXML(b []byte) []byte
}

// WriteOutput writes a 200 response: out, the operation's output, inside
// <ActionResult>, which a nil out (the empty output) leaves out.
func (q *Request) WriteOutput(w http.ResponseWriter, out any) {
	id := requestID()
	b := make([]byte, 0, 512)
	b = append(b, `<?xml version="1.0"?>`...)
	b = q.p.open(b, q.Action+"Response")
	if out != nil {
		b = append(b, '<')
		b = append(b, q.Action...)
		b = append(b, "Result>"...)
		if a, ok := out.(Appender); ok {
			b = a.AppendXML(b)
		} else {
			b = (encoder{q.Action}).members(b, out)
		}
		b = append(b, "</"...)
		b = append(b, q.Action...)
		b = append(b, "Result>"...)
	}
	b = append(b, "<ResponseMetadata><RequestId>"...)
	b = append(b, id...)
	b = append(b, "</RequestId></ResponseMetadata></"...)
	b = append(b, q.Action...)
	b = append(b, "Response>"...)
	write(w, http.StatusOK, id, b)
}

// WriteError writes e in the query protocol's error shape.
func (q *Request) WriteError(w http.ResponseWriter, e *awsapi.Error) { q.p.WriteError(w, e) }

// WriteError writes e as an <ErrorResponse>: its query code when it has
// one (AWS.SimpleQueueService.NonExistentQueue), else its code.
func (p *Protocol) WriteError(w http.ResponseWriter, e *awsapi.Error) {
	id := requestID()
	code, fault := e.QueryCode, "Receiver"
	if code == "" {
		code = e.Code
	}
	if e.Sender {
		fault = "Sender"
	}
	b := make([]byte, 0, 256+len(e.Message))
	b = append(b, `<?xml version="1.0"?>`...)
	b = p.open(b, "ErrorResponse")
	b = append(b, "<Error>"...)
	b = AppendElement(b, "Type", fault)
	b = AppendElement(b, "Code", code)
	b = AppendElement(b, "Message", e.Message)
	b = append(b, "<Detail/></Error>"...)
	b = AppendElement(b, "RequestId", id)
	b = append(b, "</ErrorResponse>"...)
	write(w, e.Status, id, b)
}

// open appends the root element's start tag.
func (p *Protocol) open(b []byte, name string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	if p.Namespace != "" {
		b = append(b, ` xmlns="`...)
		b = AppendText(b, p.Namespace)
		b = append(b, '"')
	}
	return append(b, '>')
}

func write(w http.ResponseWriter, status int, id string, b []byte) {
	h := w.Header()
	h["Content-Type"] = []string{"text/xml"}
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	h["X-Amzn-Requestid"] = []string{id}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// requestID is a fresh UUID-shaped request id.
func requestID() string {
	var r [16]byte
	_, _ = rand.Read(r[:])
	h := hex.EncodeToString(r[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
