package sqs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// sendResult is the outcome of one sent message.
type sendResult struct {
	msg *message
	dup *dedupEntry // set when a FIFO duplicate was suppressed
	err *awsapi.Error
}

func (r sendResult) sequenceNumber() string {
	if r.dup != nil {
		return fmtSeq(r.dup.seq)
	}
	return fmtSeq(r.msg.seq)
}

func (r sendResult) messageID() string {
	if r.dup != nil {
		return r.dup.msgID
	}
	return r.msg.id
}

func fmtSeq(seq uint64) string { return fmt.Sprintf("%020d", seq) }

// output is the result as SendMessage answers it; id is the batch entry's.
func (r sendResult) output(id string) sendMessageOutput {
	o := sendMessageOutput{ID: id, MessageID: r.messageID(), MD5OfMessageBody: r.msg.md5Body,
		MD5OfMessageAttributes: r.msg.md5Attrs, MD5OfMessageSystemAttributes: r.msg.md5Sys}
	if r.msg.dedupID != "" || r.dup != nil {
		o.SequenceNumber = r.sequenceNumber()
	}
	return o
}

// sendMessage is the SendMessage operation.
func (s *Service) sendMessage(ctx context.Context, q *queue, in *sendMessageInput) (*sendMessageOutput, error) {
	res, err := s.send(ctx, q, []*sendInput{&in.sendInput}, s.senderID(ctx))
	if err != nil {
		return nil, err
	}
	if res[0].err != nil {
		return nil, res[0].err
	}
	out := res[0].output("")
	return &out, nil
}

// sendMessageBatch is the SendMessageBatch operation.
func (s *Service) sendMessageBatch(ctx context.Context, q *queue, in *sendMessageBatchInput) (*batchResult[sendMessageOutput], error) {
	ids, err := in.check()
	if err != nil {
		return nil, err
	}
	res, err := s.send(ctx, q, in.Entries, s.senderID(ctx))
	if err != nil {
		return nil, err
	}
	return newBatchResult(ids,
		func(i int) *awsapi.Error { return res[i].err },
		func(i int) sendMessageOutput { return res[i].output(ids[i]) }), nil
}

// check applies the batch rules and the limit on the whole batch's size,
// and returns the entries' ids. A null entry becomes an empty one.
func (in *sendMessageBatchInput) check() ([]string, error) {
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
		return nil, err
	}
	if total > maxMessageBytes {
		return nil, errBatchTooLong(total, maxMessageBytes)
	}
	return ids, nil
}

