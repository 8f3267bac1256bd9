package sqs

import (
	"net/http"

	"github.com/licenseflow/licenseflow/localaws/awsjson"
)

type sendMessageReq struct {
	QueueURL string `json:"QueueUrl"`
	sendInput
}

type sendBatchReq struct {
	QueueURL string       `json:"QueueUrl"`
	Entries  []*sendInput `json:"Entries"`
}

func (s *Service) handleSend(w http.ResponseWriter, r *http.Request, body []byte) error {
	var in sendMessageReq
	if err := awsjson.Decode(body, &in); err != nil {
		return err
	}
	q, err := s.lookupURL(in.QueueURL)
	if err != nil {
		return err
	}
	res, err := s.send(r.Context(), q, []*sendInput{&in.sendInput}, s.senderID(r))
	if err != nil {
		return err
	}
	if res[0].err != nil {
		return res[0].err
	}
	b := make(jsonBuf, 0, 256)
	b.raw("{")
	appendSendResult(&b, res[0], "")
	b.raw("}")
	writeBody(w, b)
	return nil
}

// appendSendResult appends the members of a SendMessage(Batch) result.
func appendSendResult(b *jsonBuf, r sendResult, id string) {
	first := true
	if id != "" {
		b.field("Id", id, true)
		first = false
	}
	b.field("MessageId", r.messageID(), first)
	b.field("MD5OfMessageBody", r.msg.md5Body, false)
	if r.msg.md5Attrs != "" {
		b.field("MD5OfMessageAttributes", r.msg.md5Attrs, false)
	}
	if r.msg.md5Sys != "" {
		b.field("MD5OfMessageSystemAttributes", r.msg.md5Sys, false)
	}
	if r.msg.dedupID != "" || r.dup != nil {
		b.field("SequenceNumber", r.sequenceNumber(), false)
	}
}

func (s *Service) handleSendBatch(w http.ResponseWriter, r *http.Request, body []byte) error {
	var in sendBatchReq
	if err := awsjson.Decode(body, &in); err != nil {
		return err
	}
	q, err := s.lookupURL(in.QueueURL)
	if err != nil {
		return err
	}
	ids := make([]string, len(in.Entries))
	total := 0
	for i, e := range in.Entries {
		if e == nil {
			e = &sendInput{}
			in.Entries[i] = e
		}
		ids[i] = e.ID
		if e.MessageBody != nil {
			total += len(*e.MessageBody)
		}
		for k, v := range e.MessageAttributes {
			total += len(k) + len(v.DataType) + len(v.BinaryValue)
			if v.StringValue != nil {
				total += len(*v.StringValue)
			}
		}
	}
	if err := checkBatchIDs(ids, "SendMessageBatchRequestEntry"); err != nil {
		return err
	}
	if total > maxMessageBytes {
		return errBatchTooLong(total, maxMessageBytes)
	}
	res, err := s.send(r.Context(), q, in.Entries, s.senderID(r))
	if err != nil {
		return err
	}
	b := make(jsonBuf, 0, 256*len(res))
	b.raw(`{"Successful":[`)
	first := true
	for i, x := range res {
		if x.err != nil {
			continue
		}
		if !first {
			b.raw(",")
		}
		first = false
		b.raw("{")
		appendSendResult(&b, x, ids[i])
		b.raw("}")
	}
	b.raw(`],"Failed":[`)
	first = true
	for i, x := range res {
		if x.err == nil {
			continue
		}
		appendFailed(&b, first, ids[i], x.err)
		first = false
	}
	b.raw("]}")
	writeBody(w, b)
	return nil
}

func (s *Service) handleReceive(w http.ResponseWriter, r *http.Request, body []byte) error {
	var in receiveInput
	if err := awsjson.Decode(body, &in); err != nil {
		return err
	}
	q, err := s.lookupURL(in.QueueURL)
	if err != nil {
		return err
	}
	out, err := s.receive(r.Context(), q, &in)
	if err != nil {
		return err
	}
	sys := systemAttrSet(in.AttributeNames, in.MessageSystemAttributeNames)
	b := make(jsonBuf, 0, 512+len(out)*1024)
	b.raw("{")
	if len(out) > 0 {
		b.raw(`"Messages":[`)
		for i := range out {
			if i > 0 {
				b.raw(",")
			}
			appendMessage(&b, &out[i], sys, in.MessageAttributeNames)
		}
		b.raw("]")
	}
	b.raw("}")
	writeBody(w, b)
	return nil
}

