package eventbridge

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// The request and response shapes of the AWS JSON 1.1 protocol: member names
// are the Smithy shape member names, timestamps are epoch seconds.

// epochTime is a timestamp in the protocol's epoch-seconds encoding.
type epochTime struct{ time.Time }

func (t epochTime) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

func (t *epochTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		// Accept an RFC 3339 string too: some clients send date-time.
		var s string
		if json.Unmarshal(b, &s) == nil {
			if tt, perr := time.Parse(time.RFC3339Nano, s); perr == nil {
				t.Time = tt
				return nil
			}
		}
		return fmt.Errorf("timestamp %s: want epoch seconds", b)
	}
	sec, frac := math.Modf(f)
	t.Time = time.Unix(int64(sec), int64(math.Round(frac*1e9)))
	return nil
}

func epochPtr(t time.Time) *epochTime { return &epochTime{t} }

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type deadLetterConfig struct {
	Arn string `json:"Arn,omitempty"`
}

type retryPolicy struct {
	MaximumEventAgeInSeconds *int32 `json:"MaximumEventAgeInSeconds,omitempty"`
	MaximumRetryAttempts     *int32 `json:"MaximumRetryAttempts,omitempty"`
}

type sqsParameters struct {
	MessageGroupId string `json:"MessageGroupId,omitempty"`
}

type inputTransformer struct {
	InputPathsMap map[string]string `json:"InputPathsMap,omitempty"`
	InputTemplate string            `json:"InputTemplate"`
}

// Target is the wire shape of a rule target; it is also what the log records.
type Target struct {
	Id               string            `json:"Id"`
	Arn              string            `json:"Arn"`
	RoleArn          string            `json:"RoleArn,omitempty"`
	Input            *string           `json:"Input,omitempty"`
	InputPath        *string           `json:"InputPath,omitempty"`
	InputTransformer *inputTransformer `json:"InputTransformer,omitempty"`
	SqsParameters    *sqsParameters    `json:"SqsParameters,omitempty"`
	DeadLetterConfig *deadLetterConfig `json:"DeadLetterConfig,omitempty"`
	RetryPolicy      *retryPolicy      `json:"RetryPolicy,omitempty"`
	HttpParameters   *httpParameters   `json:"HttpParameters,omitempty"`
}

type nameInput struct {
	Name string `json:"Name"`
}

type createEventBusInput struct {
	Name             string            `json:"Name"`
	Description      string            `json:"Description"`
	EventSourceName  string            `json:"EventSourceName"`
	DeadLetterConfig *deadLetterConfig `json:"DeadLetterConfig"`
	Tags             []tag             `json:"Tags"`
}

type listInput struct {
	NamePrefix   string `json:"NamePrefix"`
	NextToken    string `json:"NextToken"`
	Limit        *int32 `json:"Limit"`
	EventBusName string `json:"EventBusName"`
}

type eventBusOutput struct {
	Arn              string     `json:"Arn"`
	Name             string     `json:"Name"`
	Description      string     `json:"Description,omitempty"`
	CreationTime     *epochTime `json:"CreationTime,omitempty"`
	LastModifiedTime *epochTime `json:"LastModifiedTime,omitempty"`
}

type putRuleInput struct {
	Name               string  `json:"Name"`
	EventBusName       string  `json:"EventBusName"`
	EventPattern       *string `json:"EventPattern"`
	ScheduleExpression string  `json:"ScheduleExpression"`
	State              string  `json:"State"`
	Description        *string `json:"Description"`
	RoleArn            *string `json:"RoleArn"`
	Tags               []tag   `json:"Tags"`
}

type ruleRef struct {
	Name         string `json:"Name"`
	Rule         string `json:"Rule"`
	EventBusName string `json:"EventBusName"`
	Force        bool   `json:"Force"`
}

type ruleOutput struct {
	Arn                string `json:"Arn"`
	Name               string `json:"Name"`
	EventBusName       string `json:"EventBusName"`
	EventPattern       string `json:"EventPattern,omitempty"`
	ScheduleExpression string `json:"ScheduleExpression,omitempty"`
	State              string `json:"State"`
	Description        string `json:"Description,omitempty"`
	RoleArn            string `json:"RoleArn,omitempty"`
	CreatedBy          string `json:"CreatedBy,omitempty"`
	ManagedBy          string `json:"ManagedBy,omitempty"`
}

type putTargetsInput struct {
	Rule         string   `json:"Rule"`
	EventBusName string   `json:"EventBusName"`
	Targets      []Target `json:"Targets"`
}

type removeTargetsInput struct {
	Rule         string   `json:"Rule"`
	EventBusName string   `json:"EventBusName"`
	Ids          []string `json:"Ids"`
	Force        bool     `json:"Force"`
}

type failedTarget struct {
	TargetId     string `json:"TargetId"`
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

type targetsResult struct {
	FailedEntries    []failedTarget `json:"FailedEntries"`
	FailedEntryCount int            `json:"FailedEntryCount"`
}

type listTargetsInput struct {
	Rule         string `json:"Rule"`
	EventBusName string `json:"EventBusName"`
	NextToken    string `json:"NextToken"`
	Limit        *int32 `json:"Limit"`
}

type listRuleNamesByTargetInput struct {
	TargetArn    string `json:"TargetArn"`
	EventBusName string `json:"EventBusName"`
	NextToken    string `json:"NextToken"`
	Limit        *int32 `json:"Limit"`
}

type testEventPatternInput struct {
	Event        *string `json:"Event"`
	EventPattern *string `json:"EventPattern"`
}

type putEventsEntry struct {
	Source       *string    `json:"Source"`
	DetailType   *string    `json:"DetailType"`
	Detail       *string    `json:"Detail"`
	Resources    []string   `json:"Resources"`
	EventBusName string     `json:"EventBusName"`
	Time         *epochTime `json:"Time"`
	TraceHeader  string     `json:"TraceHeader"`
}

type putEventsInput struct {
	Entries    []putEventsEntry `json:"Entries"`
	EndpointId string           `json:"EndpointId"`
}

type putEventsResultEntry struct {
	EventId      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

type putEventsOutput struct {
	Entries          []putEventsResultEntry `json:"Entries"`
	FailedEntryCount int                    `json:"FailedEntryCount"`
}

type tagResourceInput struct {
	ResourceARN string   `json:"ResourceARN"`
	Tags        []tag    `json:"Tags"`
	TagKeys     []string `json:"TagKeys"`
}

type createEventBusOutput struct {
	EventBusArn string `json:"EventBusArn"`
	Description string `json:"Description,omitempty"`
}

type listEventBusesOutput struct {
	EventBuses []*eventBusOutput `json:"EventBuses"`
	NextToken  string            `json:"NextToken,omitempty"`
}

type putRuleOutput struct {
	RuleArn string `json:"RuleArn"`
}

type listRulesOutput struct {
	Rules     []*ruleOutput `json:"Rules"`
	NextToken string        `json:"NextToken,omitempty"`
}

type listTargetsOutput struct {
	Targets   []Target `json:"Targets"`
	NextToken string   `json:"NextToken,omitempty"`
}

type listRuleNamesOutput struct {
	RuleNames []string `json:"RuleNames"`
	NextToken string   `json:"NextToken,omitempty"`
}

type testEventPatternOutput struct {
	Result bool `json:"Result"`
}

type listTagsOutput struct {
	Tags []tag `json:"Tags"`
}
