package license

import "errors"

// Errors Verify and Parse return, wrapped with detail; test with errors.Is.
var (
	// ErrMalformed: the file is not a well-formed license file of a
	// supported format.
	ErrMalformed = errors.New("malformed license file")
	// ErrSignature: the signature does not verify with the given key, or
	// the file names another key.
	ErrSignature = errors.New("license signature invalid")
	// ErrExpired: the license is authentic but expired.
	ErrExpired = errors.New("license expired")
)
