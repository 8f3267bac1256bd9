package conformance

import (
	"context"
	"errors"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	v1aws "github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/awserr"
	v1credentials "github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/request"
	"github.com/aws/aws-sdk-go/aws/session"
	sqsv1 "github.com/aws/aws-sdk-go/service/sqs"
	"github.com/aws/smithy-go"
)

// queryClient is aws-sdk-go v1 at v1.44.256, from before SQS's switch to
// the JSON protocol, behind aws-sdk-go-v2's methods: every call goes out in
// the query protocol, with v1's own serialisation, XML parsing and MD5
// checks of bodies. Inputs and outputs are copied member by member between
// the two SDKs' shapes; an error becomes the v2 error of its query code.
type queryClient struct{ c *sqsv1.SQS }

func newQueryClient(endpoint string, local bool) (*queryClient, error) {
	cfg := v1aws.Config{Endpoint: v1aws.String(endpoint), Region: v1aws.String("us-east-1")}
	if local {
		cfg.Credentials = v1credentials.NewStaticCredentials("local", "local", "")
	}
	sess, err := session.NewSessionWithOptions(session.Options{Config: cfg, SharedConfigState: session.SharedConfigEnable})
	if err != nil {
		return nil, err
	}
	return &queryClient{sqsv1.New(sess)}, nil
}

// call runs fn, a v1 operation, on in converted to fn's input, and returns
// fn's output converted to Out.
func call[Out, In1, Out1, In any](ctx context.Context, fn func(v1aws.Context, *In1, ...request.Option) (*Out1, error), in *In) (*Out, error) {
	var v1in In1
	copyShape(reflect.ValueOf(&v1in).Elem(), reflect.ValueOf(in).Elem(), false)
	v1out, err := fn(ctx, &v1in)
	if err != nil {
		return nil, v2Error(err)
	}
	var out Out
	copyShape(reflect.ValueOf(&out).Elem(), reflect.ValueOf(v1out).Elem(), false)
	return &out, nil
}

// copyShape copies src into dst member by member, by name, between the
// SDKs' shapes: v1 points to every value, v2 holds scalars by value and
// leaves a zero one unsent, so a zero v2 scalar is left nil in v1 unless
// v1 says the member is required.
func copyShape(dst, src reflect.Value, required bool) {
	if src.Kind() == reflect.Pointer {
		if src.IsNil() {
			return
		}
		src, required = src.Elem(), true
	}
	if dst.Kind() == reflect.Pointer {
		scalar := src.Kind() != reflect.Struct && src.Kind() != reflect.Slice && src.Kind() != reflect.Map
		if scalar && src.IsZero() && !required {
			return
		}
		p := reflect.New(dst.Type().Elem())
		copyShape(p.Elem(), src, required)
		dst.Set(p)
		return
	}
	switch dst.Kind() {
	case reflect.Struct:
		for i := 0; i < dst.NumField(); i++ {
			f := dst.Type().Field(i)
			if s := src.FieldByName(f.Name); f.IsExported() && s.IsValid() {
				copyShape(dst.Field(i), s, f.Tag.Get("required") == "true")
			}
		}
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		if dst.Type().Elem().Kind() == reflect.Uint8 {
			dst.SetBytes(append([]byte{}, src.Bytes()...))
			return
		}
		s := reflect.MakeSlice(dst.Type(), src.Len(), src.Len())
		for i := 0; i < src.Len(); i++ {
			copyShape(s.Index(i), src.Index(i), true)
		}
		dst.Set(s)
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMap(dst.Type())
		for it := src.MapRange(); it.Next(); {
			v := reflect.New(dst.Type().Elem()).Elem()
			copyShape(v, it.Value(), true)
			m.SetMapIndex(reflect.ValueOf(it.Key().String()).Convert(dst.Type().Key()), v)
		}
		dst.Set(m)
	case reflect.String:
		dst.SetString(src.String())
	case reflect.Bool:
		dst.SetBool(src.Bool())
	case reflect.Int, reflect.Int32, reflect.Int64:
		dst.SetInt(src.Int())
	}
}

