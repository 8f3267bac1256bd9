package sqs

import (
	"errors"
	"net/http"
	"strings"

	"github.com/licenseflow/licenseflow/localaws/awsjson"
)

const errNamespace = "com.amazonaws.sqs#"

// Handle serves one SQS request of the AWS JSON 1.0 protocol; op is the
// X-Amz-Target after "AmazonSQS." and body the request body. Errors are
// written in the shape the SDK turns into typed errors.
func (s *Service) Handle(w http.ResponseWriter, r *http.Request, op string, body []byte) {
	if err := s.dispatch(w, r, op, body); err != nil {
		var ae *awsjson.Error
		if !errors.As(err, &ae) {
			s.cfg.Logger.Error("sqs request failed", "op", op, "err", err)
		}
		awsjson.WriteError(w, contentType, errNamespace, err)
	}
}

// queueReq is the part every queue-addressed request shares.
type queueReq struct {
	QueueURL string `json:"QueueUrl"`
}

func (s *Service) dispatch(w http.ResponseWriter, r *http.Request, op string, body []byte) error {
	switch op {
	case "SendMessageBatch":
		return s.handleSendBatch(w, r, body)
	case "ReceiveMessage":
		return s.handleReceive(w, r, body)
	case "DeleteMessageBatch":
		return s.handleDeleteBatch(w, r, body)
	case "SendMessage":
		return s.handleSend(w, r, body)
	case "DeleteMessage":
		return s.handleDelete(w, r, body)
	case "ChangeMessageVisibility":
		return s.handleChangeVisibility(w, r, body)
	case "ChangeMessageVisibilityBatch":
		return s.handleChangeVisibilityBatch(w, r, body)
	case "CreateQueue":
		var in struct {
			QueueName  string            `json:"QueueName"`
			Attributes map[string]string `json:"Attributes"`
			Tags       map[string]string `json:"tags"`
		}
		if err := awsjson.Decode(body, &in); err != nil {
			return err
		}
		url, err := s.CreateQueue(r.Context(), in.QueueName, in.Attributes, in.Tags)
		if err != nil {
			return err
		}
		writeObject(w, "QueueUrl", url)
	case "GetQueueUrl":
		var in struct {
			QueueName string `json:"QueueName"`
			Owner     string `json:"QueueOwnerAWSAccountId"`
		}
		if err := awsjson.Decode(body, &in); err != nil {
			return err
		}
		url, err := s.GetQueueURL(in.QueueName, in.Owner)
		if err != nil {
			return err
		}
		writeObject(w, "QueueUrl", url)
	case "ListQueues":
		var in struct {
			Prefix     string `json:"QueueNamePrefix"`
			MaxResults *int32 `json:"MaxResults"`
			NextToken  string `json:"NextToken"`
		}
		if err := awsjson.Decode(body, &in); err != nil {
			return err
		}
		urls, next, err := s.ListQueues(in.Prefix, in.MaxResults, in.NextToken)
		if err != nil {
			return err
		}
		writeURLList(w, "QueueUrls", urls, next)
	case "ListDeadLetterSourceQueues":
		var in struct {
			QueueURL   string `json:"QueueUrl"`
			MaxResults *int32 `json:"MaxResults"`
			NextToken  string `json:"NextToken"`
		}
		if err := awsjson.Decode(body, &in); err != nil {
			return err
		}
		q, err := s.lookupURL(in.QueueURL)
		if err != nil {
			return err
		}
		urls, next, err := s.ListDeadLetterSourceQueues(q, in.MaxResults, in.NextToken)
		if err != nil {
			return err
		}
		writeURLList(w, "queueUrls", urls, next)
	case "DeleteQueue", "PurgeQueue", "ListQueueTags", "AddPermission", "RemovePermission":
		var in queueReq
		if err := awsjson.Decode(body, &in); err != nil {
			return err
		}
		q, err := s.lookupURL(in.QueueURL)
		if err != nil {
			return err
		}
		switch op {
		case "DeleteQueue":
			err = s.DeleteQueue(r.Context(), q)
		case "PurgeQueue":
			err = s.PurgeQueue(r.Context(), q)
		case "ListQueueTags":
			b := jsonBuf(`{"Tags":`)
			b.strMap(s.ListQueueTags(q))
			b.raw("}")
			writeBody(w, b)
			return nil
		}
		if err != nil {
			return err
		}
		writeBody(w, []byte("{}"))
	case "GetQueueAttributes":
		var in struct {
			QueueURL       string   `json:"QueueUrl"`
			AttributeNames []string `json:"AttributeNames"`
		}
		if err := awsjson.Decode(body, &in); err != nil {
			return err
		}
		q, err := s.lookupURL(in.QueueURL)
		if err != nil {
			return err
		}
		attrs, err := s.GetQueueAttributes(q, in.AttributeNames)
		if err != nil {
			return err
		}
		b := jsonBuf("{")
		if len(attrs) > 0 {
			b.key("Attributes", true)
			b.strMap(attrs)
		}
		b.raw("}")
		writeBody(w, b)
	case "SetQueueAttributes", "TagQueue", "UntagQueue":
		var in struct {
			QueueURL   string            `json:"QueueUrl"`
			Attributes map[string]string `json:"Attributes"`
			Tags       map[string]string `json:"Tags"`
			TagKeys    []string          `json:"TagKeys"`
		}
		if err := awsjson.Decode(body, &in); err != nil {
			return err
		}
		q, err := s.lookupURL(in.QueueURL)
		if err != nil {
			return err
		}
		switch op {
		case "SetQueueAttributes":
			err = s.SetQueueAttributes(r.Context(), q, in.Attributes)
		case "TagQueue":
			err = s.TagQueue(r.Context(), q, in.Tags)
		default:
			err = s.UntagQueue(r.Context(), q, in.TagKeys)
		}
		if err != nil {
			return err
		}
		writeBody(w, []byte("{}"))
	case "StartMessageMoveTask":
		var in struct {
			SourceArn      string `json:"SourceArn"`
			DestinationArn string `json:"DestinationArn"`
			Rate           *int32 `json:"MaxNumberOfMessagesPerSecond"`
		}
		if err := awsjson.Decode(body, &in); err != nil {
			return err
		}
		h, err := s.StartMessageMoveTask(in.SourceArn, in.DestinationArn, in.Rate)
		if err != nil {
			return err
		}
		writeObject(w, "TaskHandle", h)
	case "CancelMessageMoveTask":
		var in struct {
			TaskHandle string `json:"TaskHandle"`
		}
		if err := awsjson.Decode(body, &in); err != nil {
			return err
		}
		n, err := s.CancelMessageMoveTask(in.TaskHandle)
		if err != nil {
			return err
		}
		b := jsonBuf(`{"ApproximateNumberOfMessagesMoved":`)
		b.integer(n)
		b.raw("}")
		writeBody(w, b)
	case "ListMessageMoveTasks":
		var in struct {
			SourceArn  string `json:"SourceArn"`
			MaxResults *int32 `json:"MaxResults"`
		}
		if err := awsjson.Decode(body, &in); err != nil {
			return err
		}
		res, err := s.ListMessageMoveTasks(in.SourceArn, in.MaxResults)
		if err != nil {
			return err
		}
		awsjson.WriteJSON(w, contentType, map[string]any{"Results": res})
	default:
		return &awsjson.Error{Status: http.StatusBadRequest, Code: "InvalidAction", QueryCode: "InvalidAction", Sender: true,
			Message: "The action " + op + " is not valid for this endpoint."}
	}
	return nil
}

