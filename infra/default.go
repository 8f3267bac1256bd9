package infra

import "fmt"

// Names in the topology of the embedded template under the default stack
// name ("licenseflow"). A test holds them equal to the template's.
const (
	BusName          = "licenseflow"
	QueuePayment     = "licenseflow-payment"
	QueueSignup      = "licenseflow-signup"
	QueueLicensePush = "licenseflow-license-push"
	QueueDeliveryDLQ = "licenseflow-delivery-dlq"
)

// DefaultStackName is AWS::StackName unless told otherwise.
const DefaultStackName = "licenseflow"

// Default is the topology of the embedded template under the default stack
// name: the one the local runtime creates.
func Default() Topology {
	t, err := LoadEmbedded(Options{})
	if err == nil {
		var top Topology
		if top, err = TopologyFromTemplate(t, DefaultStackName); err == nil {
			return top
		}
	}
	// The embedded template is loaded and checked by this package's tests.
	panic(fmt.Sprintf("infra: embedded template: %v", err))
}
