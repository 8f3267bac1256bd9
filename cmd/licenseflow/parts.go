package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"

	"github.com/licenseflow/licenseflow/pipeline"
)

// Each function below reads from the environment what one part uses, and
// nothing else, into that part's configuration. The callers add what they
// share (clients, observer, logger).

func paymentConfig(ctx context.Context, e *environ) (pipeline.PaymentConfig, error) {
	key, err := e.signingKey(ctx)
	if err != nil {
		return pipeline.PaymentConfig{}, err
	}
	cat, _, err := e.plans()
	if err != nil {
		return pipeline.PaymentConfig{}, err
	}
	grace, err := e.paymentGrace()
	if err != nil {
		return pipeline.PaymentConfig{}, err
	}
	return pipeline.PaymentConfig{Bus: pipeline.Bus{Name: e.bus()}, SigningKey: key, Plans: cat, PaymentGrace: grace}, nil
}

func accountsConfig(e *environ, pub ed25519.PublicKey) pipeline.AccountsConfig {
	return pipeline.AccountsConfig{Bus: pipeline.Bus{Name: e.bus()}, PublicKey: pub}
}

func licensePushConfig(e *environ, pub ed25519.PublicKey) (pipeline.LicensePushConfig, error) {
	cidrs, err := e.allowedCIDRs()
	return pipeline.LicensePushConfig{Bus: pipeline.Bus{Name: e.bus()}, PublicKey: pub, AllowedCIDRs: cidrs}, err
}

// edgeConfig is what each edge is built on: the environment's bus.
func edgeConfig(e *environ) pipeline.EdgeConfig {
	return pipeline.EdgeConfig{Bus: pipeline.Bus{Name: e.bus()}}
}

// webhookConfig's generated reports that the secret came from the data
// directory (for run to print it).
func webhookConfig(ctx context.Context, e *environ) (cfg pipeline.WebhookConfig, generated bool, err error) {
	secrets, generated, err := e.webhookSecrets(ctx)
	return pipeline.WebhookConfig{EdgeConfig: edgeConfig(e), Secrets: secrets}, generated, err
}

func signupConfig(ctx context.Context, e *environ) (pipeline.SignupConfig, error) {
	secret, err := e.tokenSecret(ctx)
	if err != nil {
		return pipeline.SignupConfig{}, err
	}
	cat, _, err := e.plans()
	return pipeline.SignupConfig{EdgeConfig: edgeConfig(e), TokenSecret: secret, AppServers: e.appServers(), Plans: cat}, err
}

// stageConfig is where a single stage runs: its store, its queue
// (LICENSEFLOW_QUEUE or the default) on the clients, its logger.
func stageConfig(ctx context.Context, e *environ, c pipeline.Clients, log *slog.Logger) (pipeline.StageConfig, error) {
	store, err := e.store(ctx)
	return pipeline.StageConfig{Store: store, Queue: pipeline.Queue{Client: c.SQS, Name: e.queue()}, Logger: log}, err
}

// buildStage builds the named stage, alone, from the environment.
func buildStage(ctx context.Context, name string, e *environ, c pipeline.Clients, log *slog.Logger) (*pipeline.Stage, error) {
	sc, err := stageConfig(ctx, e, c, log)
	if err != nil {
		return nil, err
	}
	switch name {
	case pipeline.StagePayment:
		cfg, err := paymentConfig(ctx, e)
		if err != nil {
			return nil, err
		}
		cfg.StageConfig, cfg.Bus.Client = sc, c.Events
		p, err := pipeline.NewPayment(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return p.Stage, nil
	case pipeline.StageAccounts:
		pub, err := e.publicKey()
		if err != nil {
			return nil, err
		}
		cfg := accountsConfig(e, pub)
		cfg.StageConfig, cfg.Bus.Client = sc, c.Events
		return pipeline.NewAccounts(ctx, cfg)
	case pipeline.StageLicensePush:
		pub, err := e.publicKey()
		if err != nil {
			return nil, err
		}
		cfg, err := licensePushConfig(e, pub)
		if err != nil {
			return nil, err
		}
		cfg.StageConfig, cfg.Bus.Client = sc, c.Events
		return pipeline.NewLicensePush(ctx, cfg)
	}
	return nil, errors.New("unknown stage " + name)
}

// buildEdge builds the named edge ("webhook" or "signup"), alone, from
// the environment.
func buildEdge(ctx context.Context, name string, e *environ, c pipeline.Clients, log *slog.Logger) (*pipeline.Edge, error) {
	switch name {
	case "webhook":
		cfg, _, err := webhookConfig(ctx, e)
		if err != nil {
			return nil, err
		}
		cfg.Bus.Client, cfg.Logger = c.Events, log
		return pipeline.NewWebhook(cfg)
	case "signup":
		cfg, err := signupConfig(ctx, e)
		if err != nil {
			return nil, err
		}
		if cfg.Store, err = e.store(ctx); err != nil {
			return nil, err
		}
		cfg.Bus.Client, cfg.Logger = c.Events, log
		return pipeline.NewSignup(ctx, cfg)
	}
	return nil, errors.New("unknown edge " + name)
}