// prepare validates one message and builds it (without seq, id and times).
// size is what it counts against the size limit.
func (q *queue) prepare(in *sendInput, senderID string, set queueSettings) (*message, int64, int, *awsapi.Error) {
	if in.MessageBody == nil || *in.MessageBody == "" {
		return nil, 0, 0, errMissingParameter("MessageBody")
	}
	body := *in.MessageBody
	if !validBody(body) {
		return nil, 0, 0, errInvalidMessageContents()
	}
	m := &message{body: body, senderID: senderID, heapIdx: -1}
	if len(in.MessageAttributes) > 10 {
		return nil, 0, 0, errInvalidParameter("Number of message attributes [%d] exceeds the allowed maximum [10].", len(in.MessageAttributes))
	}
	if len(in.MessageAttributes) > 0 {
		m.attrs = make([]msgAttr, 0, len(in.MessageAttributes))
		for name, v := range in.MessageAttributes {
			a, err := buildAttr(name, v)
			if err != nil {
				return nil, 0, 0, err
			}
			m.attrs = append(m.attrs, a)
		}
		sortAttrs(m.attrs)
	}
	for name, v := range in.MessageSystemAttributes {
		if name != "AWSTraceHeader" {
			return nil, 0, 0, errInvalidParameter("Message system attribute name '%s' is invalid.", name)
		}
		if v.DataType != "String" || v.StringValue == nil || *v.StringValue == "" {
			return nil, 0, 0, errInvalidParameter("Message system attribute 'AWSTraceHeader' must contain a non-empty value of type 'String'.")
		}
		m.traceHeader = *v.StringValue
	}
	size := len(body) + attrsSize(m.attrs)
	if size > set.maxSize {
		return nil, 0, 0, errInvalidParameter("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", set.maxSize)
	}
	delay := int64(set.delay)
	if in.DelaySeconds != nil {
		if q.fifo {
			return nil, 0, 0, errInvalidParameter("Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", *in.DelaySeconds)
		}
		if *in.DelaySeconds < 0 || *in.DelaySeconds > 900 {
			return nil, 0, 0, errInvalidParameter("Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", *in.DelaySeconds)
		}
		delay = int64(*in.DelaySeconds)
	}
	if in.MessageGroupID != nil {
		if !validFifoID(*in.MessageGroupID) {
			return nil, 0, 0, errInvalidParameter("Value %s for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.", *in.MessageGroupID)
		}
		m.groupID = *in.MessageGroupID
	}
	if !q.fifo {
		if in.MessageDeduplicationID != nil {
			return nil, 0, 0, errInvalidParameter("The request include parameter that is not valid for this queue type")
		}
	} else {
		if in.MessageGroupID == nil {
			return nil, 0, 0, errMissingParameter("MessageGroupId")
		}
		switch {
		case in.MessageDeduplicationID != nil:
			if !validFifoID(*in.MessageDeduplicationID) {
				return nil, 0, 0, errInvalidParameter("Value %s for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.", *in.MessageDeduplicationID)
			}
			m.dedupID = *in.MessageDeduplicationID
		case set.contentDedup:
			sum := sha256.Sum256([]byte(body))
			m.dedupID = hex.EncodeToString(sum[:])
		default:
			return nil, 0, 0, errInvalidParameter("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
	}
	m.md5Body = md5Hex(body)
	m.md5Attrs = md5OfAttributes(m.attrs)
	m.md5Sys = md5OfTraceHeader(m.traceHeader)
	return m, delay, size, nil
}

func buildAttr(name string, v attrValue) (msgAttr, *awsapi.Error) {
	if !validAttrName(name) {
		return msgAttr{}, errInvalidParameter("Message (user) attribute name '%s' is invalid. Attribute name can contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters.", name)
	}
	a := msgAttr{name: name, dataType: v.DataType}
	base, custom, hasCustom := strings.Cut(v.DataType, ".")
	if len(v.DataType) > 256 || (hasCustom && custom == "") {
		return a, errInvalidParameter("Message (user) attribute '%s' has an invalid data type '%s'.", name, v.DataType)
	}
	switch base {
	case "String", "Number":
		if v.StringValue == nil || *v.StringValue == "" {
			return a, errInvalidParameter("Message (user) attribute '%s' must contain a non-empty value of type '%s'.", name, base)
		}
		if base == "Number" && !validNumber(*v.StringValue) {
			return a, errInvalidParameter("Can't cast the value of message (user) attribute '%s' to a number.", name)
		}
		if !validBody(*v.StringValue) {
			return a, errInvalidMessageContents()
		}
		a.str = *v.StringValue
	case "Binary":
		if len(v.BinaryValue) == 0 {
			return a, errInvalidParameter("Message (user) attribute '%s' must contain a non-empty value of type 'Binary'.", name)
		}
		a.bin = v.BinaryValue
	case "":
		return a, errInvalidParameter("The message attribute '%s' must contain non-empty message attribute type.", name)
	default:
		return a, errInvalidParameter("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
	}
	return a, nil
}

func validFifoID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// send validates and stores messages; each gets its own result. The call
// returns once the accepted ones are durable.
func (s *Service) send(ctx context.Context, q *queue, ins []*sendInput, senderID string) ([]sendResult, error) {
	q.mu.Lock()
	set := q.set
	q.mu.Unlock()
	res := make([]sendResult, len(ins))
	delays := make([]int64, len(ins))
	valid := 0
	for i, in := range ins {
		m, delay, _, err := q.prepare(in, senderID, set)
		res[i] = sendResult{msg: m, err: err}
		delays[i] = delay
		if err == nil {
			valid++
		}
	}
	if valid == 0 {
		return res, nil
	}
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	if q.fifo {
		// FIFO messages enter their groups in sequence order: one send at a time.
		q.sendMu.Lock()
		defer q.sendMu.Unlock()
	}
	if err := q.lockLive(); err != nil {
		return nil, err
	}
	fresh := s.number(q, res, delays, valid)
	q.mu.Unlock()
	if len(fresh) == 0 {
		return res, nil
	}
	rec := sendRecord(q.qid, fresh)
	err := s.appendRecs(context.WithoutCancel(ctx), true, rec)
	releaseRecord(rec)
	if err != nil {
		q.mu.Lock()
		q.forgetDedup(fresh)
		q.mu.Unlock()
		return nil, err
	}
	q.mu.Lock()
	q.insertSent(fresh, s.nowMs())
	q.mu.Unlock()
	return res, nil
}

// number gives the prepared messages of res their sequence numbers, ids
// and times, and returns them; a FIFO duplicate within the deduplication
// window gets its original's result instead. The caller holds q.mu.
func (s *Service) number(q *queue, res []sendResult, delays []int64, valid int) []*message {
	now := s.nowMs()
	fresh := make([]*message, 0, valid)
	for i := range res {
		m := res[i].msg
		if m == nil {
			continue
		}
		if q.fifo {
			q.expire(now)
			key := q.dedupKey(m.groupID, m.dedupID)
			if e, ok := q.dedup[key]; ok && e.expires > now {
				res[i].dup = &e
				continue
			}
		}
		m.seq = q.nextSeq
		q.nextSeq++
		m.id = s.newMessageID()
		m.sentAt = now
		if delays[i] > 0 {
			m.visibleAt = now + delays[i]*1000
		}
		if q.fifo {
			q.addDedup(q.dedupKey(m.groupID, m.dedupID), dedupEntry{msgID: m.id, seq: m.seq, expires: now + dedupWindowMs})
		}
		fresh = append(fresh, m)
	}
	return fresh
}

// forgetDedup drops the deduplication entries of messages that did not
// become durable. The caller holds q.mu.
func (q *queue) forgetDedup(ms []*message) {
	if !q.fifo {
		return
	}
	for _, m := range ms {
		key := q.dedupKey(m.groupID, m.dedupID)
		if e, ok := q.dedup[key]; ok && e.seq == m.seq {
			delete(q.dedup, key)
		}
	}
}

// insertSent makes durable sent messages receivable (or delayed), unless
// the queue was deleted or purged past them meanwhile, and wakes waiting
// receives. The caller holds q.mu.
func (q *queue) insertSent(ms []*message, now int64) {
	woke := false
	for _, m := range ms {
		if q.deleted || m.seq < q.purgedBelow {
			continue
		}
		if q.insert(m, now) {
			woke = true
		}
	}
	if woke {
		q.wake()
	}
}

// SendInternal sends a message to the queue with the given ARN, with
// String message attributes, and returns once it is durable. It is how
// EventBridge targets deliver. Errors wrap ErrQueueNotFound when the queue
// does not exist.
func (s *Service) SendInternal(ctx context.Context, queueARN, body string, attrs map[string]string, groupID, dedupID string) (string, error) {
	ids, errs := s.SendInternalBatch(ctx, queueARN, []InternalMessage{{Body: body, Attributes: attrs,
		GroupID: groupID, DeduplicationID: dedupID}})
	return ids[0], errs[0]
}

// InternalMessage is one message SendInternalBatch sends.
type InternalMessage struct {
	Body            string
	Attributes      map[string]string // String message attributes
	GroupID         string
	DeduplicationID string
}

// SendInternalBatch sends ms to the queue with the given ARN in one durable
// write and returns a message id or an error for each, in order. A queue
// that does not exist fails every message with an error wrapping
// ErrQueueNotFound.
func (s *Service) SendInternalBatch(ctx context.Context, queueARN string, ms []InternalMessage) ([]string, []error) {
	ids, errs := make([]string, len(ms)), make([]error, len(ms))
	failAll := func(err error) ([]string, []error) {
		for i := range errs {
			errs[i] = fmt.Errorf("sending to %s: %w", queueARN, err)
		}
		return ids, errs
	}
	q := s.lookupARN(queueARN)
	if q == nil {
		return failAll(ErrQueueNotFound)
	}
	ins := make([]*sendInput, len(ms))
	for i, m := range ms {
		in := &sendInput{MessageBody: &m.Body}
		if len(m.Attributes) > 0 {
			in.MessageAttributes = make(map[string]attrValue, len(m.Attributes))
			for k, v := range m.Attributes {
				in.MessageAttributes[k] = attrValue{DataType: "String", StringValue: &v}
			}
		}
		if m.GroupID != "" {
			in.MessageGroupID = &m.GroupID
		}
		if m.DeduplicationID != "" && q.fifo {
			in.MessageDeduplicationID = &m.DeduplicationID
		}
		ins[i] = in
	}
	res, err := s.send(ctx, q, ins, s.cfg.AccountID)
	if err != nil {
		var ae *awsapi.Error
		if errors.As(err, &ae) && ae.Code == "QueueDoesNotExist" {
			return failAll(ErrQueueNotFound)
		}
		return failAll(err)
	}
	for i := range res {
		if res[i].err != nil {
			errs[i] = fmt.Errorf("sending to %s: %w", queueARN, res[i].err)
			continue
		}
		ids[i] = res[i].messageID()
	}
	return ids, errs
}
