package sqs

import (
	"encoding/json"

	"github.com/licenseflow/licenseflow/localaws/awsjson"
)

// The inputs of the message operations read their JSON themselves
// (awsjson.FastDecoder): each knows its members by their exact names and
// leaves anything else (another spelling, a member given twice, a null) to
// encoding/json, which then decodes the whole body. Message attributes,
// which have a shape of their own, are handed to encoding/json alone.

// member is one member of an input of type T: its name and how to read it.
type member[T any] struct {
	name string
	read func(r *awsjson.Reader, in *T) bool
}

// members are the members an input reads fast (at most 32).
type members[T any] []member[T]

// decode reads an object of these members into in; a member given twice
// is refused (encoding/json would keep the last).
func (ms members[T]) decode(r *awsjson.Reader, in *T) bool {
	var got uint32
	return r.Object(func(key []byte) bool {
		for i := range ms {
			if string(key) == ms[i].name {
				if got&(1<<i) != 0 {
					return false
				}
				got |= 1 << i
				return ms[i].read(r, in)
			}
		}
		return false
	})
}

// embed makes members of an input that embeds an inner one.
func embed[O, I any](ms members[I], inner func(*O) *I) members[O] {
	out := make(members[O], len(ms))
	for i, m := range ms {
		out[i] = member[O]{m.name, func(r *awsjson.Reader, in *O) bool { return m.read(r, inner(in)) }}
	}
	return out
}

// Readers of a member's value into a field that field returns.

func str[T any](name string, field func(*T) *string) member[T] {
	return member[T]{name, func(r *awsjson.Reader, in *T) bool {
		s, ok := r.String()
		*field(in) = s
		return ok
	}}
}

func strPtr[T any](name string, field func(*T) **string) member[T] {
	return member[T]{name, func(r *awsjson.Reader, in *T) bool {
		s, ok := r.String()
		*field(in) = &s
		return ok
	}}
}

func int32Ptr[T any](name string, field func(*T) **int32) member[T] {
	return member[T]{name, func(r *awsjson.Reader, in *T) bool {
		v, ok := r.Int32()
		*field(in) = &v
		return ok
	}}
}

func strs[T any](name string, field func(*T) *[]string) member[T] {
	return member[T]{name, func(r *awsjson.Reader, in *T) bool {
		v, ok := r.Strings()
		*field(in) = v
		return ok
	}}
}

// viaJSON hands a member's value to encoding/json.
func viaJSON[T any](name string, field func(*T) any) member[T] {
	return member[T]{name, func(r *awsjson.Reader, in *T) bool {
		raw, ok := r.Raw()
		return ok && json.Unmarshal(raw, field(in)) == nil
	}}
}

// list reads an array of elements, each an object of ms.
func list[T, E any](name string, field func(*T) *[]E, ms members[E]) member[T] {
	return member[T]{name, func(r *awsjson.Reader, in *T) bool {
		es := make([]E, 0, 10)
		ok := r.Array(func() bool {
			es = append(es, *new(E))
			return ms.decode(r, &es[len(es)-1])
		})
		*field(in) = es
		return ok
	}}
}

// ptrList reads an array of pointers to elements, each an object of ms.
func ptrList[T, E any](name string, field func(*T) *[]*E, ms members[E]) member[T] {
	return member[T]{name, func(r *awsjson.Reader, in *T) bool {
		es := make([]*E, 0, 10)
		ok := r.Array(func() bool {
			e := new(E)
			es = append(es, e)
			return ms.decode(r, e)
		})
		*field(in) = es
		return ok
	}}
}

