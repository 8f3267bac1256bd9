package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/spf13/cobra"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/sdkhttp"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/plans"
)

// Environment of the deployed parts (Lambda, ECS, systemd) — the same names
// the template sets:
//
//	LICENSEFLOW_EVENT_BUS               bus name or ARN (default "licenseflow")
//	LICENSEFLOW_QUEUE                   queue (name or URL) of a single stage
//	LICENSEFLOW_SIGNING_KEY[_ARN]       Ed25519 private key, PEM or base64 (payment)
//	LICENSEFLOW_LICENSE_PUBLIC_KEY      public key, PEM or base64 (license push, accounts, app server)
//	LICENSEFLOW_WEBHOOK_SECRET[_ARN]    comma-separated webhook secrets (webhook edge)
//	LICENSEFLOW_TOKEN_SECRET[_ARN]      bearer-token secret (signup edge)
//	DATABASE_URL                        store URL; or LICENSEFLOW_DATABASE_HOST with
//	LICENSEFLOW_DATABASE_SECRET[_ARN]   the RDS secret JSON {"username","password"}
//	LICENSEFLOW_APP_SERVERS             comma-separated host:port pool (signup edge)
//	LICENSEFLOW_PUSH_ALLOWED_CIDRS      comma-separated CIDRs deliveries may reach
//	LICENSEFLOW_PLANS                   plans file (path), or its JSON text (payment, signup edge)
//	LICENSEFLOW_CONSOLE_TOKEN           the operator's console's token (run, console)
//	LICENSEFLOW_PAYMENT_GRACE           how long a license outlives a failed payment: 168h, 7d (payment)
//
// A NAME_ARN variable is read from AWS Secrets Manager (through the VPC
// endpoint inside the VPC), so no secret sits in plain configuration. Each
// part reads only the variables it uses.

// environ reads configuration from the environment, one value at a time,
// so a part asks for exactly what it uses. With a data directory, a secret
// the environment lacks comes from (or is generated under) DIR/keys, as
// `run` and the local commands do; without one (a Lambda) it is an error.
type environ struct {
	getenv  func(string) string
	secrets secretReader
	data    string
	keys    *keyDir
	// catalogue is the plans, read once (every part of a process sees the
	// same file, even if it changes meanwhile).
	catalogue *plansRead
}

type plansRead struct {
	c      plans.Catalogue
	source string
	err    error
}

// newEnviron reads through getenv (os.Getenv, or a map in tests); data ""
// means no local fallback.
func newEnviron(getenv func(string) string, data string) *environ {
	e := &environ{getenv: getenv, data: data, secrets: secretReader{getenv: getenv}}
	if data != "" {
		e.keys = &keyDir{dir: filepath.Join(data, "keys")}
	}
	return e
}

// withEnviron gives cmd the --data flag (usage says what the directory
// holds) and runs run with the environment on that data directory.
func withEnviron(cmd *cobra.Command, usage string, run func(cmd *cobra.Command, args []string, e *environ) error) *cobra.Command {
	var data string
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return run(cmd, args, newEnviron(os.Getenv, data)) }
	cmd.Flags().StringVar(&data, "data", defaultDataDir, usage)
	return cmd
}

// aws is the SDK configuration: the standard one, with us-east-1 when no
// region is set, and static local credentials against a local endpoint
// named without credentials (ElasticMQ and localaws accept any).
func (e *environ) aws() pipeline.AWSConfig {
	var c pipeline.AWSConfig
	if e.getenv("AWS_REGION") == "" && e.getenv("AWS_DEFAULT_REGION") == "" {
		c.Region = "us-east-1"
	}
	c.Endpoint = e.getenv("AWS_ENDPOINT_URL")
	c.StaticCredentials = e.externalEndpoint() && e.getenv("AWS_ACCESS_KEY_ID") == "" && e.getenv("AWS_PROFILE") == ""
	return c
}

