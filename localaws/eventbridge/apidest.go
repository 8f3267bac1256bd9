package eventbridge

import (
	"context"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// An API destination is an HTTP endpoint a rule's target calls through a
// connection. localaws calls only endpoints configured here (and the
// connections' OAuth endpoints), never link-local or metadata addresses.

var apiMethods = []string{"POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"}

// defaultRateLimit is InvocationRateLimitPerSecond when none is given.
const defaultRateLimit = 300

type apiDestRecord struct {
	Name        string `json:"name"`
	ID          string `json:"id"` // the UUID in its ARN
	Description string `json:"desc,omitempty"`
	Connection  string `json:"conn"` // ARN
	Endpoint    string `json:"url"`
	Method      string `json:"method"`
	Rate        int32  `json:"rate"`
	Created     int64  `json:"c"`
	Modified    int64  `json:"m"`
}

type apiDest struct{ apiDestRecord }

func (s *Service) apiDestARN(d *apiDestRecord) string {
	return "arn:aws:events:" + s.cfg.Region + ":" + s.cfg.AccountID + ":api-destination/" + d.Name + "/" + d.ID
}

func apiDestNotFound(name string) *awsapi.Error {
	return notFound("An api-destination '%s' does not exist.", name)
}

// checkEndpoint refuses a URL localaws will not call: not http(s), with
// credentials, or at a link-local, metadata or unspecified address.
func checkEndpoint(param, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return validation("Parameter %s is not valid: %q must be an http(s) URL without credentials.", param, raw)
	}
	if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil {
		if why := refusedAddr(ip); why != "" {
			return validation("Parameter %s is not valid: %s is %s.", param, ip, why)
		}
	}
	return nil
}

func (s *Service) createAPIDestination(ctx context.Context, in *apiDestinationInput) (*apiDestinationStateOutput, error) {
	if !validName(in.Name, 64) {
		return nil, validation("Parameter Name is not valid: %q must match [\\.\\-_A-Za-z0-9]+ and have length 1 to 64.", in.Name)
	}
	now := s.now().UnixMilli()
	dr := &apiDestRecord{Name: in.Name, ID: newEventID(), Rate: defaultRateLimit, Created: now, Modified: now}
	if err := dr.set(in); err != nil {
		return nil, err
	}
	err := s.update(ctx, func() ([]*record, error) {
		if s.apiDests[in.Name] != nil {
			return nil, alreadyExists("An api-destination %s already exists.", in.Name)
		}
		if s.connectionByARN(dr.Connection) == nil {
			return nil, notFound("Connection %s does not exist.", dr.Connection)
		}
		return []*record{{Op: opAPIDest, Dest: dr}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.apiDestState(dr), nil
}

// set takes the fields in gives (nil or "": unchanged) and validates the
// result.
func (dr *apiDestRecord) set(in *apiDestinationInput) error {
	if in.Description != nil {
		dr.Description = *in.Description
	}
	if in.ConnectionArn != nil {
		dr.Connection = *in.ConnectionArn
	}
	if in.InvocationEndpoint != nil {
		dr.Endpoint = *in.InvocationEndpoint
	}
	if in.HttpMethod != "" {
		dr.Method = in.HttpMethod
	}
	if in.InvocationRateLimitPerSecond != nil {
		dr.Rate = *in.InvocationRateLimitPerSecond
	}
	switch {
	case dr.Connection == "":
		return validation("Parameter ConnectionArn is required.")
	case !slices.Contains(apiMethods, dr.Method):
		return validation("Parameter HttpMethod must be one of %s.", strings.Join(apiMethods, ", "))
	case dr.Rate < 1 || dr.Rate > 300:
		return validation("Parameter InvocationRateLimitPerSecond must be between 1 and 300.")
	}
	return checkEndpoint("InvocationEndpoint", dr.Endpoint)
}

func (s *Service) apiDestState(dr *apiDestRecord) *apiDestinationStateOutput {
	return &apiDestinationStateOutput{ApiDestinationArn: s.apiDestARN(dr), ApiDestinationState: "ACTIVE",
		resourceTimes: timesOf(time.UnixMilli(dr.Created), time.UnixMilli(dr.Modified))}
}

func (s *Service) apiDestOutput(d *apiDest) *apiDestinationOutput {
	return &apiDestinationOutput{apiDestinationStateOutput: *s.apiDestState(&d.apiDestRecord), Name: d.Name,
		Description: d.Description, ConnectionArn: d.Connection, InvocationEndpoint: d.Endpoint, HttpMethod: d.Method,
		InvocationRateLimitPerSecond: d.Rate}
}

func (s *Service) describeAPIDestination(ctx context.Context, in *nameInput) (*apiDestinationOutput, error) {
	return describeOf(s, s.apiDests, in.Name, apiDestNotFound, s.apiDestOutput)
}

func (s *Service) listAPIDestinations(ctx context.Context, in *filteredListInput) (*listOutput[*apiDestinationOutput], error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keep := func(d *apiDest) bool { return in.ConnectionArn == "" || in.ConnectionArn == d.Connection }
	return listPageOf("ApiDestinations", s.apiDests, &in.listInput, keep, s.apiDestOutput)
}

func (s *Service) updateAPIDestination(ctx context.Context, in *apiDestinationInput) (*apiDestinationStateOutput, error) {
	var dr apiDestRecord
	err := updateNamed(ctx, s, s.apiDests, in.Name, apiDestNotFound, func(d *apiDest) ([]*record, error) {
		dr = d.apiDestRecord
		if err := dr.set(in); err != nil {
			return nil, err
		}
		if s.connectionByARN(dr.Connection) == nil {
			return nil, notFound("Connection %s does not exist.", dr.Connection)
		}
		dr.Modified = s.now().UnixMilli()
		return []*record{{Op: opAPIDest, Dest: &dr}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.apiDestState(&dr), nil
}

func (s *Service) deleteAPIDestination(ctx context.Context, in *nameInput) (*awsapi.Empty, error) {
	return nil, updateNamed(ctx, s, s.apiDests, in.Name, apiDestNotFound, func(*apiDest) ([]*record, error) {
		return []*record{{Op: opDelAPIDest, Name: in.Name}}, nil
	})
}

// apiDestByARN returns the API destination an ARN names (nil if none);
// the caller holds s.mu.
func (s *Service) apiDestByARN(arn string) *apiDest {
	if d := s.apiDests[arnName(arn)]; d != nil && s.apiDestARN(&d.apiDestRecord) == arn {
		return d
	}
	return nil
}