// System attribute bits a receive asked for.
const (
	sysSenderID = 1 << iota
	sysSentTimestamp
	sysReceiveCount
	sysFirstReceive
	sysSequenceNumber
	sysDedupID
	sysGroupID
	sysTraceHeader
	sysDLQSource
	sysAll = 1<<iota - 1
)

var sysAttrBits = map[string]int{
	"All": sysAll, "SenderId": sysSenderID, "SentTimestamp": sysSentTimestamp,
	"ApproximateReceiveCount": sysReceiveCount, "ApproximateFirstReceiveTimestamp": sysFirstReceive,
	"SequenceNumber": sysSequenceNumber, "MessageDeduplicationId": sysDedupID,
	"MessageGroupId": sysGroupID, "AWSTraceHeader": sysTraceHeader,
	"DeadLetterQueueSourceArn": sysDLQSource,
}

func systemAttrSet(lists ...[]string) int {
	bits := 0
	for _, l := range lists {
		for _, n := range l {
			bits |= sysAttrBits[n]
		}
	}
	return bits
}

func appendMessage(b *jsonBuf, d *delivered, sys int, attrNames []string) {
	m := &d.m
	b.raw("{")
	b.field("MessageId", m.id, true)
	b.field("ReceiptHandle", d.receipt, false)
	b.field("MD5OfBody", m.md5Body, false)
	b.field("Body", m.body, false)
	if sys != 0 {
		b.key("Attributes", false)
		b.raw("{")
		first := true
		add := func(k, v string) {
			b.field(k, v, first)
			first = false
		}
		if sys&sysSenderID != 0 {
			add("SenderId", m.senderID)
		}
		if sys&sysSentTimestamp != 0 {
			add("SentTimestamp", fmtInt(m.sentAt))
		}
		if sys&sysReceiveCount != 0 {
			add("ApproximateReceiveCount", fmtInt(int64(m.receiveCount)))
		}
		if sys&sysFirstReceive != 0 {
			add("ApproximateFirstReceiveTimestamp", fmtInt(m.firstReceive))
		}
		if m.dedupID != "" {
			if sys&sysSequenceNumber != 0 {
				add("SequenceNumber", fmtSeq(m.seq))
			}
			if sys&sysDedupID != 0 {
				add("MessageDeduplicationId", m.dedupID)
			}
		}
		if sys&sysGroupID != 0 && m.groupID != "" {
			add("MessageGroupId", m.groupID)
		}
		if sys&sysTraceHeader != 0 && m.traceHeader != "" {
			add("AWSTraceHeader", m.traceHeader)
		}
		if sys&sysDLQSource != 0 && m.dlqSourceARN != "" {
			add("DeadLetterQueueSourceArn", m.dlqSourceARN)
		}
		b.raw("}")
	}
	if attrs := filterAttrs(m.attrs, attrNames); len(attrs) > 0 {
		md5 := m.md5Attrs
		if len(attrs) != len(m.attrs) {
			md5 = md5OfAttributes(attrs)
		}
		b.field("MD5OfMessageAttributes", md5, false)
		b.key("MessageAttributes", false)
		b.raw("{")
		for i, a := range attrs {
			b.key(a.name, i == 0)
			b.raw("{")
			b.field("DataType", a.dataType, true)
			if a.isBinary() {
				b.key("BinaryValue", false)
				b.blob(a.bin)
			} else {
				b.field("StringValue", a.str, false)
			}
			b.raw("}")
		}
		b.raw("}")
	}
	b.raw("}")
}

type receiptReq struct {
	QueueURL          string `json:"QueueUrl"`
	ReceiptHandle     string `json:"ReceiptHandle"`
	VisibilityTimeout *int32 `json:"VisibilityTimeout"`
}

