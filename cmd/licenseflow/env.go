package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/pipeline"
)

// Environment of the deployed parts (Lambda, ECS, systemd) — the same names
// the template sets:
//
//	LICENSEFLOW_EVENT_BUS               bus name or ARN (default "licenseflow")
//	LICENSEFLOW_QUEUE                   queue (name or URL) of a single stage
//	LICENSEFLOW_SIGNING_KEY[_ARN]       Ed25519 private key, PEM or base64 (payment)
//	LICENSEFLOW_LICENSE_PUBLIC_KEY      public key, PEM or base64 (license push, app server)
//	LICENSEFLOW_WEBHOOK_SECRET[_ARN]    comma-separated webhook secrets (edge)
//	LICENSEFLOW_TOKEN_SECRET[_ARN]      bearer-token secret (edge)
//	DATABASE_URL                        store URL; or LICENSEFLOW_DATABASE_HOST with
//	LICENSEFLOW_DATABASE_SECRET[_ARN]   the RDS secret JSON {"username","password"}
//	LICENSEFLOW_APP_SERVERS             comma-separated host:port pool (edge)
//	LICENSEFLOW_PUSH_ALLOWED_CIDRS      comma-separated CIDRs deliveries may reach
//
// A NAME_ARN variable is read from AWS Secrets Manager (through the VPC
// endpoint inside the VPC), so no secret sits in plain configuration.

// envConfig builds the configuration of the given parts from the
// environment. With data set, secrets missing from the environment come
// from (or are generated under) data/keys, as `run` does.
func envConfig(ctx context.Context, parts []string, data string) (pipeline.Config, error) {
	cfg := pipeline.Config{Parts: parts, DataDir: data}
	need := func(ps ...string) bool {
		return slices.ContainsFunc(ps, func(p string) bool { return slices.Contains(parts, p) })
	}
	sm := &secretReader{}
	var local *secrets
	fallback := func() (*secrets, error) {
		if local == nil {
			if data == "" {
				return nil, errors.New("no --data directory to keep generated secrets in")
			}
			s, err := loadSecrets(data)
			if err != nil {
				return nil, err
			}
			local = &s
		}
		return local, nil
	}
	var errs []error
	if need(pipeline.PartPayment) {
		v, err := sm.value(ctx, "LICENSEFLOW_SIGNING_KEY")
		switch {
		case err != nil:
			errs = append(errs, err)
		case v != "":
			key, err := license.ParsePrivateKey([]byte(v))
			if err != nil {
				errs = append(errs, fmt.Errorf("LICENSEFLOW_SIGNING_KEY: %w", err))
			}
			cfg.SigningKey = key
		default:
			s, err := fallback()
			if err != nil {
				errs = append(errs, fmt.Errorf("signing key: %w", err))
			} else {
				cfg.SigningKey = s.SigningKey
			}
		}
	}
	if need(pipeline.PartLicensePush, pipeline.PartAppServer) {
		if v := os.Getenv("LICENSEFLOW_LICENSE_PUBLIC_KEY"); v != "" {
			pub, err := license.ParsePublicKey([]byte(v))
			if err != nil {
				errs = append(errs, fmt.Errorf("LICENSEFLOW_LICENSE_PUBLIC_KEY: %w", err))
			}
			cfg.PublicKey = pub
		} else if cfg.SigningKey != nil {
			cfg.PublicKey = cfg.SigningKey.Public().(ed25519.PublicKey)
		} else if s, err := fallback(); err != nil {
			errs = append(errs, fmt.Errorf("public key: %w", err))
		} else {
			cfg.PublicKey = s.PublicKey
		}
	}
	if need(pipeline.PartEdge) {
		hook, err := sm.value(ctx, "LICENSEFLOW_WEBHOOK_SECRET")
		if err != nil {
			errs = append(errs, err)
		}
		token, err := sm.value(ctx, "LICENSEFLOW_TOKEN_SECRET")
		if err != nil {
			errs = append(errs, err)
		}
		if hook == "" || token == "" {
			if s, err := fallback(); err != nil {
				errs = append(errs, fmt.Errorf("edge secrets: %w", err))
			} else {
				cfg.WebhookSecrets, cfg.TokenSecret = s.WebhookSecrets, s.TokenSecret
			}
		}
		if hook != "" {
			cfg.WebhookSecrets = splitList(hook)
		}
		if token != "" {
			cfg.TokenSecret = []byte(token)
		}
		cfg.AppServers = splitList(os.Getenv("LICENSEFLOW_APP_SERVERS"))
	}
	if need(pipeline.PartPayment, pipeline.PartAccounts, pipeline.PartLicensePush) {
		u, err := databaseURL(ctx, sm)
		if err != nil {
			errs = append(errs, err)
		}
		cfg.StoreURL = u
	}
	cidrs, err := parseCIDRs(os.Getenv("LICENSEFLOW_PUSH_ALLOWED_CIDRS"))
	if err != nil {
		errs = append(errs, err)
	}
	cfg.AllowedCIDRs = cidrs
	t := infra.Default()
	if bus := os.Getenv("LICENSEFLOW_EVENT_BUS"); bus != "" {
		t.Bus = bus
	}
	cfg.Topology = &t
	if q := os.Getenv("LICENSEFLOW_QUEUE"); q != "" && len(parts) == 1 {
		cfg.Queues = map[string]string{parts[0]: q}
	}
	return cfg, errors.Join(errs...)
}

// databaseURL is DATABASE_URL, or a PostgreSQL URL built from
// LICENSEFLOW_DATABASE_HOST and the RDS-managed secret; "" means the
// default SQLite file under the data directory.
func databaseURL(ctx context.Context, sm *secretReader) (string, error) {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u, nil
	}
	host := os.Getenv("LICENSEFLOW_DATABASE_HOST")
	if host == "" {
		return "", nil
	}
	raw, err := sm.value(ctx, "LICENSEFLOW_DATABASE_SECRET")
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
type secretReader struct{ client *secretsmanager.Client }

func (s *secretReader) value(ctx context.Context, name string) (string, error) {
	if v := os.Getenv(name); v != "" {
		return strings.TrimSpace(v), nil
	}
	arn := os.Getenv(name + "_ARN")
	if arn == "" {
		return "", nil
	}
	if s.client == nil {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return "", fmt.Errorf("loading AWS configuration: %w", err)
		}
		s.client = secretsmanager.NewFromConfig(cfg)
	}
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", fmt.Errorf("reading %s_ARN from Secrets Manager: %w", name, err)
	}
	return strings.TrimSpace(aws.ToString(out.SecretString)), nil
}
