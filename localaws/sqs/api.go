package sqs

import (
	"context"
	"net/http"
	"strings"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
	"github.com/licenseflow/licenseflow/localaws/awsjson"
	"github.com/licenseflow/licenseflow/localaws/awsquery"
)

// JSON is SQS's wire protocol since late 2023, AWS JSON 1.0.
var JSON = &awsjson.Codec{ContentType: "application/x-amz-json-1.0", Namespace: "com.amazonaws.sqs#"}

// Query is SQS's wire protocol before, which older SDKs still speak.
var Query = &awsquery.Protocol{Namespace: "http://queue.amazonaws.com/doc/2012-11-05/"}

// ServeHTTP serves one SQS request in the protocol it is written in, as
// AWS chooses: a request with an X-Amz-Target is of the AWS JSON 1.0
// protocol (the operation is the target after "AmazonSQS."), any other of
// the query protocol (the operation is its Action). A query request may
// name its queue by its path, as the queue URL, instead of a QueueUrl
// parameter. Errors are written in the shape each protocol's SDKs turn
// into typed errors.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		_, op, _ := strings.Cut(target, ".")
		s.api.Serve(w, r, JSON, op)
		return
	}
	body, aerr := awsapi.ReadBody(r)
	if aerr != nil {
		Query.WriteError(w, aerr)
		return
	}
	q, aerr := Query.Parse(r, body)
	if aerr != nil {
		Query.WriteError(w, aerr)
		return
	}
	if q.Param("QueueUrl") == "" && strings.Count(strings.Trim(r.URL.Path, "/"), "/") == 1 {
		q.SetParam("QueueUrl", r.URL.Path)
	}
	s.api.Run(w, r, q, q.Action, nil)
}

// newAPI is SQS's table of operations. The operations addressed to one
// queue are made by queueOp, which finds the queue first.
func (s *Service) newAPI() *awsapi.API {
	return &awsapi.API{
		Name: "sqs",
		Ops: map[string]awsapi.Operation{
			"SendMessage":                  queueOp(s, s.sendMessage),
			"SendMessageBatch":             queueOp(s, s.sendMessageBatch),
			"ReceiveMessage":               queueOp(s, s.receiveMessage),
			"DeleteMessage":                queueOp(s, s.deleteMessage),
			"DeleteMessageBatch":           queueOp(s, s.deleteMessageBatch),
			"ChangeMessageVisibility":      queueOp(s, s.changeMessageVisibility),
			"ChangeMessageVisibilityBatch": queueOp(s, s.changeMessageVisibilityBatch),
			"CreateQueue":                  awsapi.Op(s.createQueue),
			"GetQueueUrl":                  awsapi.Op(s.getQueueURL),
			"ListQueues":                   awsapi.Op(s.listQueues),
			"ListDeadLetterSourceQueues":   queueOp(s, s.listDeadLetterSourceQueues),
			"DeleteQueue":                  queueOp(s, s.deleteQueue),
			"PurgeQueue":                   queueOp(s, s.purgeQueue),
			"GetQueueAttributes":           queueOp(s, s.getQueueAttributes),
			"SetQueueAttributes":           queueOp(s, s.setQueueAttributes),
			"TagQueue":                     queueOp(s, s.tagQueue),
			"UntagQueue":                   queueOp(s, s.untagQueue),
			"ListQueueTags":                queueOp(s, s.listQueueTags),
			"AddPermission":                queueOp(s, s.addPermission),
			"RemovePermission":             queueOp(s, s.removePermission),
			"StartMessageMoveTask":         awsapi.Op(s.startMessageMoveTask),
			"CancelMessageMoveTask":        awsapi.Op(s.cancelMessageMoveTask),
			"ListMessageMoveTasks":         awsapi.Op(s.listMessageMoveTasks),
		},
		Unknown: func(op string) *awsapi.Error {
			return apiError("InvalidAction", "InvalidAction", "The action %s is not valid for this endpoint.", op)
		},
		InternalCode: "InternalFailure",
		Logger:       s.cfg.Logger,
	}
}

// queueRef is the part of every queue-addressed input: the queue's URL.
type queueRef struct {
	QueueURL string `json:"QueueUrl"`
}

func (r *queueRef) queueURL() string { return r.QueueURL }

// queueOp makes an operation of fn, an operation addressed to one queue:
// the queue the input's QueueUrl names is looked up (MissingParameter,
// QueueDoesNotExist) before fn runs.
func queueOp[In any, PIn interface {
	*In
	queueURL() string
}, Out any](s *Service, fn func(context.Context, *queue, PIn) (*Out, error)) awsapi.Operation {
	return awsapi.Op(func(ctx context.Context, in *In) (*Out, error) {
		q, err := s.lookupURL(PIn(in).queueURL())
		if err != nil {
			return nil, err
		}
		return fn(ctx, q, in)
	})
}

// senderID is the SenderId of a message sent by the request: the access
// key of its SigV4 signature, as AWS reports it; the account id when the
// request is unsigned.
func (s *Service) senderID(ctx context.Context) string {
	if k := awsapi.AccessKeyID(ctx); k != "" {
		return k
	}
	return s.cfg.AccountID
}