// operatorAWS is the SDK configuration of an operator command (dlq,
// events): the environment's, with the --endpoint-url and --region flags
// over it. serviceVar is the service's own endpoint variable
// (AWS_ENDPOINT_URL_SQS, ...). onAWS reports that no endpoint is named:
// then the region is the SDK's own choice (AWS_REGION, the shared
// configuration), not the local default.
func (e *environ) operatorAWS(endpoint, region, serviceVar string) (cfg pipeline.AWSConfig, onAWS bool) {
	cfg = e.aws()
	if endpoint != "" {
		cfg.Endpoint = endpoint
		cfg.StaticCredentials = e.getenv("AWS_ACCESS_KEY_ID") == "" && e.getenv("AWS_PROFILE") == ""
	}
	onAWS = cfg.Endpoint == "" && e.getenv(serviceVar) == ""
	if onAWS {
		cfg.Region = ""
	}
	if region != "" {
		cfg.Region = region
	}
	return cfg, onAWS
}

// externalEndpoint reports whether the environment names an endpoint
// (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL_EVENTBRIDGE).
func (e *environ) externalEndpoint() bool {
	for _, v := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_EVENTBRIDGE"} {
		if e.getenv(v) != "" {
			return true
		}
	}
	return false
}

// onAWS reports whether the process runs on an AWS compute service
// (Lambda and ECS set AWS_EXECUTION_ENV).
func (e *environ) onAWS() bool { return e.getenv("AWS_EXECUTION_ENV") != "" }

// bus is LICENSEFLOW_EVENT_BUS ("" means the default).
func (e *environ) bus() string { return e.getenv("LICENSEFLOW_EVENT_BUS") }

// queue is LICENSEFLOW_QUEUE ("" means the stage's default).
func (e *environ) queue() string { return e.getenv("LICENSEFLOW_QUEUE") }

// appServers is LICENSEFLOW_APP_SERVERS.
func (e *environ) appServers() []string { return splitList(e.getenv("LICENSEFLOW_APP_SERVERS")) }

// allowedCIDRs is LICENSEFLOW_PUSH_ALLOWED_CIDRS (none: the default).
func (e *environ) allowedCIDRs() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range splitList(e.getenv("LICENSEFLOW_PUSH_ALLOWED_CIDRS")) {
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("LICENSEFLOW_PUSH_ALLOWED_CIDRS: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// plansVar names the owner's plans.
const plansVar = "LICENSEFLOW_PLANS"

// plans is the catalogue LICENSEFLOW_PLANS gives: the path of a plans file,
// or the plans as JSON text (a value starting with "{"), which is how the
// template hands them to a Lambda; unset, the built-in catalogue (source
// ""). source says where they came from, for `run` to print. The variable
// is read once per environ.
func (e *environ) plans() (c plans.Catalogue, source string, err error) {
	if e.catalogue == nil {
		c, source, err := readPlans(e.getenv(plansVar))
		e.catalogue = &plansRead{c: c, source: source, err: err}
	}
	return e.catalogue.c, e.catalogue.source, e.catalogue.err
}

func readPlans(v string) (c plans.Catalogue, source string, err error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return plans.Default(), "", nil
	case strings.HasPrefix(v, "{"):
		source = plansVar + " (JSON)"
		if c, err = plans.Parse([]byte(v)); err != nil {
			return c, source, fmt.Errorf("%s: %w", source, err)
		}
	default:
		source = v
		if c, err = plans.Load(v); err != nil { // its errors name the file
			return c, source, fmt.Errorf("%s: %w", plansVar, err)
		}
	}
	return c, source, nil
}

// paymentGrace is LICENSEFLOW_PAYMENT_GRACE: a Go duration (168h) or whole
// days (7d); 0 when unset (the payment stage's default).
func (e *environ) paymentGrace() (time.Duration, error) {
	const name = "LICENSEFLOW_PAYMENT_GRACE"
	v := strings.TrimSpace(e.getenv(name))
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
		if n > 3650 {
			err = errors.New("more than ten years")
		}
	}
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%q: want a duration such as 168h or 7d", name, v)
	}
	return d, nil
}

// secretOrLocal is the secret name (NAME or NAME_ARN) parsed by parse, or
// local's value from the data directory when the environment has none;
// fromEnv says which. Without a data directory a missing secret is an
// error naming it.
func secretOrLocal[T any](ctx context.Context, e *environ, name string, parse func(string) (T, error),
	local func(*keyDir) (T, error)) (v T, fromEnv bool, err error) {
	raw, err := e.secrets.value(ctx, name)
	switch {
	case err != nil:
		return v, false, err
	case raw != "":
		v, err = parse(raw)
		if err != nil {
			return v, true, fmt.Errorf("%s: %w", name, err)
		}
		return v, true, nil
	case e.keys == nil:
		return v, false, fmt.Errorf("%s (or %s_ARN) is not set", name, name)
	}
	v, err = local(e.keys)
	return v, false, err
}

