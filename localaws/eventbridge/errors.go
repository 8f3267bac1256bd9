package eventbridge

import (
	"encoding/base64"
	"regexp"
	"sort"
	"strings"

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

// page returns the slice of sorted names after the NextToken, at most
// limit long, and the token for the next page ("" at the end).
func page(names []string, prefix, token string, limit *int32) ([]string, string, error) {
	n := 100
	if limit != nil {
		if *limit < 1 || *limit > 100 {
			return nil, "", validation("Limit must be between 1 and 100.")
		}
		n = int(*limit)
	}
	start := 0
	if token != "" {
		after, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, "", validation("The NextToken is not valid.")
		}
		start = sort.SearchStrings(names, string(after))
		if start < len(names) && names[start] == string(after) {
			start++
		}
	}
	var out []string
	for _, name := range names[start:] {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		if len(out) == n {
			return out, base64.RawURLEncoding.EncodeToString([]byte(out[n-1])), nil
		}
		out = append(out, name)
	}
	return out, "", nil
}
