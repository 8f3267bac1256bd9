package licensepush

import "fmt"

// checkCompanyID accepts the schemas' id syntax (1 to 128 of A-Z a-z 0-9
// _ . : -), except the path segments "." and "..": the id becomes part of
// the delivery URL's path.
func checkCompanyID(id string) error {
	if id == "" || len(id) > 128 || id == "." || id == ".." {
		return fmt.Errorf("company id %q is not valid", id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == ':' || c == '-') {
			return fmt.Errorf("company id %q is not valid", id)
		}
	}
	return nil
}
