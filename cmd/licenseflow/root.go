package main

import "github.com/spf13/cobra"

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "licenseflow",
		Short:         "Event pipeline from payment webhooks and signups to signed licenses on private app servers",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("log-level", "info", "log level: debug, info, warn, error")
	root.AddCommand(newLocalAWSCmd(), newRunCmd(), newWebhookSignCmd(), newStageCmd(), newLicensePushCmd(), newAppServerCmd(),
		newInfraCmd(), newHealthcheckCmd(), newDLQCmd(), newEventsCmd(), newPlansCmd(), newLicenseCmd(), newConsoleCmd())
	return root
}
