package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/licenseflow/licenseflow/pipeline"
)

// lambdaEntries are the values _HANDLER may take: the Handler of each
// function in the template (infra check holds the template to this list).
var lambdaEntries = []string{"webhook", "signup", pipeline.StagePayment, pipeline.StageAccounts, pipeline.StageLicensePush}

// plansEntries are the entries that read LICENSEFLOW_PLANS (infra check
// holds their functions to one catalogue).
var plansEntries = []string{"signup", pipeline.StagePayment}

// inLambda reports whether the process is a Lambda function: the runtime
// API is set and _HANDLER names the part (the template sets it).
func inLambda() bool {
	return os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" && os.Getenv("_HANDLER") != ""
}

// startLambda serves the part _HANDLER names with the Lambda runtime.
func startLambda(ctx context.Context) error {
	handler, closeFn, err := lambdaEntry(ctx, os.Getenv("_HANDLER"), newEnviron(os.Getenv, ""), slog.Default())
	if err != nil {
		return err
	}
	defer closeFn()
	lambda.StartWithOptions(handler, lambda.WithContext(ctx))
	return nil
}

// lambdaEntry builds the one part name serves and returns its Lambda
// handler and what releases it: the edges behind API Gateway HTTP API v2,
// the stages on SQS event source mappings with ReportBatchItemFailures.
// The handlers are the same code the pollers run. It reads only what that
// part uses and has no data directory: a secret missing from the
// environment is an error, never generated.
func lambdaEntry(ctx context.Context, name string, e *environ, log *slog.Logger) (any, func() error, error) {
	if !slices.Contains(lambdaEntries, name) {
		return nil, nil, fmt.Errorf("_HANDLER %q: want one of %s", name, strings.Join(lambdaEntries, ", "))
	}
	clients, err := pipeline.NewClients(ctx, e.aws())
	if err != nil {
		return nil, nil, err
	}
	switch name {
	case "webhook", "signup":
		edge, err := buildEdge(ctx, name, e, clients, log)
		if err != nil {
			return nil, nil, err
		}
		return edge.Lambda, edge.Close, nil
	default:
		stage, err := buildStage(ctx, name, e, clients, log)
		if err != nil {
			return nil, nil, err
		}
		return stage.Lambda(), stage.Close, nil
	}
}
