// Package pipelinetest gives tests the whole pipeline of one process on
// loopback. For tests only.
package pipelinetest

import (
	"bytes"
	"crypto/ed25519"

	"github.com/licenseflow/licenseflow/pipeline"
)

// Config is the whole pipeline on loopback with free ports, its state under
// dir: the license key pair, the webhook secret and a fixed token secret
// given to the parts that use them. Hops, the logger and localaws's
// options are the caller's to add.
func Config(dir string, pub ed25519.PublicKey, priv ed25519.PrivateKey, webhookSecret string) pipeline.Config {
	return pipeline.Config{DataDir: dir,
		Edge:        pipeline.EdgeServerConfig{Addr: "127.0.0.1:0"},
		AppServer:   pipeline.AppServerConfig{Addr: "127.0.0.1:0", PublicKey: pub},
		Payment:     pipeline.PaymentConfig{SigningKey: priv},
		LicensePush: pipeline.LicensePushConfig{PublicKey: pub},
		Webhook:     pipeline.WebhookConfig{Secrets: []string{webhookSecret}},
		Signup:      pipeline.SignupConfig{TokenSecret: bytes.Repeat([]byte("t"), 32)}}
}
