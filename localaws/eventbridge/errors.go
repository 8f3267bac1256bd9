package eventbridge

import (
	"regexp"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

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

var (
	ruleNameRE = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)
	busNameRE  = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,256}$`)
	targetIDRE = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)
)

func checkRuleName(param, v string) error {
	if !ruleNameRE.MatchString(v) {
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length 1 to 64", v, param)
	}
	return nil
}
