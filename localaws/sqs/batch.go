package sqs

import (
	"slices"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// checkBatchIDs applies the batch rules: 1 to 10 entries, ids valid and
// distinct. what names the entry shape in the error.
func checkBatchIDs(ids []string, what string) error {
	if len(ids) == 0 {
		return errEmptyBatch(what)
	}
	if len(ids) > 10 {
		return errTooManyEntries(len(ids))
	}
	for i, id := range ids {
		if !validBatchID(id) {
			return errInvalidBatchEntryID()
		}
		if slices.Contains(ids[:i], id) { // at most 10: no map needed
			return errIDsNotDistinct(id)
		}
	}
	return nil
}

func validBatchID(id string) bool {
	return len(id) <= 80 && validName(id)
}

// validName reports whether s is non-empty and only letters, digits,
// hyphens and underscores, as batch entry ids and queue names must be.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// newBatchResult sorts the entries of a batch request, named by ids, into
// failures (failed(i) is not nil) and successes (made by ok).
func newBatchResult[T jsonObject](ids []string, failed func(i int) *awsapi.Error, ok func(i int) T) *batchResult[T] {
	r := &batchResult[T]{Successful: make([]T, 0, len(ids))}
	for i, id := range ids {
		if e := failed(i); e != nil {
			r.Failed = append(r.Failed, batchFailure{ID: id, SenderFault: e.Sender, Code: e.Code, Message: e.Message})
			continue
		}
		r.Successful = append(r.Successful, ok(i))
	}
	return r
}

// receiptBatch runs a batch operation on receipt handles: the batch rules
// (what names the entry shape in their errors), then apply on the entries,
// which returns an error or nil for each.
func receiptBatch(in *receiptBatchInput, what string, apply func([]receiptEntry) ([]*awsapi.Error, error)) (*batchResult[batchEntryID], error) {
	ids := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = e.ID
	}
	if err := checkBatchIDs(ids, what); err != nil {
		return nil, err
	}
	errs, err := apply(in.Entries)
	if err != nil {
		return nil, err
	}
	return newBatchResult(ids,
		func(i int) *awsapi.Error { return errs[i] },
		func(i int) batchEntryID { return batchEntryID{ids[i]} }), nil
}
