package eventbridge

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// A connection holds how API destinations authorize their requests: an
// API key header, basic auth, or an OAuth client-credentials grant. Its
// secrets are in the log (AWS keeps them in Secrets Manager) and in no
// response and no log line.

const (
	authAPIKey = "API_KEY"
	authBasic  = "BASIC"
	authOAuth  = "OAUTH_CLIENT_CREDENTIALS"

	connAuthorized   = "AUTHORIZED"
	connDeauthorized = "DEAUTHORIZED"
)

type connRecord struct {
	Name         string    `json:"name"`
	ID           string    `json:"id"` // the UUID in its ARN
	Description  string    `json:"desc,omitempty"`
	Type         string    `json:"type"`
	Auth         *connAuth `json:"auth"`
	Created      int64     `json:"c"`
	Modified     int64     `json:"m"`
	Deauthorized bool      `json:"deauth,omitempty"`
}

type connection struct {
	connRecord

	// fetching is held while a token is asked for: one request at a time.
	fetching sync.Mutex
	// The OAuth token and the outcome of the last authorization, in
	// memory only.
	mu           sync.Mutex
	token        string
	expires      time.Time
	failure      string // why the last authorization failed; "" when it did not
	authorizedAt time.Time
}

func (s *Service) connectionARN(c *connRecord) string {
	return "arn:aws:events:" + s.cfg.Region + ":" + s.cfg.AccountID + ":connection/" + c.Name + "/" + c.ID
}

func connectionNotFound(name string) *awsapi.Error {
	return notFound("Connection '%s' does not exist.", name)
}

// state is the connection's ConnectionState and StateReason.
func (c *connection) state() (string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.Deauthorized:
		return connDeauthorized, "Deauthorized by DeauthorizeConnection."
	case c.failure != "":
		return connDeauthorized, c.failure
	}
	return connAuthorized, ""
}

