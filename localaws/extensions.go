package localaws

import (
	"net/http"
	"strings"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
	"github.com/licenseflow/licenseflow/localaws/awsjson"
)

// ExtensionsTarget is the X-Amz-Target prefix of localaws's own operations,
// which no AWS service has: "LocalAWSExtensions.PeekMessages" and
// "LocalAWSExtensions.TailEvents". They speak AWS JSON 1.1 (POST, the
// operation in X-Amz-Target, a JSON body) and answer errors in its shape;
// any other endpoint answers them with an error, which is how a client
// finds out it does not talk to a localaws.
const ExtensionsTarget = "LocalAWSExtensions"

// extensionsHeader marks every answer to an extension operation, errors
// included, so a client tells a localaws error from another endpoint's.
const extensionsHeader = "X-Localaws-Extensions"

// extensionsJSON is the extensions' wire protocol.
var extensionsJSON = &awsjson.Codec{ContentType: "application/x-amz-json-1.1"}

// extensions is the table of localaws's own operations: they observe the
// engines and change nothing.
//
//   - PeekMessages (sqs.PeekInput -> sqs.PeekOutput): a queue's messages
//     in every state (visible, in flight, delayed) with their attributes,
//     oldest first, and its counts; no receive count or visibility
//     changes, nothing is logged.
//   - TailEvents (eventbridge.TailInput -> eventbridge.TailOutput): the
//     events PutEvents accepted, each with the rules it matched and the
//     outcome of each target delivery; long-polls with WaitTimeSeconds.
func (s *Server) extensions() *awsapi.API {
	return &awsapi.API{
		Name: "extensions",
		Ops: map[string]awsapi.Operation{
			"PeekMessages": awsapi.Op(s.sqs.PeekMessages),
			"TailEvents":   awsapi.Op(s.events.TailEvents),
		},
		Unknown: func(op string) *awsapi.Error {
			return awsapi.Errorf("UnknownOperationException", "localaws has no extension operation %q", op)
		},
		InternalCode: "InternalFailure",
		Logger:       s.cfg.Logger,
	}
}

// serveExtension answers one LocalAWSExtensions request.
func (s *Server) serveExtension(w http.ResponseWriter, r *http.Request) {
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	w.Header().Set(extensionsHeader, "1")
	s.ext.Serve(w, r, extensionsJSON, op)
}
