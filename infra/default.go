package infra

// Queue names of the three stages.
const (
	BusName           = "licenseflow"
	QueuePayment      = "licenseflow-payment"
	QueueSignup       = "licenseflow-signup"
	QueueLicensePush  = "licenseflow-license-push"
	QueueDeliveryDLQ  = "licenseflow-delivery-dlq"
	defaultMaxReceive = 5
)

// Default is the topology the local runtime creates.
func Default() Topology {
	queue := func(name string) Queue {
		return Queue{Name: name, DLQ: name + "-dlq", MaxReceiveCount: defaultMaxReceive,
			VisibilityTimeout: 30, MessageRetentionPeriod: 345600, DLQRetentionPeriod: 1209600}
	}
	rule := func(name, pattern, q string) Rule {
		return Rule{Name: name, EventPattern: pattern, Queue: q, TargetDLQ: QueueDeliveryDLQ,
			MaxRetryAttempts: 185, MaxEventAgeSeconds: 86400}
	}
	return Topology{
		Bus: BusName,
		Queues: []Queue{
			queue(QueuePayment), queue(QueueSignup), queue(QueueLicensePush),
			{Name: QueueDeliveryDLQ, MessageRetentionPeriod: 1209600},
		},
		Rules: []Rule{
			rule("licenseflow-payment-events",
				`{"source":["licenseflow.webhook",{"prefix":"aws.partner/stripe.com"}]}`, QueuePayment),
			rule("licenseflow-signup-events", `{"source":["licenseflow.signup"]}`, QueueSignup),
			rule("licenseflow-license-push-events",
				`{"source":["licenseflow.payment","licenseflow.accounts"],"detail-type":["License Issued","Session Started"]}`,
				QueueLicensePush),
		},
	}
}
