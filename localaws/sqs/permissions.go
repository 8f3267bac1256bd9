package sqs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// AddPermission and RemovePermission edit the queue's Policy attribute, a
// statement per label, as SQS does. The policy is stored and returned, not
// enforced (see the package doc).

// permissionActions are the actions AddPermission grants.
var permissionActions = []string{"*", "ChangeMessageVisibility", "DeleteMessage", "GetQueueAttributes",
	"GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue", "ReceiveMessage", "SendMessage"}

// maxPermissionActions is how many actions one AddPermission may grant.
const maxPermissionActions = 7

// permissionStatement is the statement AddPermission adds: one principal or
// action is a string, more are a list, as AWS writes them.
type permissionStatement struct {
	Sid       string
	Effect    string
	Principal struct{ AWS any }
	Action    any
	Resource  string
}

// addPermission is the AddPermission operation.
func (s *Service) addPermission(ctx context.Context, q *queue, in *permissionInput) (*awsapi.Empty, error) {
	if err := checkLabel(in.Label); err != nil {
		return nil, err
	}
	if len(in.AWSAccountIDs) == 0 {
		return nil, errMissingParameter("AWSAccountIds")
	}
	if len(in.Actions) == 0 {
		return nil, errMissingParameter("Actions")
	}
	if len(in.Actions) > maxPermissionActions {
		return nil, &awsapi.Error{Status: 403, Code: "OverLimit", QueryCode: "OverLimit", Sender: true,
			Message: fmt.Sprintf("%d Actions were found, maximum allowed is %d.", len(in.Actions), maxPermissionActions)}
	}
	st := permissionStatement{Sid: in.Label, Effect: "Allow", Resource: q.arn}
	principals := make([]string, len(in.AWSAccountIDs))
	for i, a := range in.AWSAccountIDs {
		if len(a) != 12 || strings.Trim(a, "0123456789") != "" {
			return nil, errInvalidParameter("Value [%s] for parameter PrincipalId is invalid. Reason: Unable to verify.", a)
		}
		principals[i] = "arn:aws:iam::" + a + ":root"
	}
	actions := make([]string, len(in.Actions))
	for i, a := range in.Actions {
		if !slices.Contains(permissionActions, a) {
			return nil, errInvalidParameter("Value SQS:%s for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.", a)
		}
		actions[i] = "SQS:" + a
	}
	st.Principal.AWS, st.Action = oneOrList(principals), oneOrList(actions)
	return nil, s.changePolicy(ctx, q, func(statements []json.RawMessage) ([]json.RawMessage, error) {
		if slices.ContainsFunc(statements, func(r json.RawMessage) bool { return statementID(r) == in.Label }) {
			return nil, errInvalidParameter("Value %s for parameter Label is invalid. Reason: Already exists.", in.Label)
		}
		b, err := json.Marshal(st)
		return append(statements, b), err
	})
}

// removePermission is the RemovePermission operation.
func (s *Service) removePermission(ctx context.Context, q *queue, in *permissionInput) (*awsapi.Empty, error) {
	if err := checkLabel(in.Label); err != nil {
		return nil, err
	}
	return nil, s.changePolicy(ctx, q, func(statements []json.RawMessage) ([]json.RawMessage, error) {
		kept := slices.DeleteFunc(statements, func(r json.RawMessage) bool { return statementID(r) == in.Label })
		if len(kept) == len(statements) {
			return nil, errInvalidParameter("Value %s for parameter Label is invalid. Reason: can't find label on existing policy.", in.Label)
		}
		return kept, nil
	})
}

func checkLabel(label string) error {
	if label == "" {
		return errMissingParameter("Label")
	}
	if len(label) > 80 || !validName(label) {
		return errInvalidParameter("Value %s for parameter Label is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.", label)
	}
	return nil
}

func oneOrList(v []string) any {
	if len(v) == 1 {
		return v[0]
	}
	return v
}

func statementID(r json.RawMessage) string {
	var st struct{ Sid string }
	_ = json.Unmarshal(r, &st)
	return st.Sid
}

// changePolicy applies fn to the statements of q's Policy (a new policy
// when q has none) and stores the result; no statement left removes the
// attribute. The policy's other members are kept.
func (s *Service) changePolicy(ctx context.Context, q *queue, fn func([]json.RawMessage) ([]json.RawMessage, error)) error {
	return s.changeAttrs(ctx, q, func(attrs map[string]string) error {
		doc := map[string]json.RawMessage{}
		if p := attrs[attrPolicy]; p == "" || json.Unmarshal([]byte(p), &doc) != nil {
			doc = map[string]json.RawMessage{"Version": json.RawMessage(`"2012-10-17"`)}
			doc["Id"], _ = json.Marshal(q.arn + "/SQSDefaultPolicy")
		}
		var statements []json.RawMessage
		if raw := bytes.TrimSpace(doc["Statement"]); len(raw) > 0 && raw[0] == '{' {
			statements = []json.RawMessage{raw} // IAM allows one statement unlisted
		} else if len(raw) > 0 {
			_ = json.Unmarshal(raw, &statements)
		}
		statements, err := fn(statements)
		if err != nil {
			return err
		}
		if len(statements) == 0 {
			delete(attrs, attrPolicy)
			return nil
		}
		doc["Statement"], _ = json.Marshal(statements)
		b, err := json.Marshal(doc)
		attrs[attrPolicy] = string(b)
		return err
	})
}
