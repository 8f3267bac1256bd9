package sqs

import (
	"encoding/base64"

	"github.com/licenseflow/licenseflow/localaws/awsquery"
)

// AppendXML implements awsquery.Appender: a received message's message
// attributes are the engine's own values, which the reflective encoder
// does not read.
func (o *receiveOutput) AppendXML(b []byte) []byte {
	for i := range o.Messages {
		b = o.Messages[i].appendXML(b)
	}
	return b
}

func (m *receivedMessage) appendXML(b []byte) []byte {
	b = append(b, "<Message>"...)
	b = awsquery.AppendElement(b, "MessageId", m.MessageID)
	b = awsquery.AppendElement(b, "ReceiptHandle", m.ReceiptHandle)
	b = awsquery.AppendElement(b, "MD5OfBody", m.MD5OfBody)
	b = awsquery.AppendElement(b, "Body", m.Body)
	for _, a := range m.Attributes {
		b = append(b, "<Attribute>"...)
		b = awsquery.AppendElement(b, "Name", a.Name)
		b = awsquery.AppendElement(b, "Value", a.Value)
		b = append(b, "</Attribute>"...)
	}
	if len(m.MessageAttributes) > 0 {
		b = awsquery.AppendElement(b, "MD5OfMessageAttributes", m.MD5OfMessageAttributes)
		for _, a := range m.MessageAttributes {
			b = append(b, "<MessageAttribute>"...)
			b = awsquery.AppendElement(b, "Name", a.name)
			b = append(b, "<Value>"...)
			if a.isBinary() {
				b = awsquery.AppendElement(b, "BinaryValue", base64.StdEncoding.EncodeToString(a.bin))
			} else {
				b = awsquery.AppendElement(b, "StringValue", a.str)
			}
			b = awsquery.AppendElement(b, "DataType", a.dataType)
			b = append(b, "</Value></MessageAttribute>"...)
		}
	}
	return append(b, "</Message>"...)
}
