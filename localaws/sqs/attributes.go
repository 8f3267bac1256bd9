package sqs

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Queue attribute names AWS documents.
const (
	attrDelaySeconds           = "DelaySeconds"
	attrMaximumMessageSize     = "MaximumMessageSize"
	attrMessageRetentionPeriod = "MessageRetentionPeriod"
	attrReceiveWaitTime        = "ReceiveMessageWaitTimeSeconds"
	attrVisibilityTimeout      = "VisibilityTimeout"
	attrRedrivePolicy          = "RedrivePolicy"
	attrRedriveAllowPolicy     = "RedriveAllowPolicy"
	attrPolicy                 = "Policy"
	attrKmsMasterKeyID         = "KmsMasterKeyId"
	attrKmsReusePeriod         = "KmsDataKeyReusePeriodSeconds"
	attrSqsManagedSse          = "SqsManagedSseEnabled"
	attrFifoQueue              = "FifoQueue"
	attrContentBasedDedup      = "ContentBasedDeduplication"
	attrDeduplicationScope     = "DeduplicationScope"
	attrFifoThroughputLimit    = "FifoThroughputLimit"

	attrApproxMessages   = "ApproximateNumberOfMessages"
	attrApproxNotVisible = "ApproximateNumberOfMessagesNotVisible"
	attrApproxDelayed    = "ApproximateNumberOfMessagesDelayed"
	attrCreated          = "CreatedTimestamp"
	attrLastModified     = "LastModifiedTimestamp"
	attrQueueArn         = "QueueArn"

	maxMessageBytes = 1 << 20 // 1 MiB: AWS's limit for a message and for a batch
)

// readOnlyAttrs are reported by GetQueueAttributes but never set.
var readOnlyAttrs = map[string]bool{
	attrApproxMessages: true, attrApproxNotVisible: true, attrApproxDelayed: true,
	attrCreated: true, attrLastModified: true, attrQueueArn: true,
}

// fifoOnlyAttrs exist only on FIFO queues.
var fifoOnlyAttrs = map[string]bool{
	attrContentBasedDedup: true, attrDeduplicationScope: true, attrFifoThroughputLimit: true,
}

type intRange struct{ min, max int }

var intAttrs = map[string]intRange{
	attrDelaySeconds:           {0, 900},
	attrMaximumMessageSize:     {1024, maxMessageBytes},
	attrMessageRetentionPeriod: {60, 1209600},
	attrReceiveWaitTime:        {0, 20},
	attrVisibilityTimeout:      {0, 43200},
	attrKmsReusePeriod:         {60, 86400},
}

// defaultAttrs returns the settable attributes of a new queue.
func defaultAttrs(fifo bool) map[string]string {
	a := map[string]string{
		attrDelaySeconds:           "0",
		attrMaximumMessageSize:     strconv.Itoa(maxMessageBytes),
		attrMessageRetentionPeriod: "345600",
		attrReceiveWaitTime:        "0",
		attrVisibilityTimeout:      "30",
		attrSqsManagedSse:          "true",
	}
	if fifo {
		a[attrFifoQueue] = "true"
		a[attrContentBasedDedup] = "false"
		a[attrDeduplicationScope] = "queue"
		a[attrFifoThroughputLimit] = "perQueue"
	}
	return a
}

// queueSettings are the parsed settable attributes the hot paths read.
type queueSettings struct {
	delay, maxSize, retention, waitTime, visibility int
	redrive                                         *redrivePolicy
	contentDedup                                    bool
	dedupPerGroup                                   bool
}

type redrivePolicy struct {
	DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	MaxReceiveCount     int    `json:"maxReceiveCount"`
}

func parseSettings(a map[string]string) queueSettings {
	atoi := func(k string) int { n, _ := strconv.Atoi(a[k]); return n }
	s := queueSettings{
		delay: atoi(attrDelaySeconds), maxSize: atoi(attrMaximumMessageSize),
		retention: atoi(attrMessageRetentionPeriod), waitTime: atoi(attrReceiveWaitTime),
		visibility:    atoi(attrVisibilityTimeout),
		contentDedup:  a[attrContentBasedDedup] == "true",
		dedupPerGroup: a[attrDeduplicationScope] == "messageGroup",
	}
	if rp := a[attrRedrivePolicy]; rp != "" {
		var p redrivePolicy
		if json.Unmarshal([]byte(rp), &p) == nil {
			s.redrive = &p
		}
	}
	return s
}

// deadLetterTarget reports whether a queue ARN names an existing queue,
// whether it is FIFO and whether its RedriveAllowPolicy admits the queue
// being configured as one of its sources.
type deadLetterTarget func(arn string) (exists, isFifo, allowed bool)

