package events

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/licenseflow/licenseflow/schemas"
)

// TestValuesMatchSchemas holds the Go lists of roles and subscription
// statuses to the enums of the schemas that carry them.
func TestValuesMatchSchemas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		detailType, property string
		want                 []string
		valid                func(string) bool
	}{
		{TypeUserAddRequested, "role", []string{RoleMember, RoleAdmin}, ValidRole},
		{TypeUserAdded, "role", []string{RoleMember, RoleAdmin}, ValidRole},
		{TypeSubscriptionChanged, "status", subscriptionStatuses, ValidSubscriptionStatus},
	}
	for _, tt := range tests {
		t.Run(tt.detailType+"/"+tt.property, func(t *testing.T) {
			t.Parallel()
			raw, err := schemas.Schema(tt.detailType)
			if err != nil {
				t.Fatal(err)
			}
			var s struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatal(err)
			}
			enum := s.Properties[tt.property].Enum
			if !slices.Equal(slices.Sorted(slices.Values(enum)), slices.Sorted(slices.Values(tt.want))) {
				t.Fatalf("schema enum %v, Go values %v", enum, tt.want)
			}
			for _, v := range enum {
				if !tt.valid(v) {
					t.Errorf("%q of the schema is not valid in Go", v)
				}
			}
			for _, v := range []string{"", "Admin", "ACTIVE", "owner"} {
				if tt.valid(v) {
					t.Errorf("%q is valid in Go", v)
				}
			}
		})
	}
}
