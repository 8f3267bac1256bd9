package sqs

import (
	"fmt"
	"net/http"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// apiError builds a client error with AWS's shape name (code, which the SDK
// maps to a typed error) and its legacy query code (reported in the
// x-amzn-query-error header and surfaced by the SDK as ErrorCode()).
func apiError(code, queryCode, format string, args ...any) *awsapi.Error {
	return &awsapi.Error{Status: http.StatusBadRequest, Code: code, QueryCode: queryCode, Sender: true,
		Message: fmt.Sprintf(format, args...)}
}

func errQueueDoesNotExist() *awsapi.Error {
	return apiError("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue",
		"The specified queue does not exist.")
}

func errInvalidParameter(format string, args ...any) *awsapi.Error {
	return apiError("InvalidParameterValue", "InvalidParameterValue", format, args...)
}

func errMissingParameter(name string) *awsapi.Error {
	return apiError("MissingParameter", "MissingParameter", "The request must contain the parameter %s.", name)
}

func errInvalidAttributeName(format string, args ...any) *awsapi.Error {
	return apiError("InvalidAttributeName", "InvalidAttributeName", format, args...)
}

func errInvalidAttributeValue(format string, args ...any) *awsapi.Error {
	return apiError("InvalidAttributeValue", "InvalidAttributeValue", format, args...)
}

func errReceiptHandleInvalid(handle string) *awsapi.Error {
	return apiError("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid",
		"The input receipt handle \"%s\" is not a valid receipt handle.", handle)
}

func errMessageNotInflight() *awsapi.Error {
	return apiError("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight",
		"The message referred to isn't in flight.")
}

func errEmptyBatch(what string) *awsapi.Error {
	return apiError("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest",
		"There should be at least one %s in the request.", what)
}

func errTooManyEntries(n int) *awsapi.Error {
	return apiError("TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
		"Maximum number of entries per request are 10. You have sent %d.", n)
}

func errIDsNotDistinct(id string) *awsapi.Error {
	return apiError("BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
		"Id %s repeated.", id)
}

func errInvalidBatchEntryID() *awsapi.Error {
	return apiError("InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId",
		"A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
}

func errBatchTooLong(total, limit int) *awsapi.Error {
	return apiError("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong",
		"Batch requests cannot be longer than %d bytes. You have sent %d bytes.", limit, total)
}

func errQueueNameExists(name string) *awsapi.Error {
	return apiError("QueueNameExists", "QueueAlreadyExists",
		"A queue already exists with the same name and a different value for attribute(s) of %s.", name)
}

func errQueueDeletedRecently() *awsapi.Error {
	return apiError("QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently",
		"You must wait 60 seconds after deleting a queue before you can create another queue with the same name.")
}

func errPurgeInProgress(name string) *awsapi.Error {
	return apiError("PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress",
		"Only one PurgeQueue operation on %s is allowed every 60 seconds.", name)
}

func errInvalidMessageContents() *awsapi.Error {
	return apiError("InvalidMessageContents", "InvalidMessageContents",
		"Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
}

func errResourceNotFound(format string, args ...any) *awsapi.Error {
	return apiError("ResourceNotFoundException", "ResourceNotFoundException", format, args...)
}

func errUnsupported(format string, args ...any) *awsapi.Error {
	return apiError("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", format, args...)
}
