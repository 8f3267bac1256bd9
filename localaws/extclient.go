package localaws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/licenseflow/licenseflow/localaws/eventbridge"
	"github.com/licenseflow/licenseflow/localaws/sqs"
)

// ErrNoExtensions is wrapped by an ExtensionsClient's error when the
// endpoint does not serve localaws's operations (it is AWS, ElasticMQ, or
// something else).
var ErrNoExtensions = errors.New("the endpoint does not serve localaws's extension operations")

// ExtensionsClient calls localaws's own operations (ExtensionsTarget) at
// an endpoint. It is safe for concurrent use.
type ExtensionsClient struct {
	// Endpoint is the base URL, e.g. "http://127.0.0.1:4566".
	Endpoint string
	// HTTP is the client. Default http.DefaultClient.
	HTTP *http.Client
}

// PeekMessages lists a queue's messages without touching them (see
// sqs.Service.PeekMessages).
func (c *ExtensionsClient) PeekMessages(ctx context.Context, in *sqs.PeekInput) (*sqs.PeekOutput, error) {
	var out sqs.PeekOutput
	return &out, c.call(ctx, "PeekMessages", in, &out)
}

// TailEvents returns the events the endpoint accepted after in.After (see
// eventbridge.Service.TailEvents).
func (c *ExtensionsClient) TailEvents(ctx context.Context, in *eventbridge.TailInput) (*eventbridge.TailOutput, error) {
	var out eventbridge.TailOutput
	return &out, c.call(ctx, "TailEvents", in, &out)
}

// maxExtensionResponse bounds a response (1000 events of up to 256 KiB,
// and JSON escaping).
const maxExtensionResponse = 600 << 20

func (c *ExtensionsClient) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.Endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("localaws %s: %w", op, err)
	}
	req.Header.Set("Content-Type", extensionsJSON.ContentType)
	req.Header.Set("X-Amz-Target", ExtensionsTarget+"."+op)
	h := c.HTTP
	if h == nil {
		h = http.DefaultClient
	}
	resp, err := h.Do(req)
	if err != nil {
		return fmt.Errorf("localaws %s: %w", op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxExtensionResponse))
	if err != nil {
		return fmt.Errorf("localaws %s: reading the answer: %w", op, err)
	}
	if resp.Header.Get(extensionsHeader) == "" {
		return fmt.Errorf("localaws %s: HTTP %d: %w", op, resp.StatusCode, ErrNoExtensions)
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("localaws %s: decoding the answer: %w", op, err)
		}
		return nil
	}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return fmt.Errorf("localaws %s: HTTP %d: decoding the error: %w", op, resp.StatusCode, err)
	}
	return &ExtensionError{Code: e.Type[strings.LastIndexByte(e.Type, '#')+1:], Message: e.Message}
}

// ExtensionError is an error a localaws answered an extension call with
// (QueueDoesNotExist, InvalidParameterValue, ...).
type ExtensionError struct {
	Code, Message string
}

func (e *ExtensionError) Error() string { return "localaws: " + e.Code + ": " + e.Message }