func writeObject(w http.ResponseWriter, k, v string) {
	b := jsonBuf("{")
	b.field(k, v, true)
	b.raw("}")
	writeBody(w, b)
}

func writeURLList(w http.ResponseWriter, k string, urls []string, next string) {
	b := jsonBuf("{")
	b.key(k, true)
	b.raw("[")
	for i, u := range urls {
		if i > 0 {
			b.raw(",")
		}
		b.str(u)
	}
	b.raw("]")
	if next != "" {
		b.field("NextToken", next, false)
	}
	b.raw("}")
	writeBody(w, b)
}

// senderID is the access key of the request's SigV4 signature, as AWS
// reports the sender; the account id when unsigned.
func (s *Service) senderID(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if i := strings.Index(auth, "Credential="); i >= 0 {
		c := auth[i+len("Credential="):]
		if j := strings.IndexByte(c, '/'); j > 0 {
			return c[:j]
		}
	}
	return s.cfg.AccountID
}

// checkBatchIDs applies the batch rules: 1 to 10 entries, ids valid and
// distinct.
func checkBatchIDs(ids []string, what string) error {
	if len(ids) == 0 {
		return errEmptyBatch(what)
	}
	if len(ids) > 10 {
		return errTooManyEntries(len(ids))
	}
	seen := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		if !validBatchID(id) {
			return errInvalidBatchEntryID()
		}
		if _, dup := seen[id]; dup {
			return errIDsNotDistinct(id)
		}
		seen[id] = struct{}{}
	}
	return nil
}

func validBatchID(id string) bool {
	if id == "" || len(id) > 80 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// appendFailed appends a BatchResultErrorEntry.
func appendFailed(b *jsonBuf, first bool, id string, e *awsjson.Error) {
	if !first {
		b.raw(",")
	}
	b.raw("{")
	b.field("Id", id, true)
	b.key("SenderFault", false)
	if e.Sender {
		b.raw("true")
	} else {
		b.raw("false")
	}
	b.field("Code", e.Code, false)
	b.field("Message", e.Message, false)
	b.raw("}")
}