// v2Errors make the v2 error of each query code SQS documents (the codes
// as aws-sdk-go v1 names them).
var v2Errors = map[string]func(string) error{
	sqsv1.ErrCodeQueueDoesNotExist:            func(m string) error { return &types.QueueDoesNotExist{Message: &m} },
	sqsv1.ErrCodeQueueNameExists:              func(m string) error { return &types.QueueNameExists{Message: &m} },
	sqsv1.ErrCodeQueueDeletedRecently:         func(m string) error { return &types.QueueDeletedRecently{Message: &m} },
	sqsv1.ErrCodeInvalidAttributeName:         func(m string) error { return &types.InvalidAttributeName{Message: &m} },
	sqsv1.ErrCodeReceiptHandleIsInvalid:       func(m string) error { return &types.ReceiptHandleIsInvalid{Message: &m} },
	sqsv1.ErrCodeMessageNotInflight:           func(m string) error { return &types.MessageNotInflight{Message: &m} },
	sqsv1.ErrCodeEmptyBatchRequest:            func(m string) error { return &types.EmptyBatchRequest{Message: &m} },
	sqsv1.ErrCodeTooManyEntriesInBatchRequest: func(m string) error { return &types.TooManyEntriesInBatchRequest{Message: &m} },
	sqsv1.ErrCodeBatchEntryIdsNotDistinct:     func(m string) error { return &types.BatchEntryIdsNotDistinct{Message: &m} },
	sqsv1.ErrCodeInvalidBatchEntryId:          func(m string) error { return &types.InvalidBatchEntryId{Message: &m} },
	sqsv1.ErrCodeBatchRequestTooLong:          func(m string) error { return &types.BatchRequestTooLong{Message: &m} },
	sqsv1.ErrCodePurgeQueueInProgress:         func(m string) error { return &types.PurgeQueueInProgress{Message: &m} },
	sqsv1.ErrCodeInvalidMessageContents:       func(m string) error { return &types.InvalidMessageContents{Message: &m} },
	sqsv1.ErrCodeUnsupportedOperation:         func(m string) error { return &types.UnsupportedOperation{Message: &m} },
	"ResourceNotFoundException":               func(m string) error { return &types.ResourceNotFoundException{Message: &m} },
	sqsv1.ErrCodeOverLimit:                    func(m string) error { return &types.OverLimit{Message: &m} },
}

func v2Error(err error) error {
	var ae awserr.Error
	if !errors.As(err, &ae) {
		return err
	}
	if mk, ok := v2Errors[ae.Code()]; ok {
		return mk(ae.Message())
	}
	return &smithy.GenericAPIError{Code: ae.Code(), Message: ae.Message()}
}

// moveTask is every member of the message move task operations' inputs,
// outputs and listed tasks, in aws-sdk-go v1's terms: v1.44.256 predates
// the operations, so they are sent through its query client as v1 would
// have (nil members are not sent).
type moveTask struct {
	_                                                                   struct{} `type:"structure"`
	SourceArn, DestinationArn, TaskHandle, Status, FailureReason        *string
	MaxNumberOfMessagesPerSecond, MaxResults                            *int64
	ApproximateNumberOfMessagesMoved, ApproximateNumberOfMessagesToMove *int64
	StartedTimestamp                                                    *int64
	Results                                                             []*moveTask `locationNameList:"ListMessageMoveTasksResultEntry" type:"list" flattened:"true"`
}

// moveTaskCall is an operation v1.44.256 lacks, as a v1 operation.
func (q *queryClient) moveTaskCall(name string) func(v1aws.Context, *moveTask, ...request.Option) (*moveTask, error) {
	return func(ctx v1aws.Context, in *moveTask, opts ...request.Option) (*moveTask, error) {
		out := &moveTask{}
		req := q.c.NewRequest(&request.Operation{Name: name, HTTPMethod: "POST", HTTPPath: "/"}, in, out)
		req.SetContext(ctx)
		req.ApplyOptions(opts...)
		return out, req.Send()
	}
}

func (q *queryClient) CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, _ ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	return call[sqs.CreateQueueOutput](ctx, q.c.CreateQueueWithContext, in)
}

func (q *queryClient) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	return call[sqs.GetQueueUrlOutput](ctx, q.c.GetQueueUrlWithContext, in)
}

func (q *queryClient) ListQueues(ctx context.Context, in *sqs.ListQueuesInput, _ ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	return call[sqs.ListQueuesOutput](ctx, q.c.ListQueuesWithContext, in)
}

func (q *queryClient) DeleteQueue(ctx context.Context, in *sqs.DeleteQueueInput, _ ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error) {
	return call[sqs.DeleteQueueOutput](ctx, q.c.DeleteQueueWithContext, in)
}

func (q *queryClient) PurgeQueue(ctx context.Context, in *sqs.PurgeQueueInput, _ ...func(*sqs.Options)) (*sqs.PurgeQueueOutput, error) {
	return call[sqs.PurgeQueueOutput](ctx, q.c.PurgeQueueWithContext, in)
}

