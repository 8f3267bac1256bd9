package dlq

// Action is what happened to one message.
type Action string

// Actions reported to an Observer.
const (
	ActionMoved     Action = "moved"      // copied to the destination and deleted from the DLQ
	ActionWouldMove Action = "would-move" // dry run: would have been moved
	ActionSkipped   Action = "skipped"    // did not match the filters; released
	ActionFailed    Action = "failed"     // not moved; still in the DLQ (or in both, see Error)
	ActionShown     Action = "shown"      // show printed it
	ActionPurged    Action = "purged"     // purge removed it (counted in bulk)
)

// Outcome reports one message (or, for Count > 1, several at once).
type Outcome struct {
	Action      Action
	MessageID   string
	Destination string
	Error       string
	// Count is how many messages this outcome stands for; 0 means 1.
	Count int64
}

// Observer follows an operation's progress: the CLI draws a progress bar
// or prints lines. Calls may come from several goroutines at once.
type Observer interface {
	// Planned reports how many messages the operation expects to go
	// through (approximate; -1 when unknown).
	Planned(n int64)
	// Done reports what happened to a message.
	Done(o Outcome)
}

// Summary is the result of an operation.
type Summary struct {
	Operation   string `json:"operation"`
	Queue       string `json:"queue"`
	Destination string `json:"destination,omitempty"`
	DryRun      bool   `json:"dry_run,omitempty"`
	// MoveTask is the StartMessageMoveTask handle when SQS moved the
	// messages itself.
	MoveTask string   `json:"move_task,omitempty"`
	Moved    int64    `json:"moved"`
	Skipped  int64    `json:"skipped"`
	Failed   int64    `json:"failed"`
	Errors   []string `json:"errors,omitempty"`
	// WouldMove counts the messages a dry run would have moved.
	WouldMove int64 `json:"would_move,omitempty"`
	// Shown and Purged count messages of show and purge.
	Shown  int64 `json:"shown,omitempty"`
	Purged int64 `json:"purged,omitempty"`
	// Notes say things the operator should know (a move task was used,
	// messages were left for a later run, ...).
	Notes []string `json:"notes,omitempty"`
}

// nopObserver ignores everything.
type nopObserver struct{}

func (nopObserver) Planned(int64) {}
func (nopObserver) Done(Outcome)  {}

func observerOr(o Observer) Observer {
	if o == nil {
		return nopObserver{}
	}
	return o
}
