package pipeline

import (
	"context"
	"testing"

	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
)

// TestDemoFlowOnPostgres runs the whole flow with the stages on PostgreSQL
// (--store postgres://...), as on AWS.
func TestDemoFlowOnPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	f := start(t, t.TempDir(), func(c *Config) { c.Store = url })
	res, err := f.demo.Run(context.Background())
	if err != nil {
		t.Fatalf("demo on PostgreSQL: %v", err)
	}
	if res.License.Serial != 1 || res.License.CompanyID != res.CompanyID {
		t.Fatalf("license = %+v", res.License)
	}
}
