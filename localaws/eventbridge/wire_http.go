package eventbridge

import "encoding/json"

// The shapes of connections, API destinations and HTTP targets.

// httpParameters is a target's HttpParameters; a value that is a JSON
// path ("$.detail.id") is read from the event.
type httpParameters struct {
	PathParameterValues   []string          `json:"PathParameterValues,omitempty"`
	HeaderParameters      map[string]string `json:"HeaderParameters,omitempty"`
	QueryStringParameters map[string]string `json:"QueryStringParameters,omitempty"`
}

type connParameter struct {
	Key           string `json:"Key"`
	Value         string `json:"Value,omitempty"`
	IsValueSecret bool   `json:"IsValueSecret,omitempty"`
}

// connHTTPParameters are the headers, query strings and body values a
// connection adds to its requests.
type connHTTPParameters struct {
	HeaderParameters      []connParameter `json:"HeaderParameters,omitempty"`
	QueryStringParameters []connParameter `json:"QueryStringParameters,omitempty"`
	BodyParameters        []connParameter `json:"BodyParameters,omitempty"`
}

type apiKeyAuth struct {
	ApiKeyName  string `json:"ApiKeyName"`
	ApiKeyValue string `json:"ApiKeyValue,omitempty"`
}

type basicAuth struct {
	Username string `json:"Username"`
	Password string `json:"Password,omitempty"`
}

type oauthClient struct {
	ClientID     string `json:"ClientID"`
	ClientSecret string `json:"ClientSecret,omitempty"`
}

type oauthAuth struct {
	AuthorizationEndpoint string              `json:"AuthorizationEndpoint"`
	HttpMethod            string              `json:"HttpMethod"`
	ClientParameters      *oauthClient        `json:"ClientParameters,omitempty"`
	OAuthHttpParameters   *connHTTPParameters `json:"OAuthHttpParameters,omitempty"`
}

// connAuth is a connection's AuthParameters: with its secrets in a
// request and in the log, without them in a response.
type connAuth struct {
	ApiKeyAuthParameters     *apiKeyAuth         `json:"ApiKeyAuthParameters,omitempty"`
	BasicAuthParameters      *basicAuth          `json:"BasicAuthParameters,omitempty"`
	OAuthParameters          *oauthAuth          `json:"OAuthParameters,omitempty"`
	InvocationHttpParameters *connHTTPParameters `json:"InvocationHttpParameters,omitempty"`
}

type connectionInput struct {
	Name              string    `json:"Name"`
	Description       *string   `json:"Description"`
	AuthorizationType string    `json:"AuthorizationType"`
	AuthParameters    *connAuth `json:"AuthParameters"`
	// Private APIs, which localaws refuses.
	InvocationConnectivityParameters json.RawMessage `json:"InvocationConnectivityParameters"`
}

type connectionStateOutput struct {
	ConnectionArn      string     `json:"ConnectionArn"`
	ConnectionState    string     `json:"ConnectionState"`
	CreationTime       *epochTime `json:"CreationTime"`
	LastModifiedTime   *epochTime `json:"LastModifiedTime"`
	LastAuthorizedTime *epochTime `json:"LastAuthorizedTime,omitempty"`
}

type connectionOutput struct {
	connectionStateOutput
	Name              string    `json:"Name"`
	Description       string    `json:"Description,omitempty"`
	AuthorizationType string    `json:"AuthorizationType"`
	AuthParameters    *connAuth `json:"AuthParameters,omitempty"`
	SecretArn         string    `json:"SecretArn,omitempty"`
	StateReason       string    `json:"StateReason,omitempty"`
}

type listConnectionsOutput struct {
	Connections []*connectionOutput `json:"Connections"`
	NextToken   string              `json:"NextToken,omitempty"`
}

type apiDestinationInput struct {
	Name                         string  `json:"Name"`
	Description                  *string `json:"Description"`
	ConnectionArn                *string `json:"ConnectionArn"`
	InvocationEndpoint           *string `json:"InvocationEndpoint"`
	HttpMethod                   string  `json:"HttpMethod"`
	InvocationRateLimitPerSecond *int32  `json:"InvocationRateLimitPerSecond"`
}

type apiDestinationStateOutput struct {
	ApiDestinationArn   string     `json:"ApiDestinationArn"`
	ApiDestinationState string     `json:"ApiDestinationState"`
	CreationTime        *epochTime `json:"CreationTime"`
	LastModifiedTime    *epochTime `json:"LastModifiedTime"`
}

type apiDestinationOutput struct {
	apiDestinationStateOutput
	Name                         string `json:"Name"`
	Description                  string `json:"Description,omitempty"`
	ConnectionArn                string `json:"ConnectionArn"`
	InvocationEndpoint           string `json:"InvocationEndpoint"`
	HttpMethod                   string `json:"HttpMethod"`
	InvocationRateLimitPerSecond int32  `json:"InvocationRateLimitPerSecond"`
}

type listAPIDestinationsOutput struct {
	ApiDestinations []*apiDestinationOutput `json:"ApiDestinations"`
	NextToken       string                  `json:"NextToken,omitempty"`
}