var sendMembers = members[sendInput]{
	str("Id", func(in *sendInput) *string { return &in.ID }),
	strPtr("MessageBody", func(in *sendInput) **string { return &in.MessageBody }),
	int32Ptr("DelaySeconds", func(in *sendInput) **int32 { return &in.DelaySeconds }),
	viaJSON("MessageAttributes", func(in *sendInput) any { return &in.MessageAttributes }),
	viaJSON("MessageSystemAttributes", func(in *sendInput) any { return &in.MessageSystemAttributes }),
	strPtr("MessageDeduplicationId", func(in *sendInput) **string { return &in.MessageDeduplicationID }),
	strPtr("MessageGroupId", func(in *sendInput) **string { return &in.MessageGroupID }),
}

var sendMessageMembers = append(members[sendMessageInput]{
	str("QueueUrl", func(in *sendMessageInput) *string { return &in.QueueURL }),
}, embed(sendMembers, func(in *sendMessageInput) *sendInput { return &in.sendInput })...)

var sendBatchMembers = members[sendMessageBatchInput]{
	str("QueueUrl", func(in *sendMessageBatchInput) *string { return &in.QueueURL }),
	ptrList("Entries", func(in *sendMessageBatchInput) *[]*sendInput { return &in.Entries }, sendMembers),
}

var receiveMembers = members[receiveInput]{
	str("QueueUrl", func(in *receiveInput) *string { return &in.QueueURL }),
	strs("AttributeNames", func(in *receiveInput) *[]string { return &in.AttributeNames }),
	strs("MessageSystemAttributeNames", func(in *receiveInput) *[]string { return &in.MessageSystemAttributeNames }),
	strs("MessageAttributeNames", func(in *receiveInput) *[]string { return &in.MessageAttributeNames }),
	int32Ptr("MaxNumberOfMessages", func(in *receiveInput) **int32 { return &in.MaxNumberOfMessages }),
	int32Ptr("VisibilityTimeout", func(in *receiveInput) **int32 { return &in.VisibilityTimeout }),
	int32Ptr("WaitTimeSeconds", func(in *receiveInput) **int32 { return &in.WaitTimeSeconds }),
	strPtr("ReceiveRequestAttemptId", func(in *receiveInput) **string { return &in.ReceiveRequestAttemptID }),
}

var receiptMembers = members[receiptInput]{
	str("QueueUrl", func(in *receiptInput) *string { return &in.QueueURL }),
	str("ReceiptHandle", func(in *receiptInput) *string { return &in.ReceiptHandle }),
	int32Ptr("VisibilityTimeout", func(in *receiptInput) **int32 { return &in.VisibilityTimeout }),
}

var receiptBatchMembers = members[receiptBatchInput]{
	str("QueueUrl", func(in *receiptBatchInput) *string { return &in.QueueURL }),
	list("Entries", func(in *receiptBatchInput) *[]receiptEntry { return &in.Entries }, members[receiptEntry]{
		str("Id", func(e *receiptEntry) *string { return &e.ID }),
		str("ReceiptHandle", func(e *receiptEntry) *string { return &e.ReceiptHandle }),
		int32Ptr("VisibilityTimeout", func(e *receiptEntry) **int32 { return &e.VisibilityTimeout }),
	}),
}

// DecodeFast implements awsjson.FastDecoder.
func (in *sendMessageInput) DecodeFast(r *awsjson.Reader) bool {
	return sendMessageMembers.decode(r, in)
}

// DecodeFast implements awsjson.FastDecoder.
func (in *sendMessageBatchInput) DecodeFast(r *awsjson.Reader) bool {
	return sendBatchMembers.decode(r, in)
}

// DecodeFast implements awsjson.FastDecoder.
func (in *receiveInput) DecodeFast(r *awsjson.Reader) bool { return receiveMembers.decode(r, in) }

// DecodeFast implements awsjson.FastDecoder.
func (in *receiptInput) DecodeFast(r *awsjson.Reader) bool { return receiptMembers.decode(r, in) }

// DecodeFast implements awsjson.FastDecoder.
func (in *receiptBatchInput) DecodeFast(r *awsjson.Reader) bool {
	return receiptBatchMembers.decode(r, in)
}