func (q *queryClient) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return call[sqs.GetQueueAttributesOutput](ctx, q.c.GetQueueAttributesWithContext, in)
}

func (q *queryClient) SetQueueAttributes(ctx context.Context, in *sqs.SetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error) {
	return call[sqs.SetQueueAttributesOutput](ctx, q.c.SetQueueAttributesWithContext, in)
}

func (q *queryClient) TagQueue(ctx context.Context, in *sqs.TagQueueInput, _ ...func(*sqs.Options)) (*sqs.TagQueueOutput, error) {
	return call[sqs.TagQueueOutput](ctx, q.c.TagQueueWithContext, in)
}

func (q *queryClient) UntagQueue(ctx context.Context, in *sqs.UntagQueueInput, _ ...func(*sqs.Options)) (*sqs.UntagQueueOutput, error) {
	return call[sqs.UntagQueueOutput](ctx, q.c.UntagQueueWithContext, in)
}

func (q *queryClient) ListQueueTags(ctx context.Context, in *sqs.ListQueueTagsInput, _ ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	return call[sqs.ListQueueTagsOutput](ctx, q.c.ListQueueTagsWithContext, in)
}

func (q *queryClient) AddPermission(ctx context.Context, in *sqs.AddPermissionInput, _ ...func(*sqs.Options)) (*sqs.AddPermissionOutput, error) {
	return call[sqs.AddPermissionOutput](ctx, q.c.AddPermissionWithContext, in)
}

func (q *queryClient) RemovePermission(ctx context.Context, in *sqs.RemovePermissionInput, _ ...func(*sqs.Options)) (*sqs.RemovePermissionOutput, error) {
	return call[sqs.RemovePermissionOutput](ctx, q.c.RemovePermissionWithContext, in)
}

func (q *queryClient) ListDeadLetterSourceQueues(ctx context.Context, in *sqs.ListDeadLetterSourceQueuesInput, _ ...func(*sqs.Options)) (*sqs.ListDeadLetterSourceQueuesOutput, error) {
	return call[sqs.ListDeadLetterSourceQueuesOutput](ctx, q.c.ListDeadLetterSourceQueuesWithContext, in)
}

func (q *queryClient) SendMessage(ctx context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	return call[sqs.SendMessageOutput](ctx, q.c.SendMessageWithContext, in)
}

func (q *queryClient) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	return call[sqs.SendMessageBatchOutput](ctx, q.c.SendMessageBatchWithContext, in)
}

// ReceiveMessage asks for the system attributes by AttributeNames, the
// only way v1.44.256 knows.
func (q *queryClient) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	c := *in
	for _, n := range in.MessageSystemAttributeNames {
		c.AttributeNames = append(c.AttributeNames, types.QueueAttributeName(n))
	}
	return call[sqs.ReceiveMessageOutput](ctx, q.c.ReceiveMessageWithContext, &c)
}

func (q *queryClient) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	return call[sqs.DeleteMessageOutput](ctx, q.c.DeleteMessageWithContext, in)
}

func (q *queryClient) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	return call[sqs.DeleteMessageBatchOutput](ctx, q.c.DeleteMessageBatchWithContext, in)
}

func (q *queryClient) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	return call[sqs.ChangeMessageVisibilityOutput](ctx, q.c.ChangeMessageVisibilityWithContext, in)
}

func (q *queryClient) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	return call[sqs.ChangeMessageVisibilityBatchOutput](ctx, q.c.ChangeMessageVisibilityBatchWithContext, in)
}

func (q *queryClient) StartMessageMoveTask(ctx context.Context, in *sqs.StartMessageMoveTaskInput, _ ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error) {
	return call[sqs.StartMessageMoveTaskOutput](ctx, q.moveTaskCall("StartMessageMoveTask"), in)
}

func (q *queryClient) CancelMessageMoveTask(ctx context.Context, in *sqs.CancelMessageMoveTaskInput, _ ...func(*sqs.Options)) (*sqs.CancelMessageMoveTaskOutput, error) {
	return call[sqs.CancelMessageMoveTaskOutput](ctx, q.moveTaskCall("CancelMessageMoveTask"), in)
}

func (q *queryClient) ListMessageMoveTasks(ctx context.Context, in *sqs.ListMessageMoveTasksInput, _ ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error) {
	return call[sqs.ListMessageMoveTasksOutput](ctx, q.moveTaskCall("ListMessageMoveTasks"), in)
}