type batchEntry struct {
	ID                string `json:"Id"`
	ReceiptHandle     string `json:"ReceiptHandle"`
	VisibilityTimeout *int32 `json:"VisibilityTimeout"`
}

type batchReq struct {
	QueueURL string       `json:"QueueUrl"`
	Entries  []batchEntry `json:"Entries"`
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request, body []byte) error {
	var in receiptReq
	if err := awsjson.Decode(body, &in); err != nil {
		return err
	}
	q, err := s.lookupURL(in.QueueURL)
	if err != nil {
		return err
	}
	if in.ReceiptHandle == "" {
		return errMissingParameter("ReceiptHandle")
	}
	errs, err := s.deleteMessages(r.Context(), q, []string{in.ReceiptHandle})
	if err != nil {
		return err
	}
	if errs[0] != nil {
		return errs[0]
	}
	writeBody(w, []byte("{}"))
	return nil
}

func (s *Service) handleChangeVisibility(w http.ResponseWriter, r *http.Request, body []byte) error {
	var in receiptReq
	if err := awsjson.Decode(body, &in); err != nil {
		return err
	}
	q, err := s.lookupURL(in.QueueURL)
	if err != nil {
		return err
	}
	if in.ReceiptHandle == "" {
		return errMissingParameter("ReceiptHandle")
	}
	if in.VisibilityTimeout == nil {
		return errMissingParameter("VisibilityTimeout")
	}
	errs, err := s.changeVisibility(r.Context(), q, []visibilityChange{{in.ReceiptHandle, *in.VisibilityTimeout}})
	if err != nil {
		return err
	}
	if errs[0] != nil {
		return errs[0]
	}
	writeBody(w, []byte("{}"))
	return nil
}

func (s *Service) decodeBatch(body []byte, what string) (*queue, *batchReq, error) {
	var in batchReq
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, nil, err
	}
	q, err := s.lookupURL(in.QueueURL)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = e.ID
	}
	if err := checkBatchIDs(ids, what); err != nil {
		return nil, nil, err
	}
	return q, &in, nil
}

func writeBatchResult(w http.ResponseWriter, entries []batchEntry, errs []*awsjson.Error) {
	b := make(jsonBuf, 0, 64*len(entries))
	b.raw(`{"Successful":[`)
	first := true
	for i, e := range entries {
		if errs[i] != nil {
			continue
		}
		if !first {
			b.raw(",")
		}
		first = false
		b.raw("{")
		b.field("Id", e.ID, true)
		b.raw("}")
	}
	b.raw(`],"Failed":[`)
	first = true
	for i, e := range entries {
		if errs[i] == nil {
			continue
		}
		appendFailed(&b, first, e.ID, errs[i])
		first = false
	}
	b.raw("]}")
	writeBody(w, b)
}

func (s *Service) handleDeleteBatch(w http.ResponseWriter, r *http.Request, body []byte) error {
	q, in, err := s.decodeBatch(body, "DeleteMessageBatchRequestEntry")
	if err != nil {
		return err
	}
	handles := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		handles[i] = e.ReceiptHandle
	}
	errs, err := s.deleteMessages(r.Context(), q, handles)
	if err != nil {
		return err
	}
	writeBatchResult(w, in.Entries, errs)
	return nil
}

func (s *Service) handleChangeVisibilityBatch(w http.ResponseWriter, r *http.Request, body []byte) error {
	q, in, err := s.decodeBatch(body, "ChangeMessageVisibilityBatchRequestEntry")
	if err != nil {
		return err
	}
	changes := make([]visibilityChange, len(in.Entries))
	for i, e := range in.Entries {
		changes[i].handle = e.ReceiptHandle
		if e.VisibilityTimeout != nil {
			changes[i].timeout = *e.VisibilityTimeout
		}
	}
	errs, err := s.changeVisibility(r.Context(), q, changes)
	if err != nil {
		return err
	}
	writeBatchResult(w, in.Entries, errs)
	return nil
}
