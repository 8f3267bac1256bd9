package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/pipeline"
)

// lambdaEntries are the values _HANDLER may take: the Handler of each
// function in the template (infra check holds the template to this list).
var lambdaEntries = []string{"webhook", "signup", pipeline.PartPayment, pipeline.PartAccounts, pipeline.PartLicensePush}

// inLambda reports whether the process is a Lambda function: the runtime
// API is set and _HANDLER names the part (the template sets it).
func inLambda() bool {
	return os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" && os.Getenv("_HANDLER") != ""
}

// startLambda serves the part _HANDLER names with the Lambda runtime: the
// edges behind API Gateway HTTP API v2, the stages on SQS event source
// mappings with ReportBatchItemFailures. The handlers are the same code the
// pollers run.
func startLambda(ctx context.Context) error {
	part := os.Getenv("_HANDLER")
	pipelinePart := part
	if part == "webhook" || part == "signup" {
		pipelinePart = pipeline.PartEdge
	}
	cfg, err := envConfig(ctx, []string{pipelinePart}, "/tmp/licenseflow")
	if err != nil {
		return err
	}
	cfg.HandlersOnly = true
	p, err := pipeline.Start(ctx, cfg)
	if err != nil {
		return err
	}
	switch part {
	case "webhook":
		lambda.StartWithOptions(p.Webhook.Lambda, lambda.WithContext(ctx))
	case "signup":
		lambda.StartWithOptions(p.Signup.Lambda, lambda.WithContext(ctx))
	case pipeline.PartPayment, pipeline.PartAccounts, pipeline.PartLicensePush:
		lambda.StartWithOptions(events.SQSLambdaHandler(p.Handlers[part], events.WithName(part)), lambda.WithContext(ctx))
	default:
		return fmt.Errorf("_HANDLER %q: want one of %s", part, strings.Join(lambdaEntries, ", "))
	}
	return nil
}