// signingKey is LICENSEFLOW_SIGNING_KEY[_ARN], or the local key.
func (e *environ) signingKey(ctx context.Context) (ed25519.PrivateKey, error) {
	key, _, err := secretOrLocal(ctx, e, "LICENSEFLOW_SIGNING_KEY", func(s string) (ed25519.PrivateKey, error) {
		return license.ParsePrivateKey([]byte(s))
	}, (*keyDir).signingKey)
	return key, err
}

// publicKey is LICENSEFLOW_LICENSE_PUBLIC_KEY, or the local key's.
func (e *environ) publicKey() (ed25519.PublicKey, error) {
	const name = "LICENSEFLOW_LICENSE_PUBLIC_KEY"
	if v := e.getenv(name); v != "" {
		pub, err := license.ParsePublicKey([]byte(v))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return pub, nil
	}
	if e.keys == nil {
		return nil, fmt.Errorf("%s is not set", name)
	}
	return e.keys.publicKey()
}

// webhookSecrets is LICENSEFLOW_WEBHOOK_SECRET[_ARN], or the local secret
// (generated reports that it came from the data directory).
func (e *environ) webhookSecrets(ctx context.Context) (secrets []string, generated bool, err error) {
	secrets, fromEnv, err := secretOrLocal(ctx, e, "LICENSEFLOW_WEBHOOK_SECRET",
		func(s string) ([]string, error) { return splitList(s), nil },
		func(k *keyDir) ([]string, error) {
			s, err := k.webhookSecret()
			return []string{s}, err
		})
	return secrets, !fromEnv, err
}

// tokenSecret is LICENSEFLOW_TOKEN_SECRET[_ARN], or the local secret.
func (e *environ) tokenSecret(ctx context.Context) ([]byte, error) {
	secret, _, err := secretOrLocal(ctx, e, "LICENSEFLOW_TOKEN_SECRET",
		func(s string) ([]byte, error) { return []byte(s), nil }, (*keyDir).tokenSecret)
	return secret, err
}

// store is DATABASE_URL, or a PostgreSQL URL built from
// LICENSEFLOW_DATABASE_HOST and the RDS-managed secret, or the SQLite file
// under the data directory.
func (e *environ) store(ctx context.Context) (string, error) {
	if u := e.getenv("DATABASE_URL"); u != "" {
		return u, nil
	}
	host := e.getenv("LICENSEFLOW_DATABASE_HOST")
	if host == "" {
		if e.data == "" {
			return "", errors.New("no store: set DATABASE_URL or LICENSEFLOW_DATABASE_HOST")
		}
		return "sqlite:" + filepath.Join(e.data, "licenseflow.db"), nil
	}
	raw, err := e.secrets.value(ctx, "LICENSEFLOW_DATABASE_SECRET")
	if err != nil || raw == "" {
		return "", errors.Join(err, errors.New("LICENSEFLOW_DATABASE_HOST needs LICENSEFLOW_DATABASE_SECRET or _ARN"))
	}
	var cred struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal([]byte(raw), &cred); err != nil {
		return "", errors.New("LICENSEFLOW_DATABASE_SECRET: not the RDS secret JSON") // never echo the secret
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(cred.Username, cred.Password),
		Host: host + ":5432", Path: "/licenseflow", RawQuery: "sslmode=require"}
	return u.String(), nil
}

// secretReader reads NAME from the environment, or NAME_ARN from Secrets
// Manager.
type secretReader struct {
	getenv func(string) string
	client *secretsmanager.Client
}

func (s *secretReader) value(ctx context.Context, name string) (string, error) {
	if v := s.getenv(name); v != "" {
		return strings.TrimSpace(v), nil
	}
	arn := s.getenv(name + "_ARN")
	if arn == "" {
		return "", nil
	}
	if s.client == nil {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return "", fmt.Errorf("loading AWS configuration: %w", err)
		}
		cfg.HTTPClient = sdkhttp.Client(cfg.HTTPClient)
		s.client = secretsmanager.NewFromConfig(cfg)
	}
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", fmt.Errorf("reading %s_ARN from Secrets Manager: %w", name, err)
	}
	return strings.TrimSpace(aws.ToString(out.SecretString)), nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
