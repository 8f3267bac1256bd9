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

// pageInput is the paging every List operation takes.
type pageInput struct {
	NextToken string `json:"NextToken"`
	Limit     *int32 `json:"Limit"`
}

type listInput struct {
	NamePrefix string `json:"NamePrefix"`
	pageInput
	EventBusName string `json:"EventBusName"`
}

// resourceTimes are when a bus, connection or API destination was created
// and last changed.
type resourceTimes struct {
	CreationTime     *epochTime `json:"CreationTime"`
	LastModifiedTime *epochTime `json:"LastModifiedTime"`
}

func timesOf(created, modified time.Time) resourceTimes {
	return resourceTimes{epochPtr(created), epochPtr(modified)}
}

type eventBusOutput struct {
	Arn         string `json:"Arn"`
	Name        string `json:"Name"`
	Description string `json:"Description,omitempty"`
	resourceTimes
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

// targetsOf names the rule whose targets PutTargets, RemoveTargets and
// ListTargetsByRule work on.
type targetsOf struct {
	Rule         string `json:"Rule"`
	EventBusName string `json:"EventBusName"`
}

// busAndRule are the names of the bus and the rule, defaults applied.
func (t targetsOf) busAndRule() (bus, rule string) {
	return busName(t.EventBusName), ruleName(t.Rule)
}

type putTargetsInput struct {
	targetsOf
	Targets []Target `json:"Targets"`
}

type removeTargetsInput struct {
	targetsOf
	Ids   []string `json:"Ids"`
	Force bool     `json:"Force"`
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
	targetsOf
	pageInput
}

type listRuleNamesByTargetInput struct {
	TargetArn    string `json:"TargetArn"`
	EventBusName string `json:"EventBusName"`
	pageInput
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

type putRuleOutput struct {
	RuleArn string `json:"RuleArn"`
}

type testEventPatternOutput struct {
	Result bool `json:"Result"`
}

type listTagsOutput struct {
	Tags []tag `json:"Tags"`
}

// The shapes of connections, API destinations and HTTP targets.

// httpParameters is a target's HttpParameters; a value that is a JSON
// path ("$.detail.id") is read from the event.
type httpParameters struct {
	PathParameterValues   []string          `json:"PathParameterValues,omitempty"`
	HeaderParameters      map[string]string `json:"HeaderParameters,omitempty"`
	QueryStringParameters map[string]string `json:"QueryStringParameters,omitempty"`
}

type connParameter struct {
	Key           string `json:"Key"`
	Value         string `json:"Value,omitempty"`
	IsValueSecret bool   `json:"IsValueSecret,omitempty"`
}

// connHTTPParameters are the headers, query strings and body values a
// connection adds to its requests.
type connHTTPParameters struct {
	HeaderParameters      []connParameter `json:"HeaderParameters,omitempty"`
	QueryStringParameters []connParameter `json:"QueryStringParameters,omitempty"`
	BodyParameters        []connParameter `json:"BodyParameters,omitempty"`
}

type apiKeyAuth struct {
	ApiKeyName  string `json:"ApiKeyName"`
	ApiKeyValue string `json:"ApiKeyValue,omitempty"`
}

type basicAuth struct {
	Username string `json:"Username"`
	Password string `json:"Password,omitempty"`
}

type oauthClient struct {
	ClientID     string `json:"ClientID"`
	ClientSecret string `json:"ClientSecret,omitempty"`
}

type oauthAuth struct {
	AuthorizationEndpoint string              `json:"AuthorizationEndpoint"`
	HttpMethod            string              `json:"HttpMethod"`
	ClientParameters      *oauthClient        `json:"ClientParameters,omitempty"`
	OAuthHttpParameters   *connHTTPParameters `json:"OAuthHttpParameters,omitempty"`
}

// connAuth is a connection's AuthParameters: with its secrets in a
// request and in the log, without them in a response.
type connAuth struct {
	ApiKeyAuthParameters     *apiKeyAuth         `json:"ApiKeyAuthParameters,omitempty"`
	BasicAuthParameters      *basicAuth          `json:"BasicAuthParameters,omitempty"`
	OAuthParameters          *oauthAuth          `json:"OAuthParameters,omitempty"`
	InvocationHttpParameters *connHTTPParameters `json:"InvocationHttpParameters,omitempty"`
}

type connectionInput struct {
	Name              string    `json:"Name"`
	Description       *string   `json:"Description"`
	AuthorizationType string    `json:"AuthorizationType"`
	AuthParameters    *connAuth `json:"AuthParameters"`
	// Private APIs, which localaws refuses.
	InvocationConnectivityParameters json.RawMessage `json:"InvocationConnectivityParameters"`
}

type connectionStateOutput struct {
	ConnectionArn   string `json:"ConnectionArn"`
	ConnectionState string `json:"ConnectionState"`
	resourceTimes
	LastAuthorizedTime *epochTime `json:"LastAuthorizedTime,omitempty"`
}

type connectionOutput struct {
	connectionStateOutput
	Name              string    `json:"Name"`
	Description       string    `json:"Description,omitempty"`
	AuthorizationType string    `json:"AuthorizationType"`
	AuthParameters    *connAuth `json:"AuthParameters,omitempty"`
	SecretArn         string    `json:"SecretArn,omitempty"`
	StateReason       string    `json:"StateReason,omitempty"`
}

type apiDestinationInput struct {
	Name                         string  `json:"Name"`
	Description                  *string `json:"Description"`
	ConnectionArn                *string `json:"ConnectionArn"`
	InvocationEndpoint           *string `json:"InvocationEndpoint"`
	HttpMethod                   string  `json:"HttpMethod"`
	InvocationRateLimitPerSecond *int32  `json:"InvocationRateLimitPerSecond"`
}

type apiDestinationStateOutput struct {
	ApiDestinationArn   string `json:"ApiDestinationArn"`
	ApiDestinationState string `json:"ApiDestinationState"`
	resourceTimes
}

type apiDestinationOutput struct {
	apiDestinationStateOutput
	Name                         string `json:"Name"`
	Description                  string `json:"Description,omitempty"`
	ConnectionArn                string `json:"ConnectionArn"`
	InvocationEndpoint           string `json:"InvocationEndpoint"`
	HttpMethod                   string `json:"HttpMethod"`
	InvocationRateLimitPerSecond int32  `json:"InvocationRateLimitPerSecond"`
}

// The shapes of the archive and replay operations.

type createArchiveInput struct {
	ArchiveName      string  `json:"ArchiveName"`
	EventSourceArn   string  `json:"EventSourceArn"`
	Description      *string `json:"Description"`
	EventPattern     *string `json:"EventPattern"`
	RetentionDays    *int32  `json:"RetentionDays"`
	KmsKeyIdentifier *string `json:"KmsKeyIdentifier"`
}

type archiveNameInput struct {
	ArchiveName string `json:"ArchiveName"`
}

// archiveStateOutput answers CreateArchive and UpdateArchive. An item of
// ListArchives has no ArchiveArn.
type archiveStateOutput struct {
	ArchiveArn   string     `json:"ArchiveArn,omitempty"`
	CreationTime *epochTime `json:"CreationTime"`
	State        string     `json:"State"`
	StateReason  string     `json:"StateReason,omitempty"`
}

// archiveOutput answers DescribeArchive and is an item of ListArchives.
type archiveOutput struct {
	archiveStateOutput
	ArchiveName      string `json:"ArchiveName"`
	Description      string `json:"Description,omitempty"`
	EventCount       int64  `json:"EventCount"`
	EventPattern     string `json:"EventPattern,omitempty"`
	EventSourceArn   string `json:"EventSourceArn"`
	KmsKeyIdentifier string `json:"KmsKeyIdentifier,omitempty"`
	RetentionDays    int32  `json:"RetentionDays"`
	SizeBytes        int64  `json:"SizeBytes"`
}

// filteredListInput is a List input with the filters archives, replays,
// connections and API destinations take besides a name prefix.
type filteredListInput struct {
	listInput
	EventSourceArn  string `json:"EventSourceArn"`
	State           string `json:"State"`
	ConnectionArn   string `json:"ConnectionArn"`
	ConnectionState string `json:"ConnectionState"`
}

type replayDestination struct {
	Arn        string   `json:"Arn"`
	FilterArns []string `json:"FilterArns,omitempty"`
}

type startReplayInput struct {
	ReplayName     string             `json:"ReplayName"`
	Description    *string            `json:"Description"`
	EventSourceArn string             `json:"EventSourceArn"`
	EventStartTime *epochTime         `json:"EventStartTime"`
	EventEndTime   *epochTime         `json:"EventEndTime"`
	Destination    *replayDestination `json:"Destination"`
}

type replayNameInput struct {
	ReplayName string `json:"ReplayName"`
}

// replayStateOutput answers StartReplay and CancelReplay. An item of
// ListReplays has no ReplayArn.
type replayStateOutput struct {
	ReplayArn       string     `json:"ReplayArn,omitempty"`
	ReplayStartTime *epochTime `json:"ReplayStartTime,omitempty"`
	State           string     `json:"State"`
	StateReason     string     `json:"StateReason,omitempty"`
}

// replayOutput answers DescribeReplay and is an item of ListReplays.
type replayOutput struct {
	replayStateOutput
	ReplayName            string             `json:"ReplayName"`
	Description           string             `json:"Description,omitempty"`
	Destination           *replayDestination `json:"Destination,omitempty"`
	EventSourceArn        string             `json:"EventSourceArn"`
	EventStartTime        *epochTime         `json:"EventStartTime"`
	EventEndTime          *epochTime         `json:"EventEndTime"`
	EventLastReplayedTime *epochTime         `json:"EventLastReplayedTime,omitempty"`
	ReplayEndTime         *epochTime         `json:"ReplayEndTime,omitempty"`
}
