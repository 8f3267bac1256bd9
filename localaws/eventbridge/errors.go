package eventbridge

import "github.com/licenseflow/licenseflow/localaws/awsapi"

// The error codes below are the shape names aws-sdk-go-v2 maps to the typed
// errors of service/eventbridge/types (ValidationException stays generic,
// as on AWS).

func validation(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ValidationException", format, args...)
}

func notFound(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ResourceNotFoundException", format, args...)
}

func alreadyExists(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ResourceAlreadyExistsException", format, args...)
}

func limitExceeded(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("LimitExceededException", format, args...)
}

// managed refuses a change of a rule EventBridge manages (an archive's).
func managed(r *rule) error {
	if r == nil || r.archive == nil {
		return nil
	}
	return awsapi.Errorf("ManagedRuleException", "Rule %s is managed by %s for archive %s and cannot be changed.",
		r.name, r.managedBy(), r.archive.name)
}

func busNotFound(name string) *awsapi.Error {
	return notFound("Event bus %s does not exist.", name)
}

func ruleNotFound(name, busName string) *awsapi.Error {
	return notFound("Rule %s does not exist on EventBus %s.", name, busName)
}

// validName reports whether s matches [\.\-_A-Za-z0-9]+ and is at most
// max bytes long: the pattern of EventBridge's names and target IDs.
func validName(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

func checkRuleName(param, v string) error {
	if !validName(v, 64) {
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length 1 to 64", v, param)
	}
	return nil
}