func (s *Service) createConnection(ctx context.Context, in *connectionInput) (*connectionStateOutput, error) {
	if !validName(in.Name, 64) {
		return nil, validation("Parameter Name is not valid: %q must match [\\.\\-_A-Za-z0-9]+ and have length 1 to 64.", in.Name)
	}
	if len(in.InvocationConnectivityParameters) > 0 {
		return nil, validation("localaws does not connect to private APIs (InvocationConnectivityParameters).")
	}
	now := s.now().UnixMilli()
	cr := &connRecord{Name: in.Name, ID: newEventID(), Type: in.AuthorizationType, Auth: in.AuthParameters, Created: now, Modified: now}
	if in.Description != nil {
		cr.Description = *in.Description
	}
	if err := cr.check(); err != nil {
		return nil, err
	}
	err := s.update(ctx, func() ([]*record, error) {
		if s.connections[in.Name] != nil {
			return nil, alreadyExists("Connection %s already exists.", in.Name)
		}
		return []*record{{Op: opConn, Conn: cr}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.connectionState(s.connectionNamed(in.Name)), nil
}

// check validates the authorization a connection record holds.
func (cr *connRecord) check() error {
	a := cr.Auth
	if a == nil {
		return validation("Parameter AuthParameters is required.")
	}
	switch cr.Type {
	case authAPIKey:
		if k := a.ApiKeyAuthParameters; k == nil || k.ApiKeyName == "" || k.ApiKeyValue == "" {
			return validation("API_KEY connections need ApiKeyAuthParameters with ApiKeyName and ApiKeyValue.")
		}
	case authBasic:
		if b := a.BasicAuthParameters; b == nil || b.Username == "" || b.Password == "" {
			return validation("BASIC connections need BasicAuthParameters with Username and Password.")
		}
	case authOAuth:
		o := a.OAuthParameters
		if o == nil || o.ClientParameters == nil || o.ClientParameters.ClientID == "" || o.ClientParameters.ClientSecret == "" {
			return validation("OAUTH_CLIENT_CREDENTIALS connections need OAuthParameters with ClientParameters (ClientID and ClientSecret).")
		}
		if !slices.Contains([]string{"GET", "POST", "PUT"}, o.HttpMethod) {
			return validation("OAuthParameters.HttpMethod must be GET, POST or PUT.")
		}
		if err := checkEndpoint("OAuthParameters.AuthorizationEndpoint", o.AuthorizationEndpoint); err != nil {
			return err
		}
	default:
		return validation("AuthorizationType must be API_KEY, BASIC or OAUTH_CLIENT_CREDENTIALS.")
	}
	return nil
}

func (s *Service) connectionNamed(name string) *connection {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.connections[name]
}

func (s *Service) connectionState(c *connection) *connectionStateOutput {
	state, _ := c.state()
	out := &connectionStateOutput{ConnectionArn: s.connectionARN(&c.connRecord), ConnectionState: state,
		resourceTimes: timesOf(time.UnixMilli(c.Created), time.UnixMilli(c.Modified))}
	c.mu.Lock()
	if !c.authorizedAt.IsZero() {
		out.LastAuthorizedTime = epochPtr(c.authorizedAt)
	}
	c.mu.Unlock()
	return out
}

func (s *Service) connectionOutput(c *connection) *connectionOutput {
	_, reason := c.state()
	return &connectionOutput{connectionStateOutput: *s.connectionState(c), Name: c.Name, Description: c.Description,
		AuthorizationType: c.Type, AuthParameters: c.Auth.redacted(), StateReason: reason,
		SecretArn: "arn:aws:secretsmanager:" + s.cfg.Region + ":" + s.cfg.AccountID + ":secret:events!connection/" + c.Name + "/" + c.ID}
}

func (s *Service) describeConnection(ctx context.Context, in *nameInput) (*connectionOutput, error) {
	c := s.connectionNamed(in.Name)
	if c == nil {
		return nil, connectionNotFound(in.Name)
	}
	return s.connectionOutput(c), nil
}

func (s *Service) listConnections(ctx context.Context, in *filteredListInput) (*listOutput[*connectionOutput], error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keep := func(c *connection) bool {
		state, _ := c.state()
		return in.ConnectionState == "" || in.ConnectionState == state
	}
	out := func(c *connection) *connectionOutput {
		o := s.connectionOutput(c)
		o.AuthParameters, o.SecretArn, o.Description = nil, "", ""
		return o
	}
	return listPageOf("Connections", s.connections, &in.listInput, keep, out)
}

// updateConnection changes what the request gives; secrets not given stay.
func (s *Service) updateConnection(ctx context.Context, in *connectionInput) (*connectionStateOutput, error) {
	if len(in.InvocationConnectivityParameters) > 0 {
		return nil, validation("localaws does not connect to private APIs (InvocationConnectivityParameters).")
	}
	err := updateNamed(ctx, s, s.connections, in.Name, connectionNotFound, func(c *connection) ([]*record, error) {
		cr := c.connRecord
		cr.Auth = cr.Auth.merge(in.AuthParameters)
		cr.Type = cmp.Or(in.AuthorizationType, cr.Type)
		if in.Description != nil {
			cr.Description = *in.Description
		}
		cr.Modified, cr.Deauthorized = s.now().UnixMilli(), false
		if err := cr.check(); err != nil {
			return nil, err
		}
		return []*record{{Op: opConn, Conn: &cr}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.connectionState(s.connectionNamed(in.Name)), nil
}

// deauthorizeConnection forgets the connection's secrets: its API
// destinations fail until UpdateConnection gives new ones.
func (s *Service) deauthorizeConnection(ctx context.Context, in *nameInput) (*connectionStateOutput, error) {
	err := updateNamed(ctx, s, s.connections, in.Name, connectionNotFound, func(c *connection) ([]*record, error) {
		cr := c.connRecord
		cr.Auth = cr.Auth.redacted()
		cr.Modified, cr.Deauthorized = s.now().UnixMilli(), true
		return []*record{{Op: opConn, Conn: &cr}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.connectionState(s.connectionNamed(in.Name)), nil
}

func (s *Service) deleteConnection(ctx context.Context, in *nameInput) (*connectionStateOutput, error) {
	var out *connectionStateOutput
	err := updateNamed(ctx, s, s.connections, in.Name, connectionNotFound, func(c *connection) ([]*record, error) {
		out = s.connectionState(c)
		out.ConnectionState = "DELETING"
		return []*record{{Op: opDelConn, Name: in.Name}}, nil
	})
	return out, err
}

// redacted is a copy of a without its secrets.
func (a *connAuth) redacted() *connAuth {
	if a == nil {
		return nil
	}
	out := &connAuth{InvocationHttpParameters: a.InvocationHttpParameters.redacted()}
	if k := a.ApiKeyAuthParameters; k != nil {
		out.ApiKeyAuthParameters = &apiKeyAuth{ApiKeyName: k.ApiKeyName}
	}
	if b := a.BasicAuthParameters; b != nil {
		out.BasicAuthParameters = &basicAuth{Username: b.Username}
	}
	if o := a.OAuthParameters; o != nil {
		oc := *o
		if o.ClientParameters != nil {
			oc.ClientParameters = &oauthClient{ClientID: o.ClientParameters.ClientID}
		}
		oc.OAuthHttpParameters = o.OAuthHttpParameters.redacted()
		out.OAuthParameters = &oc
	}
	return out
}

func (p *connHTTPParameters) redacted() *connHTTPParameters {
	if p == nil {
		return nil
	}
	hide := func(ps []connParameter) []connParameter {
		out := slices.Clone(ps)
		for i := range out {
			if out[i].IsValueSecret {
				out[i].Value = ""
			}
		}
		return out
	}
	return &connHTTPParameters{HeaderParameters: hide(p.HeaderParameters), QueryStringParameters: hide(p.QueryStringParameters),
		BodyParameters: hide(p.BodyParameters)}
}

// merge is a with the parts and non-empty values of u over it.
func (a *connAuth) merge(u *connAuth) *connAuth {
	if a == nil {
		return u
	}
	if u == nil {
		return a
	}
	out := *a
	if k := u.ApiKeyAuthParameters; k != nil {
		old := deref(a.ApiKeyAuthParameters)
		out.ApiKeyAuthParameters = &apiKeyAuth{ApiKeyName: cmp.Or(k.ApiKeyName, old.ApiKeyName), ApiKeyValue: cmp.Or(k.ApiKeyValue, old.ApiKeyValue)}
	}
	if b := u.BasicAuthParameters; b != nil {
		old := deref(a.BasicAuthParameters)
		out.BasicAuthParameters = &basicAuth{Username: cmp.Or(b.Username, old.Username), Password: cmp.Or(b.Password, old.Password)}
	}
	if o := u.OAuthParameters; o != nil {
		old := deref(a.OAuthParameters)
		merged := oauthAuth{AuthorizationEndpoint: cmp.Or(o.AuthorizationEndpoint, old.AuthorizationEndpoint),
			HttpMethod: cmp.Or(o.HttpMethod, old.HttpMethod), ClientParameters: old.ClientParameters,
			OAuthHttpParameters: cmp.Or(o.OAuthHttpParameters, old.OAuthHttpParameters)}
		if c := o.ClientParameters; c != nil {
			prev := deref(old.ClientParameters)
			merged.ClientParameters = &oauthClient{ClientID: cmp.Or(c.ClientID, prev.ClientID), ClientSecret: cmp.Or(c.ClientSecret, prev.ClientSecret)}
		}
		out.OAuthParameters = &merged
	}
	out.InvocationHttpParameters = cmp.Or(u.InvocationHttpParameters, a.InvocationHttpParameters)
	return &out
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// applyConnection stores a connection; the caller holds s.mu.
func (s *Service) applyConnection(cr *connRecord) {
	s.connections[cr.Name] = &connection{connRecord: *cr}
}

// connectionByARN returns the connection an ARN names (nil if none).
func (s *Service) connectionByARN(arn string) *connection {
	if c := s.connections[arnName(arn)]; c != nil && s.connectionARN(&c.connRecord) == arn {
		return c
	}
	return nil
}

// arnName returns the NAME of an ARN that ends in TYPE/NAME/ID, as the
// ARNs of connections and API destinations do ("" for any other).
func arnName(arn string) string {
	_, rest, _ := strings.Cut(arn, "/")
	name, _, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	return name
}
