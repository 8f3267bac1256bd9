package eventbridge

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

// archiveStateOutput answers CreateArchive and UpdateArchive.
type archiveStateOutput struct {
	ArchiveArn   string     `json:"ArchiveArn"`
	CreationTime *epochTime `json:"CreationTime"`
	State        string     `json:"State"`
	StateReason  string     `json:"StateReason,omitempty"`
}

// archiveOutput answers DescribeArchive and is an item of ListArchives.
type archiveOutput struct {
	ArchiveArn       string     `json:"ArchiveArn,omitempty"`
	ArchiveName      string     `json:"ArchiveName"`
	CreationTime     *epochTime `json:"CreationTime"`
	Description      string     `json:"Description,omitempty"`
	EventCount       int64      `json:"EventCount"`
	EventPattern     string     `json:"EventPattern,omitempty"`
	EventSourceArn   string     `json:"EventSourceArn"`
	KmsKeyIdentifier string     `json:"KmsKeyIdentifier,omitempty"`
	RetentionDays    int32      `json:"RetentionDays"`
	SizeBytes        int64      `json:"SizeBytes"`
	State            string     `json:"State"`
	StateReason      string     `json:"StateReason,omitempty"`
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

type listArchivesOutput struct {
	Archives  []*archiveOutput `json:"Archives"`
	NextToken string           `json:"NextToken,omitempty"`
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

// replayStateOutput answers StartReplay and CancelReplay.
type replayStateOutput struct {
	ReplayArn       string     `json:"ReplayArn"`
	ReplayStartTime *epochTime `json:"ReplayStartTime,omitempty"`
	State           string     `json:"State"`
	StateReason     string     `json:"StateReason,omitempty"`
}

// replayOutput answers DescribeReplay and is an item of ListReplays.
type replayOutput struct {
	ReplayArn             string             `json:"ReplayArn,omitempty"`
	ReplayName            string             `json:"ReplayName"`
	Description           string             `json:"Description,omitempty"`
	Destination           *replayDestination `json:"Destination,omitempty"`
	EventSourceArn        string             `json:"EventSourceArn"`
	EventStartTime        *epochTime         `json:"EventStartTime"`
	EventEndTime          *epochTime         `json:"EventEndTime"`
	EventLastReplayedTime *epochTime         `json:"EventLastReplayedTime,omitempty"`
	ReplayStartTime       *epochTime         `json:"ReplayStartTime,omitempty"`
	ReplayEndTime         *epochTime         `json:"ReplayEndTime,omitempty"`
	State                 string             `json:"State"`
	StateReason           string             `json:"StateReason,omitempty"`
}

type listReplaysOutput struct {
	Replays   []*replayOutput `json:"Replays"`
	NextToken string          `json:"NextToken,omitempty"`
}