// validateAttrs checks the attributes of a CreateQueue or
// SetQueueAttributes call and returns them in canonical form; queueKind
// answers for the dead-letter queue a RedrivePolicy names.
func validateAttrs(in map[string]string, fifo, creating bool, queueKind deadLetterTarget) (map[string]string, error) {
	out := make(map[string]string, len(in))
	names := make([]string, 0, len(in))
	for k := range in {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := in[k]
		switch {
		case readOnlyAttrs[k]:
			return nil, errInvalidAttributeName("Unknown Attribute %s.", k)
		case fifoOnlyAttrs[k] && !fifo:
			return nil, errInvalidAttributeName("Unknown Attribute %s.", k)
		}
		if r, ok := intAttrs[k]; ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < r.min || n > r.max {
				return nil, errInvalidAttributeValue("Invalid value for the parameter %s.", k)
			}
			out[k] = strconv.Itoa(n)
			continue
		}
		switch k {
		case attrFifoQueue:
			if !creating {
				return nil, errInvalidAttributeName("Unknown Attribute %s.", k)
			}
			if v != "true" && v != "false" {
				return nil, errInvalidAttributeValue("Invalid value for the parameter %s.", k)
			}
			if (v == "true") != fifo {
				return nil, errInvalidParameter("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
			}
			if fifo {
				out[k] = v
			}
		case attrContentBasedDedup, attrSqsManagedSse:
			if v != "true" && v != "false" {
				return nil, errInvalidAttributeValue("Invalid value for the parameter %s.", k)
			}
			out[k] = v
		case attrDeduplicationScope:
			if v != "queue" && v != "messageGroup" {
				return nil, errInvalidAttributeValue("Invalid value for the parameter %s.", k)
			}
			out[k] = v
		case attrFifoThroughputLimit:
			if v != "perQueue" && v != "perMessageGroupId" {
				return nil, errInvalidAttributeValue("Invalid value for the parameter %s.", k)
			}
			out[k] = v
		case attrPolicy:
			if v != "" && !json.Valid([]byte(v)) {
				return nil, errInvalidAttributeValue("Invalid value for the parameter Policy.")
			}
			out[k] = v
		case attrKmsMasterKeyID:
			out[k] = v
		case attrRedrivePolicy:
			norm, err := normalizeRedrivePolicy(v, fifo, queueKind)
			if err != nil {
				return nil, err
			}
			out[k] = norm
		case attrRedriveAllowPolicy:
			norm, err := normalizeRedriveAllowPolicy(v)
			if err != nil {
				return nil, err
			}
			out[k] = norm
		default:
			return nil, errInvalidAttributeName("Unknown Attribute %s.", k)
		}
	}
	return out, nil
}

func normalizeRedrivePolicy(v string, fifo bool, queueKind deadLetterTarget) (string, error) {
	if v == "" {
		return "", nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return "", errInvalidAttributeValue("Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map.")
	}
	var p redrivePolicy
	if err := json.Unmarshal(raw["deadLetterTargetArn"], &p.DeadLetterTargetArn); err != nil || p.DeadLetterTargetArn == "" {
		return "", errInvalidAttributeValue("Value %s for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: deadLetterTargetArn.", v)
	}
	mrc := strings.Trim(string(raw["maxReceiveCount"]), `"`)
	n, err := strconv.Atoi(mrc)
	if err != nil || n < 1 || n > 1000 {
		return "", errInvalidAttributeValue("Value %s for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: %s, valid values are from 1 to 1000 both inclusive.", v, mrc)
	}
	p.MaxReceiveCount = n
	exists, dlqFifo, allowed := queueKind(p.DeadLetterTargetArn)
	if !exists {
		return "", errInvalidAttributeValue("Value %s for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.", v)
	}
	if dlqFifo != fifo {
		return "", errInvalidAttributeValue("Value %s for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source.", v)
	}
	if !allowed {
		return "", errInvalidAttributeValue("Value %s for parameter RedrivePolicy is invalid. Reason: The RedriveAllowPolicy of the dead-letter queue does not allow this queue as a source.", v)
	}
	b, _ := json.Marshal(p)
	return string(b), nil
}

type redriveAllowPolicy struct {
	RedrivePermission string   `json:"redrivePermission"`
	SourceQueueArns   []string `json:"sourceQueueArns,omitempty"`
}

func normalizeRedriveAllowPolicy(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	var p redriveAllowPolicy
	bad := func(reason string) error {
		return errInvalidAttributeValue("Value %s for parameter RedriveAllowPolicy is invalid. Reason: %s", v, reason)
	}
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return "", bad("Redrive allow policy is not a valid JSON map.")
	}
	switch p.RedrivePermission {
	case "allowAll", "denyAll":
		if len(p.SourceQueueArns) > 0 {
			return "", bad("Only byQueue redrivePermission may specify sourceQueueArns.")
		}
	case "byQueue":
		if len(p.SourceQueueArns) < 1 || len(p.SourceQueueArns) > 10 {
			return "", bad("byQueue redrivePermission requires 1 to 10 sourceQueueArns.")
		}
	default:
		return "", bad("redrivePermission must be one of allowAll, denyAll, byQueue.")
	}
	b, _ := json.Marshal(p)
	return string(b), nil
}

// allowsSource reports whether a queue's RedriveAllowPolicy admits srcARN
// as a dead-letter source.
func allowsSource(policy, srcARN string) bool {
	if policy == "" {
		return true
	}
	var p redriveAllowPolicy
	if json.Unmarshal([]byte(policy), &p) != nil {
		return true
	}
	switch p.RedrivePermission {
	case "denyAll":
		return false
	case "byQueue":
		for _, a := range p.SourceQueueArns {
			if a == srcARN {
				return true
			}
		}
		return false
	}
	return true
}

// checkFifoCombination enforces AWS's rule for high-throughput FIFO.
func checkFifoCombination(a map[string]string) error {
	if a[attrFifoThroughputLimit] == "perMessageGroupId" && a[attrDeduplicationScope] == "queue" {
		return errInvalidParameter("The queue should either have ContentBasedDeduplication disabled or FifoThroughputLimit set to perMessageGroupId only when DeduplicationScope is messageGroup.")
	}
	return nil
}

func sameAttrs(cur, want map[string]string) bool {
	for k, v := range want {
		if cur[k] != v {
			return false
		}
	}
	return true
}

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }

var _ = fmt.Sprintf
